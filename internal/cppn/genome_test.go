package cppn

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func newRNG(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// evolved returns a genome after n paper-rate mutations from a fresh start,
// the shape a run's elites have.
func evolved(t testing.TB, seed uint64, outputs, n int) *Genome {
	t.Helper()
	rng := newRNG(seed)
	g, err := New(rng, outputs)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		g.Mutate(rng, PaperRates())
	}
	return g
}

func TestNewIsFullyConnected(t *testing.T) {
	for _, outputs := range []int{1, 3, 5} {
		g, err := New(newRNG(1), outputs)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("outputs=%d: %v", outputs, err)
		}
		if g.NumNodes() != NumInputs+outputs || g.NumHidden() != 0 || g.NumOutputs() != outputs {
			t.Errorf("outputs=%d: %d nodes, %d hidden, %d outputs", outputs, g.NumNodes(), g.NumHidden(), g.NumOutputs())
		}
		if g.NumLinks() != NumInputs*outputs || g.NumWeights() != g.NumLinks() {
			t.Errorf("outputs=%d: %d links, %d weights; want %d", outputs, g.NumLinks(), g.NumWeights(), NumInputs*outputs)
		}
		linked := map[[2]int]bool{}
		for i := range g.NumLinks() {
			from, to := g.Link(i)
			linked[[2]int{from, to}] = true
		}
		for in := range NumInputs {
			for o := range outputs {
				if !linked[[2]int{in, NumInputs + o}] {
					t.Errorf("outputs=%d: no link %d->%d", outputs, in, NumInputs+o)
				}
			}
		}
	}
}

func TestNewRejectsNoOutputs(t *testing.T) {
	if _, err := New(newRNG(1), 0); err == nil {
		t.Fatal("New with 0 outputs succeeded")
	}
}

func TestNewDrawsWeightsAndActivationsUniformly(t *testing.T) {
	rng := newRNG(2)
	var sum, sumSq float64
	var acts [NumActivations]int
	n := 0
	for range 5000 {
		g, err := New(rng, 3)
		if err != nil {
			t.Fatal(err)
		}
		for i := range g.NumWeights() {
			w := g.Weight(i)
			sum += w
			sumSq += w * w
			n++
		}
		for o := range 3 {
			acts[g.Activation(NumInputs+o)]++
		}
	}
	mean, variance := sum/float64(n), sumSq/float64(n)-(sum/float64(n))*(sum/float64(n))
	// U(-10,10): mean 0, variance 400/12.
	if math.Abs(mean) > 0.1 || math.Abs(variance-400.0/12) > 0.5 {
		t.Errorf("weights: mean %.3f variance %.3f, want 0 and %.3f", mean, variance, 400.0/12)
	}
	for a, c := range acts {
		if f := float64(c) / 15000; math.Abs(f-0.25) > 0.02 {
			t.Errorf("activation %v drawn %.3f of the time, want 0.25", Activation(a), f)
		}
	}
}

func TestInvariantsHoldUnderMutation(t *testing.T) {
	heavy := MutationRates{Weight: 0.5, Activation: 0.5, AddLink: 1, DeleteLink: 0.5, AddNode: 1, DeleteNode: 0.5, Eta: 5}
	growing := MutationRates{Weight: 0.1, Activation: 0.1, AddLink: 1, DeleteLink: 0.05, AddNode: 1, DeleteNode: 0.05, Eta: PaperEta}
	// Hovers near empty genomes: outputs lose all their links and must
	// stay valid.
	shrinking := MutationRates{AddLink: 0.4, DeleteLink: 0.9, AddNode: 0.4, DeleteNode: 0.5, Eta: PaperEta}
	tests := []struct {
		name    string
		outputs int
		rates   MutationRates
		steps   int
		// bare asks that some output lose all its links on the way.
		bare bool
	}{
		{"paper gray", 1, PaperRates(), 1500, false},
		{"paper colour", 3, PaperRates(), 1500, false},
		{"heavy", 3, heavy, 1000, false},
		{"growing", 1, growing, 300, false},
		{"shrinking", 3, shrinking, 3000, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRNG(3)
			g, err := New(rng, tc.outputs)
			if err != nil {
				t.Fatal(err)
			}
			maxHidden, sawBare := 0, false
			for i := range tc.steps {
				g.Mutate(rng, tc.rates)
				if err := g.Validate(); err != nil {
					t.Fatalf("after %d mutations: %v", i+1, err)
				}
				if g.NumOutputs() != tc.outputs {
					t.Fatalf("after %d mutations: %d outputs", i+1, g.NumOutputs())
				}
				checkTopologicalOrder(t, g)
				maxHidden = max(maxHidden, g.NumHidden())
				sawBare = sawBare || hasBareOutput(g)
			}
			// The walk must actually have exercised hidden nodes, or
			// the invariants were checked on trivial genomes only.
			if maxHidden < 2 {
				t.Errorf("never more than %d hidden nodes", maxHidden)
			}
			if tc.bare && !sawBare {
				t.Error("no output ever lost all its links")
			}
		})
	}
}

