package onnxtest

import "strconv"

// Bool is onnx.TensorProto.DataType BOOL.
const Bool = 9

// Then returns m with one more node, op, applied to its output "scores":
// the node reads what "scores" was and writes "scores" anew. inits are
// initializers the node reads besides it (for example a Mul's factor).
func (m Model) Then(op string, extra []string, inits ...Tensor) Model {
	m.Nodes = append([]Node(nil), m.Nodes...)
	m.Initializers = append(append([]Tensor(nil), m.Initializers...), inits...)
	prev := "pre_" + op + "_" + strconv.Itoa(len(m.Nodes))
	for i := range m.Nodes {
		for j, o := range m.Nodes[i].Outputs {
			if o == "scores" {
				m.Nodes[i].Outputs = append([]string(nil), m.Nodes[i].Outputs...)
				m.Nodes[i].Outputs[j] = prev
			}
		}
	}
	n := Node{Op: op, Inputs: append([]string{prev}, extra...), Outputs: []string{"scores"}}
	if op == "Softmax" {
		n.Ints = map[string]int64{"axis": 1}
	}
	m.Nodes = append(m.Nodes, n)
	return m
}

// Scaled returns m with its output multiplied by factor.
func (m Model) Scaled(factor float32) Model {
	return m.Then("Mul", []string{"scale_factor"}, Tensor{Name: "scale_factor", Dims: []int64{1}, Data: []float32{factor}})
}

// Looping returns m with its output passed through a Loop of trips
// iterations that each copy it: with trips in the trillions, a model of a
// few hundred bytes whose every run never ends.
func (m Model) Looping(trips int64, k int) Model {
	m = m.Then("Loop", []string{"", ""}, Tensor{Name: "loop_trips", Int64s: []int64{trips}})
	last := &m.Nodes[len(m.Nodes)-1]
	// Loop's inputs are the trip count, the condition (omitted) and the
	// loop-carried value.
	last.Inputs = []string{"loop_trips", "", last.Inputs[0]}
	last.Graphs = map[string]Model{"body": {
		Inputs: []Value{
			{Name: "iter", Type: Int64},
			{Name: "cond_in", Type: Bool},
			{Name: "v_in", Type: Float, Dims: []int64{-1, int64(k)}},
		},
		Outputs: []Value{
			{Name: "cond_out", Type: Bool},
			{Name: "v_out", Type: Float, Dims: []int64{-1, int64(k)}},
		},
		Nodes: []Node{
			{Op: "Identity", Inputs: []string{"cond_in"}, Outputs: []string{"cond_out"}},
			{Op: "Identity", Inputs: []string{"v_in"}, Outputs: []string{"v_out"}},
		},
	}}
	return m
}

// Tempered returns model (an ONNX file whose graph has the float output
// named output, holding probabilities) with one more output, "tempered":
// the softmax of t·log(output), the same probabilities at temperature 1/t.
// With t > 1 the model grows more confident, so its classes are easier to
// fool; with t < 1 harder. The extra nodes are appended as a second graph
// field, which protobuf merges into the first, so any model can be
// tempered without decoding it.
func Tempered(model []byte, output string, t float32) []byte {
	extra := Model{
		Outputs:      []Value{{Name: "tempered", Type: Float, Dims: []int64{-1, -1}}},
		Initializers: []Tensor{{Name: "temper_t", Dims: []int64{1}, Data: []float32{t}}, {Name: "temper_eps", Dims: []int64{1}, Data: []float32{1e-30}}},
		Nodes: []Node{
			{Op: "Add", Inputs: []string{output, "temper_eps"}, Outputs: []string{"temper_p"}},
			{Op: "Log", Inputs: []string{"temper_p"}, Outputs: []string{"temper_log"}},
			{Op: "Mul", Inputs: []string{"temper_log", "temper_t"}, Outputs: []string{"temper_logits"}},
			{Op: "Softmax", Inputs: []string{"temper_logits"}, Outputs: []string{"tempered"}, Ints: map[string]int64{"axis": 1}},
		},
	}
	var b buf
	b.b = append(b.b, model...)
	// The graph's name field is written again, which is harmless: the
	// last one wins.
	b.msg(7, extra.graph("tempered"))
	return b.b
}
