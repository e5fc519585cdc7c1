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

// Duplicated returns model (an ONNX file whose graph has the float output
// named output, holding probabilities of k classes) with one more output,
// "duplicated", of k+1 classes: the softmax of the same logits with class
// of's logit repeated as class k. Classes of and k then always tie, so
// neither can reach a confidence above one half: a model with a class
// that no input can fool.
func Duplicated(model []byte, output string, k, of int) []byte {
	idx := make([]int64, k+1)
	for i := range k {
		idx[i] = int64(i)
	}
	idx[k] = int64(of)
	extra := Model{
		Outputs:      []Value{{Name: "duplicated", Type: Float, Dims: []int64{-1, int64(k + 1)}}},
		Initializers: []Tensor{{Name: "dup_idx", Dims: []int64{int64(k + 1)}, Int64s: idx}, {Name: "dup_eps", Dims: []int64{1}, Data: []float32{1e-30}}},
		Nodes: []Node{
			{Op: "Add", Inputs: []string{output, "dup_eps"}, Outputs: []string{"dup_p"}},
			{Op: "Log", Inputs: []string{"dup_p"}, Outputs: []string{"dup_log"}},
			{Op: "Gather", Inputs: []string{"dup_log", "dup_idx"}, Outputs: []string{"dup_logits"}, Ints: map[string]int64{"axis": 1}},
			{Op: "Softmax", Inputs: []string{"dup_logits"}, Outputs: []string{"duplicated"}, Ints: map[string]int64{"axis": 1}},
		},
	}
	var b buf
	b.b = append(b.b, model...)
	b.msg(7, extra.graph("duplicated"))
	return b.b
}

// HungryBatch returns m (a Classifier, whose graph flattens its input
// to "flat") with an intermediate tensor of about batched bytes for a
// batch of two images and of one image's size for a batch of one: "flat"
// tiled 1+(N-1)·r times, r read from the batch size N in the graph. One
// image fits any machine, and a batch of two fails at once in a single
// allocation, without filling the memory that the process needs to go on.
// Batches of three or more ask for more than ONNX Runtime's 4 GiB tensor
// limit when batched is above 1.4 GiB.
func (m Model) HungryBatch(batched int64) Model {
	d := int64(1)
	for _, x := range m.Inputs[0].Dims[1:] {
		d *= x
	}
	r := max(1, batched/(2*4*d))
	m.Nodes = append([]Node(nil), m.Nodes...)
	m.Nodes = append(m.Nodes,
		Node{Op: "Shape", Inputs: []string{"flat"}, Outputs: []string{"hungry_shape"}},
		Node{Op: "Gather", Inputs: []string{"hungry_shape", "hungry_zero_index"}, Outputs: []string{"hungry_n"}},
		Node{Op: "Sub", Inputs: []string{"hungry_n", "hungry_one"}, Outputs: []string{"hungry_n1"}},
		Node{Op: "Mul", Inputs: []string{"hungry_n1", "hungry_r"}, Outputs: []string{"hungry_nr"}},
		Node{Op: "Add", Inputs: []string{"hungry_nr", "hungry_one"}, Outputs: []string{"hungry_times"}},
		Node{Op: "Concat", Inputs: []string{"hungry_one", "hungry_times"}, Outputs: []string{"hungry_reps"}, Ints: map[string]int64{"axis": 0}},
	)
	m.Initializers = append(append([]Tensor(nil), m.Initializers...),
		Tensor{Name: "hungry_zero_index", Dims: []int64{1}, Int64s: []int64{0}},
		Tensor{Name: "hungry_one", Dims: []int64{1}, Int64s: []int64{1}},
		Tensor{Name: "hungry_r", Dims: []int64{1}, Int64s: []int64{r}},
	)
	return m.eat()
}

// Hungry returns m (a Classifier, whose graph flattens its input to
// "flat") with an intermediate tensor of perImage bytes or more for each
// image in a batch: "flat" tiled, whose mean times 0 is added to the
// scores. Its output is m's, and its memory grows with the batch, so one
// image fits a small machine where a batch of many does not.
func (m Model) Hungry(perImage int64) Model {
	d := int64(1)
	for _, x := range m.Inputs[0].Dims[1:] {
		d *= x
	}
	reps := max(1, perImage/(4*d))
	m.Nodes = append([]Node(nil), m.Nodes...)
	m.Initializers = append(append([]Tensor(nil), m.Initializers...), Tensor{Name: "hungry_reps", Dims: []int64{2}, Int64s: []int64{1, reps}})
	return m.eat()
}

// eat adds to m's scores the zeroed mean of "flat" tiled by "hungry_reps",
// so that the tiled tensor is computed and the scores stay m's.
func (m Model) eat() Model {
	m.Nodes = append(m.Nodes,
		Node{Op: "Tile", Inputs: []string{"flat", "hungry_reps"}, Outputs: []string{"hungry_big"}},
		Node{Op: "ReduceMean", Inputs: []string{"hungry_big"}, Outputs: []string{"hungry_mean"}, IntLists: map[string][]int64{"axes": {1}}},
	)
	m = m.Then("Mul", []string{"hungry_zero"}, Tensor{Name: "hungry_zero", Dims: []int64{1}, Data: []float32{0}})
	// The Mul multiplies the scores, not the mean: add the zeroed mean
	// after it instead.
	last := &m.Nodes[len(m.Nodes)-1]
	last.Op, last.Inputs = "Add", []string{last.Inputs[0], "hungry_zeroed"}
	m.Nodes = append(m.Nodes[:len(m.Nodes)-1], Node{Op: "Mul", Inputs: []string{"hungry_mean", "hungry_zero"}, Outputs: []string{"hungry_zeroed"}}, *last)
	return m
}
