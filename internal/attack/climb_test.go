package attack

import (
	"context"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"
)

// TestNudge checks that a nudge moves exactly one weight, within the weight
// range, and keeps the parent, the structure and the view.
func TestNudge(t *testing.T) {
	e, err := newCPPN(3, 16, 16, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	parent := e.random(rng)
	for range 20 { // grow some structure first
		parent = mutate(e, rng, parent)
	}
	parent.view = newView()
	before := parent.net.Clone()
	moved := 0
	for range 500 {
		child := e.nudge(rng, parent, 1)
		if child.view != parent.view {
			t.Fatal("the child does not share the parent's view")
		}
		if child.net.NumWeights() != before.NumWeights() {
			t.Fatal("a nudge changed the network's structure")
		}
		// With the parent's weights put back, the child must be the
		// parent: a nudge changes weights only.
		restored := child.net.Clone()
		diff := 0
		for i := range restored.NumWeights() {
			w := restored.Weight(i)
			// SetWeight clamps to the weight range, so a weight it
			// keeps as it is lies in the range.
			if restored.SetWeight(i, w); restored.Weight(i) != w {
				t.Fatalf("weight %d = %v outside the weight range", i, w)
			}
			if w != before.Weight(i) {
				diff++
			}
			restored.SetWeight(i, before.Weight(i))
		}
		if !reflect.DeepEqual(restored, before) {
			t.Fatal("a nudge changed the network's structure")
		}
		if diff > 1 {
			t.Fatalf("a nudge changed %d weights", diff)
		}
		moved += diff
	}
	if moved < 450 {
		t.Errorf("only %d of 500 nudges moved a weight", moved)
	}
	if !reflect.DeepEqual(parent.net, before) {
		t.Fatal("a nudge changed the parent")
	}
}

// TestScheduleRate checks the climbers' order: with few classes by
// closeness to the threshold; with many, candidates only, by their expected
// rate of conversion, which a stalled climb lowers and gains raise.
func TestScheduleRate(t *testing.T) {
	e := &engine{arch: newArchive([]int{0, 1, 2, 3, 4}), batch: 1, unit: 1}
	e.cfg.Threshold = 0.99
	c := &climb{e: e, cl: make([]climber, 5), many: true}
	confs := []float32{0.95, 0.85, 0.9, 0.82, 0.5}
	for i, p := range confs {
		e.arch.cells[i].conf, e.arch.cells[i].others = p, float64(1-p)
	}
	// Without a history every candidate has the prior rate: closest
	// first, and class 4 (under candidate) does not climb.
	c.schedule()
	if want := []int{0, 2, 1, 3}; !slices.Equal(c.active, want) {
		t.Fatalf("fresh order %v, want %v", c.active, want)
	}
	if want := []int{4}; !slices.Equal(c.pool, want) {
		t.Errorf("restart pool %v, want %v", c.pool, want)
	}
	// Class 0 made 40 proposals without a gain: it drops to the end.
	c.cl[0].tried = 40
	c.schedule()
	if want := []int{2, 1, 3, 0}; !slices.Equal(c.active, want) {
		t.Fatalf("with 0 stalled: %v, want %v", c.active, want)
	}
	// With few classes every class climbs, by closeness alone.
	c.many = false
	c.schedule()
	if want := []int{0, 2, 1, 3, 4}; !slices.Equal(c.active, want) {
		t.Fatalf("few classes: %v, want %v", c.active, want)
	}
	// A generation in which class 1's cell rose from 0.7 to 0.85 credits
	// it with the margin gained: it climbs first.
	c.many = true
	c.active = []int{1}
	c.cl[1].base = margin(0.7, 0.3)
	c.after(&generation{})
	if want := margin(confs[1], float64(1-confs[1])) - margin(0.7, 0.3); math.Abs(c.cl[1].gain-want) > 1e-12 {
		t.Fatalf("class 1 gained %v, want %v", c.cl[1].gain, want)
	}
	c.cl[1].tried = 1
	c.schedule()
	if want := []int{1, 2, 3, 0}; !slices.Equal(c.active, want) {
		t.Fatalf("after class 1 gained: %v, want %v", c.active, want)
	}
}

// TestLineage checks that a lineage follows a child that took a cell,
// counts children that took none, and restarts from a class's parent after
// lineageFails failures in a row.
func TestLineage(t *testing.T) {
	cp, err := newCPPN(1, 8, 8, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 3))
	e := &engine{arch: newArchive([]int{0, 1}), k: 2, batch: 1, unit: 1, rng: rng}
	c := &climb{e: e, cp: cp, cl: make([]climber, 2), many: true, seedCPPN: true, climbCPPN: true, seeded: true}
	seed := cp.random(rng)
	hold(seed)
	c.cl[0].net, c.cl[1].net = seed, seed

	// One generation with one lineage child; cells says how many cells it
	// took.
	step := func(cells int32) *genome {
		x := c.lineageChild(rng, 0)
		g := &generation{genomes: []*genome{x}, want: []int32{-1}, conf: []float32{0.4, 0.6},
			took: []bool{false}, cells: []int32{cells}, scored: 1}
		c.props = []proposal{{kind: kindExplore, lin: 1}}
		hold(x)
		c.after(g)
		drop(x)
		return x
	}
	first := step(1)
	if c.lineages[0].parent != first || c.lineages[0].fails != 0 {
		t.Fatalf("after a child took a cell: parent %p (want the child %p), fails %d", c.lineages[0].parent, first, c.lineages[0].fails)
	}
	for i := 1; i <= lineageFails; i++ {
		step(0)
		if c.lineages[0].parent != first || c.lineages[0].fails != i {
			t.Fatalf("after %d failures: fails %d, parent changed %v", i, c.lineages[0].fails, c.lineages[0].parent != first)
		}
	}
	// The next child restarts the lineage from a class's parent.
	c.cl[0].net, c.cl[1].net = seed, seed
	step(0)
	if c.lineages[0].parent != seed || c.lineages[0].fails != 1 {
		t.Errorf("after %d failures the lineage did not restart from a class's parent (fails %d)", lineageFails, c.lineages[0].fails)
	}
}

