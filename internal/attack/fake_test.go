package attack

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// linearScorer stands in for a model in the tests of the search itself
// (archive, stopping rules, focus, evaluation counts, reproducibility): a
// fixed random linear map from the image to K logits, then softmax. It is
// a pure Go function of the image, so those tests do not depend on ONNX
// Runtime, and a run costs a fraction of a real model's. Like a real
// model, it is far from every class on noise and can be driven past 0.99
// for each class, so the searches meet their thresholds; unlike one, its
// classes are equally easy. It scores only through Score: the tests of the
// classifier's input format (ScoreInputs) keep the real runtime.
type linearScorer struct {
	c, h, w, k, batch int
	// weights holds K rows of C×H×W weights, centred on mid-gray so that
	// a uniform gray image scores every class alike.
	weights []float64
	// gain and bias, when gain is set, turn each logit z_y into
	// gain·z_y + bias[y] (see hot).
	gain float64
	bias []float64
}

// hot returns s with its logits multiplied by gain and shifted by bias: with
// a large gain, every class but the leader has a softmax of exactly 0 on
// almost any image, as on models whose logits span thousands.
func (s *linearScorer) hot(gain float64, bias []float64) *linearScorer {
	t := *s
	t.gain, t.bias = gain, bias
	return &t
}

// newLinearScorer returns a scorer for C×H×W images and K classes whose
// weights are drawn from seed; batch is what BatchSize reports.
func newLinearScorer(c, h, w, k, batch int, seed uint64) *linearScorer {
	s := &linearScorer{c: c, h: h, w: w, k: k, batch: batch}
	n := c * h * w
	// Scaled so that noise images give logits of about unit spread: the
	// threshold then takes a search, not luck.
	scale := 4 / math.Sqrt(float64(n))
	rng := rand.New(rand.NewPCG(seed, 0x6c696e656172)) // "linear"
	s.weights = make([]float64, k*n)
	for i := range s.weights {
		s.weights[i] = scale * rng.NormFloat64()
	}
	return s
}

// fakeDemo is the stand-in for the demo LeNet's shape: 1×28×28, 10 classes.
func fakeDemo(batch int) *linearScorer { return newLinearScorer(1, 28, 28, 10, batch, 1) }

// withCopy returns s with one more class, K, whose weights are class c's:
// the two classes always tie, as when a model repeats an output.
func (s *linearScorer) withCopy(c int) *linearScorer {
	per := s.c * s.h * s.w
	t := *s
	t.k++
	t.weights = append(slices.Clone(s.weights), s.weights[c*per:(c+1)*per]...)
	return &t
}

func (s *linearScorer) Shape() (c, h, w, k int) { return s.c, s.h, s.w, s.k }

func (s *linearScorer) BatchSize() int { return s.batch }

func (s *linearScorer) Score(imgs []float32, n int, conf []float32) error {
	per := s.c * s.h * s.w
	if n < 1 || len(imgs) < n*per || len(conf) < n*s.k {
		return fmt.Errorf("linear scorer: %d images need %d values and %d confidences, got %d and %d", n, n*per, n*s.k, len(imgs), len(conf))
	}
	logits := make([]float64, s.k)
	for i := range n {
		img := imgs[i*per : (i+1)*per]
		top := math.Inf(-1)
		for y := range s.k {
			row := s.weights[y*per : (y+1)*per]
			z := 0.0
			for p, v := range img {
				z += row[p] * (float64(v) - 0.5)
			}
			if s.gain != 0 {
				z = s.gain*z + s.bias[y]
			}
			logits[y] = z
			top = max(top, z)
		}
		sum := 0.0
		for y, z := range logits {
			logits[y] = math.Exp(z - top)
			sum += logits[y]
		}
		for y, e := range logits {
			conf[i*s.k+y] = float32(e / sum)
		}
	}
	return nil
}

// TestLinearScorerNeedsASearch checks that linearScorer is a fair stand-in
// for the tests that use it: noise fools none of its classes, yet every
// algorithm and encoding brings every class to 0.9 within a few thousand
// evaluations, and needs more than its first generations to do so. A
// scorer that noise fooled would let those tests pass without a search.
func TestLinearScorerNeedsASearch(t *testing.T) {
	s := fakeDemo(8)
	c, h, w, k := s.Shape()
	rng := rand.New(rand.NewPCG(1, 2))
	imgs := make([]float32, 256*c*h*w)
	for i := range imgs {
		imgs[i] = rng.Float32()
	}
	conf := make([]float32, 256*k)
	if err := s.Score(imgs, 256, conf); err != nil {
		t.Fatal(err)
	}
	if top := slices.Max(conf); top >= 0.9 {
		t.Fatalf("a noise image scores %v", top)
	}
	for _, tc := range combos {
		r, err := Run(context.Background(), s, Config{Algorithm: tc.alg, Encoding: tc.enc, Threshold: 0.9, MaxEvals: 50000, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s/%s: %d evaluations until every class reached 0.9", tc.alg, tc.enc, r.Evaluations)
		if r.Stopped != StoppedAllReached || r.Evaluations <= 2*DefaultGeneration {
			t.Errorf("%s/%s: stopped %q after %d evaluations, want every class reached after more than %d", tc.alg, tc.enc, r.Stopped, r.Evaluations, 2*DefaultGeneration)
		}
	}
}
