package classifier

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestBinaryOutput opens binary classifiers, whose output holds one score
// per image: a sigmoid, a logit, the score squeezed to [N], and a model of
// fixed batch 1 whose output is [1]. Each reads as two classes, class 1 the
// score (the logit's sigmoid) and class 0 the rest, to float32 precision;
// a single value in [0,1] with no Sigmoid behind it, and a logit that stays
// near 0 on every probe image, are refused until --output-kind says what
// they are, and a softmax over one value is refused.
func TestBinaryOutput(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	squeeze := func(m onnxtest.Model, to int64) onnxtest.Model {
		last := &m.Nodes[len(m.Nodes)-1]
		last.Outputs = []string{"score"}
		m.Nodes = append(m.Nodes, onnxtest.Node{Op: "Reshape", Inputs: []string{"score", "flat_shape"}, Outputs: []string{"scores"}})
		m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "flat_shape", Dims: []int64{1}, Int64s: []int64{-1}})
		m.Outputs[0].Dims = []int64{to}
		return m
	}
	raw255, err := Preset("raw255")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		model onnxtest.Model
		opts  Options
		kind  OutputKind // "": refused
		// setting is the flag a refusal names.
		setting fault.Setting
		// scale is what the model's score is of the mean pixel.
		scale float64
		// offer is the kinds a refusal of setting output-kind offers.
		offer string
	}{
		{"sigmoid", onnxtest.Classifier(dims, 1, "Sigmoid"), Options{}, Sigmoid, "", 1, ""},
		{"logit, detected", onnxtest.Classifier(dims, 1, ""), Options{Normalization: raw255}, Logits, "", 255, ""},
		{"logit in [0,1]", onnxtest.Classifier(dims, 1, ""), Options{}, "", SettingOutputKind, 1, ""},
		{"logit in [0,1], --output-kind logits", onnxtest.Classifier(dims, 1, ""), Options{OutputKind: Logits}, Logits, "", 1, ""},
		{"sigmoid squeezed to [N]", squeeze(onnxtest.Classifier(dims, 1, "Sigmoid"), -1), Options{}, Sigmoid, "", 1, ""},
		{"fixed batch 1, output [1]", squeeze(onnxtest.Classifier([]int64{1, 1, 8, 8}, 1, "Sigmoid"), 1), Options{}, Sigmoid, "", 1, ""},
		{"negative logit, detected", onnxtest.Classifier(dims, 1, "").Scaled(-2), Options{}, Logits, "", -2, ""},
		// A logit that no probe image takes further than 0.5 from 0
		// gives neither class more than 0.62: a wrong preprocessing, a
		// regression, an untrained detector.
		{"logit near 0", onnxtest.Classifier(dims, 1, "").Scaled(-0.5), Options{}, "", SettingOutputKind, -0.5, "logits if it is a logit (and check the preprocessing)"},
		{"logit near 0, --output-kind logits", onnxtest.Classifier(dims, 1, "").Scaled(-0.5), Options{OutputKind: Logits}, Logits, "", -0.5, ""},
		{"softmax over one value", onnxtest.Classifier(dims, 1, "Softmax"), Options{}, "", SettingOutput, 1, ""},
		// A logit read as a score would count every value over 1 as
		// confidence 1, as percentages a hundredth of it.
		{"logit set as sigmoid", onnxtest.Classifier(dims, 1, ""), Options{Normalization: raw255, OutputKind: Sigmoid}, "", SettingOutputKind, 255, ""},
		{"logit set as probabilities", onnxtest.Classifier(dims, 1, ""), Options{Normalization: raw255, OutputKind: Probabilities}, "", SettingOutputKind, 255, ""},
		{"negative logit set as percentages", onnxtest.Classifier(dims, 1, "").Scaled(-1), Options{Normalization: raw255, OutputKind: Percentages}, "", SettingOutputKind, 255, ""},
	}
	const n = 12
	imgs := strokes(rand.New(rand.NewPCG(9, 10)), n, 8, 8)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Threads = 1
			c, err := OpenBytes(tc.name, tc.model.Bytes(), tc.opts)
			if tc.kind == "" {
				if err == nil {
					c.Close()
					t.Fatal("opened; want it refused")
				}
				if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != tc.setting || strings.Contains(err.Error(), "\n") {
					t.Fatalf("refused with %v; want one line of invalid usage naming %s", err, tc.setting)
				}
				if _, got := fault.SuggestionsOf(err); tc.offer != "" && strings.Join(got, " ") != tc.offer {
					t.Fatalf("refusal %q offers %q, want %q", err, got, tc.offer)
				}
				return
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer c.Close()
			i := c.Info()
			if !i.BinaryOutput || i.Classes != 2 || i.OutputKind != tc.kind {
				t.Fatalf("binary %v, %d classes, kind %s; want binary, 2 classes, %s", i.BinaryOutput, i.Classes, i.OutputKind, tc.kind)
			}
			conf := make([]float32, n*2)
			if err := c.Score(imgs, n, conf); err != nil {
				t.Fatal(err)
			}
			for j := range n {
				var mean float64
				for _, v := range imgs[j*64 : (j+1)*64] {
					mean += float64(v) / 64
				}
				p := 1 / (1 + math.Exp(-tc.scale*mean))
				if math.Abs(float64(conf[2*j+1])-p) > 1e-6 || math.Abs(float64(conf[2*j])-(1-p)) > 1e-6 {
					t.Fatalf("image %d: confidences %v, want [%v %v]", j, conf[2*j:2*j+2], 1-p, p)
				}
			}
		})
	}
}

