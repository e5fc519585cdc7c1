package inputrange

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/onnxcheck"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// graph returns a model whose input x [N,3,4,4] (or NHWC when nhwc) goes
// through nodes to y; inits are its constants.
func graph(t *testing.T, nhwc bool, nodes []onnxtest.Node, inits ...onnxtest.Tensor) *onnxcheck.Model {
	t.Helper()
	dims := []int64{-1, 3, 4, 4}
	if nhwc {
		dims = []int64{-1, 4, 4, 3}
	}
	m := onnxtest.Model{
		Inputs:       []onnxtest.Value{{Name: "x", Type: onnxtest.Float, Dims: dims}},
		Outputs:      []onnxtest.Value{{Name: "y", Type: onnxtest.Float, Dims: []int64{-1, 10}}},
		Nodes:        nodes,
		Initializers: inits,
	}
	checked, err := onnxcheck.CheckBytes("model", m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return checked
}

func node(op string, in []string, out string) onnxtest.Node {
	return onnxtest.Node{Op: op, Inputs: in, Outputs: []string{out}}
}

func TestFind(t *testing.T) {
	scale := onnxtest.Tensor{Name: "s", Data: []float32{0.02}}
	zp := onnxtest.Tensor{Name: "zp", Uint8s: []uint8{100}}
	zpSigned := onnxtest.Tensor{Name: "zp", Int8s: []int8{-28}}
	tail := func(from string) []onnxtest.Node {
		return []onnxtest.Node{node("DequantizeLinear", []string{from, "s", "zp"}, "d"), node("Flatten", []string{"d"}, "y")}
	}
	quant := func(from string) onnxtest.Node { return node("QuantizeLinear", []string{from, "s", "zp"}, "q") }
	nchw := Layout{Rank: 4, ChannelAxis: 1, Channels: 3}
	nhwc := Layout{Rank: 4, ChannelAxis: 3, Channels: 3}
	mean := onnxtest.Tensor{Name: "mean", Dims: []int64{1, 3, 1, 1}, Data: []float32{0.5, 0.25, 0}}
	std := onnxtest.Tensor{Name: "std", Dims: []int64{3, 1, 1}, Data: []float32{0.5, 0.25, 2}}
	wrongAxis := onnxtest.Tensor{Name: "mean", Dims: []int64{3}, Data: []float32{0.5, 0.25, 0}}
	k255 := onnxtest.Tensor{Name: "k", Data: []float32{255}}
	lo, hi := -100*0.02, 155*0.02 // levels 0 and 255 less the zero point 100
	tests := []struct {
		name   string
		nhwc   bool
		l      Layout
		nodes  []onnxtest.Node
		inits  []onnxtest.Tensor
		lo, hi []float64 // nil: no range
		via    string
	}{
		{"quantizer first", false, nchw, append([]onnxtest.Node{quant("x")}, tail("q")...), []onnxtest.Tensor{scale, zp},
			[]float64{lo, lo, lo}, []float64{hi, hi, hi}, "QuantizeLinear"},
		{"int8 zero point", false, nchw, append([]onnxtest.Node{quant("x")}, tail("q")...), []onnxtest.Tensor{scale, zpSigned},
			[]float64{-100 * 0.02, -100 * 0.02, -100 * 0.02}, []float64{155 * 0.02, 155 * 0.02, 155 * 0.02}, "QuantizeLinear"},
		{"no zero point: uint8 at 0", false, nchw, []onnxtest.Node{node("QuantizeLinear", []string{"x", "s"}, "q"), node("DequantizeLinear", []string{"q", "s"}, "d"), node("Flatten", []string{"d"}, "y")},
			[]onnxtest.Tensor{scale}, []float64{0, 0, 0}, []float64{255 * 0.02, 255 * 0.02, 255 * 0.02}, "QuantizeLinear"},
		{"scaled in the graph first", false, nchw, append([]onnxtest.Node{node("Div", []string{"x", "k"}, "a"), quant("a")}, tail("q")...), []onnxtest.Tensor{scale, zp, k255},
			[]float64{255 * lo, 255 * lo, 255 * lo}, []float64{255 * hi, 255 * hi, 255 * hi}, "Div, QuantizeLinear"},
		// NHWC to NCHW, then (x - mean) / std per channel: x = q*std + mean.
		{"per-channel normalisation after a transpose", true, nhwc, append([]onnxtest.Node{
			{Op: "Transpose", Inputs: []string{"x"}, Outputs: []string{"t"}, IntLists: map[string][]int64{"perm": {0, 3, 1, 2}}},
			node("Sub", []string{"t", "mean"}, "a"), node("Div", []string{"a", "std"}, "b"), quant("b")}, tail("q")...),
			[]onnxtest.Tensor{scale, zp, mean, std},
			[]float64{lo*0.5 + 0.5, lo*0.25 + 0.25, lo * 2}, []float64{hi*0.5 + 0.5, hi*0.25 + 0.25, hi * 2}, "Transpose, Sub, Div, QuantizeLinear"},
		{"constant minus the value", false, nchw, append([]onnxtest.Node{node("Sub", []string{"k", "x"}, "a"), quant("a")}, tail("q")...), []onnxtest.Tensor{scale, zp, k255},
			[]float64{255 - hi, 255 - hi, 255 - hi}, []float64{255 - lo, 255 - lo, 255 - lo}, "Sub, QuantizeLinear"},
		{"per-channel constant on the wrong axis", false, nchw, append([]onnxtest.Node{node("Sub", []string{"x", "mean"}, "a"), quant("a")}, tail("q")...), []onnxtest.Tensor{scale, zp, wrongAxis}, nil, nil, ""},
		{"constant over the value", false, nchw, append([]onnxtest.Node{node("Div", []string{"k", "x"}, "a"), quant("a")}, tail("q")...), []onnxtest.Tensor{scale, zp, k255}, nil, nil, ""},
		{"a float graph", false, nchw, []onnxtest.Node{node("Relu", []string{"x"}, "r"), node("Flatten", []string{"r"}, "y")}, nil, nil, nil, ""},
		{"the input read twice", false, nchw, []onnxtest.Node{quant("x"), node("Add", []string{"q", "x"}, "z"), node("Flatten", []string{"z"}, "y")}, []onnxtest.Tensor{scale, zp}, nil, nil, ""},
		{"a variable scale", false, nchw, append([]onnxtest.Node{node("QuantizeLinear", []string{"x", "x", "zp"}, "q")}, tail("q")...), []onnxtest.Tensor{scale, zp}, nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Find(graph(t, tc.nhwc, tc.nodes, tc.inits...), "x", tc.l)
			if r != nil && r.Kind != Quantizer {
				t.Fatalf("kind %v, want Quantizer", r.Kind)
			}
			if tc.lo == nil {
				if r != nil {
					t.Fatalf("found %v via %s, want none", r, r.Via)
				}
				return
			}
			if r == nil {
				t.Fatal("found no range")
			}
			for c := range tc.lo {
				if math.Abs(r.Lo[c]-tc.lo[c]) > 1e-5*math.Max(1, math.Abs(tc.lo[c])) || math.Abs(r.Hi[c]-tc.hi[c]) > 1e-5*math.Max(1, math.Abs(tc.hi[c])) {
					t.Fatalf("channel %d: [%g, %g], want [%g, %g]", c, r.Lo[c], r.Hi[c], tc.lo[c], tc.hi[c])
				}
			}
			if r.Via != tc.via {
				t.Fatalf("via %q, want %q", r.Via, tc.via)
			}
		})
	}
}

