package classifier

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

func openModel(t *testing.T, m onnxtest.Model, opts Options) *Classifier {
	t.Helper()
	if opts.Threads == 0 {
		opts.Threads = 1
	}
	c, err := OpenBytes("test.onnx", m.Bytes(), opts)
	if err != nil {
		t.Fatalf("OpenBytes: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func constImages(n, per int, v float32) []float32 {
	imgs := make([]float32, n*per)
	for i := range imgs {
		imgs[i] = v
	}
	return imgs
}

func TestLayoutsDetected(t *testing.T) {
	shape := func(c, h, w int) *[3]int { return &[3]int{c, h, w} }
	tests := []struct {
		name     string
		dims     []int64
		override *[3]int
		layout   Layout
		c, h, w  int
		fixed    int
	}{
		{"NCHW gray", []int64{-1, 1, 28, 28}, nil, NCHW, 1, 28, 28, 0},
		{"NCHW RGB", []int64{-1, 3, 32, 32}, nil, NCHW, 3, 32, 32, 0},
		{"NHWC RGB", []int64{-1, 32, 32, 3}, nil, NHWC, 3, 32, 32, 0},
		{"NHWC gray", []int64{-1, 28, 28, 1}, nil, NHWC, 1, 28, 28, 0},
		{"NHW gray", []int64{-1, 28, 28}, nil, NHW, 1, 28, 28, 0},
		{"flat gray", []int64{-1, 784}, nil, Flat, 1, 28, 28, 0},
		{"flat RGB", []int64{-1, 3072}, nil, Flat, 3, 32, 32, 0},
		{"flat with shape", []int64{-1, 200}, shape(1, 10, 20), Flat, 1, 10, 20, 0},
		{"fixed batch 1", []int64{1, 1, 28, 28}, nil, NCHW, 1, 28, 28, 1},
		{"fixed batch 4", []int64{4, 3, 8, 8}, nil, NCHW, 3, 8, 8, 4},
		{"dynamic size with shape", []int64{-1, 3, -1, -1}, shape(3, 16, 16), NCHW, 3, 16, 16, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := onnxtest.Classifier(tc.dims, 5, "Softmax")
			if tc.override != nil && tc.layout != Flat {
				// Weights sized for the real image, input declared dynamic.
				m = onnxtest.Classifier([]int64{-1, int64(tc.c), int64(tc.h), int64(tc.w)}, 5, "Softmax")
				m.Inputs[0].Dims = tc.dims
			}
			c := openModel(t, m, Options{InputShape: tc.override})
			got := c.Info()
			if got.Layout != tc.layout || got.Channels != tc.c || got.Height != tc.h || got.Width != tc.w || got.FixedBatch != tc.fixed {
				t.Fatalf("got %s %dx%dx%d fixed %d, want %s %dx%dx%d fixed %d", got.Layout, got.Channels, got.Height, got.Width, got.FixedBatch, tc.layout, tc.c, tc.h, tc.w, tc.fixed)
			}
			if got.Classes != 5 || got.OutputKind != Probabilities {
				t.Fatalf("classes %d kind %s, want 5 probabilities", got.Classes, got.OutputKind)
			}
			if tc.fixed > 0 && got.Batch != tc.fixed {
				t.Fatalf("batch %d, want the fixed %d", got.Batch, tc.fixed)
			}
			// 7 images: a partial last batch for every batch size but 1 and 7.
			per := tc.c * tc.h * tc.w
			conf := make([]float32, 7*5)
			if err := c.Score(constImages(7, per, 0.5), 7, conf); err != nil {
				t.Fatal(err)
			}
			want := softmaxOf([]float64{0.5, 1, 1.5, 2, 2.5})
			for i := range 7 {
				for j := range 5 {
					if d := math.Abs(float64(conf[i*5+j]) - want[j]); d > 1e-5 {
						t.Fatalf("image %d class %d: %v, want %v", i, j, conf[i*5+j], want[j])
					}
				}
			}
		})
	}
}

func softmaxOf(x []float64) []float64 {
	out := make([]float64, len(x))
	var sum float64
	for i, v := range x {
		out[i] = math.Exp(v)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// TestNHWCInterleaves checks that planar canonical images are interleaved
// for NHWC models: a red-only image must differ from a blue-only one
// exactly as the per-channel normalization says.
func TestPreprocessing(t *testing.T) {
	tests := []struct {
		preset string
		dims   []int64
		// pixel value, expected mean of the model input over all values
		v    float32
		want float64
	}{
		{"raw01", []int64{-1, 1, 4, 4}, 0.25, 0.25},
		{"raw255", []int64{-1, 1, 4, 4}, 0.01, 2.55},
		{"pm1", []int64{-1, 1, 4, 4}, 0.25, -0.5},
		{"mnist", []int64{-1, 1, 4, 4}, 0.5, (0.5 - 0.1307) / 0.3081},
		{"imagenet", []int64{-1, 3, 4, 4}, 0.5, ((0.5-0.485)/0.229 + (0.5-0.456)/0.224 + (0.5-0.406)/0.225) / 3},
		{"imagenet", []int64{-1, 4, 4, 3}, 0.5, ((0.5-0.485)/0.229 + (0.5-0.456)/0.224 + (0.5-0.406)/0.225) / 3},
		{"cifar10", []int64{-1, 48}, 0.5, ((0.5-0.4914)/0.2023 + (0.5-0.4822)/0.1994 + (0.5-0.4465)/0.2010) / 3},
	}
	for _, tc := range tests {
		t.Run(tc.preset, func(t *testing.T) {
			norm, err := Preset(tc.preset)
			if err != nil {
				t.Fatal(err)
			}
			c := openModel(t, onnxtest.Classifier(tc.dims, 2, ""), Options{Normalization: norm, OutputKind: Logits})
			ch, h, w, _ := c.Shape()
			conf := make([]float32, 2)
			if err := c.Score(constImages(1, ch*h*w, tc.v), 1, conf); err != nil {
				t.Fatal(err)
			}
			// Logits are m and 2m for input mean m, so p1/p0 = exp(m).
			m := math.Log(float64(conf[1]) / float64(conf[0]))
			if math.Abs(m-tc.want) > 1e-3*math.Max(1, math.Abs(tc.want)) {
				t.Fatalf("model saw mean input %v, want %v", m, tc.want)
			}
		})
	}
}

// TestNHWCChannelOrder feeds a pure red image: with per-channel scale only
// the red plane must reach the model.
func TestNHWCChannelOrder(t *testing.T) {
	// Weights that read only the first interleaved value of each pixel.
	m := onnxtest.Classifier([]int64{-1, 2, 2, 3}, 2, "")
	w := m.Initializers[0].Data
	for i := range 12 {
		for j := range 2 {
			w[i*2+j] = 0
			if i%3 == 0 {
				w[i*2+j] = float32(j) / 4
			}
		}
	}
	c := openModel(t, m, Options{OutputKind: Logits})
	img := make([]float32, 12) // planar: R plane first
	for p := range 4 {
		img[p] = 1
	}
	conf := make([]float32, 2)
	if err := c.Score(img, 1, conf); err != nil {
		t.Fatal(err)
	}
	if got := math.Log(float64(conf[1] / conf[0])); math.Abs(got-1) > 1e-4 {
		t.Fatalf("red channel reached the model as %v, want 1", got)
	}
}

func TestOutputKinds(t *testing.T) {
	base := func() onnxtest.Model { return onnxtest.Classifier([]int64{-1, 1, 8, 8}, 4, "") }
	tests := []struct {
		name    string
		model   onnxtest.Model
		kind    OutputKind
		want    OutputKind
		refusal []string
	}{
		{"Softmax", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 4, "Softmax"), Auto, Probabilities, nil},
		{"raw", base(), Auto, Logits, nil},
		{"Sigmoid set", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 4, "Sigmoid"), Sigmoid, Sigmoid, nil},
		{"Log after Softmax", base().Then("Softmax", nil).Then("Log", nil), Auto, Logits, nil},
		// A regression onto one-hot targets: scores a little outside
		// [0, 1], which a softmax would squeeze below any threshold.
		{"regression scores", base().Scaled(0.1).Then("Sub", []string{"shift"}, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{0.1}}), Auto, "",
			[]string{"cannot tell how to read model output", "so close together that, read as logits, their softmax gives no class more than", "regression"}},
		// Two values close together: a latent code, whose softmax
		// always gives one of them half the mass.
		{"a two-value code", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 2, "").Scaled(0.1).Then("Sub", []string{"shift"}, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{0.1}}), Auto, "",
			[]string{"so close together that, read as logits", "an embedding"}},
		// Scores of a regression that dip below 0 on a few values only:
		// sigmoid is offered beside logits.
		{"regression scores a little below 0", base().Scaled(0.1).Then("Sub", []string{"shift"}, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{0.05}}), Auto, "",
			[]string{"so close together that, read as logits", "|sigmoid if each value is its class's score, or logits if they are logits (and check the preprocessing)"}},
		// Two logits centred on 0, as a detector fed the wrong
		// preprocessing gives them: half the values are below 0, which
		// no sigmoid score is, so only logits are offered.
		{"two logits centred on 0", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 2, "").Scaled(0.1).Then("Sub", []string{"shift"}, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{0.075}}), Auto, "",
			[]string{"so close together that, read as logits", "|logits if they are logits (and check the preprocessing)"}},
		// Far outside [0, 1]: no sigmoid scores, so not offered as such.
		{"values close together far below 0", base().Scaled(0.1).Then("Sub", []string{"shift"}, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{2}}), Auto, "",
			[]string{"so close together that, read as logits", "|logits if they are logits (and check the preprocessing)"}},
		// Unit vectors, as an L2-normalised embedding gives, are no class
		// scores however they are read.
		{"an L2-normalised embedding", base().Then("LpNormalization", nil), Auto, "", []string{"a vector of length 1", "as an L2-normalised embedding does"}},
		{"an L2-normalised embedding set as logits", base().Then("LpNormalization", nil), Logits, "", []string{"a vector of length 1"}},
		{"regression scores set as sigmoid", base().Scaled(0.1).Then("Sub", []string{"shift"}, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{0.1}}), Sigmoid, Sigmoid, nil},
		{"logits set as probabilities", base(), Probabilities, "",
			[]string{"is set to be read as probabilities, but its values lie in [0, 4]", "far outside [0, 1]"}},
		// Ten values near 1 per image: rows summing to far more than 1.
		{"coordinates set as probabilities", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "Sigmoid"), Probabilities, "",
			[]string{"is set to be read as probabilities, but its rows sum to", "|sigmoid if each value is its own class's score, or leave it out"}},
		{"negative logits set as sigmoid", base().Scaled(-1), Sigmoid, "",
			[]string{"is set to be read as sigmoid scores, but its values lie in [-4, "}},
		{"logits set as percentages", base().Scaled(-1), Percentages, "",
			[]string{"is set to be read as percentages, but its values lie in [-4, ", "outside [0, 100]"}},
		{"LogSoftmax set as probabilities", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 4, "LogSoftmax"), Probabilities, "",
			[]string{"they are log-probabilities", "read as logits"}},
		{"Log after Softmax set as multilabel-logits", base().Then("Softmax", nil).Then("Log", nil), MultiLabelLogits, "",
			[]string{"they are log-probabilities"}},
		{"LogSoftmax set as logits", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 4, "LogSoftmax"), Logits, Logits, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes("m.onnx", tc.model.Bytes(), Options{OutputKind: tc.kind})
			if tc.refusal != nil {
				if err == nil {
					c.Close()
				}
				want := SettingOutputKind
				if strings.Contains(tc.name, "embedding") {
					want = SettingModel
				}
				if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != want {
					t.Fatalf("got %v, want a refusal of setting %q", err, want)
				}
				for _, w := range tc.refusal {
					// A leading | marks the kinds the refusal offers,
					// all of them.
					if hint, ok := strings.CutPrefix(w, "|"); ok {
						if _, got := fault.SuggestionsOf(err); strings.Join(got, " ") != hint {
							t.Errorf("refusal %q offers %q, want %q", err, got, hint)
						}
					} else if !strings.Contains(err.Error(), w) {
						t.Errorf("refusal %q does not say %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.Info().OutputKind; got != tc.want {
				t.Fatalf("kind %s, want %s", got, tc.want)
			}
			if tc.name == "Log after Softmax" && !strings.Contains(c.Info().KindEvidence, "log-probabilities") {
				t.Errorf("evidence %q does not say log-probabilities", c.Info().KindEvidence)
			}
		})
	}
}

