package cppn

import (
	"math"
	"math/rand/v2"
	"slices"
)

// PaperEta is the polynomial-mutation distribution index the paper uses for
// both the CPPN weights and the direct encoding's pixels.
const PaperEta = 15

// addLinkAttempts bounds the search for a new link. Drawing random pairs
// rather than enumerating the valid ones keeps mutation cheap; a few dozen
// tries find a free pair unless the genome is nearly saturated, when adding a
// link matters little anyway.
const addLinkAttempts = 32

// MutationRates are the probabilities Mutate applies. weight and activation
// are per weight and per non-input node; the four structural rates are per
// call (per child). eta is the polynomial-mutation distribution index.
// PaperRates and GrowingRates give the rates the searches use; tests set
// others.
type MutationRates struct {
	// weight is the probability that each weight is perturbed.
	weight float64
	// activation is the probability that each output and hidden node
	// redraws its activation (possibly drawing the same one again).
	activation float64
	// addLink is the probability of adding one feed-forward link.
	addLink float64
	// deleteLink is the probability of deleting one link.
	deleteLink float64
	// addNode is the probability of splitting one link a->b into
	// a->new->b.
	addNode float64
	// deleteNode is the probability of deleting one hidden node and its
	// links.
	deleteNode float64
	// eta is the polynomial-mutation distribution index; larger values
	// make smaller steps. It must be greater than -1.
	eta float64
}

// PaperRates returns the rates of Nguyen, Yosinski & Clune (2015): weights
// and activations 0.1 each, add link 0.5, delete link 0.3, add node 0.5,
// delete node 0.2, distribution index 15.
func PaperRates() MutationRates {
	return MutationRates{
		weight:     0.1,
		activation: 0.1,
		addLink:    0.5,
		deleteLink: 0.3,
		addNode:    0.5,
		deleteNode: 0.2,
		eta:        PaperEta,
	}
}

// GrowingRates returns PaperRates with links and nodes added at 0.7 each
// (the paper: 0.5) and deleted at half the paper's rates (0.15 and 0.1), so
// that networks grow faster along a line of descent and draw finer
// patterns sooner.
func GrowingRates() MutationRates {
	r := PaperRates()
	r.addLink, r.addNode = 0.7, 0.7
	r.deleteLink, r.deleteNode = 0.15, 0.1
	return r
}

// PolynomialDeltaAt is Deb's polynomial-mutation step in [-1, 1] for the
// uniform draw r in [0, 1) and distribution index eta: (2r)^(1/(eta+1))-1
// when r < 0.5 and 1-(2(1-r))^(1/(eta+1)) otherwise. The step is symmetric
// about 0 and, for eta = 15, has |delta| < 0.1 with probability
// 1-0.9^16 ≈ 0.815; scale it by the gene's range before adding it. It is
// nondecreasing in r, so callers may tabulate it.
func PolynomialDeltaAt(r, eta float64) float64 {
	if r < 0.5 {
		return root(2*r, eta) - 1
	}
	return 1 - root(2*(1-r), eta)
}

// root returns x^(1/(eta+1)). The paper's index 15 makes that a 16th root,
// four square roots, which are exact to rounding and several times cheaper
// than math.Pow; the direct encoding calls this for a tenth of every
// image's genes.
func root(x, eta float64) float64 {
	if eta == 15 {
		return math.Sqrt(math.Sqrt(math.Sqrt(math.Sqrt(x))))
	}
	return math.Pow(x, 1/(eta+1))
}

// poly returns v after polynomial mutation on [lo, hi]: v plus the step of
// one uniform draw scaled by hi-lo, clamped to [lo, hi].
func poly(rng *rand.Rand, v, lo, hi, eta float64) float64 {
	return min(hi, max(lo, v+PolynomialDeltaAt(rng.Float64(), eta)*(hi-lo)))
}

// Mutate changes g in place as the paper does for one child: each weight
// with probability rates.weight, each non-input node's activation with
// probability rates.activation, then at most one of each structural change
// with its probability, in the order add link, delete link, add node, delete
// node. Mutate keeps every invariant of a Genome.
func (g *Genome) Mutate(rng *rand.Rand, rates MutationRates) {
	for i, w := range g.weights {
		if rng.Float64() < rates.weight {
			g.weights[i] = poly(rng, w, minWeight, maxWeight, rates.eta)
		}
	}
	for i := range g.acts {
		if rng.Float64() < rates.activation {
			g.acts[i] = randomActivation(rng)
		}
	}
	if rng.Float64() < rates.addLink {
		g.addLink(rng)
	}
	if rng.Float64() < rates.deleteLink {
		g.deleteLink(rng)
	}
	if rng.Float64() < rates.addNode {
		g.addNode(rng)
	}
	if rng.Float64() < rates.deleteNode {
		g.deleteNode(rng)
	}
}

