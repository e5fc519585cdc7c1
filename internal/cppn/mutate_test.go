package cppn

import (
	"fmt"
	"math"
	"testing"
)

// tolerance is five standard errors of a sample fraction p over n draws.
func tolerance(p float64, n int) float64 {
	return 5 * math.Sqrt(p*(1-p)/float64(n))
}

func TestPolynomialDeltaDistribution(t *testing.T) {
	for _, eta := range []float64{PaperEta, 5, 20} {
		t.Run(fmt.Sprintf("eta=%v", eta), func(t *testing.T) {
			const n = 200000
			rng := newRNG(10)
			d := make([]float64, n)
			var sum float64
			for i := range d {
				d[i] = PolynomialDeltaAt(rng.Float64(), eta)
				if d[i] < -1 || d[i] > 1 {
					t.Fatalf("delta %v outside [-1, 1]", d[i])
				}
				sum += d[i]
			}
			// E|delta| = 1/(eta+2), so the mean's standard error is
			// below sqrt(2/((eta+2)(eta+3))/n).
			if mean := sum / n; math.Abs(mean) > 5*math.Sqrt(2/((eta+2)*(eta+3))/n) {
				t.Errorf("mean %v, want 0", mean)
			}
			// P(delta <= -t) = P(delta >= t) = (1-t)^(eta+1)/2.
			for _, th := range []float64{0, 0.01, 0.05, 0.1, 0.2, 0.4} {
				want := math.Pow(1-th, eta+1) / 2
				var below, above int
				for _, v := range d {
					if v <= -th {
						below++
					}
					if v >= th {
						above++
					}
				}
				tol := tolerance(want, n)
				if got := float64(below) / n; math.Abs(got-want) > tol {
					t.Errorf("P(delta <= -%v) = %.4f, want %.4f", th, got, want)
				}
				if got := float64(above) / n; math.Abs(got-want) > tol {
					t.Errorf("P(delta >= %v) = %.4f, want %.4f", th, got, want)
				}
			}
		})
	}
}

func TestPolynomialDeltaFormula(t *testing.T) {
	// The formula from the paper's code, with math.Pow, at fixed r: the
	// square-root shortcut for eta 15 must match it.
	for _, eta := range []float64{PaperEta, 7} {
		for _, r := range []float64{0, 1e-9, 0.01, 0.2, 0.49999, 0.5, 0.7, 0.99, 1 - 1e-12} {
			var want float64
			if r < 0.5 {
				want = math.Pow(2*r, 1/(eta+1)) - 1
			} else {
				want = 1 - math.Pow(2*(1-r), 1/(eta+1))
			}
			if got := PolynomialDeltaAt(r, eta); math.Abs(got-want) > 1e-15 {
				t.Errorf("eta %v, r %v: delta %v, want %v", eta, r, got, want)
			}
		}
	}
}

func TestPolyScalesAndClamps(t *testing.T) {
	tests := []struct {
		v, lo, hi float64
	}{
		{0, minWeight, maxWeight},
		{9.9, minWeight, maxWeight},
		{0.5, 0, 1},
		{0, 0, 1},
	}
	for _, tc := range tests {
		rng := newRNG(11)
		const n = 50000
		small, atBound := 0, 0
		for range n {
			got := poly(rng, tc.v, tc.lo, tc.hi, PaperEta)
			if got < tc.lo || got > tc.hi {
				t.Fatalf("poly(%v on [%v,%v]) = %v out of range", tc.v, tc.lo, tc.hi, got)
			}
			// |delta| < 0.1 becomes a step under a tenth of the range.
			if math.Abs(got-tc.v) < 0.1*(tc.hi-tc.lo) {
				small++
			}
			if got == tc.lo || got == tc.hi {
				atBound++
			}
		}
		// Steps that clamp are still small steps if the start is within
		// 0.1 of a bound, so compare only away from bounds.
		if tc.v-tc.lo >= 0.1*(tc.hi-tc.lo) && tc.hi-tc.v >= 0.1*(tc.hi-tc.lo) {
			want := 1 - math.Pow(0.9, PaperEta+1)
			if got := float64(small) / n; math.Abs(got-want) > tolerance(want, n) {
				t.Errorf("poly(%v on [%v,%v]): %.4f of steps under a tenth of the range, want %.4f", tc.v, tc.lo, tc.hi, got, want)
			}
		}
		// Near a bound, half the steps go toward it and most of those
		// overshoot and clamp: P(|delta| >= dist) / 2.
		if dist := min(tc.v-tc.lo, tc.hi-tc.v); dist < 0.02*(tc.hi-tc.lo) {
			want := math.Pow(1-dist/(tc.hi-tc.lo), PaperEta+1) / 2
			if got := float64(atBound) / n; math.Abs(got-want) > tolerance(want, n) {
				t.Errorf("poly(%v on [%v,%v]) clamped %.4f of the time, want %.4f", tc.v, tc.lo, tc.hi, got, want)
			}
		}
	}
}

