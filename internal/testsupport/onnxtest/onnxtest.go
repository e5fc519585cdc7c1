// Package onnxtest builds small ONNX models in tests, so that every input
// layout, output shape and failure mode fooltest handles is exercised through
// the real runtime without committing opaque model files.
//
// It writes the ONNX protobuf wire format directly: the few messages a
// classifier graph needs are simple enough that a protobuf dependency would
// cost more than it saves.
package onnxtest

import (
	"encoding/binary"
	"maps"
	"math"
	"slices"
	"strconv"
)

// Element types from onnx.TensorProto.DataType.
const (
	Float  = 1
	Uint8  = 2
	Int8   = 3
	Int64  = 7
	String = 8
)

// Value declares a graph input or output. A dim of -1 is dynamic.
type Value struct {
	Name string
	Type int
	Dims []int64
	// MapKey, when nonzero, makes the value a sequence of maps from keys
	// of this element type (Int64 or String) to float scalars, as the
	// ZipMap node of scikit-learn models gives; Type and Dims are unused.
	MapKey int
}

// Node is one operator.
type Node struct {
	Op      string
	Inputs  []string
	Outputs []string
	// Ints are integer attributes (for example Flatten's axis).
	Ints map[string]int64
	// Floats are float attributes.
	Floats map[string]float32
	// IntLists are integer-list attributes (for example Transpose's
	// perm), written unpacked.
	IntLists map[string][]int64
	// StringLists are string-list attributes (for example ZipMap's
	// classlabels_strings).
	StringLists map[string][]string
	// Domain is the operator's domain; empty is the default ONNX domain.
	Domain string
	// Tensors are tensor attributes (for example Constant's value).
	Tensors map[string]Tensor
	// Graphs are subgraph attributes (for example If's then_branch); only
	// the graph fields of each Model (Inputs, Outputs, Nodes,
	// Initializers) are written.
	Graphs map[string]Model
	// Refs, in a function's node, are integer attributes whose value is
	// the calling node's attribute of the named one (ref_attr_name).
	Refs map[string]string
}

// Tensor is a float initializer. External, when set, stores the data in
// that file instead (relative to the model), as large models do.
type Tensor struct {
	Name     string
	Dims     []int64
	Data     []float32
	External string
	// ExternalOffset and ExternalLength, when nonzero, say where in the
	// External file the data lies, as exporters that put every tensor in
	// one file write them.
	ExternalOffset, ExternalLength int64
	// Int64s, when set, makes this an int64 tensor (shapes, axes).
	Int64s []int64
	// Uint8s or Int8s, when set, make this an 8-bit integer tensor
	// (quantization zero points).
	Uint8s []uint8
	Int8s  []int8
}

// Function is a model-local function: nodes that a node of op type Name
// in Domain stands for.
type Function struct {
	Domain, Name    string
	Inputs, Outputs []string
	Nodes           []Node
	// Attributes name the function's attributes that have no default;
	// Defaults are integer attributes with one.
	Attributes []string
	Defaults   map[string]int64
}

// Model is a single-graph ONNX model.
type Model struct {
	// Opset is the default domain's opset (0: 13); IRVersion the file's
	// IR version (0: 8).
	Opset        int64
	IRVersion    int64
	Inputs       []Value
	Outputs      []Value
	Nodes        []Node
	Initializers []Tensor
	// Imports are opset imports besides the default domain's, by domain
	// (custom operator domains, the domains of Functions).
	Imports map[string]int64
	// Functions are model-local functions.
	Functions []Function
	// Metadata are the model's metadata_props, written in key order.
	Metadata map[string]string
}

// Bytes encodes the model as an ONNX protobuf.
func (m Model) Bytes() []byte {
	opset := m.Opset
	if opset == 0 {
		opset = 13
	}
	var op buf
	op.varint(2, uint64(opset))
	ir := m.IRVersion
	if ir == 0 {
		ir = 8
	}
	var out buf
	out.varint(1, uint64(ir))
	out.str(2, "fooltest-onnxtest")
	out.msg(7, m.graph("fooltest_test"))
	out.msg(8, op.b)
	for domain, version := range m.Imports {
		var imp buf
		imp.str(1, domain)
		imp.varint(2, uint64(version))
		out.msg(8, imp.b)
	}
	for _, f := range m.Functions {
		out.msg(25, f.encode(opset, m.Imports))
	}
	for _, k := range slices.Sorted(maps.Keys(m.Metadata)) {
		var e buf
		e.str(1, k)
		e.str(2, m.Metadata[k])
		out.msg(14, e.b)
	}
	return out.b
}