// TestSpatialOutputs: an output whose axes after the class axis follow a
// dynamic image size is a segmentation map's, and is refused; the same
// axes beside a fixed image size are read as 1, as exporters that could
// not size them leave a classifier's [N,K,1,1].
func TestSpatialOutputs(t *testing.T) {
	out := ort.InputOutputInfo{Name: "maps", OrtValueType: ort.ONNXTypeTensor, DataType: ort.TensorElementDataTypeFloat, Dimensions: ort.NewShape(-1, 21, -1, -1)}
	dynamic := inputSpec{name: "image", layout: NCHW, c: 3, h: 64, w: 64, dims: []int64{-1, 3, -1, -1}}
	fixed := inputSpec{name: "image", layout: NCHW, c: 3, h: 64, w: 64, dims: []int64{-1, 3, 64, 64}}
	if _, why := classOutput(out, dynamic, nil); !strings.Contains(why, "segmentation map") {
		t.Errorf("dynamic image size: %q, want a refusal naming a segmentation map", why)
	}
	if spec, why := classOutput(out, fixed, nil); why != "" || spec.k != 21 {
		t.Errorf("fixed image size: %q, %d classes; want 21 classes", why, spec.k)
	}
}

// TestHeadsOutputs: scores of a few heads of many classes ([N,4,36], a
// captcha reader's characters) are refused with the fix of one head per
// output; a detector's hundreds of boxes are not called heads, and a
// sequence of open length is called one.
func TestHeadsOutputs(t *testing.T) {
	in := inputSpec{name: "image", layout: NCHW, c: 3, h: 32, w: 90, dims: []int64{-1, 3, 32, 90}}
	tests := []struct {
		dims        []int64
		want, avoid string
	}{
		{[]int64{-1, 4, 36}, "4 heads of 36 classes each (a reader of 4 characters or time steps, say) or a detector's or segmenter's scores, where an image classifier gives one score per class ([N,K]); export one head's scores as an output of its own", ""},
		{[]int64{-1, 84, 8400}, "scores along 2 axes as a detector's boxes or a segmentation map give them", "heads"},
		{[]int64{-1, 4, 36, 2}, "scores along 3 axes as a detector's boxes", "heads"},
		// A CTC reader's steps, their number left open.
		{[]int64{-1, -1, 31}, "a sequence of steps of unknown length with 31 scores each, as a CTC text or CAPTCHA reader gives them", "unknown class axis"},
		{[]int64{-1, -1, 1}, "with an unknown class axis", ""},
	}
	for _, tc := range tests {
		out := ort.InputOutputInfo{Name: "out", OrtValueType: ort.ONNXTypeTensor, DataType: ort.TensorElementDataTypeFloat, Dimensions: ort.NewShape(tc.dims...)}
		_, why := classOutput(out, in, nil)
		if !strings.Contains(why, tc.want) || tc.avoid != "" && strings.Contains(why, tc.avoid) {
			t.Errorf("%v: %q, want %q", tc.dims, why, tc.want)
		}
	}
}
