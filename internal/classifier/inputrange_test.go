package classifier

import (
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestRangeCheck opens a model whose input quantizer was calibrated on
// ImageNet-normalised images (MobileNetV2 int8's scale and zero point)
// through the real runtime: the ImageNet statistics fill its range, raw01
// and raw255 do not and get the presets that do, and a model without an
// input quantizer gets no check.
func TestRangeCheck(t *testing.T) {
	model := onnxtest.Quantized([]int64{-1, 3, 8, 8}, 10, 0.01865845, 114)
	for _, tc := range []struct {
		preset   string
		mismatch bool
	}{
		{"imagenet", false},
		{"cifar10", false},
		{"raw01", true},
		{"raw255", true},
		{"pm1", true},
	} {
		t.Run(tc.preset, func(t *testing.T) {
			norm, err := Preset(tc.preset)
			if err != nil {
				t.Fatal(err)
			}
			c := openModel(t, model, Options{Normalization: norm, Batch: 8})
			r := c.Info().InputRange
			if r == nil || r.Via != "QuantizeLinear" || len(r.Lo) != 3 || r.RangeString() != "[-2.13, 2.63]" {
				t.Fatalf("input range %+v", r)
			}
			if r.Mismatch() != tc.mismatch {
				t.Fatalf("fit %.3f, mismatch %v (suggested %v), want %v", r.Fit, r.Mismatch(), r.Suggested, tc.mismatch)
			}
			if !tc.mismatch {
				if r.Fit < GoodFit {
					t.Fatalf("fit %.3f of the calibration statistics, want at least %v", r.Fit, GoodFit)
				}
				return
			}
			names := make([]string, len(r.Suggested))
			for i, p := range r.Suggested {
				names[i] = p.Preset
				if p.Fit < GoodFit || (i > 0 && p.Fit > r.Suggested[i-1].Fit) {
					t.Fatalf("suggested %v: each must fit at least %v, best first", r.Suggested, GoodFit)
				}
			}
			if !slices.Contains(names, "imagenet") || slices.Contains(names, tc.preset) || r.Fit >= MinFit {
				t.Fatalf("fit %.3f, suggested %v: want imagenet among them, not %s", r.Fit, names, tc.preset)
			}
		})
	}
	// A Keras Rescaling(1/255) layer first: raw255 pixels, or caffe's,
	// give its next layer plausible values; raw01 gives 0.004 of a span.
	rescaled := onnxtest.Classifier([]int64{-1, 3, 8, 8}, 10, "Softmax")
	rescaled.Initializers = append(rescaled.Initializers, onnxtest.Tensor{Name: "k", Data: []float32{1.0 / 255}})
	rescaled.Nodes[0].Inputs = []string{"scaled"}
	rescaled.Nodes = append([]onnxtest.Node{{Op: "Mul", Inputs: []string{"image", "k"}, Outputs: []string{"scaled"}}}, rescaled.Nodes...)
	r := openModel(t, rescaled, Options{Batch: 8}).Info().InputRange
	if r == nil || r.Kind != RangeScaling || r.Next != "MatMul" || r.Via != "Mul, Flatten" || r.Fit != 0 || len(r.Suggested) == 0 || r.Suggested[0].Preset != "raw255" || math.Abs(r.Suggested[0].Hi[0]-1) > 1e-6 {
		t.Fatalf("Rescaling(1/255) with raw01: %+v", r)
	}
	if r := openModel(t, rescaled, Options{Batch: 8, Normalization: presets["raw255"]}).Info().InputRange; r == nil || r.Fit != 1 || r.Mismatch() {
		t.Fatalf("Rescaling(1/255) with raw255: %+v", r)
	}
	if r := openModel(t, onnxtest.Classifier([]int64{-1, 3, 8, 8}, 10, "Softmax"), Options{Batch: 8}).Info().InputRange; r != nil {
		t.Fatalf("a float model without a quantizer got range %+v", r)
	}
}

// TestRangeCheckDataset: the same quantizer fits the CIFAR-10 statistics
// and ImageNet's within a few hundredths; the number of classes orders
// them, the dataset's own preset first.
func TestRangeCheckDataset(t *testing.T) {
	for k, first := range map[int]string{10: "cifar10", 1000: "imagenet"} {
		r := openModel(t, onnxtest.Quantized([]int64{-1, 3, 8, 8}, k, 0.01865845, 114), Options{Batch: 8}).Info().InputRange
		if r == nil || len(r.Suggested) < 2 || r.Suggested[0].Preset != first {
			t.Fatalf("%d classes: suggested %+v, want %s first", k, r, first)
		}
		if d := math.Abs(r.Suggested[0].Fit - r.Suggested[1].Fit); d >= nearFit {
			t.Fatalf("%d classes: fits %v apart, want them near", k, d)
		}
	}
}

// TestRangeCheckNormalizedInGraph: a graph that rescales 0..255 pixels and
// subtracts each channel's mean itself (Keras's Rescaling and
// Normalization layers) takes raw255; caffe's values, whose means are
// subtracted already, reach plausible numbers and are refused all the
// same, where a graph that only rescales leaves caffe be.
func TestRangeCheckNormalizedInGraph(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 3, 8, 8}, 10, "Softmax")
	m.Initializers = append(m.Initializers,
		onnxtest.Tensor{Name: "k", Data: []float32{1.0 / 255}},
		onnxtest.Tensor{Name: "mean", Dims: []int64{3, 1, 1}, Data: []float32{-0.485, -0.456, -0.406}},
		onnxtest.Tensor{Name: "istd", Dims: []int64{3, 1, 1}, Data: []float32{1 / 0.229, 1 / 0.224, 1 / 0.225}})
	m.Nodes[0].Inputs = []string{"normed"}
	m.Nodes = append([]onnxtest.Node{
		{Op: "Mul", Inputs: []string{"image", "k"}, Outputs: []string{"scaled"}},
		{Op: "Add", Inputs: []string{"scaled", "mean"}, Outputs: []string{"centred"}},
		{Op: "Mul", Inputs: []string{"centred", "istd"}, Outputs: []string{"normed"}},
	}, m.Nodes...)
	r := openModel(t, m, Options{Batch: 8}).Info().InputRange
	if r == nil || r.Kind != RangeScaling || len(r.Suggested) != 1 || r.Suggested[0].Preset != "raw255" {
		t.Fatalf("normalised in the graph, raw01: %+v, want raw255 alone suggested", r)
	}
	if r := openModel(t, m, Options{Batch: 8, Normalization: presets["caffe"]}).Info().InputRange; r == nil || !r.Mismatch() {
		t.Fatalf("normalised in the graph, caffe: %+v, want refused", r)
	}
	if r := openModel(t, m, Options{Batch: 8, Normalization: presets["raw255"]}).Info().InputRange; r == nil || r.Mismatch() {
		t.Fatalf("normalised in the graph, raw255: %+v", r)
	}
}