// graph encodes m's graph fields as a GraphProto.
func (m Model) graph(name string) []byte {
	var g buf
	for _, n := range m.Nodes {
		g.msg(1, n.encode())
	}
	g.str(2, name)
	for _, t := range m.Initializers {
		g.msg(5, t.encode())
	}
	for _, v := range m.Inputs {
		g.msg(11, v.encode())
	}
	for _, v := range m.Outputs {
		g.msg(12, v.encode())
	}
	return g.b
}

// encode writes f with the model's opset imports, so that its nodes may
// call other functions.
func (f Function) encode(opset int64, imports map[string]int64) []byte {
	var b buf
	b.str(1, f.Name)
	for _, in := range f.Inputs {
		b.str(4, in)
	}
	for _, o := range f.Outputs {
		b.str(5, o)
	}
	for _, a := range f.Attributes {
		b.str(6, a)
	}
	for _, n := range f.Nodes {
		b.msg(7, n.encode())
	}
	var op buf
	op.varint(2, uint64(opset))
	b.msg(9, op.b)
	for _, domain := range slices.Sorted(maps.Keys(imports)) {
		var imp buf
		imp.str(1, domain)
		imp.varint(2, uint64(imports[domain]))
		b.msg(9, imp.b)
	}
	b.str(10, f.Domain)
	for _, k := range slices.Sorted(maps.Keys(f.Defaults)) {
		var a buf
		a.str(1, k)
		a.varint(3, uint64(f.Defaults[k]))
		a.varint(20, 2) // AttributeType INT
		b.msg(11, a.b)
	}
	return b.b
}

// Externalize returns a copy of m whose float initializers keep their data
// in one external file named location (relative to the model), and that
// file's contents, as exporters that save large models write them.
func (m Model) Externalize(location string) (Model, []byte) {
	var blob []byte
	m.Initializers = append([]Tensor(nil), m.Initializers...)
	for i, t := range m.Initializers {
		if t.Int64s != nil || t.External != "" {
			continue
		}
		raw := RawData(t.Data)
		t.External, t.ExternalOffset, t.ExternalLength = location, int64(len(blob)), int64(len(raw))
		t.Data = nil
		blob = append(blob, raw...)
		m.Initializers[i] = t
	}
	return m, blob
}

func (n Node) encode() []byte {
	var b buf
	for _, in := range n.Inputs {
		b.str(1, in)
	}
	for _, o := range n.Outputs {
		b.str(2, o)
	}
	b.str(4, n.Op)
	for k, v := range n.Ints {
		var a buf
		a.str(1, k)
		a.varint(3, uint64(v))
		a.varint(20, 2) // AttributeType INT
		b.msg(5, a.b)
	}
	for k, vs := range n.IntLists {
		var a buf
		a.str(1, k)
		for _, v := range vs {
			a.varint(8, uint64(v))
		}
		a.varint(20, 7) // AttributeType INTS
		b.msg(5, a.b)
	}
	for k, vs := range n.StringLists {
		var a buf
		a.str(1, k)
		for _, v := range vs {
			a.str(9, v)
		}
		a.varint(20, 8) // AttributeType STRINGS
		b.msg(5, a.b)
	}
	for k, v := range n.Floats {
		var a buf
		a.str(1, k)
		a.tag(2, 5)
		a.b = binary.LittleEndian.AppendUint32(a.b, math.Float32bits(v))
		a.varint(20, 1) // AttributeType FLOAT
		b.msg(5, a.b)
	}
	for k, t := range n.Tensors {
		var a buf
		a.str(1, k)
		a.msg(5, t.encode())
		a.varint(20, 4) // AttributeType TENSOR
		b.msg(5, a.b)
	}
	for k, ref := range n.Refs {
		var a buf
		a.str(1, k)
		a.varint(20, 2) // AttributeType INT
		a.str(21, ref)
		b.msg(5, a.b)
	}
	for k, g := range n.Graphs {
		var a buf
		a.str(1, k)
		a.msg(6, g.graph(k))
		a.varint(20, 5) // AttributeType GRAPH
		b.msg(5, a.b)
	}
	if n.Domain != "" {
		b.str(7, n.Domain)
	}
	return b.b
}

