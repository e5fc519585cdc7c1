package cppn

// What tests need to look into genomes: their invariants, their structure
// and the float64 reference of each activation. Production code never
// needs them: it only mutates and renders.

import (
	"errors"
	"fmt"
	"math"
)

// errInvalidGenome is wrapped by every error validate returns.
var errInvalidGenome = errors.New("invalid cppn genome")

// String names the activation.
func (a activation) String() string {
	switch a {
	case actSin:
		return "sin"
	case actSigmoid:
		return "sigmoid"
	case actGaussian:
		return "gaussian"
	case actClip:
		return "clip"
	}
	return fmt.Sprintf("activation(%d)", uint8(a))
}

// eval applies the activation to p in float64 with the standard library's
// math; it is the reference that the Renderer's fast float32 math is held to.
func (a activation) eval(p float64) float64 {
	switch a {
	case actSin:
		return math.Sin(p)
	case actSigmoid:
		return math.Tanh(p / 2)
	case actGaussian:
		return math.Exp(-p * p)
	case actClip:
		return math.Max(-3, math.Min(3, p)) / 3
	}
	return math.NaN()
}

// numOutputs returns the number of output nodes (image channels).
func (g *Genome) numOutputs() int { return g.outputs }

// numLinks returns the number of links.
func (g *Genome) numLinks() int { return len(g.links) }

// link returns the endpoints of link i, 0 <= i < numLinks().
func (g *Genome) link(i int) (from, to int) {
	l := g.links[i]
	return int(l.from), int(l.to)
}

// nodeAct returns the activation of node n; n must not be an input.
func (g *Genome) nodeAct(n int) activation { return g.acts[n-numInputs] }

// validate checks every invariant of a Genome (see its doc comment). Every
// returned error wraps errInvalidGenome.
func (g *Genome) validate() error {
	if g.outputs < 1 || len(g.acts) < g.outputs {
		return fmt.Errorf("cppn: %d outputs with %d non-input nodes: %w", g.outputs, len(g.acts), errInvalidGenome)
	}
	for i, a := range g.acts {
		if a >= numActivations {
			return fmt.Errorf("cppn: node %d has %v: %w", numInputs+i, a, errInvalidGenome)
		}
	}
	if len(g.links) != len(g.weights) {
		return fmt.Errorf("cppn: %d links but %d weights: %w", len(g.links), len(g.weights), errInvalidGenome)
	}
	n := int32(g.numNodes())
	seen := make(map[link]bool, len(g.links))
	indeg := make([]int32, n)
	for i, l := range g.links {
		switch {
		case l.from < 0 || l.from >= n || l.to < 0 || l.to >= n:
			return fmt.Errorf("cppn: link %d (%d->%d) leaves the %d nodes: %w", i, l.from, l.to, n, errInvalidGenome)
		case l.to < numInputs:
			return fmt.Errorf("cppn: link %d (%d->%d) feeds an input: %w", i, l.from, l.to, errInvalidGenome)
		case g.isOutput(l.from):
			return fmt.Errorf("cppn: link %d (%d->%d) leaves an output: %w", i, l.from, l.to, errInvalidGenome)
		case l.from == l.to:
			return fmt.Errorf("cppn: link %d is a self-link on node %d: %w", i, l.from, errInvalidGenome)
		case seen[l]:
			return fmt.Errorf("cppn: link %d (%d->%d) is a duplicate: %w", i, l.from, l.to, errInvalidGenome)
		}
		if w := g.weights[i]; !(w >= minWeight && w <= maxWeight) {
			return fmt.Errorf("cppn: link %d weight %v outside [%v, %v]: %w", i, w, minWeight, maxWeight, errInvalidGenome)
		}
		seen[l] = true
		indeg[l.to]++
	}
	if order := g.topoOrder(indeg); len(order) != int(n) {
		return fmt.Errorf("cppn: links form a cycle: %w", errInvalidGenome)
	}
	return nil
}

// topoOrder runs Kahn's algorithm given each node's in-degree (which it
// consumes) and returns the nodes it could order; fewer than numNodes means a
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
