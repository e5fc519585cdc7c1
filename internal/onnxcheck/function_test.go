package onnxcheck

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestInlineFunctions reads models whose operators sit inside model-local
// functions, as PyTorch 2's dynamo exporter writes them, and checks that
// the graph view sees the operators the runtime runs: through one call, a
// call inside a call, a call of a function that omits an output, and with
// the values between the function's nodes named as values of the main
// graph are.
func TestInlineFunctions(t *testing.T) {
	dims := []int64{-1, 1, 2, 2}
	softmax := onnxtest.Classifier(dims, 3, "Softmax")
	quantized := onnxtest.QuantizedScores(dims, 3, 1.0/256, 0, false)
	// The MatMul and the Softmax in one function, the Softmax in
	// another inside it.
	nested := softmax.InFunction("Head", 2, 3, false).InFunction("Body", 1, 3, false)
	// A value inside the function named as one of the main graph.
	clash := softmax.InFunction("Head", 1, 3, false)
	clash.Functions[0].Nodes[0].Outputs = []string{"image"}
	clash.Functions[0].Nodes[1].Inputs = []string{"image"}
	tests := []struct {
		name   string
		model  onnxtest.Model
		output string
		// op is OutputOp's answer, before the operator that writes
		// its node's input, reader the operators that read the graph's
		// input.
		op, before string
		reader     []string
	}{
		{"the head in a function", softmax.InFunction("Head", 2, 3, false), "scores", "Softmax", "MatMul", []string{"Flatten"}},
		{"the whole model in a function", softmax.InFunction("Model", 0, 3, false), "scores", "Softmax", "MatMul", []string{"Flatten"}},
		{"nested functions", nested, "scores", "Softmax", "MatMul", []string{"Flatten"}},
		{"a name of the main graph inside", clash, "scores", "Softmax", "MatMul", []string{"Flatten"}},
		{"a quantizer with its constants inside", quantized.InFunction("Quantize", 3, 4, true), "scores", "Softmax", "MatMul", []string{"Flatten"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseModel(tc.model.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			n := m.OutputNode(tc.output)
			if n == nil || n.Op != tc.op {
				t.Fatalf("OutputNode(%q) = %+v, want a %s", tc.output, n, tc.op)
			}
			if p := m.Producer(n.Inputs[0]); p == nil || p.Op != tc.before {
				t.Errorf("Producer(%q) = %+v, want a %s", n.Inputs[0], p, tc.before)
			}
			var readers []string
			for _, n := range m.Consumers("image") {
				readers = append(readers, n.Op)
			}
			if !slices.Equal(readers, tc.reader) {
				t.Errorf("Consumers(image) = %q, want %q", readers, tc.reader)
			}
			for _, n := range m.nodes {
				if n.Domain == onnxtest.FunctionDomain {
					t.Errorf("call %s left in the graph", n.Op)
				}
			}
		})
	}

	// The quantizer's scale and zero point are Constant nodes inside the
	// function: the graph view reads their values, and says they are no
	// values of the main graph.
	m, err := parseModel(quantized.InFunction("Quantize", 3, 4, true).Bytes())
	if err != nil {
		t.Fatal(err)
	}
	q := m.Producer("scores")
	if q == nil || len(q.Inputs) != 3 {
		t.Fatalf("producer of scores: %+v", q)
	}
	if _, vals, ok := m.Floats(q.Inputs[1], 1); !ok || !slices.Equal(vals, []float32{1.0 / 256}) {
		t.Errorf("scale %q: %v %v, want 1/256 from the function's Constant", q.Inputs[1], vals, ok)
	}
	if v, elem, ok := m.Int8(q.Inputs[2]); !ok || v != 0 || elem != TypeUint8 {
		t.Errorf("zero point %q: %v %v %v", q.Inputs[2], v, elem, ok)
	}
	if !m.Inner(q.Inputs[1]) || !m.Inner(q.Inputs[2]) || m.Inner("scores") || m.Inner("probs") {
		t.Errorf("Inner: scale %q %v, zero point %q %v, scores %v, probs %v, want only the constants inside",
			q.Inputs[1], m.Inner(q.Inputs[1]), q.Inputs[2], m.Inner(q.Inputs[2]), m.Inner("scores"), m.Inner("probs"))
	}
	if plain, _ := parseModel(quantized.Bytes()); plain.Inner("out_scale") || plain.inner != "" {
		t.Error("a model without functions has inner values")
	}

	// Inside the function, the clashing value is another than the graph
	// input: the Softmax does not read the input.
	m, err = parseModel(clash.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if sm := m.Producer("scores"); sm == nil || sm.Inputs[0] == "image" || !m.Inner(sm.Inputs[0]) {
		t.Errorf("the Softmax inside reads %+v, want a value of the function's own", sm)
	}
}

// TestInlineNamesStayUnique: a crafted model whose own names look like
// those inlining gives still gets names of its own for the values inside
// its functions.
func TestInlineNamesStayUnique(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, "Softmax").InFunction("Head", 1, 3, false)
	// Rename the graph's "flat" to what the MatMul's output inside the
	// first call would be called.
	for _, name := range []string{"~0:1/logits", "~1:1/logits"} {
		m.Nodes[0].Outputs = []string{name}
		m.Nodes[1].Inputs = []string{name}
		g, err := parseModel(m.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if g.Inner(name) {
			t.Fatalf("the graph's own value %q reads as one inside a function", name)
		}
		if p := g.Producer(name); p == nil || p.Op != "Flatten" {
			t.Fatalf("Producer(%q) = %+v, want the Flatten", name, p)
		}
		if sm := g.Producer("scores"); sm == nil || sm.Inputs[0] == name {
			t.Fatalf("the Softmax reads %+v", sm)
		}
	}
}

// TestInlineAttributes: an attribute inside a function that refers to
// one of the function's (ref_attr_name) takes the calling node's value,
// else the function's default, else is absent.
func TestInlineAttributes(t *testing.T) {
	base := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, "Softmax").InFunction("Head", 2, 3, false)
	base.Functions[0].Nodes[0].Ints = nil
	base.Functions[0].Nodes[0].Refs = map[string]string{"axis": "dim"}
	tests := []struct {
		name     string
		call     map[string]int64
		defaults map[string]int64
		want     int64
		ok       bool
	}{
		{"from the call", map[string]int64{"dim": 1, "other": 5}, map[string]int64{"dim": -1}, 1, true},
		{"the default", map[string]int64{"other": 5}, map[string]int64{"dim": -1}, -1, true},
		{"unset", nil, nil, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := base
			m.Nodes = slices.Clone(base.Nodes)
			m.Nodes[2].Ints = tc.call
			m.Functions = slices.Clone(base.Functions)
			m.Functions[0].Attributes = []string{"dim"}
			m.Functions[0].Defaults = tc.defaults
			g, err := parseModel(m.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			sm := g.Producer("scores")
			if sm == nil || sm.Op != "Softmax" {
				t.Fatalf("producer of scores %+v", sm)
			}
			if v, ok := sm.Int("axis"); v != tc.want || ok != tc.ok {
				t.Errorf("axis %v %v, want %v %v", v, ok, tc.want, tc.ok)
			}
			if _, ok := sm.Int("other"); ok {
				t.Error("the Softmax got an attribute of the call it does not refer to")
			}
		})
	}
}

// TestInlineWhichCalls: a node calls a function by domain, name and
// overload; a call in a standard domain is the runtime's own operator.
func TestInlineWhichCalls(t *testing.T) {
	base := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, "").InFunction("Head", 1, 2, false)
	head := base.Functions[0]
	head.Nodes = append(head.Nodes, onnxtest.Node{Op: "Sigmoid", Inputs: []string{"y0"}, Outputs: []string{"y1"}})
	head.Nodes[0].Outputs = []string{"y0"}
	head.Outputs = []string{"y1"}
	tests := []struct {
		name   string
		domain string
		want   string
	}{
		{"a custom domain", onnxtest.FunctionDomain, "Sigmoid"},
		{"another domain than the function's", "other.fn", ""},
		{"the default domain", "", "Head"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := base
			m.Nodes = slices.Clone(base.Nodes)
			m.Nodes[1].Domain = tc.domain
			f := head
			f.Domain = tc.domain
			if tc.name == "another domain than the function's" {
				f.Domain = onnxtest.FunctionDomain
			}
			m.Functions = []onnxtest.Function{f}
			g, err := parseModel(m.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if got := g.OutputOp("scores"); got != tc.want {
				t.Errorf("OutputOp = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestInlineRefuses: functions that call themselves, directly or through
// another, nest past the depth bound, or expand past the node bound are
// refused with exit code 2, in a few milliseconds whatever they would
// expand to.
func TestInlineRefuses(t *testing.T) {
	base := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, "Softmax").InFunction("Head", 2, 3, false)
	callOf := func(name string) onnxtest.Node {
		return onnxtest.Node{Op: name, Domain: onnxtest.FunctionDomain, Inputs: []string{"x0"}, Outputs: []string{"y0"}}
	}
	fn := func(name string, nodes ...onnxtest.Node) onnxtest.Function {
		return onnxtest.Function{Domain: onnxtest.FunctionDomain, Name: name, Inputs: []string{"x0"}, Outputs: []string{"y0"}, Nodes: nodes}
	}
	with := func(fns ...onnxtest.Function) []byte {
		m := base
		m.Functions = fns
		return m.Bytes()
	}
	// Fn calls Fn+1 twice: 2^40 nodes from a few kilobytes.
	var doubling []onnxtest.Function
	var chain []onnxtest.Function
	for i := range 40 {
		next := "D" + strconv.Itoa(i+1)
		mid := onnxtest.Node{Op: next, Domain: onnxtest.FunctionDomain, Inputs: []string{"x0"}, Outputs: []string{"mid"}}
		doubling = append(doubling, fn("D"+strconv.Itoa(i), mid, onnxtest.Node{Op: next, Domain: onnxtest.FunctionDomain, Inputs: []string{"mid"}, Outputs: []string{"y0"}}))
	}
	doubling[0].Name = "Head"
	doubling = append(doubling, fn("D40", onnxtest.Node{Op: "Softmax", Inputs: []string{"x0"}, Outputs: []string{"y0"}}))
	for i := range maxFunctionDepth + 1 {
		chain = append(chain, fn("C"+strconv.Itoa(i), callOf("C"+strconv.Itoa(i+1))))
	}
	chain[0].Name = "Head"
	chain = append(chain, fn("C"+strconv.Itoa(maxFunctionDepth+1), onnxtest.Node{Op: "Softmax", Inputs: []string{"x0"}, Outputs: []string{"y0"}}))
	tests := []struct {
		name  string
		model []byte
		want  string
	}{
		{"a function that calls itself", with(fn("Head", callOf("Head"))), `its local function "local.fn:Head" calls itself, which ONNX does not allow`},
		{"two functions that call each other", with(fn("Head", callOf("Other")), fn("Other", callOf("Head"))), `"local.fn:Head" calls itself through "Other"`},
		{"functions nested too deep", with(chain...), "more than 100 levels deep"},
		{"functions that expand past the bound", with(doubling...), "expand to more than 262144 nodes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := CheckBytes("fn.onnx", tc.model)
			if m != nil || !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckBytes = %v, %v, want a refusal saying %q", m, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "model fn.onnx refused: ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("refusal %q is not one line that names the model", err)
			}
		})
	}
	// A function that calls itself but is never called is no call to
	// expand.
	if _, err := CheckBytes("fn.onnx", with(fn("Unused", callOf("Unused")))); err != nil {
		t.Errorf("an uncalled recursive function: %v", err)
	}
}

// TestZipMapInFunction: a ZipMap inside a function is read when it takes
// a value of the main graph, and not when it takes one inside the
// function, which the classifier could not declare an output.
func TestZipMapInFunction(t *testing.T) {
	zipped := onnxtest.ZipMapped([]int64{-1, 1, 2, 2}, 3, []string{"a", "b", "c"}, nil, false)
	tests := []struct {
		name     string
		from, to int
		ok       bool
	}{
		{"the ZipMap alone", 4, 5, true},
		{"with the Softmax before it", 2, 5, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseModel(zipped.InFunction("Zip", tc.from, tc.to, false).Bytes())
			if err != nil {
				t.Fatal(err)
			}
			z, ok := m.ZipMapOf("output_probability")
			if ok != tc.ok || ok && (z.Input != "probabilities" || !slices.Equal(z.Labels, []string{"a", "b", "c"})) {
				t.Fatalf("ZipMapOf = %+v, %v, want %v", z, ok, tc.ok)
			}
		})
	}
}