// TestSpent checks the share of the budget a search has used: of MaxEvals
// or of the time to the context's deadline, whichever is larger.
func TestSpent(t *testing.T) {
	far, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	past, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, tc := range []struct {
		name        string
		ctx         context.Context
		maxEvals, n int64
		lo, hi      float64
	}{
		{"neither", context.Background(), 0, 5000, 0, 0},
		{"max evals", context.Background(), 1000, 250, 0.25, 0.25},
		{"max evals, a far deadline", far, 1000, 900, 0.9, 0.9},
		{"a far deadline", far, 0, 900, 0, 0.01},
		{"a passed deadline", past, 1000, 10, 1, 1},
	} {
		e := &engine{ctx: tc.ctx, start: time.Now(), evals: tc.n}
		e.cfg.MaxEvals = tc.maxEvals
		if got := e.spent(); got < tc.lo || got > tc.hi {
			t.Errorf("%s: spent %v, want %v to %v", tc.name, got, tc.lo, tc.hi)
		}
	}
}

// TestEndgame checks the generations of a many-class search: 64 climbers
// and lineages before the endgame; in it up to endClimbers climbers, with
// lineages only to fill a whole generation unit, or the generation when no
// class climbs.
func TestEndgame(t *testing.T) {
	const k = 300
	cfg, err := resolve(Config{Encoding: EncodingCPPN, Threshold: 0.99, MaxEvals: 100000}, k)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name               string
		evals              int64
		candidates         int
		climbers, lineages int
	}{
		{"before", 50000, 200, maxClimbers, manyGen - maxClimbers},
		{"endgame", 85000, 200, endClimbers, 0},
		{"endgame, few candidates", 85000, 30, 30, DefaultGeneration - 30},
		{"endgame, no candidates", 85000, 0, 0, manyGen},
	} {
		e, err := newEngine(context.Background(), shapeOnly{k, 16}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		c := newClimb(e).(*climb)
		var g generation
		c.breed(&g)
		for i := range e.arch.cells {
			p := float32(0.3)
			if i < tc.candidates {
				p = 0.7
			}
			e.arch.cells[i].conf, e.arch.cells[i].others = p, float64(1-p)
		}
		e.start, e.evals = time.Now(), tc.evals
		g = generation{}
		c.breed(&g)
		var climbers, lineages int
		for _, p := range c.props {
			switch {
			case p.kind == kindCPPN:
				climbers++
			case p.lin > 0:
				lineages++
			}
		}
		if climbers != tc.climbers || lineages != tc.lineages {
			t.Errorf("%s: %d climbing proposals and %d lineage children, want %d and %d", tc.name, climbers, lineages, tc.climbers, tc.lineages)
		}
	}
}