// TestNonFiniteOutputs: NaN logits count as confidence 0, never a crash.
// darkNaN is a 1×2×2 model of 3 classes whose scores, log(x - 0.75), are
// NaN for dark pixels.
func darkNaN() onnxtest.Model {
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, "")
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{0.75}})
	m.Nodes[1].Outputs = []string{"mm"}
	m.Nodes = append(m.Nodes,
		onnxtest.Node{Op: "Sub", Inputs: []string{"mm", "shift"}, Outputs: []string{"d"}},
		onnxtest.Node{Op: "Log", Inputs: []string{"d"}, Outputs: []string{"scores"}})
	return m
}

func TestNonFiniteOutputs(t *testing.T) {
	c := openModel(t, darkNaN(), Options{OutputKind: Logits})
	conf := make([]float32, 2*3)
	imgs := append(constImages(1, 4, 0), constImages(1, 4, 1)...)
	if err := c.Score(imgs, 2, conf); err != nil {
		t.Fatal(err)
	}
	if c.NonFinite() == 0 {
		t.Fatal("NaN outputs were not counted")
	}
	for i, p := range conf {
		if p != p || p < 0 || p > 1 {
			t.Fatalf("confidence %d is %v", i, p)
		}
	}
	if conf[0]+conf[1]+conf[2] != 0 {
		t.Fatalf("all-NaN row gave %v, want zeros", conf[:3])
	}
}