// onlyRate returns rates that change nothing but the named field,
// so each rate's effect can be counted alone.
func onlyRate(set func(*MutationRates)) MutationRates {
	r := MutationRates{eta: PaperEta}
	set(&r)
	return r
}

func TestWeightAndActivationRates(t *testing.T) {
	base := evolved(t, 12, 3, 40)
	rng := newRNG(13)
	const trials = 4000

	weightOnly := onlyRate(func(r *MutationRates) { r.weight = 0.1 })
	changed, total := 0, 0
	for range trials {
		g := base.Clone()
		g.Mutate(rng, weightOnly)
		if g.numLinks() != base.numLinks() || g.numNodes() != base.numNodes() {
			t.Fatal("weight-only mutation changed the structure")
		}
		for i := range g.NumWeights() {
			if g.Weight(i) != base.Weight(i) {
				changed++
			}
			total++
		}
	}
	// A drawn weight may land on itself only with probability zero.
	if got := float64(changed) / float64(total); math.Abs(got-0.1) > tolerance(0.1, total) {
		t.Errorf("%.4f of weights changed, want 0.1", got)
	}

	actOnly := onlyRate(func(r *MutationRates) { r.activation = 0.1 })
	changed, total = 0, 0
	for range trials {
		g := base.Clone()
		g.Mutate(rng, actOnly)
		for i := range g.NumWeights() {
			if g.Weight(i) != base.Weight(i) {
				t.Fatal("activation-only mutation changed a weight")
			}
		}
		for n := numInputs; n < g.numNodes(); n++ {
			if g.nodeAct(n) != base.nodeAct(n) {
				changed++
			}
			total++
		}
	}
	// A redraw picks one of four functions, so only 3/4 of redraws change.
	want := 0.1 * 3 / 4
	if got := float64(changed) / float64(total); math.Abs(got-want) > tolerance(want, total) {
		t.Errorf("%.4f of activations changed, want %.4f", got, want)
	}
}

func TestStructuralRates(t *testing.T) {
	paper := PaperRates()
	base := evolved(t, 14, 3, 40)
	if base.numHidden() < 3 {
		t.Fatalf("base has %d hidden nodes; pick another seed", base.numHidden())
	}
	tests := []struct {
		name   string
		rates  MutationRates
		want   float64
		dNodes int
		dLinks int
	}{
		{"add link", onlyRate(func(r *MutationRates) { r.addLink = paper.addLink }), paper.addLink, 0, 1},
		{"delete link", onlyRate(func(r *MutationRates) { r.deleteLink = paper.deleteLink }), paper.deleteLink, 0, -1},
		{"add node", onlyRate(func(r *MutationRates) { r.addNode = paper.addNode }), paper.addNode, 1, 1},
		{"delete node", onlyRate(func(r *MutationRates) { r.deleteNode = paper.deleteNode }), paper.deleteNode, -1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := newRNG(15)
			const trials = 4000
			hits := 0
			for range trials {
				g := base.Clone()
				g.Mutate(rng, tc.rates)
				if g.numNodes() == base.numNodes() && g.numLinks() == base.numLinks() {
					continue
				}
				if g.numNodes()-base.numNodes() != tc.dNodes {
					t.Fatalf("node count changed by %d, want %d", g.numNodes()-base.numNodes(), tc.dNodes)
				}
				// Deleting a node removes its links, however many.
				if tc.dNodes >= 0 && g.numLinks()-base.numLinks() != tc.dLinks {
					t.Fatalf("link count changed by %d, want %d", g.numLinks()-base.numLinks(), tc.dLinks)
				}
				hits++
			}
			if got := float64(hits) / trials; math.Abs(got-tc.want) > tolerance(tc.want, trials) {
				t.Errorf("applied %.4f of the time, want %.4f", got, tc.want)
			}
		})
	}
}

