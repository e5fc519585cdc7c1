package onnxcheck

import "slices"

// randomOps are the operators that draw random numbers on every run: noise
// layers and randomized defences (Gaussian noise added to the image, a
// random resize or padding chosen by a Bernoulli or Multinomial draw).
var randomOps = []string{"RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Bernoulli", "Multinomial"}

// Unrepeatable returns the first node, in graph order, of those that the
// value output depends on whose result is not a function of the image
// alone: an operator in randomOps, or a BatchNormalization in training mode
// (training_mode set, or, before opset 14, its running statistics among
// its outputs), which normalises each batch by its own statistics instead
// of the learned ones. It returns nil when there is none, and it does not
// count a Dropout in training mode: ONNX Runtime, which fooltest scores
// with, runs it as the identity, as inference mode does.
//
// A node that the output does not depend on is passed over: exporters
// leave dead branches, and they change no score. Nor does one whose result
// the output reads only the shape of.
func (m *Model) Unrepeatable(output string) *Node {
	by := make(map[string]int, len(m.nodes))
	for i, n := range m.nodes {
		for _, o := range n.Outputs {
			by[o] = i
		}
	}
	// needed marks the nodes output depends on; each is visited once, so
	// a crafted graph whose nodes form a cycle ends too.
	needed := make([]bool, len(m.nodes))
	stack := []string{output}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, ok := by[v]
		if !ok || needed[i] {
			continue
		}
		needed[i] = true
		// A Shape or Size reads its input's dimensions, not its values,
		// which no random draw changes.
		if n := &m.nodes[i]; n.Op != "Shape" && n.Op != "Size" || n.Domain != "" && n.Domain != "ai.onnx" {
			stack = append(stack, n.Inputs...)
		}
	}
	for i, n := range m.nodes {
		if !needed[i] || (n.Domain != "" && n.Domain != "ai.onnx") {
			continue
		}
		node := &Node{Name: n.Name, Op: n.Op, Inputs: n.Inputs, Outputs: n.Outputs, attrs: n.attrs}
		if slices.Contains(randomOps, n.Op) || n.Op == "BatchNormalization" && node.Training() {
			return node
		}
	}
	return nil
}

// Training reports whether n, a BatchNormalization, runs in training mode:
// its training_mode attribute is set (opset 14 on), or it computes more
// than its result (running mean and variance, which only training mode
// gives, before opset 14).
func (n *Node) Training() bool {
	if t, ok := n.Int("training_mode"); ok {
		return t != 0
	}
	return len(n.Outputs) > 1 && slices.ContainsFunc(n.Outputs[1:], func(o string) bool { return o != "" })
}