// TestRangeCheckFloatTypes: the MNIST model that normalises its 0..255
// pixels in the graph gets the same scaling check whatever float type it
// takes, float16 included, whose constants are float16 too: raw01 leaves
// the first Conv a span of 0.013 and gets raw255 suggested, raw255 passes.
// The float16 graph has no Cast before its Div.
func TestRangeCheckFloatTypes(t *testing.T) {
	for _, tc := range []struct {
		file, via string
	}{
		{"mnist-20px-norm.onnx", "Div, Sub, Div"},
		{"mnist-20px-norm-fp16.onnx", "Div, Sub, Div"},
		{filepath.Join("fp16-external", "model.onnx"), "Div, Sub, Div"},
		{"mnist-20px-norm-bf16io.onnx", "Cast, Div, Sub, Div"},
		{"mnist-20px-norm-f64io.onnx", "Cast, Div, Sub, Div"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			for _, preset := range []string{"raw01", "raw255"} {
				c, err := Open(filepath.Join(ownModels, tc.file), Options{Normalization: presets[preset], Threads: 1, Batch: 8})
				if err != nil {
					t.Fatal(err)
				}
				r := c.Info().InputRange
				c.Close()
				if r == nil || r.Kind != RangeScaling || r.Via != tc.via || r.Next != "Conv" {
					t.Fatalf("%s: input range %+v, want scaling via %s before Conv", preset, r, tc.via)
				}
				// 0.1307 and 0.3081 in float16 move the bounds by
				// about 1e-3.
				lo, hi := -0.1307/0.3081, (1-0.1307)/0.3081
				if preset == "raw01" {
					hi = (1.0/255 - 0.1307) / 0.3081
				}
				if math.Abs(r.Lo[0]-lo) > 2e-3 || math.Abs(r.Hi[0]-hi) > 2e-3 {
					t.Errorf("%s: first layer gets %s, want [%.3g, %.3g]", preset, r.RangeString(), lo, hi)
				}
				wantMismatch := preset == "raw01"
				if r.Mismatch() != wantMismatch || (wantMismatch && r.Suggested[0].Preset != "raw255") {
					t.Errorf("%s: mismatch %v, suggested %+v, want mismatch %v with raw255 first", preset, r.Mismatch(), r.Suggested, wantMismatch)
				}
			}
		})
	}
}