func (t Tensor) encode() []byte {
	var b buf
	for _, d := range t.Dims {
		b.varint(1, uint64(d))
	}
	if t.Uint8s != nil || t.Int8s != nil {
		raw, typ := append([]byte(nil), t.Uint8s...), uint64(Uint8)
		if t.Int8s != nil {
			raw, typ = raw[:0], Int8
			for _, v := range t.Int8s {
				raw = append(raw, byte(v))
			}
		}
		b.varint(2, typ)
		b.str(8, t.Name)
		b.msg(9, raw)
		return b.b
	}
	if t.Int64s != nil {
		b.varint(2, Int64)
		b.str(8, t.Name)
		raw := make([]byte, 0, 8*len(t.Int64s))
		for _, v := range t.Int64s {
			raw = binary.LittleEndian.AppendUint64(raw, uint64(v))
		}
		b.msg(9, raw)
		return b.b
	}
	b.varint(2, Float)
	b.str(8, t.Name)
	if t.External != "" {
		keys := [][2]string{{"location", t.External}}
		if t.ExternalOffset != 0 {
			keys = append(keys, [2]string{"offset", strconv.FormatInt(t.ExternalOffset, 10)})
		}
		if t.ExternalLength != 0 {
			keys = append(keys, [2]string{"length", strconv.FormatInt(t.ExternalLength, 10)})
		}
		for _, kv := range keys {
			var e buf
			e.str(1, kv[0])
			e.str(2, kv[1])
			b.msg(13, e.b)
		}
		b.varint(14, 1) // DataLocation EXTERNAL
		return b.b
	}
	raw := make([]byte, 0, 4*len(t.Data))
	for _, v := range t.Data {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	b.msg(9, raw)
	return b.b
}

// RawData returns the little-endian bytes of data, as an external data file
// holds them.
func RawData(data []float32) []byte {
	raw := make([]byte, 0, 4*len(data))
	for _, v := range data {
		raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(v))
	}
	return raw
}

func (v Value) encode() []byte {
	if v.MapKey != 0 {
		var scalar, value, m, seq, typ buf
		scalar.varint(1, Float)
		value.msg(1, scalar.b) // TypeProto.tensor_type
		m.varint(1, uint64(v.MapKey))
		m.msg(2, value.b)
		seq.msg(5, m.b) // TypeProto.map_type
		typ.msg(1, seq.b)
		var b buf
		b.str(1, v.Name)
		var outer buf
		outer.msg(4, typ.b) // TypeProto.sequence_type
		b.msg(2, outer.b)
		return b.b
	}
	var shape buf
	for _, d := range v.Dims {
		var dim buf
		if d < 0 {
			dim.str(2, "N")
		} else {
			dim.varint(1, uint64(d))
		}
		shape.msg(1, dim.b)
	}
	var tensor buf
	tensor.varint(1, uint64(v.Type))
	tensor.msg(2, shape.b)
	var typ buf
	typ.msg(1, tensor.b)
	var b buf
	b.str(1, v.Name)
	b.msg(2, typ.b)
	return b.b
}

// buf appends protobuf fields.
type buf struct{ b []byte }

func (b *buf) tag(field, wire int) { b.b = binary.AppendUvarint(b.b, uint64(field<<3|wire)) }
func (b *buf) varint(field int, v uint64) {
	b.tag(field, 0)
	b.b = binary.AppendUvarint(b.b, v)
}
func (b *buf) msg(field int, m []byte) {
	b.tag(field, 2)
	b.b = binary.AppendUvarint(b.b, uint64(len(m)))
	b.b = append(b.b, m...)
}
func (b *buf) str(field int, s string) { b.msg(field, []byte(s)) }