func hasBareOutput(g *Genome) bool {
	fed := make([]bool, g.NumOutputs())
	for i := range g.NumLinks() {
		if _, to := g.Link(i); to < NumInputs+g.NumOutputs() {
			fed[to-NumInputs] = true
		}
	}
	for _, f := range fed {
		if !f {
			return true
		}
	}
	return false
}

func checkTopologicalOrder(t *testing.T, g *Genome) {
	t.Helper()
	order, err := g.TopologicalOrder()
	if err != nil {
		t.Fatal(err)
	}
	if len(order) != g.NumNodes() {
		t.Fatalf("order has %d nodes, genome %d", len(order), g.NumNodes())
	}
	pos := make([]int, g.NumNodes())
	for i := range pos {
		pos[i] = -1
	}
	for i, v := range order {
		if pos[v] >= 0 {
			t.Fatalf("node %d twice in order", v)
		}
		pos[v] = i
	}
	for i := range g.NumLinks() {
		from, to := g.Link(i)
		if pos[from] >= pos[to] {
			t.Fatalf("link %d->%d against order %v", from, to, order)
		}
	}
}

func TestValidateCatchesBrokenGenomes(t *testing.T) {
	// Start from a genome with hidden nodes so every kind of link exists.
	base := evolved(t, 4, 3, 60)
	if base.NumHidden() < 2 {
		t.Fatalf("base genome has %d hidden nodes; pick another seed", base.NumHidden())
	}
	h0 := int32(NumInputs + base.outputs)
	h1 := h0 + 1
	tests := []struct {
		name   string
		break_ func(g *Genome)
	}{
		{"cycle", func(g *Genome) {
			g.links = append(g.links, link{h0, h1}, link{h1, h0})
			g.weights = append(g.weights, 1, 1)
		}},
		{"self link", func(g *Genome) {
			g.links = append(g.links, link{h0, h0})
			g.weights = append(g.weights, 1)
		}},
		{"duplicate", func(g *Genome) {
			g.links = append(g.links, g.links[0])
			g.weights = append(g.weights, 1)
		}},
		{"into input", func(g *Genome) {
			g.links = append(g.links, link{h0, InputX})
			g.weights = append(g.weights, 1)
		}},
		{"out of output", func(g *Genome) {
			g.links = append(g.links, link{NumInputs, h0})
			g.weights = append(g.weights, 1)
		}},
		{"dangling node", func(g *Genome) {
			g.links = append(g.links, link{InputX, int32(g.NumNodes())})
			g.weights = append(g.weights, 1)
		}},
		{"weight too large", func(g *Genome) { g.weights[0] = 10.5 }},
		{"weight NaN", func(g *Genome) { g.weights[0] = math.NaN() }},
		{"unknown activation", func(g *Genome) { g.acts[0] = NumActivations }},
		{"weights and links disagree", func(g *Genome) { g.weights = g.weights[:len(g.weights)-1] }},
		{"outputs lost", func(g *Genome) { g.acts = g.acts[:1] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := base.Clone()
			if err := g.Validate(); err != nil {
				t.Fatalf("before breaking: %v", err)
			}
			tc.break_(g)
			err := g.Validate()
			if !errors.Is(err, ErrInvalidGenome) {
				t.Fatalf("Validate = %v, want ErrInvalidGenome", err)
			}
		})
	}
}

