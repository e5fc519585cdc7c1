package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sbxCDF is the analytic distribution function of SBX's spread factor β with
// index eta, cut at bound (the spread that puts the child on the edge of
// [0, 1]) and renormalised: β^(eta+1)/α up to 1, (2-β^-(eta+1))/α beyond,
// with α = 2 - bound^-(eta+1).
func sbxCDF(b, eta, bound float64) float64 {
	alpha := 2 - math.Pow(bound, -(eta+1))
	switch {
	case b <= 0:
		return 0
	case b <= 1:
		return math.Pow(b, eta+1) / alpha
	case b < bound:
		return (2 - math.Pow(b, -(eta+1))) / alpha
	}
	return 1
}

// ksDistance is the Kolmogorov-Smirnov statistic of sample x (sorted in
// place) against cdf.
func ksDistance(x []float64, cdf func(float64) float64) float64 {
	slices.Sort(x)
	n := float64(len(x))
	var d float64
	for i, v := range x {
		f := cdf(v)
		d = max(d, math.Abs(f-float64(i)/n), math.Abs(float64(i+1)/n-f))
	}
	return d
}

// TestSBXSpread compares the spread factors of SBX children at index 10
// with the analytic SBX distribution by a Kolmogorov-Smirnov test: for
// parents far from the bounds (nearly the unbounded distribution) and for
// parents near them, where the distribution is cut. The same samples must
// fail the test against index 15, so the test can fail.
func TestSBXSpread(t *testing.T) {
	const n = 20000
	// The KS critical value at significance 0.001 is 1.95/sqrt(n).
	crit := 1.95 / math.Sqrt(n)
	for _, tc := range []struct{ y1, y2 float64 }{{0.45, 0.55}, {0.3, 0.7}, {0.02, 0.1}, {0.8, 0.97}} {
		rng := rand.New(rand.NewPCG(uint64(tc.y1*1000), uint64(tc.y2*1000)))
		d := tc.y2 - tc.y1
		lower, upper := 1+2*tc.y1/d, 1+2*(1-tc.y2)/d
		b1, b2 := make([]float64, n), make([]float64, n)
		for i := range n {
			c1, c2 := sbxGene(tc.y1, tc.y2, rng.Float64(), sbxEta)
			if c1 < 0 || c2 > 1 || c1 > c2 {
				t.Fatalf("parents %v, %v: children %v, %v out of order or range", tc.y1, tc.y2, c1, c2)
			}
			b1[i] = (tc.y1 + tc.y2 - 2*c1) / d
			b2[i] = (2*c2 - tc.y1 - tc.y2) / d
		}
		for _, s := range []struct {
			name  string
			b     []float64
			bound float64
		}{{"lower child", b1, lower}, {"upper child", b2, upper}} {
			if ks := ksDistance(s.b, func(b float64) float64 { return sbxCDF(b, sbxEta, s.bound) }); ks > crit {
				t.Errorf("parents %v, %v, %s: KS distance %.4f from SBX(η=10), above %.4f", tc.y1, tc.y2, s.name, ks, crit)
			}
			if ks := ksDistance(s.b, func(b float64) float64 { return sbxCDF(b, 15, s.bound) }); ks <= crit {
				t.Errorf("parents %v, %v, %s: KS distance %.4f from SBX(η=15) does not tell the indices apart", tc.y1, tc.y2, s.name, ks)
			}
		}
	}
}

// TestCrossBytes: byte crossover keeps equal genes, keeps children within
// one rounding step of the parents' mean on average (SBX preserves the
// mean away from the bounds), and gives each child either side of the
// midpoint about half the time.
func TestCrossBytes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n = 100000
	a, b, x, y := make([]uint8, n), make([]uint8, n), make([]uint8, n), make([]uint8, n)
	for i := range n {
		a[i] = uint8(64 + rng.IntN(128))
		b[i] = uint8(64 + rng.IntN(128))
		if i%10 == 0 {
			b[i] = a[i]
		}
	}
	crossBytes(rng, a, b, x, y)
	var sumP, sumC float64
	var xLow, differ int
	for i := range n {
		if a[i] == b[i] {
			if x[i] != a[i] || y[i] != a[i] {
				t.Fatalf("gene %d: equal parents %d gave %d, %d", i, a[i], x[i], y[i])
			}
			continue
		}
		differ++
		sumP += float64(a[i]) + float64(b[i])
		sumC += float64(x[i]) + float64(y[i])
		if x[i] < y[i] {
			xLow++
		}
	}
	if m := math.Abs(sumP-sumC) / float64(differ); m > 0.5 {
		t.Errorf("children's sum differs from the parents' by %.3f per gene on average", m)
	}
	if f := float64(xLow) / float64(differ); math.Abs(f-0.5) > 0.01 {
		t.Errorf("first child below the second in %.3f of genes, want 0.5", f)
	}
}