// Classifier returns a model that takes an image input of the given dims,
// flattens it (D values per image) and multiplies by a D×K weight matrix
// whose column j sums pixel values scaled by (j+1)/D, then applies post
// ("" for raw scores, "Softmax" or "Sigmoid"). Its scores grow with image
// brightness, which tests use to check preprocessing and class order.
func Classifier(inDims []int64, k int, post string) Model {
	d := int64(1)
	for _, x := range inDims[1:] {
		d *= x
	}
	w := make([]float32, int(d)*k)
	for i := range int(d) {
		for j := range k {
			w[i*k+j] = float32(j+1) / float32(d)
		}
	}
	outDims := []int64{inDims[0], int64(k)}
	m := Model{
		Inputs:       []Value{{Name: "image", Type: Float, Dims: inDims}},
		Outputs:      []Value{{Name: "scores", Type: Float, Dims: outDims}},
		Initializers: []Tensor{{Name: "w", Dims: []int64{d, int64(k)}, Data: w}},
		Nodes: []Node{
			{Op: "Flatten", Inputs: []string{"image"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
			{Op: "MatMul", Inputs: []string{"flat", "w"}, Outputs: []string{"logits"}},
		},
	}
	last := &m.Nodes[1]
	if post == "" {
		last.Outputs = []string{"scores"}
	} else {
		m.Nodes = append(m.Nodes, Node{Op: post, Inputs: []string{"logits"}, Outputs: []string{"scores"}})
		if post == "Softmax" {
			m.Nodes[2].Ints = map[string]int64{"axis": 1}
		}
	}
	return m
}

// ManyClasses returns a softmax classifier of 8×8 gray images with k
// classes that costs little more per image than its k outputs: the logit of
// class j is pixel j mod 64 times a fixed weight in [-16, 16], so that
// classes sharing a pixel still rank differently. Tests use it to hold
// archives of ImageNet-21k size and beyond (100,000 classes) through the
// real runtime, which a model with a k×64 weight matrix would make slow to
// build and to run.
func ManyClasses(k int) Model {
	idx := make([]int64, k)
	w := make([]float32, k)
	for j := range k {
		idx[j] = int64(j % 64)
		// The golden ratio spreads the weights of neighbouring classes
		// over the whole range without a random source.
		w[j] = float32(16 * math.Sin(float64(j)*0.6180339887))
	}
	return Model{
		Inputs:  []Value{{Name: "image", Type: Float, Dims: []int64{-1, 1, 8, 8}}},
		Outputs: []Value{{Name: "probs", Type: Float, Dims: []int64{-1, int64(k)}}},
		Initializers: []Tensor{
			{Name: "idx", Dims: []int64{int64(k)}, Int64s: idx},
			{Name: "w", Dims: []int64{int64(k)}, Data: w},
		},
		Nodes: []Node{
			{Op: "Flatten", Inputs: []string{"image"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
			{Op: "Gather", Inputs: []string{"flat", "idx"}, Outputs: []string{"picked"}, Ints: map[string]int64{"axis": 1}},
			{Op: "Mul", Inputs: []string{"picked", "w"}, Outputs: []string{"logits"}},
			{Op: "Softmax", Inputs: []string{"logits"}, Outputs: []string{"probs"}, Ints: map[string]int64{"axis": 1}},
		},
	}
}

// Quantized returns Classifier(inDims, k, "Softmax") behind a
// QuantizeLinear and a DequantizeLinear of its input with the given scale
// and uint8 zero point, as int8 exports begin, with the input quantizer
// calibrated on preprocessed images: its levels span (0 - zp)·scale to
// (255 - zp)·scale.
func Quantized(inDims []int64, k int, scale float32, zp uint8) Model {
	m := Classifier(inDims, k, "Softmax")
	m.Initializers = append(m.Initializers,
		Tensor{Name: "in_scale", Data: []float32{scale}},
		Tensor{Name: "in_zp", Uint8s: []uint8{zp}})
	m.Nodes[0].Inputs = []string{"image_dq"}
	m.Nodes = append([]Node{
		{Op: "QuantizeLinear", Inputs: []string{"image", "in_scale", "in_zp"}, Outputs: []string{"image_q"}},
		{Op: "DequantizeLinear", Inputs: []string{"image_q", "in_scale", "in_zp"}, Outputs: []string{"image_dq"}},
	}, m.Nodes...)
	return m
}

// QuantizedScores returns Classifier(inDims, k, "Softmax") whose
// probabilities are quantized to an 8-bit output by a QuantizeLinear of
// the given scale and zero point (uint8, or int8 when signed), as fully
// quantized exports end.
func QuantizedScores(inDims []int64, k int, scale float32, zp int8, signed bool) Model {
	m := Classifier(inDims, k, "Softmax")
	last := &m.Nodes[len(m.Nodes)-1]
	last.Outputs = []string{"probs"}
	z := Tensor{Name: "out_zp", Uint8s: []uint8{uint8(zp)}}
	typ := Uint8
	if signed {
		z, typ = Tensor{Name: "out_zp", Int8s: []int8{zp}}, Int8
	}
	m.Initializers = append(m.Initializers, Tensor{Name: "out_scale", Data: []float32{scale}}, z)
	m.Nodes = append(m.Nodes, Node{Op: "QuantizeLinear", Inputs: []string{"probs", "out_scale", "out_zp"}, Outputs: []string{"scores"}})
	m.Outputs[0].Type = typ
	return m
}

// ZipMapped returns Classifier(inDims, k, "Softmax") converted as
// skl2onnx converts scikit-learn classifiers: its probabilities (the value
// "probabilities", not a graph output unless declared is set) go to a
// graph output "output_label" through an ArgMax and to "output_probability"
// through an ai.onnx.ml ZipMap, a sequence of maps from class label to
// probability. labels are the ZipMap's class labels: strings, or int64s
// when ints is set.
func ZipMapped(inDims []int64, k int, labels []string, ints []int64, declared bool) Model {
	m := Classifier(inDims, k, "Softmax")
	m.Nodes[2].Outputs = []string{"probabilities"}
	zip := Node{Op: "ZipMap", Domain: "ai.onnx.ml", Inputs: []string{"probabilities"}, Outputs: []string{"output_probability"}}
	key := String
	if ints != nil {
		zip.IntLists, key = map[string][]int64{"classlabels_int64s": ints}, Int64
	} else {
		zip.StringLists = map[string][]string{"classlabels_strings": labels}
	}
	m.Nodes = append(m.Nodes,
		Node{Op: "ArgMax", Inputs: []string{"probabilities"}, Outputs: []string{"output_label"}, Ints: map[string]int64{"axis": 1, "keepdims": 0}},
		zip)
	m.Outputs = []Value{
		{Name: "output_label", Type: Int64, Dims: []int64{inDims[0]}},
		{Name: "output_probability", MapKey: key},
	}
	if declared {
		m.Outputs = append(m.Outputs, Value{Name: "probabilities", Type: Float, Dims: []int64{inDims[0], int64(k)}})
	}
	m.Imports = map[string]int64{"ai.onnx.ml": 1}
	return m
}

// ConvNet returns a small convolutional classifier of 5 classes whose input
// declares every axis dynamic, as exporters of Hugging Face models write
// it. Its convolution takes in channels (weight [4·group, in/group, 2, 2]); nhwc
// puts a Transpose to NCHW before it, as tf2onnx does, and a Sub stands for
// normalisation inside the graph.
func ConvNet(in, group int64, nhwc bool) Model {
	per, out := in/group, 4*group
	w := make([]float32, out*per*4)
	for i := range w {
		w[i] = float32(i%7) / 7
	}
	fc := make([]float32, out*5)
	for i := range fc {
		fc[i] = float32(i%5+1) / 4
	}
	first := "pixel_values"
	var nodes []Node
	if nhwc {
		nodes = append(nodes, Node{Op: "Transpose", Inputs: []string{first}, Outputs: []string{"nchw"}, IntLists: map[string][]int64{"perm": {0, 3, 1, 2}}})
		first = "nchw"
	}
	nodes = append(nodes,
		Node{Op: "Sub", Inputs: []string{first, "mean"}, Outputs: []string{"centred"}},
		Node{Op: "Conv", Inputs: []string{"centred", "w"}, Outputs: []string{"conv"}, Ints: map[string]int64{"group": group}},
		Node{Op: "GlobalAveragePool", Inputs: []string{"conv"}, Outputs: []string{"pooled"}},
		Node{Op: "Flatten", Inputs: []string{"pooled"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
		Node{Op: "MatMul", Inputs: []string{"flat", "fc"}, Outputs: []string{"logits"}},
	)
	return Model{
		Inputs:  []Value{{Name: "pixel_values", Type: Float, Dims: []int64{-1, -1, -1, -1}}},
		Outputs: []Value{{Name: "logits", Type: Float, Dims: []int64{-1, 5}}},
		Initializers: []Tensor{
			{Name: "mean", Dims: []int64{1}, Data: []float32{0.5}},
			{Name: "w", Dims: []int64{out, per, 2, 2}, Data: w},
			{Name: "fc", Dims: []int64{out, 5}, Data: fc},
		},
		Nodes: nodes,
	}
}

// MeanSubtracted returns a softmax classifier of 3×h×w images that was
// made, as Caffe's models were trained, for pixels of 0..255 less their mean
// (128 here): the logit of class j weighs the mean of each of 4×4 blocks per
// channel, less 128, by a fixed pseudo-random weight, with the 128 folded
// into the bias, so that nothing in the graph scales the input. Given
// pixels in [0,1] every image looks nearly black-less-128 to it, and its
// scores hardly change; given 0..255 they change with the image. h and w
// must be multiples of 4.
func MeanSubtracted(h, w, k int) Model {
	const grid, mean, scale = 4, 128, 1.0 / 40
	d := 3 * h * w
	r := make([]float32, 3*grid*grid*k)
	state := uint32(1)
	for i := range r {
		// A fixed linear congruential sequence: the model is the same in
		// every test run.
		state = state*1664525 + 1013904223
		r[i] = (float32(state>>8)/(1<<24)*2 - 1) * scale
	}
	wt := make([]float32, d*k)
	bias := make([]float32, k)
	per := float32(h / grid * (w / grid))
	for c := range 3 {
		for y := range h {
			for x := range w {
				block := (c*grid+y*grid/h)*grid + x*grid/w
				for j := range k {
					v := r[block*k+j] / per
					wt[((c*h+y)*w+x)*k+j] = v
					bias[j] -= mean * v
				}
			}
		}
	}
	return Model{
		Inputs:  []Value{{Name: "image", Type: Float, Dims: []int64{-1, 3, int64(h), int64(w)}}},
		Outputs: []Value{{Name: "probs", Type: Float, Dims: []int64{-1, int64(k)}}},
		Initializers: []Tensor{
			{Name: "w", Dims: []int64{int64(d), int64(k)}, Data: wt},
			{Name: "b", Dims: []int64{int64(k)}, Data: bias},
		},
		Nodes: []Node{
			{Op: "Flatten", Inputs: []string{"image"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
			{Op: "MatMul", Inputs: []string{"flat", "w"}, Outputs: []string{"mm"}},
			{Op: "Add", Inputs: []string{"mm", "b"}, Outputs: []string{"logits"}},
			{Op: "Softmax", Inputs: []string{"logits"}, Outputs: []string{"probs"}, Ints: map[string]int64{"axis": 1}},
		},
	}
}

// Saturating returns a softmax classifier of 3×h×w images made for pixels
// in [-1, 1]: each of the means of a 4×4 grid of blocks per channel goes
// through a Tanh, and the logit of class j weighs the 48 values by a fixed
// pseudo-random weight. Given 0..255, every block but a black one drives
// its Tanh to 1, so the model gives every image the same scores, one
// class topping them all; given [0, 1] or [-1, 1] its scores change with
// the image. h and w must be multiples of 4.
func Saturating(h, w, k int) Model {
	const grid, scale = 4, 3.0
	r := make([]float32, 3*grid*grid*k)
	state := uint32(7)
	for i := range r {
		// A fixed linear congruential sequence, as in MeanSubtracted.
		state = state*1664525 + 1013904223
		r[i] = (float32(state>>8)/(1<<24)*2 - 1) * scale
	}
	bh, bw := int64(h/grid), int64(w/grid)
	return Model{
		Inputs:  []Value{{Name: "image", Type: Float, Dims: []int64{-1, 3, int64(h), int64(w)}}},
		Outputs: []Value{{Name: "probs", Type: Float, Dims: []int64{-1, int64(k)}}},
		Initializers: []Tensor{
			{Name: "gain", Dims: []int64{1}, Data: []float32{2}},
			{Name: "r", Dims: []int64{3 * grid * grid, int64(k)}, Data: r},
		},
		Nodes: []Node{
			{Op: "AveragePool", Inputs: []string{"image"}, Outputs: []string{"blocks"}, IntLists: map[string][]int64{"kernel_shape": {bh, bw}, "strides": {bh, bw}}},
			{Op: "Mul", Inputs: []string{"blocks", "gain"}, Outputs: []string{"scaled"}},
			{Op: "Tanh", Inputs: []string{"scaled"}, Outputs: []string{"bounded"}},
			{Op: "Flatten", Inputs: []string{"bounded"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
			{Op: "MatMul", Inputs: []string{"flat", "r"}, Outputs: []string{"logits"}},
			{Op: "Softmax", Inputs: []string{"logits"}, Outputs: []string{"probs"}, Ints: map[string]int64{"axis": 1}},
		},
	}
}
