package onnxtest

// The weights of NormHead: a layer normalization of 8 values with scale
// NormHeadGamma and shift NormHeadBeta, then 4 class scores NormHeadW·h +
// NormHeadB (NormHeadW is 4×8, row-major). Over every normalized vector
// (mean 0, norm at most √8), a numpy projected gradient ascent (float64, 10
// starts each, the Frank-Wolfe gap below 1e-15 at the end) finds each
// class's highest softmax, NormHeadMax:
//
//	/usr/bin/python3: max over u of z_c − logsumexp(z_others), z = W(γ∘u + β) + b
//
// Classes 0 and 2 cannot reach 0.99; classes 1 and 3 can.
var (
	NormHeadW = []float32{
		-0.8, -1.3, -0.2, 0.4, 1.1, 0.1, -0.6, -0.8,
		0.7, 1.6, 0.3, -1.2, -1.0, 1.6, 0.2, -1.7,
		-0.1, -1.2, -0.6, -0.5, -0.7, 0.6, -0.1, -0.6,
		0.4, 0.8, -1.6, -0.3, -1.0, -0.2, -1.3, 0.0,
	}
	NormHeadGamma = []float32{1.0, 0.9, 0.7, 0.9, 0.7, 0.6, 1.1, 0.7}
	NormHeadBeta  = []float32{0.2, 0.1, -0.4, 0.1, -0.2, 0.0, 0.0, -0.4}
	NormHeadB     = []float32{-0.1, -0.1, 0.3, -0.4}
	NormHeadMax   = []float64{0.979133, 0.998146, 0.949110, 0.993043}
)

// NormHead returns a transformer classifier's head on 4×4 gray images: the
// image's 16 values are 2 tokens of 8 values, each 100·pixel − 50, then a
// layer normalization of each token (the LayerNormalization operator at
// opset 17, or, when decomposed, the ReduceMean, Sub, Pow, Sqrt and Div that
// exporters write without it, at opset 13), then the mean over the tokens
// (or, with firstToken, the first token alone, as a Gather), then a Gemm to
// 4 logits. An image whose tokens are both s·u/100 + 0.5 for a normalized
// vector u and a large s (|s·u| ≤ 50) gives the head that u, near enough.
func NormHead(decomposed, firstToken bool) Model {
	last := map[string][]int64{"axes": {-1}}
	node := func(op string, out string, in ...string) Node {
		return Node{Op: op, Inputs: in, Outputs: []string{out}}
	}
	nodes := []Node{
		node("Reshape", "t", "image", "tokens"),
		node("Mul", "ts", "t", "hundred"),
		node("Add", "x", "ts", "minusFifty"),
	}
	opset := int64(17)
	if decomposed {
		opset = 13
		nodes = append(nodes,
			Node{Op: "ReduceMean", Inputs: []string{"x"}, Outputs: []string{"mu"}, IntLists: last},
			node("Sub", "d", "x", "mu"),
			node("Pow", "d2", "d", "two"),
			Node{Op: "ReduceMean", Inputs: []string{"d2"}, Outputs: []string{"var"}, IntLists: last},
			node("Add", "ve", "var", "eps"),
			node("Sqrt", "sd", "ve"),
			node("Div", "u", "d", "sd"),
			node("Mul", "ug", "u", "gamma"),
			node("Add", "n", "ug", "beta"))
	} else {
		nodes = append(nodes, Node{Op: "LayerNormalization", Inputs: []string{"x", "gamma", "beta"}, Outputs: []string{"n"},
			Floats: map[string]float32{"epsilon": 1e-5}})
	}
	if firstToken {
		nodes = append(nodes, Node{Op: "Gather", Inputs: []string{"n", "zero"}, Outputs: []string{"h"}, Ints: map[string]int64{"axis": 1}})
	} else {
		nodes = append(nodes, Node{Op: "ReduceMean", Inputs: []string{"n"}, Outputs: []string{"h"},
			Ints: map[string]int64{"keepdims": 0}, IntLists: map[string][]int64{"axes": {1}}})
	}
	nodes = append(nodes, Node{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"logits"}, Ints: map[string]int64{"transB": 1}})
	return Model{
		Opset:   opset,
		Inputs:  []Value{{Name: "image", Type: Float, Dims: []int64{-1, 1, 4, 4}}},
		Outputs: []Value{{Name: "logits", Type: Float, Dims: []int64{-1, 4}}},
		Nodes:   nodes,
		Initializers: []Tensor{
			{Name: "tokens", Dims: []int64{3}, Int64s: []int64{-1, 2, 8}},
			{Name: "hundred", Dims: []int64{}, Data: []float32{100}},
			{Name: "minusFifty", Dims: []int64{}, Data: []float32{-50}},
			{Name: "two", Dims: []int64{}, Data: []float32{2}},
			{Name: "eps", Dims: []int64{}, Data: []float32{1e-5}},
			{Name: "zero", Dims: []int64{}, Int64s: []int64{0}},
			{Name: "gamma", Dims: []int64{8}, Data: NormHeadGamma},
			{Name: "beta", Dims: []int64{8}, Data: NormHeadBeta},
			{Name: "W", Dims: []int64{4, 8}, Data: NormHeadW},
			{Name: "b", Dims: []int64{4}, Data: NormHeadB},
		},
	}
}
