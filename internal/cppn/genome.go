// Package cppn implements fooltest's indirect image encoding: compositional
// pattern-producing networks (CPPNs) as in Nguyen, Yosinski & Clune (CVPR
// 2015). A Genome is a small acyclic network that maps a pixel's coordinates
// to its value; Mutate changes it the way the paper does (no crossover), and a
// Renderer turns it into a canonical planar C×H×W float32 image. Rendering at
// a reduced internal resolution (Options.RenderSize) keeps that far cheaper
// than the classifier's inference.
//
// Node numbering: nodes 0..3 are the inputs (InputX, InputY, InputD,
// InputBias), the next NumOutputs nodes are the outputs, and hidden nodes
// follow. Inputs are sources and outputs are sinks, so every link goes from
// an input or hidden node to a hidden or output node.
package cppn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
)

// Input node indices. Every genome has exactly these NumInputs inputs.
const (
	// InputX is the pixel's column, -1 at the left edge and 1 at the right.
	InputX = iota
	// InputY is the pixel's row, -1 at the top edge and 1 at the bottom.
	InputY
	// InputD is the distance from the image centre, sqrt(x²+y²)/sqrt(2), so
	// it is 0 at the centre and 1 in the corners.
	InputD
	// InputBias is the constant 1.
	InputBias
	// NumInputs is the number of input nodes.
	NumInputs
)

// Weight bounds from the paper. New links draw weights uniformly in this
// range and mutation keeps them in it.
const (
	MinWeight = -10.0
	MaxWeight = 10.0
)

// ErrInvalidGenome is wrapped by every error Validate returns.
var ErrInvalidGenome = errors.New("invalid cppn genome")

// Activation is a node's transfer function, applied to the weighted sum p of
// its inputs. All four map into [-1, 1], so node values stay bounded however
// deep the network grows.
type Activation uint8

// The paper's four activation functions.
const (
	// Sin is sin(p).
	Sin Activation = iota
	// Sigmoid is 2*sigmoid(p)-1, which equals tanh(p/2).
	Sigmoid
	// Gaussian is exp(-p²).
	Gaussian
	// Clip is clip(p, -3, 3)/3.
	Clip
	// NumActivations is the number of activation functions.
	NumActivations
)

// String names the activation.
func (a Activation) String() string {
	switch a {
	case Sin:
		return "sin"
	case Sigmoid:
		return "sigmoid"
	case Gaussian:
		return "gaussian"
	case Clip:
		return "clip"
	}
	return fmt.Sprintf("Activation(%d)", uint8(a))
}

// Eval applies the activation to p in float64 with the standard library's
// math; it is the reference that the Renderer's fast float32 math is held to.
func (a Activation) Eval(p float64) float64 {
	switch a {
	case Sin:
		return math.Sin(p)
	case Sigmoid:
		return math.Tanh(p / 2)
	case Gaussian:
		return math.Exp(-p * p)
	case Clip:
		return math.Max(-3, math.Min(3, p)) / 3
	}
	return math.NaN()
}

// link is a directed connection. int32 keeps a genome small: elites are held
// for every class, up to a thousand of them.
type link struct {
	from, to int32
}

// Genome is a CPPN: node activation functions and weighted feed-forward
// links. The zero value is not usable; create genomes with New.
//
// A Genome is not safe for concurrent mutation; Clone it for each goroutine.
type Genome struct {
	outputs int
	// acts[i] is the activation of node NumInputs+i; inputs have none.
	acts  []Activation
	links []link
	// weights[i] belongs to links[i]. Kept apart from links so that weight
	// access for a weight-space optimiser is a plain slice walk.
	weights []float64
}

// New returns the paper's starting genome: every input linked to every
// output, no hidden nodes, weights uniform in [MinWeight, MaxWeight] and a
// random activation per output. outputs is 1 for grayscale models and 3 for
// colour ones.
func New(rng *rand.Rand, outputs int) (*Genome, error) {
	if outputs < 1 {
		return nil, fmt.Errorf("cppn: new genome with %d outputs: need at least 1", outputs)
	}
	g := &Genome{
		outputs: outputs,
		acts:    make([]Activation, outputs),
		links:   make([]link, 0, NumInputs*outputs),
		weights: make([]float64, 0, NumInputs*outputs),
	}
	for i := range g.acts {
		g.acts[i] = randomActivation(rng)
	}
	for o := range outputs {
		for in := range NumInputs {
			g.links = append(g.links, link{from: int32(in), to: int32(NumInputs + o)})
			g.weights = append(g.weights, randomWeight(rng))
		}
	}
	return g, nil
}

func randomActivation(rng *rand.Rand) Activation {
	return Activation(rng.IntN(int(NumActivations)))
}

func randomWeight(rng *rand.Rand) float64 {
	return MinWeight + rng.Float64()*(MaxWeight-MinWeight)
}

// Clone returns a deep copy that shares no memory with g.
func (g *Genome) Clone() *Genome {
	return &Genome{
		outputs: g.outputs,
		acts:    append([]Activation(nil), g.acts...),
		links:   append([]link(nil), g.links...),
		weights: append([]float64(nil), g.weights...),
	}
}

// NumNodes returns the number of nodes: inputs, outputs and hidden.
func (g *Genome) NumNodes() int { return NumInputs + len(g.acts) }

// NumOutputs returns the number of output nodes (image channels).
func (g *Genome) NumOutputs() int { return g.outputs }

// NumHidden returns the number of hidden nodes.
func (g *Genome) NumHidden() int { return len(g.acts) - g.outputs }

// NumLinks returns the number of links.
func (g *Genome) NumLinks() int { return len(g.links) }

