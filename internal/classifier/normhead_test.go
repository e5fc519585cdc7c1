package classifier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestNormHeadCeilings checks the ceilings read from a transformer's head (a
// layer normalization, the mean over tokens or the first token, a Gemm;
// onnxtest.NormHead) against the real runtime, in each form: at each
// class's best normalized vector, found here by an ascent of this test's
// own, an image scores within 0.001 below the class's ceiling and never
// above it (a ceiling from misread weights, scale or shift would miss one
// way or the other); the classes that can reach 0.99 do; and no random
// image beats a ceiling.
func TestNormHeadCeilings(t *testing.T) {
	for _, decomposed := range []bool{false, true} {
		for _, first := range []bool{false, true} {
			name := fmt.Sprintf("decomposed %v, first token %v", decomposed, first)
			c := openModel(t, onnxtest.NormHead(decomposed, first), Options{Batch: 16})
			if got := c.Info().BoundedLayer; !strings.Contains(got, "LayerNormalization layer of 8 values, with mean 0 and norm below 2.828") {
				t.Fatalf("%s: bounded layer %q", name, got)
			}
			classes := []int{0, 1, 2, 3}
			ceil := c.LayerCeilings(classes, 1)
			at99 := c.LayerCeilings(classes, 0.99)
			imgs := make([]float32, 4*16)
			for k := range classes {
				u := bestNormalized(k)
				// Both tokens s·u with |s·u| ≤ 40: the normalization
				// gives back u, scaled by √(s²/(s²+ε)).
				s := 0.0
				for _, v := range u {
					s = max(s, math.Abs(v))
				}
				for i := range 16 {
					imgs[k*16+i] = float32(40*u[i%8]/s/100 + 0.5)
				}
			}
			conf := make([]float32, 4*4)
			if err := c.Score(imgs, 4, conf); err != nil {
				t.Fatal(err)
			}
			for k := range classes {
				got := float64(conf[k*4+k])
				if got > ceil[k] || got < ceil[k]-0.001 {
					t.Errorf("%s, class %d: its best vector scores %.6f, ceiling %.6f", name, k, got, ceil[k])
				}
				if reach := got >= 0.99; reach == (at99[k] < 0.99) || reach != (k == 1 || k == 3) {
					t.Errorf("%s, class %d: scores %.6f at best, bound %.6f at 0.99", name, k, got, at99[k])
				}
			}
			rng := rand.New(rand.NewPCG(5, 6))
			random := make([]float32, 256*16)
			for i := range random {
				random[i] = rng.Float32()
			}
			conf = make([]float32, 256*4)
			if err := c.Score(random, 256, conf); err != nil {
				t.Fatal(err)
			}
			for i, p := range conf {
				if float64(p) > ceil[i%4] {
					t.Errorf("%s: random image %d scores %.6f for class %d, above its ceiling %.6f", name, i/4, p, i%4, ceil[i%4])
				}
			}
		}
	}
}

// bestNormalized returns the normalized vector (mean 0, norm √8) at which
// class k of onnxtest.NormHead has its highest softmax, by projected
// gradient ascent from 8 starts.
func bestNormalized(k int) []float64 {
	const h = 8
	w := make([]float64, 4*h)
	b := make([]float64, 4)
	for j := range 4 {
		b[j] = float64(onnxtest.NormHeadB[j])
		for i := range h {
			wi := float64(onnxtest.NormHeadW[j*h+i])
			w[j*h+i] = wi * float64(onnxtest.NormHeadGamma[i])
			b[j] += wi * float64(onnxtest.NormHeadBeta[i])
		}
	}
	logOdds := func(u []float64) (float64, []float64) {
		z := make([]float64, 4)
		for j := range z {
			z[j] = b[j]
			for i := range h {
				z[j] += w[j*h+i] * u[i]
			}
		}
		var sum float64
		q := make([]float64, 4)
		for j := range z {
			if j != k {
				q[j] = math.Exp(z[j] - z[k])
				sum += q[j]
			}
		}
		g := make([]float64, h)
		for i := range g {
			g[i] = w[k*h+i]
			for j := range q {
				g[i] -= q[j] / sum * w[j*h+i]
			}
		}
		return -math.Log(sum), g
	}
	onto := func(u []float64) {
		var mean, norm float64
		for _, v := range u {
			mean += v / h
		}
		for i := range u {
			u[i] -= mean
			norm += u[i] * u[i]
		}
		for i := range u {
			u[i] *= math.Sqrt(h / norm)
		}
	}
	rng := rand.New(rand.NewPCG(1, uint64(k)))
	var best []float64
	bestF := math.Inf(-1)
	for range 8 {
		u := make([]float64, h)
		for i := range u {
			u[i] = rng.NormFloat64()
		}
		onto(u)
		f, g := logOdds(u)
		for step := 1.0; step > 1e-9; {
			next := make([]float64, h)
			for i := range next {
				next[i] = u[i] + step*g[i]
			}
			onto(next)
			if nf, ng := logOdds(next); nf > f {
				u, f, g = next, nf, ng
				step *= 2
			} else {
				step /= 2
			}
		}
		if f > bestF {
			best, bestF = u, f
		}
	}
	return best
}