// addLink adds a link with a random weight between a random source (input or
// hidden) and a random target (hidden or output) that are not yet linked and
// whose link would not close a cycle. It reports whether it found one.
func (g *Genome) addLink(rng *rand.Rand) bool {
	hidden := g.numHidden()
	var reach []bool
	for range addLinkAttempts {
		// Sources are inputs then hidden nodes, targets outputs then
		// hidden nodes, each drawn uniformly.
		from := int32(rng.IntN(numInputs + hidden))
		if from >= numInputs {
			from += int32(g.outputs)
		}
		to := int32(numInputs + rng.IntN(g.outputs+hidden))
		if from == to || g.hasLink(from, to) {
			continue
		}
		// Only hidden->hidden links can close a cycle: inputs have no
		// incoming links and outputs no outgoing ones.
		if from >= numInputs && !g.isOutput(to) {
			if reach == nil {
				reach = make([]bool, g.numNodes())
			}
			if g.reaches(to, from, reach) {
				continue
			}
		}
		g.links = append(g.links, link{from: from, to: to})
		g.weights = append(g.weights, randomWeight(rng))
		return true
	}
	return false
}

func (g *Genome) hasLink(from, to int32) bool {
	return slices.Contains(g.links, link{from: from, to: to})
}

// reaches reports whether a path of links leads from a to b. visited is
// scratch of numNodes entries; it is cleared first.
func (g *Genome) reaches(a, b int32, visited []bool) bool {
	clear(visited)
	visited[a] = true
	// Relax until nothing changes: genomes are small and this needs no
	// adjacency lists or stack.
	for changed := true; changed; {
		changed = false
		for _, l := range g.links {
			if visited[l.from] && !visited[l.to] {
				if l.to == b {
					return true
				}
				visited[l.to] = true
				changed = true
			}
		}
	}
	return visited[b]
}

// deleteLink removes a random link. It reports whether there was one.
func (g *Genome) deleteLink(rng *rand.Rand) bool {
	if len(g.links) == 0 {
		return false
	}
	i := rng.IntN(len(g.links))
	g.links = slices.Delete(g.links, i, i+1)
	g.weights = slices.Delete(g.weights, i, i+1)
	return true
}

// addNode splits a random link a->b into a->n->b with a new hidden node n of
// random activation. The link a->n takes the link's place and a fresh random
// weight; n->b keeps the old weight so that n's influence on b starts at the
// strength the old link had. It reports whether there was a link to split.
func (g *Genome) addNode(rng *rand.Rand) bool {
	if len(g.links) == 0 {
		return false
	}
	i := rng.IntN(len(g.links))
	old, w := g.links[i], g.weights[i]
	n := int32(g.numNodes())
	g.acts = append(g.acts, randomActivation(rng))
	g.links[i] = link{from: old.from, to: n}
	g.weights[i] = randomWeight(rng)
	g.links = append(g.links, link{from: n, to: old.to})
	g.weights = append(g.weights, w)
	return true
}

// deleteNode removes a random hidden node and every link touching it. It
// reports whether there was a hidden node. Outputs left without inputs stay
// valid: they evaluate their activation at 0.
func (g *Genome) deleteNode(rng *rand.Rand) bool {
	hidden := g.numHidden()
	if hidden == 0 {
		return false
	}
	n := int32(numInputs + g.outputs + rng.IntN(hidden))
	k := 0
	for i, l := range g.links {
		if l.from == n || l.to == n {
			continue
		}
		// Later nodes shift down one to fill the gap.
		if l.from > n {
			l.from--
		}
		if l.to > n {
			l.to--
		}
		g.links[k], g.weights[k] = l, g.weights[i]
		k++
	}
	g.links, g.weights = g.links[:k], g.weights[:k]
	g.acts = slices.Delete(g.acts, int(n-numInputs), int(n-numInputs)+1)
	return true
}