func TestAddNodeSplitsALink(t *testing.T) {
	rng := newRNG(16)
	g, err := New(rng, 1)
	if err != nil {
		t.Fatal(err)
	}
	before := g.Clone()
	if !g.addNode(rng) {
		t.Fatal("addNode found no link")
	}
	n := before.numNodes()
	var in, out []int
	for i := range g.numLinks() {
		from, to := g.link(i)
		if to == n {
			in = append(in, from)
		}
		if from == n {
			out = append(out, to)
		}
	}
	if len(in) != 1 || len(out) != 1 {
		t.Fatalf("new node has inputs %v and outputs %v, want one each", in, out)
	}
	if !before.hasLink(int32(in[0]), int32(out[0])) || g.hasLink(int32(in[0]), int32(out[0])) {
		t.Errorf("link %d->%d was not the one split", in[0], out[0])
	}
	if g.numLinks() != before.numLinks()+1 {
		t.Errorf("%d links after split, want %d", g.numLinks(), before.numLinks()+1)
	}
}

func TestAddLinkNeverClosesCycle(t *testing.T) {
	// A chain x -> h0 -> h1 -> h2 -> out leaves only forward links among
	// hidden nodes; adding links repeatedly must never close a cycle and
	// must stop once the hidden nodes are totally ordered.
	rng := newRNG(17)
	g := &Genome{outputs: 1, acts: []activation{actSin, actSin, actSin, actSin}}
	chain := []int32{inputX, 5, 6, 7, 4}
	for i := 1; i < len(chain); i++ {
		g.links = append(g.links, link{chain[i-1], chain[i]})
		g.weights = append(g.weights, 1)
	}
	for range 500 {
		g.addLink(rng)
		if err := g.validate(); err != nil {
			t.Fatal(err)
		}
	}
	for _, back := range []link{{6, 5}, {7, 6}, {7, 5}} {
		if g.hasLink(back.from, back.to) {
			t.Errorf("backward link %d->%d added", back.from, back.to)
		}
	}
	// Every other legal pair is eventually found: 4 sources + 3 hidden
	// (forward only) into 1 output + 3 hidden.
	want := 4*4 + 3 + 3 // inputs to anything, hidden forward pairs, hidden to output
	if g.numLinks() != want {
		t.Errorf("%d links after saturation, want %d", g.numLinks(), want)
	}
}

func TestDeleteNodeRenumbers(t *testing.T) {
	g := evolved(t, 18, 1, 80)
	if g.numHidden() < 3 {
		t.Fatalf("%d hidden nodes; pick another seed", g.numHidden())
	}
	rng := newRNG(19)
	for g.numHidden() > 0 {
		if !g.deleteNode(rng) {
			t.Fatal("deleteNode failed with hidden nodes left")
		}
		if err := g.validate(); err != nil {
			t.Fatal(err)
		}
	}
	if g.deleteNode(rng) {
		t.Fatal("deleteNode deleted a non-hidden node")
	}
	if g.numNodes() != numInputs+1 {
		t.Fatalf("%d nodes left, want inputs and the output", g.numNodes())
	}
}

// TestGrowingRatesGrow: along a line of descent, networks gain hidden nodes
// at about addNode - deleteNode per mutation (every genome has a link to
// split, and deletions find a node once there is one), so at GrowingRates
// they grow twice as fast as at PaperRates.
func TestGrowingRatesGrow(t *testing.T) {
	const walks, steps = 200, 50
	mean := func(rates MutationRates) float64 {
		sum := 0
		for seed := range uint64(walks) {
			sum += evolvedAt(t, 100+seed, 3, steps, rates).numHidden()
		}
		return float64(sum) / walks
	}
	paper, growing := mean(PaperRates()), mean(GrowingRates())
	for _, tc := range []struct {
		name  string
		got   float64
		rates MutationRates
	}{{"paper", paper, PaperRates()}, {"growing", growing, GrowingRates()}} {
		want := steps * (tc.rates.addNode - tc.rates.deleteNode)
		if math.Abs(tc.got-want) > 0.1*want {
			t.Errorf("%s rates: %.1f hidden nodes after %d mutations on average, want about %.1f", tc.name, tc.got, steps, want)
		}
	}
	if growing < 1.8*paper {
		t.Errorf("growing rates: %.1f hidden nodes against %.1f at the paper's, want about twice as many", growing, paper)
	}
}
