package attack

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
)

// TestRestartsLeaveLocalOptima runs the default search on mnist-flat-ls, a
// fixture MLP trained with label smoothing, whose class 1 climb stalls near
// 0.9990 in seed 1 on a dense image: without restarts the class stays short
// of 0.9999 for good; starting the stalled climb over from black fools it.
func TestRestartsLeaveLocalOptima(t *testing.T) {
	cfg := Config{Encoding: EncodingDirect, Threshold: 0.9999, MaxEvals: 40000, Seed: 1}
	with, without := runRestarts(t, cfg)
	if without.Stopped == StoppedAllReached {
		t.Fatalf("without restarts every class was fooled (%d evaluations): the fixture no longer stalls, so this test shows nothing", without.Evaluations)
	}
	short := -1
	for i, cl := range without.Classes {
		if cl.Confidence < cfg.Threshold {
			short = i
			t.Logf("without restarts: class %d at %.5f after %d evaluations", cl.Index, cl.Confidence, without.Evaluations)
		}
	}
	if with.Stopped != StoppedAllReached {
		t.Fatalf("with restarts the search stopped %q after %d evaluations, the class short without them at %.5f", with.Stopped, with.Evaluations, with.Classes[max(short, 0)].Confidence)
	}
	t.Logf("with restarts: every class by %d evaluations", with.Evaluations)
}

// TestRestartsLeaveSteadyClimbsAlone: in seed 4, every class of
// mnist-flat-ls climbs to 0.9999 without a stall of staleAfter proposals,
// over thousands of evaluations, and the search finds the same images with
// restarts as without.
func TestRestartsLeaveSteadyClimbsAlone(t *testing.T) {
	cfg := Config{Encoding: EncodingDirect, Threshold: 0.9999, MaxEvals: 40000, Seed: 4}
	with, without := runRestarts(t, cfg)
	for _, r := range []*Result{with, without} {
		if r.Stopped != StoppedAllReached {
			t.Fatalf("stopped %q after %d evaluations", r.Stopped, r.Evaluations)
		}
	}
	if with.Evaluations < restartTries {
		t.Fatalf("every class fooled in %d evaluations: too few for a stall to show", with.Evaluations)
	}
	if with.Evaluations != without.Evaluations {
		t.Fatalf("restarts changed a search that never stalled: %d evaluations against %d", with.Evaluations, without.Evaluations)
	}
	requireSameImages(t, with, without, "restarts")
	for i := range with.Classes {
		if a, b := &with.Classes[i], &without.Classes[i]; a.EvaluationsToThreshold != b.EvaluationsToThreshold {
			t.Fatalf("class %d fooled at %d evaluations with restarts, %d without", a.Index, a.EvaluationsToThreshold, b.EvaluationsToThreshold)
		}
	}
}

// runRestarts runs cfg's search on mnist-flat-ls with restarts and without.
func runRestarts(t *testing.T, cfg Config) (with, without *Result) {
	t.Helper()
	c := openFlatLS(t)
	var res [2]*Result
	for i, off := range []bool{false, true} {
		r, err := run(context.Background(), c, cfg, options{noRestarts: off})
		if err != nil {
			t.Fatal(err)
		}
		res[i] = r
	}
	return res[0], res[1]
}

// openFlatLS opens the mnist-flat-ls fixture with one thread and a fixed
// batch, which make its scores reproducible.
func openFlatLS(t *testing.T) *classifier.Classifier {
	t.Helper()
	norm, err := classifier.Preset("raw01")
	if err != nil {
		t.Fatal(err)
	}
	c, err := classifier.Open("../../testdata/models/mnist-flat-ls.onnx", classifier.Options{Normalization: norm, Threads: 1, Batch: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestLoneRestart checks when a stalled gray climb starts over, and from
// what: after restartTries patches from black; a class climbing alone at
// once, from a new seed image at its first restart and from black at its
// second.
func TestLoneRestart(t *testing.T) {
	e := &engine{arch: newArchive([]int{0, 1}), rng: rand.New(rand.NewPCG(1, 2))}
	c := &climb{e: e, d: newDirect(1, 8, 8), cl: make([]climber, 2), restarts: true}
	black := func(g *genome) bool {
		for _, v := range g.pix {
			if v != 0 {
				return false
			}
		}
		return true
	}
	cl := &c.cl[0]
	stall := func(tries int) { cl.stale, cl.tries = staleAfter, tries }

	c.active = []int{0, 1}
	stall(restartTries - 1)
	c.maybeRestart(0)
	if cl.fresh != nil {
		t.Fatal("a stalled climb beside another class restarted before restartTries patches")
	}
	cl.stale = staleAfter - 1
	cl.tries = restartTries
	c.maybeRestart(0)
	if cl.fresh != nil {
		t.Fatal("a climb restarted before staleAfter proposals without a gain")
	}

	c.active = []int{0}
	stall(1)
	c.maybeRestart(0)
	if cl.fresh == nil || black(cl.fresh) {
		t.Fatalf("a lone stalled climb's first restart: %v, want a seed image", cl.fresh)
	}
	if cl.stale != 0 || cl.tries != 0 {
		t.Fatalf("after a restart: stale %d, tries %d, want 0 and 0", cl.stale, cl.tries)
	}
	stall(1)
	c.maybeRestart(0)
	if !black(cl.fresh) {
		t.Fatal("a lone stalled climb's second restart is not from black")
	}

	c.active = []int{0, 1}
	stall(restartTries)
	c.maybeRestart(0)
	if !black(cl.fresh) {
		t.Fatal("a climb restarted after restartTries patches is not from black")
	}

	c.restarts = false
	c.active = []int{0}
	prev := cl.fresh
	stall(restartTries)
	c.maybeRestart(0)
	if cl.fresh != prev {
		t.Fatal("a search without restarts restarted a climb")
	}
}
