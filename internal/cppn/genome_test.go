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
	return evolvedAt(t, seed, outputs, n, PaperRates())
}

// evolvedAt is evolved with other rates.
func evolvedAt(t testing.TB, seed uint64, outputs, n int, rates MutationRates) *Genome {
	t.Helper()
	rng := newRNG(seed)
	g, err := New(rng, outputs)
	if err != nil {
		t.Fatal(err)
	}
	for range n {
		g.Mutate(rng, rates)
	}
	return g
}

func TestNewIsFullyConnected(t *testing.T) {
	for _, outputs := range []int{1, 3, 5} {
		g, err := New(newRNG(1), outputs)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.validate(); err != nil {
			t.Fatalf("outputs=%d: %v", outputs, err)
		}
		if g.numNodes() != numInputs+outputs || g.numHidden() != 0 || g.numOutputs() != outputs {
			t.Errorf("outputs=%d: %d nodes, %d hidden, %d outputs", outputs, g.numNodes(), g.numHidden(), g.numOutputs())
		}
		if g.numLinks() != numInputs*outputs || g.NumWeights() != g.numLinks() {
			t.Errorf("outputs=%d: %d links, %d weights; want %d", outputs, g.numLinks(), g.NumWeights(), numInputs*outputs)
		}
		linked := map[[2]int]bool{}
		for i := range g.numLinks() {
			from, to := g.link(i)
			linked[[2]int{from, to}] = true
		}
		for in := range numInputs {
			for o := range outputs {
				if !linked[[2]int{in, numInputs + o}] {
					t.Errorf("outputs=%d: no link %d->%d", outputs, in, numInputs+o)
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
	var acts [numActivations]int
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
			acts[g.nodeAct(numInputs+o)]++
		}
	}
	mean, variance := sum/float64(n), sumSq/float64(n)-(sum/float64(n))*(sum/float64(n))
	// U(-10,10): mean 0, variance 400/12.
	if math.Abs(mean) > 0.1 || math.Abs(variance-400.0/12) > 0.5 {
		t.Errorf("weights: mean %.3f variance %.3f, want 0 and %.3f", mean, variance, 400.0/12)
	}
	for a, c := range acts {
		if f := float64(c) / 15000; math.Abs(f-0.25) > 0.02 {
			t.Errorf("activation %v drawn %.3f of the time, want 0.25", activation(a), f)
		}
	}
}

func TestInvariantsHoldUnderMutation(t *testing.T) {
	heavy := MutationRates{weight: 0.5, activation: 0.5, addLink: 1, deleteLink: 0.5, addNode: 1, deleteNode: 0.5, eta: 5}
	growing := MutationRates{weight: 0.1, activation: 0.1, addLink: 1, deleteLink: 0.05, addNode: 1, deleteNode: 0.05, eta: PaperEta}
	// Hovers near empty genomes: outputs lose all their links and must
	// stay valid.
	shrinking := MutationRates{addLink: 0.4, deleteLink: 0.9, addNode: 0.4, deleteNode: 0.5, eta: PaperEta}
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
		{"growing rates", 3, GrowingRates(), 1500, false},
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
				if err := g.validate(); err != nil {
					t.Fatalf("after %d mutations: %v", i+1, err)
				}
				if g.numOutputs() != tc.outputs {
					t.Fatalf("after %d mutations: %d outputs", i+1, g.numOutputs())
				}
				maxHidden = max(maxHidden, g.numHidden())
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
	fed := make([]bool, g.numOutputs())
	for i := range g.numLinks() {
		if _, to := g.link(i); to < numInputs+g.numOutputs() {
			fed[to-numInputs] = true
		}
	}
	for _, f := range fed {
		if !f {
			return true
		}
	}
	return false
}

func TestValidateCatchesBrokenGenomes(t *testing.T) {
	// Start from a genome with hidden nodes so every kind of link exists.
	base := evolved(t, 4, 3, 60)
	if base.numHidden() < 2 {
		t.Fatalf("base genome has %d hidden nodes; pick another seed", base.numHidden())
	}
	h0 := int32(numInputs + base.outputs)
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
			g.links = append(g.links, link{h0, inputX})
			g.weights = append(g.weights, 1)
		}},
		{"out of output", func(g *Genome) {
			g.links = append(g.links, link{numInputs, h0})
			g.weights = append(g.weights, 1)
		}},
		{"dangling node", func(g *Genome) {
			g.links = append(g.links, link{inputX, int32(g.numNodes())})
			g.weights = append(g.weights, 1)
		}},
		{"weight too large", func(g *Genome) { g.weights[0] = 10.5 }},
		{"weight NaN", func(g *Genome) { g.weights[0] = math.NaN() }},
		{"unknown activation", func(g *Genome) { g.acts[0] = numActivations }},
		{"weights and links disagree", func(g *Genome) { g.weights = g.weights[:len(g.weights)-1] }},
		{"outputs lost", func(g *Genome) { g.acts = g.acts[:1] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := base.Clone()
			if err := g.validate(); err != nil {
				t.Fatalf("before breaking: %v", err)
			}
			tc.break_(g)
			err := g.validate()
			if !errors.Is(err, errInvalidGenome) {
				t.Fatalf("validate = %v, want errInvalidGenome", err)
			}
		})
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
	if g.NumWeights() != g.numLinks() {
		t.Fatalf("%d weights for %d links", g.NumWeights(), g.numLinks())
	}
	for i := range g.NumWeights() {
		if g.Weight(i) != g.weights[i] {
			t.Fatalf("weight %d: %v vs %v", i, g.Weight(i), g.weights[i])
		}
	}
	tests := []struct {
		in, want float64
	}{
		{3.5, 3.5},
		{-10, -10},
		{12, maxWeight},
		{-1e9, minWeight},
		{math.Inf(1), maxWeight},
		{math.NaN(), 0},
	}
	for _, tc := range tests {
		g.SetWeight(1, tc.in)
		if got := g.Weight(1); got != tc.want {
			t.Errorf("SetWeight(%v) stored %v, want %v", tc.in, got, tc.want)
		}
	}
	if err := g.validate(); err != nil {
		t.Fatal(err)
	}
}

func TestActivationEval(t *testing.T) {
	tests := []struct {
		a    activation
		p    float64
		want float64
	}{
		{actSin, math.Pi / 2, 1},
		{actSigmoid, 0, 0},
		{actSigmoid, 2, 2/(1+math.Exp(-2)) - 1},
		{actGaussian, 0, 1},
		{actGaussian, 2, math.Exp(-4)},
		{actClip, 1.5, 0.5},
		{actClip, 7, 1},
		{actClip, -7, -1},
	}
	for _, tc := range tests {
		if got := tc.a.eval(tc.p); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%v(%v) = %v, want %v", tc.a, tc.p, got, tc.want)
		}
	}
}
