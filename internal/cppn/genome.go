// Package cppn implements fooltest's indirect image encoding: compositional
// pattern-producing networks (CPPNs) as in Nguyen, Yosinski & Clune (CVPR
// 2015). A Genome is a small acyclic network that maps a pixel's coordinates
// to its value; Mutate changes it the way the paper does (no crossover), and a
// Renderer turns it into a canonical planar C×H×W float32 image. Rendering at
// a reduced internal resolution (Options.RenderSize) keeps that far cheaper
// than the classifier's inference.
//
// Node numbering: nodes 0..3 are the inputs (x, y, d and the bias), one
// node per output follows, then the hidden nodes. Inputs are sources and
// outputs are sinks, so every link goes from an input or hidden node to a
// hidden or output node.
package cppn

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Input node indices. Every genome has exactly these numInputs inputs.
const (
	// inputX is the pixel's column, -1 at the left edge and 1 at the right.
	inputX = iota
	// inputY is the pixel's row, -1 at the top edge and 1 at the bottom.
	inputY
	// inputD is the distance from the image centre, sqrt(x²+y²)/sqrt(2), so
	// it is 0 at the centre and 1 in the corners.
	inputD
	// inputBias is the constant 1.
	inputBias
	// numInputs is the number of input nodes.
	numInputs
)

// Weight bounds from the paper. New links draw weights uniformly in this
// range and mutation keeps them in it.
const (
	minWeight = -10.0
	maxWeight = 10.0
)

// activation is a node's transfer function, applied to the weighted sum p of
// its inputs. All four map into [-1, 1], so node values stay bounded however
// deep the network grows.
type activation uint8

// The paper's four activation functions. A fifth, a square wave (the sign
// of sin p) or a triangle wave, drawn as often as each of these, cost the
// many-class search on MobileNetV2 int8 62 and 23 of 483 classes at
// 150,000 evaluations (docs/measurements.md, "activations, the endgame,
// the rate order and the climbers' share over time").
const (
	// actSin is sin(p).
	actSin activation = iota
	// actSigmoid is 2*sigmoid(p)-1, which equals tanh(p/2).
	actSigmoid
	// actGaussian is exp(-p²).
	actGaussian
	// actClip is clip(p, -3, 3)/3.
	actClip
	// numActivations is the number of activation functions.
	numActivations
)

// link is a directed connection. int32 keeps a genome small: elites are held
// for every class, up to a thousand of them.
type link struct {
	from, to int32
}

// Genome is a CPPN: node activation functions and weighted feed-forward
// links. The zero value is not usable; create genomes with New. New and
// Mutate keep these invariants: every input and at least one output
// present, activations known, links only from inputs or hidden nodes to
// hidden or output nodes, no self-links or duplicates, weights finite and
// in range, and no cycle.
//
// A Genome is not safe for concurrent mutation; Clone it for each goroutine.
type Genome struct {
	outputs int
	// acts[i] is the activation of node numInputs+i; inputs have none.
	acts  []activation
	links []link
	// weights[i] belongs to links[i]. Kept apart from links so that weight
	// access for a weight-space optimiser is a plain slice walk.
	weights []float64
}

// New returns the paper's starting genome: every input linked to every
// output, no hidden nodes, weights uniform in the paper's range [-10, 10]
// and a random activation per output. outputs is 1 for grayscale models and
// 3 for colour ones.
func New(rng *rand.Rand, outputs int) (*Genome, error) {
	if outputs < 1 {
		return nil, fmt.Errorf("cppn: new genome with %d outputs: need at least 1", outputs)
	}
	g := &Genome{
		outputs: outputs,
		acts:    make([]activation, outputs),
		links:   make([]link, 0, numInputs*outputs),
		weights: make([]float64, 0, numInputs*outputs),
	}
	for i := range g.acts {
		g.acts[i] = randomActivation(rng)
	}
	for o := range outputs {
		for in := range numInputs {
			g.links = append(g.links, link{from: int32(in), to: int32(numInputs + o)})
			g.weights = append(g.weights, randomWeight(rng))
		}
	}
	return g, nil
}

func randomActivation(rng *rand.Rand) activation {
	return activation(rng.IntN(int(numActivations)))
}

func randomWeight(rng *rand.Rand) float64 {
	return minWeight + rng.Float64()*(maxWeight-minWeight)
}

// Clone returns a deep copy that shares no memory with g.
func (g *Genome) Clone() *Genome {
	return &Genome{
		outputs: g.outputs,
		acts:    append([]activation(nil), g.acts...),
		links:   append([]link(nil), g.links...),
		weights: append([]float64(nil), g.weights...),
	}
}

// numNodes returns the number of nodes: inputs, outputs and hidden.
func (g *Genome) numNodes() int { return numInputs + len(g.acts) }

// numHidden returns the number of hidden nodes.
func (g *Genome) numHidden() int { return len(g.acts) - g.outputs }

// NumWeights returns the number of weights, one per link. Weight i belongs to
// link i; the indexing is stable until the next structural mutation, so an
// optimiser can search the weights of a fixed topology.
func (g *Genome) NumWeights() int { return len(g.weights) }

// Weight returns weight i.
func (g *Genome) Weight(i int) float64 { return g.weights[i] }

// SetWeight sets weight i, clamped to the weight range [-10, 10]; NaN
// becomes 0.
// Clamping keeps the invariant that makes the renderer's input range to its
// fast math bounded.
func (g *Genome) SetWeight(i int, w float64) { g.weights[i] = clampWeight(w) }

func clampWeight(w float64) float64 {
	if math.IsNaN(w) {
		return 0
	}
	return max(minWeight, min(maxWeight, w))
}

func (g *Genome) isOutput(n int32) bool {
	return n >= numInputs && n < int32(numInputs+g.outputs)
}