func TestFit(t *testing.T) {
	r := &Range{Lo: []float64{0, -1}, Hi: []float64{1, 1}}
	for _, tc := range []struct {
		lo, hi []float64
		want   float64
	}{
		{[]float64{0, -1}, []float64{1, 1}, 1},
		{[]float64{2, 2}, []float64{3, 3}, 0},
		{[]float64{0, 0}, []float64{0.5, 1}, (0.5 + 0.5) / 2},
		{[]float64{-1, -2}, []float64{2, 2}, (1.0/3 + 0.5) / 2},
		{[]float64{0}, []float64{1}, 0},
	} {
		if got := r.Fit(tc.lo, tc.hi); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Fit(%v, %v) = %v, want %v", tc.lo, tc.hi, got, tc.want)
		}
	}
}

// TestSharedQuantized reads the input quantizers of the int8 models of
// ../shared/models, which skip when absent: both were calibrated on
// normalised images, to [-2.13, 2.63].
func TestSharedQuantized(t *testing.T) {
	for _, p := range []string{"imagenet-mobilenetv2-int8/mobilenetv2-12-int8.onnx", "cifar10-resnet8-int8-lawrence/ic_quantized_int8.onnx"} {
		path := filepath.Join("..", "..", "..", "shared", "models", p)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Skipf("%s is absent: third-party model tests skipped", p)
		}
		m, err := onnxcheck.Check(path, data)
		if err != nil {
			t.Fatal(err)
		}
		input := "input"
		if strings.HasPrefix(p, "cifar10") {
			input = "input.1"
		}
		r := Find(m, input, Layout{Rank: 4, ChannelAxis: 1, Channels: 3})
		if r == nil || r.Via != "QuantizeLinear" || math.Abs(r.Lo[0]+2.127) > 0.001 || math.Abs(r.Hi[2]-2.631) > 0.001 {
			t.Fatalf("%s: %v", p, r)
		}
	}
}

