package attack

import (
	"math"
	"testing"
)

// TestManyRestart checks when a stalled many-class climb restarts, and from
// what: its runner-up, the best lineage image for the class at manyAlt or
// above that did not become its parent, once its cell gained nothing in
// manyStale proposals at tileFrom or above; a restarted climb follows its
// improving children and, stalled without a newer runner-up, goes back to
// its elite.
func TestManyRestart(t *testing.T) {
	d := newDirect(1, 4, 4)
	e := &engine{arch: newArchive([]int{0, 1}), k: 2}
	img := func() *genome { return d.alloc() }
	row := func(p float32) []float32 { return []float32{p, 1 - p} }
	tests := []struct {
		name     string
		restarts bool
		conf     float32 // the class's elite
		runnerUp float32 // a lineage image's confidence
		own      float32 // an image of the class's own climb, better than the runner-up
		stale    int
		want     bool // the climb restarts from the runner-up
	}{
		{"stalled", true, 0.97, 0.92, 0.95, manyStale, true},
		{"not yet stalled", true, 0.97, 0.92, 0.95, manyStale - 1, false},
		{"below tileFrom", true, 0.85, 0.80, 0.82, manyStale, false},
		{"runner-up below manyAlt", true, 0.97, 0.85, 0.86, manyStale, false},
		{"without restarts", false, 0.97, 0.92, 0.95, manyStale, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &climb{e: e, cl: make([]climber, 2), many: true, manyRestarts: tc.restarts}
			elite, runnerUp := img(), img()
			c.offerParent(elite, row(tc.conf), -1)
			c.offerParent(runnerUp, row(tc.runnerUp), -1)
			// The class's own climb makes no runner-ups.
			c.offerParent(img(), row(tc.own), 0)
			cell := &e.arch.cells[0]
			cell.conf, cell.others = tc.conf, float64(1-tc.conf)
			cl := &c.cl[0]
			if cl.net != elite {
				t.Fatal("the elite is not the class's parent")
			}
			cl.base = margin(cell.conf, cell.others)
			g := &generation{}
			c.trackMany(g, 0, 0, tc.stale, cl.base, -1)
			if got := cl.fresh != nil; got != tc.want {
				t.Fatalf("restarted %v, want %v", got, tc.want)
			}
			if !tc.want {
				return
			}
			if cl.fresh != runnerUp || cl.alt != nil || cl.stale != 0 {
				t.Fatalf("restarted from %p (runner-up %p), runner-up left %p, stale %d", cl.fresh, runnerUp, cl.alt, cl.stale)
			}
			// An improving child becomes the restarted climb's parent.
			child := img()
			g = &generation{genomes: []*genome{child}, conf: row(0.93), scored: 1}
			m := margin(0.93, 0.07)
			cl.base = cl.freshM
			c.trackMany(g, 0, 0, 1, m, 0)
			if cl.fresh != child || cl.freshM != m || cl.freshConf != 0.93 {
				t.Fatalf("the restarted climb did not move to its improving child (margin %v, want %v)", cl.freshM, m)
			}
			// Stalled with no newer runner-up, it returns to its elite.
			c.trackMany(g, 0, 0, manyStale, math.Inf(-1), -1)
			if cl.fresh != nil {
				t.Fatal("a stalled restarted climb without a runner-up did not return to its elite")
			}
		})
	}
}