func TestOutputSelection(t *testing.T) {
	base := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax")
	// A second, one-class output listed first must be skipped.
	m := base
	m.Nodes = append(append([]onnxtest.Node{}, base.Nodes...), onnxtest.Node{Op: "ReduceMax", Inputs: []string{"scores", "axes"}, Outputs: []string{"top"}, Ints: map[string]int64{"keepdims": 1}})
	m.Initializers = append(append([]onnxtest.Tensor{}, base.Initializers...), onnxtest.Tensor{Name: "axes", Dims: []int64{1}, Int64s: []int64{1}})
	m.Opset = 18
	m.Outputs = []onnxtest.Value{{Name: "top", Type: onnxtest.Float, Dims: []int64{-1, 1}}, base.Outputs[0]}
	c := openModel(t, m, Options{})
	if got := c.Info().Output; got != "scores" {
		t.Fatalf("chose output %q, want scores", got)
	}
	c2 := openModel(t, m, Options{Output: "scores"})
	if c2.Info().Classes != 3 {
		t.Fatalf("classes %d", c2.Info().Classes)
	}
	_, err := OpenBytes("m", m.Bytes(), Options{Output: "nope"})
	if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "no such output") {
		t.Fatalf("unknown --output: %v", err)
	}
}

func TestRank1Output(t *testing.T) {
	m := onnxtest.Classifier([]int64{1, 1, 4, 4}, 3, "")
	m.Nodes[1].Outputs = []string{"mm"}
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "shape", Dims: []int64{1}, Int64s: []int64{3}})
	m.Nodes = append(m.Nodes, onnxtest.Node{Op: "Reshape", Inputs: []string{"mm", "shape"}, Outputs: []string{"scores"}})
	m.Outputs[0].Dims = []int64{3}
	c := openModel(t, m, Options{})
	if c.Info().Classes != 3 || c.Info().OutputKind != Logits {
		t.Fatalf("info %+v", c.Info())
	}
	conf := make([]float32, 2*3)
	if err := c.Score(constImages(2, 16, 0.5), 2, conf); err != nil {
		t.Fatal(err)
	}
}