// FuzzFind reads arbitrary models: Find must return nil or a range of
// finite, ordered bounds, never panic or loop.
func FuzzFind(f *testing.F) {
	f.Add(onnxtest.Quantized([]int64{-1, 3, 8, 8}, 10, 0.01865845, 114).Bytes())
	m := onnxtest.Quantized([]int64{-1, 8, 8, 3}, 10, 0.02, 100)
	m.Nodes = append([]onnxtest.Node{{Op: "Transpose", Inputs: []string{"x"}, Outputs: []string{"image"}, IntLists: map[string][]int64{"perm": {0, 3, 1, 2}}}}, m.Nodes...)
	m.Inputs[0].Name = "x"
	f.Add(m.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnxcheck.CheckBytes("fuzz", data)
		if err != nil {
			return
		}
		for _, in := range []string{"x", "image", "input"} {
			for _, l := range []Layout{{4, 1, 3}, {4, 3, 3}, {3, -1, 1}, {2, -1, 3}} {
				r := Find(m, in, l)
				if r == nil {
					continue
				}
				for c := range r.Lo {
					if !(r.Lo[c] <= r.Hi[c]) || math.IsInf(r.Lo[c], 0) || math.IsInf(r.Hi[c], 0) {
						t.Fatalf("range %v via %s", r, r.Via)
					}
				}
			}
		}
	})
}

// TestScaling: affine steps with constants and no quantizer give the
// scaling, which Values and Plausible judge: a Keras Rescaling(1/255) layer
// fed pixels in [0, 1] gives its first layer a span of 0.004, fed 0..255
// a span of 1.
func TestScaling(t *testing.T) {
	k := onnxtest.Tensor{Name: "k", Data: []float32{1.0 / 255}}
	m := graph(t, true, []onnxtest.Node{node("Mul", []string{"x", "k"}, "a"), node("Conv", []string{"a", "w"}, "c"), node("Flatten", []string{"c"}, "y")}, k,
		onnxtest.Tensor{Name: "w", Dims: []int64{1, 3, 1, 1}, Data: []float32{1, 1, 1}})
	r := Find(m, "x", Layout{Rank: 4, ChannelAxis: 3, Channels: 3})
	if r == nil || r.Kind != Scaling || r.Next != "Conv" || r.Via != "Mul" || math.Abs(r.A[2]-1.0/255) > 1e-9 || r.B[0] != 0 {
		t.Fatalf("found %+v", r)
	}
	for _, tc := range []struct {
		hi        float64
		plausible bool
	}{{1, false}, {255, true}, {255 * 255, false}} {
		lo, hi := r.Values([]float64{0, 0, 0}, []float64{tc.hi, tc.hi, tc.hi})
		if Plausible(lo, hi) != tc.plausible {
			t.Errorf("inputs up to %v give %v..%v: plausible %v, want %v", tc.hi, lo, hi, !tc.plausible, tc.plausible)
		}
	}
	// Copies alone are no scaling.
	if r := Find(graph(t, false, []onnxtest.Node{node("Identity", []string{"x"}, "a"), node("Flatten", []string{"a"}, "y")}), "x", Layout{Rank: 4, ChannelAxis: 1, Channels: 3}); r != nil {
		t.Fatalf("copies alone gave %+v", r)
	}
}
