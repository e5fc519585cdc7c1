package attack

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/cppn"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// openManyClasses opens onnxtest.ManyClasses(k) through the real runtime.
func openManyClasses(t testing.TB, k int) *classifier.Classifier {
	t.Helper()
	c, err := classifier.OpenBytes("many-classes.onnx", onnxtest.ManyClasses(k).Bytes(), classifier.Options{Threads: 1, Batch: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, _, _, got := c.Shape(); got != k {
		t.Fatalf("the model has %d classes, want %d", got, k)
	}
	return c
}

// TestHundredThousandClasses runs every algorithm on a model with 100,000
// classes. Generations must keep coming: an image that took many cells once
// cost O(K²), and such a run made 8 evaluations in 82 s. Once the run has
// made minEval evaluations (a few generations) it is canceled, and it must
// return promptly. The bounds are loose, for a loaded 2-core machine, where
// minEval takes about a second.
func TestHundredThousandClasses(t *testing.T) {
	if testing.Short() {
		t.Skip("scores 100,000 confidences per image")
	}
	if raceDetector {
		// Scoring slows past the time bounds: 229 evaluations in 30s.
		t.Skip("the race detector slows the search past the test's time bounds")
	}
	const (
		k       = 100000
		minEval = 600
		limit   = 30 * time.Second
		late    = 5 * time.Second
	)
	s := openManyClasses(t, k)
	for _, alg := range []string{AlgorithmDefault, AlgorithmPaper} {
		t.Run(alg, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), limit)
			defer cancel()
			// The cancel lands a little after a progress report, in the
			// middle of the search's work rather than between chunks.
			var canceled atomic.Int64
			var timer *time.Timer
			progress := func(p Progress) {
				if p.Evaluations >= minEval && timer == nil {
					timer = time.AfterFunc(30*time.Millisecond, func() {
						canceled.Store(time.Now().UnixNano())
						cancel()
					})
				}
			}
			r, err := Run(ctx, s, Config{Algorithm: alg, Threshold: 0.99, Seed: 1, Progress: progress})
			if err != nil {
				t.Fatal(err)
			}
			if r.Stopped != StoppedCanceled {
				t.Fatalf("stopped %q after %d evaluations in %v, want %q after %d", r.Stopped, r.Evaluations, r.Elapsed, StoppedCanceled, minEval)
			}
			d := time.Since(time.Unix(0, canceled.Load()))
			t.Logf("%d evaluations in %v; returned %v after cancel", r.Evaluations, r.Elapsed, d)
			if d > late {
				t.Errorf("returned %v after cancellation, want within %v", d, late)
			}
			if len(r.Classes) != k {
				t.Errorf("%d classes in the result, want %d", len(r.Classes), k)
			}
		})
	}
}

// shapeOnly is a Scorer that is never called to score: it gives tests an
// engine of a chosen shape.
type shapeOnly struct{ k, batch int }

func (s shapeOnly) Shape() (c, h, w, k int) { return 1, 8, 8, s.k }
func (s shapeOnly) BatchSize() int          { return s.batch }
func (s shapeOnly) Score([]float32, int, []float32) error {
	panic("shapeOnly scores nothing")
}

// TestSeedGenerationBounded checks the size of the default search's first
// generation: half an image per class up to a few thousand classes, and
// beyond that a bound on the K confidences per image it holds (half an
// image per class would be 20 GB of confidences with 100,000 classes).
func TestSeedGenerationBounded(t *testing.T) {
	for _, tc := range []struct{ k, min, max int }{
		{1000, 496, 512},
		{5000, 2496, 2512},
		{21843, manyGen, seedConf/21843 + DefaultGeneration/2},
		{100000, manyGen, seedConf/100000 + DefaultGeneration/2},
	} {
		cfg, err := resolve(Config{Encoding: EncodingDirect, Threshold: 0.99}, tc.k)
		if err != nil {
			t.Fatal(err)
		}
		e, err := newEngine(context.Background(), shapeOnly{tc.k, 16}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		var g generation
		newClimb(e).breed(&g)
		if n := len(g.genomes); n < tc.min || n > tc.max || n%DefaultGeneration != 0 {
			t.Errorf("%d classes: %d seeds, want %d to %d in whole generation units", tc.k, n, tc.min, tc.max)
		}
	}
}

// TestModeFollowsModel: the default search's mode follows the model's class
// count, not the targets or the shard's focus: a shard of 1/16 of a
// 1000-class model, or 10 targets of it, is searched as many classes.
func TestModeFollowsModel(t *testing.T) {
	for _, tc := range []struct {
		k              int
		targets, focus []int
		many           bool
	}{
		{10, nil, nil, false},
		{64, nil, nil, false},
		{65, nil, nil, true},
		{1000, nil, nil, true},
		{1000, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, nil, true},
		{1000, nil, []int{0, 16, 32, 48}, true},
		{64, nil, []int{0, 16, 32, 48}, false},
	} {
		cfg, err := resolve(Config{Threshold: 0.99, Targets: tc.targets, Focus: tc.focus}, tc.k)
		if err != nil {
			t.Fatal(err)
		}
		e, err := newEngine(context.Background(), shapeOnly{tc.k, 16}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := newClimb(e).(*climb).many; got != tc.many {
			t.Errorf("%d classes, targets %v, focus %v: many %v, want %v", tc.k, tc.targets, tc.focus, got, tc.many)
		}
		want := cppn.PaperRates()
		if tc.many {
			want = cppn.GrowingRates()
		}
		if e.cppn.rates != want {
			t.Errorf("%d classes, targets %v, focus %v: CPPN mutation rates %+v, want %+v", tc.k, tc.targets, tc.focus, e.cppn.rates, want)
		}
	}
}

// TestPaperKeepsPaperRates: the paper's algorithm mutates CPPNs at the
// paper's rates on a many-class model too.
func TestPaperKeepsPaperRates(t *testing.T) {
	for _, enc := range []string{EncodingCPPN, EncodingBoth} {
		cfg, err := resolve(Config{Threshold: 0.99, Algorithm: AlgorithmPaper, Encoding: enc}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		e, err := newEngine(context.Background(), shapeOnly{1000, 16}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		newPaper(e)
		if e.cppn == nil {
			t.Fatalf("%s: no CPPN encoding", enc)
		}
		if e.cppn.rates != cppn.PaperRates() {
			t.Errorf("%s: CPPN mutation rates %+v, want the paper's", enc, e.cppn.rates)
		}
	}
}
