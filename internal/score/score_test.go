package score

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestOf(t *testing.T) {
	tests := []struct {
		name   string
		evals  []int64
		budget int64
		want   float64
	}{
		{"every class at the first evaluation", []int64{1, 1, 1}, 1000, 0},
		{"none within the budget", []int64{Censored, Censored}, 1000, 1},
		{"at the budget counts as not fooled sooner", []int64{1000}, 1000, 1},
		{"square root of the budget is half", []int64{100}, 10000, 0.5},
		{"mixed", []int64{1, Censored, 100}, 10000, 0.5},
		{"no classes", nil, 1000, 1},
		{"budget of one", []int64{1, Censored}, 1, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Of(tt.evals, tt.budget); math.Abs(got-tt.want) > 1e-12 {
				t.Fatalf("Of(%v, %d) = %v, want %v", tt.evals, tt.budget, got, tt.want)
			}
		})
	}
}

// TestOfIsCurveArea checks the closed form against its definition: one
// minus the area under the share of classes fooled against ln(evaluations).
func TestOfIsCurveArea(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const budget = 5000
	evals := make([]int64, 37)
	for i := range evals {
		if rng.IntN(4) > 0 {
			evals[i] = 1 + rng.Int64N(budget)
		}
	}
	// Integrate the step curve numerically over ln e.
	var area float64
	const steps = 200000
	for s := range steps {
		e := math.Exp((float64(s) + 0.5) / steps * math.Log(budget))
		fooled := 0
		for _, x := range evals {
			if x != Censored && float64(x) <= e {
				fooled++
			}
		}
		area += float64(fooled) / float64(len(evals)) / steps
	}
	if got := Of(evals, budget); math.Abs(got-(1-area)) > 1e-3 {
		t.Fatalf("Of = %v, 1 - area = %v", got, 1-area)
	}
}

func TestMedian(t *testing.T) {
	if m, ok := Median([]int64{30, Censored, 10, 20}); !ok || m != 20 {
		t.Fatalf("got %d %v, want 20", m, ok)
	}
	if _, ok := Median([]int64{30, Censored, Censored}); ok {
		t.Fatal("a censored median was reported as known")
	}
	got := MedianOf([][]int64{{5, Censored, 7}, {3, Censored, Censored}, {4, 9, Censored}})
	want := []int64{4, Censored, Censored}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("MedianOf = %v, want %v", got, want)
		}
	}
}

// bruteLower enumerates every sign assignment.
func bruteLower(d []float64) float64 {
	n := len(d)
	ranks := make([]float64, n)
	for i := range d {
		less, equal := 0, 0
		for j := range d {
			switch {
			case math.Abs(d[j]) < math.Abs(d[i]):
				less++
			case math.Abs(d[j]) == math.Abs(d[i]):
				equal++
			}
		}
		ranks[i] = float64(less) + float64(equal+1)/2
	}
	var observed float64
	for i := range d {
		if d[i] < 0 {
			observed += ranks[i]
		}
	}
	hits := 0
	for mask := range 1 << n {
		var s float64
		for i := range n {
			if mask&(1<<i) != 0 {
				s += ranks[i]
			}
		}
		if s >= observed-1e-9 {
			hits++
		}
	}
	return float64(hits) / float64(int(1)<<n)
}

func TestSignedRankExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 200 {
		n := 1 + rng.IntN(12)
		d := make([]float64, n)
		for i := range d {
			// Few magnitudes, so ties are common.
			d[i] = float64(1+rng.IntN(4)) * float64(1-2*rng.IntN(2))
			if trial%2 == 0 {
				d[i] += rng.Float64() * 0.5
			}
		}
		if got, want := signedRankLower(d), bruteLower(d); math.Abs(got-want) > 1e-12 {
			t.Fatalf("d=%v: p=%v, want %v", d, got, want)
		}
	}
	all := []float64{-1, -2, -3, -4, -5, -6, -7, -8, -9, -10}
	if got := signedRankLower(all); math.Abs(got-1.0/1024) > 1e-15 {
		t.Fatalf("ten easier classes: p=%v, want 1/1024", got)
	}
}

func TestSignedRankNormal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	d := make([]float64, 150)
	for i := range d {
		d[i] = rng.NormFloat64() - 0.15
	}
	exact := signedRankLower(d)
	ranks := make([]int, len(d))
	// Untied: the doubled rank of i is twice its order.
	order := make([]float64, len(d))
	for i := range d {
		order[i] = math.Abs(d[i])
	}
	observed, total := 0, 0
	for i := range d {
		r := 0
		for j := range d {
			if order[j] <= order[i] {
				r++
			}
		}
		ranks[i] = 2 * r
		total += 2 * r
		if d[i] < 0 {
			observed += 2 * r
		}
	}
	if approx := normalUpper(ranks, observed, total); math.Abs(approx-exact) > 0.005 {
		t.Fatalf("normal approximation %v, exact %v", approx, exact)
	}
}

func TestCompare(t *testing.T) {
	const budget = 1000
	base := []int64{100, 200, 300, 400, Censored, 600, 700, 800, 900, 50}
	half := make([]int64, len(base))
	for i, b := range base {
		if b == Censored {
			half[i] = 500
		} else {
			half[i] = b / 2
		}
	}
	c := Compare(half, base, budget)
	if c.Easier != 10 || c.Harder != 0 || c.PValue > 0.001 || c.Difference >= 0 {
		t.Fatalf("half the cost: %+v", c)
	}
	same := Compare(base, base, budget)
	if same.PValue != 1 || same.Difference != 0 || same.Easier+same.Harder != 0 {
		t.Fatalf("itself: %+v", same)
	}
	harder := Compare(base, half, budget)
	if harder.PValue < 0.99 || harder.Difference <= 0 || harder.PValueHarder > 0.001 {
		t.Fatalf("twice the cost: %+v", harder)
	}
}