// Link returns the endpoints of link i, 0 <= i < NumLinks().
func (g *Genome) Link(i int) (from, to int) {
	l := g.links[i]
	return int(l.from), int(l.to)
}

// Activation returns the activation of node n; n must not be an input.
func (g *Genome) Activation(n int) Activation { return g.acts[n-NumInputs] }

// NumWeights returns the number of weights, one per link. Weight i belongs to
// Link(i); the indexing is stable until the next structural mutation, so an
// optimiser can search the weights of a fixed topology.
func (g *Genome) NumWeights() int { return len(g.weights) }

// Weight returns weight i.
func (g *Genome) Weight(i int) float64 { return g.weights[i] }

// SetWeight sets weight i, clamped to [MinWeight, MaxWeight]; NaN becomes 0.
// Clamping keeps the invariant that makes the renderer's input range to its
// fast math bounded.
func (g *Genome) SetWeight(i int, w float64) { g.weights[i] = clampWeight(w) }

// AppendWeights appends all weights, in link order, to dst and returns it.
func (g *Genome) AppendWeights(dst []float64) []float64 {
	return append(dst, g.weights...)
}

// SetWeights replaces all weights with w, clamping each as SetWeight does.
func (g *Genome) SetWeights(w []float64) error {
	if len(w) != len(g.weights) {
		return fmt.Errorf("cppn: set %d weights on a genome with %d: %w", len(w), len(g.weights), ErrInvalidGenome)
	}
	for i, v := range w {
		g.weights[i] = clampWeight(v)
	}
	return nil
}

func clampWeight(w float64) float64 {
	if math.IsNaN(w) {
		return 0
	}
	return max(MinWeight, min(MaxWeight, w))
}

func (g *Genome) isOutput(n int32) bool {
	return n >= NumInputs && n < int32(NumInputs+g.outputs)
}

// Validate checks every invariant a genome must keep: all inputs and at least
// one output present, activations known, links only from inputs or hidden
// nodes to hidden or output nodes, no self-links or duplicates, weights
// finite and in range, and no cycle. Every returned error wraps
// ErrInvalidGenome.
func (g *Genome) Validate() error {
	if g.outputs < 1 || len(g.acts) < g.outputs {
		return fmt.Errorf("cppn: %d outputs with %d non-input nodes: %w", g.outputs, len(g.acts), ErrInvalidGenome)
	}
	for i, a := range g.acts {
		if a >= NumActivations {
			return fmt.Errorf("cppn: node %d has %v: %w", NumInputs+i, a, ErrInvalidGenome)
		}
	}
	if len(g.links) != len(g.weights) {
		return fmt.Errorf("cppn: %d links but %d weights: %w", len(g.links), len(g.weights), ErrInvalidGenome)
	}
	n := int32(g.NumNodes())
	seen := make(map[link]bool, len(g.links))
	indeg := make([]int32, n)
	for i, l := range g.links {
		switch {
		case l.from < 0 || l.from >= n || l.to < 0 || l.to >= n:
			return fmt.Errorf("cppn: link %d (%d->%d) leaves the %d nodes: %w", i, l.from, l.to, n, ErrInvalidGenome)
		case l.to < NumInputs:
			return fmt.Errorf("cppn: link %d (%d->%d) feeds an input: %w", i, l.from, l.to, ErrInvalidGenome)
		case g.isOutput(l.from):
			return fmt.Errorf("cppn: link %d (%d->%d) leaves an output: %w", i, l.from, l.to, ErrInvalidGenome)
		case l.from == l.to:
			return fmt.Errorf("cppn: link %d is a self-link on node %d: %w", i, l.from, ErrInvalidGenome)
		case seen[l]:
			return fmt.Errorf("cppn: link %d (%d->%d) is a duplicate: %w", i, l.from, l.to, ErrInvalidGenome)
		}
		if w := g.weights[i]; !(w >= MinWeight && w <= MaxWeight) {
			return fmt.Errorf("cppn: link %d weight %v outside [%v, %v]: %w", i, w, MinWeight, MaxWeight, ErrInvalidGenome)
		}
		seen[l] = true
		indeg[l.to]++
	}
	if order := g.topoOrder(indeg); len(order) != int(n) {
		return fmt.Errorf("cppn: links form a cycle: %w", ErrInvalidGenome)
	}
	return nil
}

// topoOrder runs Kahn's algorithm given each node's in-degree (which it
// consumes) and returns the nodes it could order; fewer than NumNodes means a
// cycle. It is quadratic in the worst case, which is fine for validation.
func (g *Genome) topoOrder(indeg []int32) []int32 {
	order := make([]int32, 0, len(indeg))
	for v, d := range indeg {
		if d == 0 {
			order = append(order, int32(v))
		}
	}
	for k := 0; k < len(order); k++ {
		v := order[k]
		for _, l := range g.links {
			if l.from == v {
				indeg[l.to]--
				if indeg[l.to] == 0 {
					order = append(order, l.to)
				}
			}
		}
	}
	return order
}

// TopologicalOrder returns every node in an order in which each link's source
// comes before its target, or an error wrapping ErrInvalidGenome if the links
// form a cycle.
func (g *Genome) TopologicalOrder() ([]int, error) {
	indeg := make([]int32, g.NumNodes())
	for _, l := range g.links {
		indeg[l.to]++
	}
	order := g.topoOrder(indeg)
	if len(order) != g.NumNodes() {
		return nil, fmt.Errorf("cppn: links form a cycle: %w", ErrInvalidGenome)
	}
	out := make([]int, len(order))
	for i, v := range order {
		out[i] = int(v)
	}
	return out, nil
}