func TestRejected(t *testing.T) {
	good := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "")
	stringInput := onnxtest.Model{
		Inputs:  []onnxtest.Value{{Name: "text", Type: onnxtest.String, Dims: []int64{-1, 1}}},
		Outputs: []onnxtest.Value{{Name: "same", Type: onnxtest.String, Dims: []int64{-1, 1}}},
		Nodes:   []onnxtest.Node{{Op: "Identity", Inputs: []string{"text"}, Outputs: []string{"same"}}},
	}
	twoInputs := good
	twoInputs.Inputs = append(append([]onnxtest.Value{}, good.Inputs...), onnxtest.Value{Name: "extra", Type: onnxtest.Float, Dims: []int64{-1, 2}})
	oneClass := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 1, "")
	// A 1×1 convolution to 3 maps: a segmentation model's output.
	segmentation := onnxtest.Model{
		Inputs:       []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: []int64{-1, 1, 4, 4}}},
		Outputs:      []onnxtest.Value{{Name: "maps", Type: onnxtest.Float, Dims: []int64{-1, 3, 4, 4}}},
		Initializers: []onnxtest.Tensor{{Name: "w", Dims: []int64{3, 1, 1, 1}, Data: []float32{1, 2, 3}}},
		Nodes:        []onnxtest.Node{{Op: "Conv", Inputs: []string{"image", "w"}, Outputs: []string{"maps"}, IntLists: map[string][]int64{"kernel_shape": {1, 1}}}},
	}
	bytes := good.Bytes()
	tests := []struct {
		name  string
		model []byte
		opts  Options
		want  string
	}{
		{"string input", stringInput.Bytes(), Options{}, "string"},
		{"two inputs", twoInputs.Bytes(), Options{}, "2 inputs"},
		// One score per image is a binary classifier's, but one in
		// [0,1] with no Sigmoid behind it could be a probability or a
		// logit.
		{"one class", oneClass.Bytes(), Options{}, "one score per image"},
		{"segmentation map", segmentation.Bytes(), Options{}, "segmentation map"},
		{"corrupt", []byte("\x00this is not an onnx model at all"), Options{}, "not a valid ONNX model"},
		{"truncated", bytes[:len(bytes)/2], Options{}, "not a valid ONNX model"},
		{"non-square flat", onnxtest.Classifier([]int64{-1, 200}, 3, "").Bytes(), Options{}, "flattened to 200 values"},
		{"contradicting shape", bytes, Options{InputShape: &[3]int{3, 4, 4}}, "contradicts"},
		{"wrong batch", onnxtest.Classifier([]int64{4, 1, 4, 4}, 3, "").Bytes(), Options{Batch: 3}, "fixed batch of 4"},
		{"mean for 3 channels on gray", bytes, Options{Normalization: Normalization{Scale: 1, Mean: []float32{1, 2, 3}}}, "1 channel"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes("m.onnx", tc.model, tc.opts)
			if err == nil {
				c.Close()
				t.Fatal("accepted")
			}
			if !errors.Is(err, fault.Invalid) {
				t.Errorf("kind %v, want invalid input (%v)", fault.KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestLabels(t *testing.T) {
	tests := []struct {
		name string
		data string
		k    int
		want []string
		err  string
	}{
		{"trailing newline", "a\nb\n", 2, []string{"a", "b"}, ""},
		{"no trailing newline", "a\nb", 2, []string{"a", "b"}, ""},
		{"crlf", "a\r\nb\r\n", 2, []string{"a", "b"}, ""},
		{"invalid utf8", "a\xff\nb", 2, []string{"a\uFFFD", "b"}, ""},
		{"count mismatch", "a\nb\nc\n", 2, nil, "3 lines but the model has 2 classes"},
		{"empty", "", 2, nil, "0 lines"},
		{"long line", strings.Repeat("x", 1001) + "\nb", 2, nil, "over the 1000-byte limit"},
		{"long once invalid bytes are replaced", strings.Repeat("\xff0", 400) + "\nb", 2, nil, "line 1 is 1600 bytes, over the 1000-byte limit"},
		{"one short of a background class", "a\nb\n", 3, nil, "needs a label for it too"},
		{"one label for a binary classifier's score", "weapon\n", 2, nil, "1 lines but the model has 2 classes: give one label per class, in class order (a binary classifier's single score is read as two classes, class 1 the score and class 0 its complement: give two lines, the negative class first)"},
		{"json array", `["tench", "goldfish"]`, 2, []string{"tench", "goldfish"}, ""},
		{"json array after a byte order mark", "\uFEFF [\"a\", 7]\n", 2, []string{"a", "7"}, ""},
		{"json index object, keras pairs", `{"1": ["n01443537", "goldfish"], "0": ["n01440764", "tench"]}`, 2, []string{"tench", "goldfish"}, ""},
		{"hugging face config", `{"architectures": ["ViT"], "id2label": {"0": "tench", "1": "goldfish"}, "label2id": {"tench": 0, "goldfish": 1}}`, 2, []string{"tench", "goldfish"}, ""},
		{"json count mismatch", `["a", "b", "c"]`, 2, nil, "lists 3 labels but the model has 2 classes"},
		{"json key not an index", `{"0": "a", "x": "b"}`, 2, nil, `key "x" is not a class index (the object has 2 keys, so they must be "0" to "1")`},
		// Settings that hold the labels among them.
		{"json labels nested", `{"CLASS_NAMES": {"0": "a", "1": "b", "2": "c"}, "band_max": [1, 2], "band_min": [0, 1]}`, 3, nil, `key "CLASS_NAMES" is not a class index, and the file's "CLASS_NAMES" holds 3 entries, one per class of the model: give that table alone as the labels file`},
		{"json key out of range", `{"0": "a", "2": "b"}`, 2, nil, `key "2" is not a class index`},
		{"json key with a leading zero", `{"0": "a", "01": "b"}`, 2, nil, `key "01" is not a class index`},
		{"json label not text", `["a", {"name": "b"}]`, 2, nil, "the label of class 1 is not text"},
		{"json long label", `["a", "` + strings.Repeat("x", 1001) + `"]`, 2, nil, "over the 1000-byte limit"},
		{"text that starts with a bracket", "[unused]\nb\n", 2, []string{"[unused]", "b"}, ""},
		{"numbered, as Teachable Machine writes them", "0 Up\n1 Down\n2\tNo hand \n", 3, []string{"Up", "Down", "No hand"}, ""},
		{"numbered out of order", "1 Up\n0 Down\n", 2, []string{"1 Up", "0 Down"}, ""},
		{"numbered in part", "0 Up\nDown\n", 2, []string{"0 Up", "Down"}, ""},
		{"digits alone", "0\n1\n", 2, []string{"0", "1"}, ""},
		{"a number that is not the index", "0 a\n10 b\n", 2, []string{"0 a", "10 b"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseLabels("labels", []byte(tc.data), tc.k)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, fault.Invalid) {
					t.Fatalf("err %v, want %q with exit 2", err, tc.err)
				}
				return
			}
			if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestLabelsJSONFile: a file named .json that does not parse is refused as
// JSON, not read as lines.
func TestLabelsJSONFile(t *testing.T) {
	_, err := parseLabels("labels.json", []byte(`{"0": "a",}`), 1)
	if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "is not valid JSON") {
		t.Fatalf("err %v, want an invalid JSON error", err)
	}
}

func TestVersionAtLeast(t *testing.T) {
	for v, want := range map[string]bool{"1.29.0": true, "1.24.1": true, "1.23.2": false, "2.0.0": true, "0.9": false, "bogus": false} {
		if got := versionAtLeast(v, minRuntime); got != want {
			t.Errorf("versionAtLeast(%q) = %v", v, got)
		}
	}
}

// TestScoreAllocationFree guards the steady-state hot paths: Score in line
// and with the pipeline that fills large batches in the background, and
// ScoreInputs. They allocate nothing of their own; only onnxruntime_go's
// RunWithOptions, which makes runs abortable, allocates a few small slices
// per model run, measured here on a bare run.
func TestScoreAllocationFree(t *testing.T) {
	for _, mode := range []string{"in line", "pipelined", "inputs"} {
		t.Run(mode, func(t *testing.T) {
			c := openModel(t, onnxtest.Classifier([]int64{-1, 1, 28, 28}, 10, ""), Options{Batch: 8})
			if mode == "pipelined" {
				if err := c.startPipeline(); err != nil {
					t.Fatal(err)
				}
			}
			imgs := constImages(24, 784, 0.3)
			conf := make([]float32, 20*10)
			score := c.Score
			if mode == "inputs" {
				score = c.ScoreInputs
			}
			perRun := testing.AllocsPerRun(20, func() {
				if err := c.run(c.batch); err != nil {
					t.Fatal(err)
				}
			})
			allocs := testing.AllocsPerRun(20, func() {
				if err := score(imgs, 20, conf); err != nil {
					t.Fatal(err)
				}
			})
			// 20 images in batches of 8 are 3 runs.
			if own := allocs - 3*perRun; own > 0 {
				t.Fatalf("Score allocates %v times per call beyond the runtime's %v per run", own, perRun)
			}
		})
	}
}

func TestReadLabelsLimits(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.txt")
	line := strings.Repeat("x", 999) + "\n"
	if err := os.WriteFile(big, []byte(strings.Repeat(line, maxLabelsBytes/len(line)+1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLabels(big, 1050); !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "over 1048576 bytes") {
		t.Fatalf("labels file over 1 MiB: %v", err)
	}
	if _, err := ReadLabels(filepath.Join(dir, "missing.txt"), 3); !errors.Is(err, fault.Invalid) {
		t.Fatalf("missing labels file: %v", err)
	}
}

// TestCloseReleasesRunOptions checks that Close destroys the run options
// open created: they are native memory with no finalizer, so a process
// that opens many models (a baseline beside each, inspect of a folder)
// would otherwise leak one set per model.
func TestCloseReleasesRunOptions(t *testing.T) {
	c, err := OpenBytes("m.onnx", onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "").Bytes(), Options{Threads: 1})
	if err != nil {
		t.Fatalf("OpenBytes: %v", err)
	}
	if c.ro == nil {
		t.Fatal("an open classifier has no run options")
	}
	ro := c.ro
	if err := c.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if c.ro != nil {
		t.Error("Close kept the run options")
	}
	// Destroyed options refuse to be terminated; live ones accept it.
	if err := ro.Terminate(); err == nil {
		t.Error("the run options are still allocated after Close")
	}
	// A second Close must not free them twice.
	if err := c.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestMissingFilesKeepTheirCause checks that a file that cannot be read
// keeps the operating system's error in its chain, under the same words:
// callers tell a missing file from an unreadable one with errors.Is.
func TestMissingFilesKeepTheirCause(t *testing.T) {
	dir := t.TempDir()
	model, labels := filepath.Join(dir, "none.onnx"), filepath.Join(dir, "none.txt")
	tests := []struct {
		name string
		open func() error
		want string
	}{
		{"model", func() error {
			c, err := Open(model, Options{Threads: 1})
			if err == nil {
				c.Close()
			}
			return err
		}, "cannot read model " + model + ": no such file or directory"},
		{"labels", func() error {
			_, err := ReadLabels(labels, 3)
			return err
		}, "cannot read labels file " + labels + ": no such file or directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.open()
			if !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("errors.Is(%v, fs.ErrNotExist) is false", err)
			}
			if !errors.Is(err, fault.Invalid) {
				t.Errorf("kind %v, want invalid input", fault.KindOf(err))
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("message %q, want %q", err, tc.want)
			}
		})
	}
}
