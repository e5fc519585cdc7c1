package attack

import (
	"context"
	"reflect"
	"slices"
	"testing"
)

// TestFocus checks that a focused search keeps a cell for every target,
// stops once its focus classes reach the threshold, counts only those in
// its progress, and that a focus of every target is the unfocused search.
func TestFocus(t *testing.T) {
	s := fakeDemo(8)
	_, _, _, k := s.Shape()
	focus := []int{2, 5}
	for _, tc := range combos {
		t.Run(tc.alg+"/"+tc.enc, func(t *testing.T) {
			var last Progress
			r, err := Run(context.Background(), s, Config{
				Algorithm: tc.alg, Encoding: tc.enc, Threshold: 0.9, MaxEvals: 50000, Seed: 3,
				Focus: focus, Progress: func(p Progress) { last = p },
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Classes) != k {
				t.Fatalf("%d classes, want a cell for each of the %d targets", len(r.Classes), k)
			}
			if r.Stopped != StoppedAllReached {
				t.Fatalf("stopped %q after %d evaluations, want %q", r.Stopped, r.Evaluations, StoppedAllReached)
			}
			var last2 int64
			for _, f := range focus {
				c := r.Classes[f]
				if !c.Reached {
					t.Errorf("focus class %d not reached", f)
				}
				last2 = max(last2, c.EvaluationsToThreshold)
			}
			if last2 != r.Evaluations {
				t.Errorf("the last focus class reached at evaluation %d but the run made %d", last2, r.Evaluations)
			}
			for _, c := range r.Classes {
				if c.Confidence == 0 {
					t.Errorf("class %d outside the focus holds no image", c.Index)
				}
			}
			if last.Targets != len(focus) || last.AtThreshold != len(focus) {
				t.Errorf("final progress %d of %d at the threshold, want %d of %d", last.AtThreshold, last.Targets, len(focus), len(focus))
			}
		})
	}
}

// TestFocusAllIsUnfocused: a Focus naming every target searches as no Focus.
func TestFocusAllIsUnfocused(t *testing.T) {
	s := fakeDemo(4)
	for _, alg := range []string{AlgorithmDefault, AlgorithmPaper} {
		t.Run(alg, func(t *testing.T) {
			cfg := Config{Algorithm: alg, Threshold: 0.99, MaxEvals: 700, Seed: 5, Targets: []int{1, 4, 6}}
			a, err := Run(context.Background(), s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			cfg.Focus = []int{6, 1, 4}
			b, err := Run(context.Background(), s, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(summarize(a), summarize(b)) {
				t.Error("a focus of every target changed the result")
			}
		})
	}
}

// TestFocusSchedule: only focus classes climb.
func TestFocusSchedule(t *testing.T) {
	e := &engine{arch: newArchive([]int{0, 1, 2, 3}), batch: 1, unit: 1}
	e.arch.setFocus([]bool{true, false, true, false}, 2)
	c := &climb{e: e, cl: make([]climber, 4), focus: []int{0, 2}}
	for i, p := range []float32{0.5, 0.9, 0.6, 0.95} {
		e.arch.cells[i].conf, e.arch.cells[i].others = p, float64(1-p)
	}
	c.schedule()
	if want := []int{2, 0}; !slices.Equal(c.active, want) {
		t.Errorf("active %v, want %v", c.active, want)
	}
}

// TestFocusParents: the paper's parents come from occupied focus cells,
// and from any occupied cell while none of those is.
func TestFocusParents(t *testing.T) {
	arch := newArchive([]int{0, 1, 2, 3})
	arch.occupied = []int32{3, 1}
	p := &paper{e: &engine{cfg: resolved{inFocus: []bool{false, true, true, false}}}}
	if got := p.parentCells(arch); !slices.Equal(got, []int32{1}) {
		t.Errorf("parents from %v, want [1]", got)
	}
	arch.occupied = []int32{3}
	if got := p.parentCells(arch); !slices.Equal(got, []int32{3}) {
		t.Errorf("no focus cell occupied: parents from %v, want [3]", got)
	}
	p.e.cfg.inFocus = nil
	arch.occupied = []int32{3, 0}
	if got := p.parentCells(arch); !slices.Equal(got, []int32{3, 0}) {
		t.Errorf("no focus: parents from %v, want [3 0]", got)
	}
}

// TestFocusScheduleMany: with many classes, a focused search also climbs
// the other targets' candidates, ranked at othersRate times their rate, and
// restarts lineages only from its own classes.
func TestFocusScheduleMany(t *testing.T) {
	for _, tc := range []struct {
		other float32 // confidence of class 1, outside the focus
		want  []int
	}{
		// Fresh rates are priorRate over the margin still missing to 0.99:
		// 0.027 for class 0 at 0.7, 0.025 for class 2 at 0.65, and for
		// class 1 0.042 at 0.9 and 0.089 at 0.97, halved.
		{0.9, []int{0, 2, 1}},
		{0.97, []int{1, 0, 2}},
	} {
		e := &engine{arch: newArchive([]int{0, 1, 2, 3, 4}), batch: 1, unit: 1}
		e.cfg.Threshold = 0.99
		e.arch.setFocus([]bool{true, false, true, false, true}, 3)
		c := &climb{e: e, cl: make([]climber, 5), focus: []int{0, 2, 4}, many: true}
		for i, p := range []float32{0.7, tc.other, 0.65, 0.5, 0.4} {
			e.arch.cells[i].conf, e.arch.cells[i].others = p, float64(1-p)
		}
		c.schedule()
		if !slices.Equal(c.active, tc.want) {
			t.Errorf("class 1 at %g: active %v, want %v", tc.other, c.active, tc.want)
		}
		// Class 3 (0.5, outside the focus) is no restart class; class 4
		// (0.4, in it) is.
		if !slices.Equal(c.pool, []int{4}) {
			t.Errorf("class 1 at %g: restart pool %v, want [4]", tc.other, c.pool)
		}
	}
}