func TestTopologicalOrderRejectsCycle(t *testing.T) {
	g := evolved(t, 4, 1, 60)
	h0 := int32(NumInputs + g.outputs)
	g.links = append(g.links, link{h0, h0 + 1}, link{h0 + 1, h0})
	g.weights = append(g.weights, 1, 1)
	if _, err := g.TopologicalOrder(); !errors.Is(err, ErrInvalidGenome) {
		t.Fatalf("TopologicalOrder = %v, want ErrInvalidGenome", err)
	}
}

func TestCloneIsIndependent(t *testing.T) {
	g := evolved(t, 5, 3, 40)
	c := g.Clone()
	if !reflect.DeepEqual(g, c) {
		t.Fatal("clone differs from original")
	}
	before := g.Clone()
	rng := newRNG(6)
	for range 50 {
		c.Mutate(rng, PaperRates())
	}
	c.SetWeight(0, 3)
	if !reflect.DeepEqual(g, before) {
		t.Fatal("mutating the clone changed the original")
	}
}

func TestMutateIsDeterministic(t *testing.T) {
	a := evolved(t, 7, 3, 200)
	b := evolved(t, 7, 3, 200)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed gave different genomes")
	}
	c := evolved(t, 8, 3, 200)
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds gave the same genome")
	}
}

func TestWeightAccess(t *testing.T) {
	g := evolved(t, 9, 3, 30)
	w := g.AppendWeights(nil)
	if len(w) != g.NumWeights() {
		t.Fatalf("AppendWeights gave %d, want %d", len(w), g.NumWeights())
	}
	for i := range w {
		if w[i] != g.Weight(i) {
			t.Fatalf("weight %d: %v vs %v", i, w[i], g.Weight(i))
		}
	}
	// Editing the copy must not reach the genome.
	w[0] = g.Weight(0) + 1
	if g.Weight(0) == w[0] {
		t.Fatal("AppendWeights returned a view")
	}

	tests := []struct {
		in, want float64
	}{
		{3.5, 3.5},
		{-10, -10},
		{12, MaxWeight},
		{-1e9, MinWeight},
		{math.Inf(1), MaxWeight},
		{math.NaN(), 0},
	}
	for _, tc := range tests {
		g.SetWeight(1, tc.in)
		if got := g.Weight(1); got != tc.want {
			t.Errorf("SetWeight(%v) stored %v, want %v", tc.in, got, tc.want)
		}
	}
	for i := range w {
		w[i] = float64(i) - 20
	}
	if err := g.SetWeights(w); err != nil {
		t.Fatal(err)
	}
	for i := range w {
		if want := clampWeight(w[i]); g.Weight(i) != want {
			t.Errorf("SetWeights: weight %d = %v, want %v", i, g.Weight(i), want)
		}
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := g.SetWeights(w[1:]); !errors.Is(err, ErrInvalidGenome) {
		t.Fatalf("SetWeights with a short slice = %v, want ErrInvalidGenome", err)
	}
}

func TestActivationEval(t *testing.T) {
	tests := []struct {
		a    Activation
		p    float64
		want float64
	}{
		{Sin, math.Pi / 2, 1},
		{Sigmoid, 0, 0},
		{Sigmoid, 2, 2/(1+math.Exp(-2)) - 1},
		{Gaussian, 0, 1},
		{Gaussian, 2, math.Exp(-4)},
		{Clip, 1.5, 0.5},
		{Clip, 7, 1},
		{Clip, -7, -1},
	}
	for _, tc := range tests {
		if got := tc.a.Eval(tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%v(%v) = %v, want %v", tc.a, tc.p, got, tc.want)
		}
	}
}
