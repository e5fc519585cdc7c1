package classifier

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestDynamicChannels: a model whose input declares its channel axis
// dynamic is read through its first convolution, which says where the
// channels are and how many; the image size then comes from --input-shape.
func TestDynamicChannels(t *testing.T) {
	shape := func(c, h, w int) *[3]int { return &[3]int{c, h, w} }
	// The normalisation may read the image second, as Mul(scale, x) does.
	swapped := onnxtest.ConvNet(3, 1, false)
	for i, n := range swapped.Nodes {
		if n.Op == "Sub" {
			swapped.Nodes[i].Inputs = []string{n.Inputs[1], n.Inputs[0]}
		}
	}
	for _, tc := range []struct {
		name    string
		model   onnxtest.Model
		shape   *[3]int
		layout  Layout
		c       int
		setting fault.Setting // of the refusal, when one is wanted
		suggest string
		message string
	}{
		{name: "RGB without a size", model: onnxtest.ConvNet(3, 1, false), setting: SettingInputShape, suggest: "3", message: "unknown image size"},
		{name: "RGB", model: onnxtest.ConvNet(3, 1, false), shape: shape(3, 8, 8), layout: NCHW, c: 3},
		{name: "gray", model: onnxtest.ConvNet(1, 1, false), shape: shape(1, 6, 6), layout: NCHW, c: 1},
		{name: "depthwise RGB", model: onnxtest.ConvNet(3, 3, false), shape: shape(3, 8, 8), layout: NCHW, c: 3},
		{name: "normalisation reading the image second", model: swapped, setting: SettingInputShape, suggest: "3", message: "unknown image size"},
		{name: "NHWC through a Transpose", model: onnxtest.ConvNet(3, 1, true), shape: shape(3, 8, 8), layout: NHWC, c: 3},
		{name: "wrong channel count", model: onnxtest.ConvNet(3, 1, false), shape: shape(1, 8, 8), setting: SettingInputShape, suggest: ShapePrefix + "3,8,8", message: "its first convolution takes 3 channels, not 1"},
		{name: "four channels", model: onnxtest.ConvNet(4, 1, false), shape: shape(3, 8, 8), setting: "", message: "has shape [-1 -1 -1 -1]: 4 channels on axis 1 (RGBA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes("dyn.onnx", tc.model.Bytes(), Options{Threads: 1, Batch: 2, InputShape: tc.shape})
			if tc.message != "" {
				if err == nil {
					c.Close()
					t.Fatal("opened, want a refusal")
				}
				setting, suggest := fault.SuggestionsOf(err)
				if !errors.Is(err, fault.Invalid) || setting != tc.setting || strings.Join(suggest, " ") != tc.suggest || !strings.Contains(err.Error(), tc.message) {
					t.Fatalf("got %v (setting %q, suggestion %q), want invalid input about %q, setting %q, suggestion %q", err, setting, suggest, tc.message, tc.setting, tc.suggest)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			info := c.Info()
			if info.Layout != tc.layout || info.Channels != tc.c || info.Height != tc.shape[1] || info.Width != tc.shape[2] || info.Classes != 5 {
				t.Fatalf("got %s %d×%d×%d, %d classes; want %s %d×%d×%d, 5", info.Layout, info.Channels, info.Height, info.Width, info.Classes, tc.layout, tc.c, tc.shape[1], tc.shape[2])
			}
			per := tc.c * tc.shape[1] * tc.shape[2]
			conf := make([]float32, 2*5)
			if err := c.Score(constImages(2, per, 0.25), 2, conf); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestDynamicChannelsUnknown: without a convolution to read, an input whose
// channel axis is dynamic is refused with the setting that fixes it, and
// with --input-shape it is read as NCHW, PyTorch's layout.
func TestDynamicChannelsUnknown(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 5, "Softmax")
	m.Inputs[0].Dims = []int64{-1, -1, -1, -1}
	_, err := OpenBytes("dyn.onnx", m.Bytes(), Options{Threads: 1})
	if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingInputShape || !strings.Contains(err.Error(), "channel axis is dynamic") {
		t.Fatalf("got %v, want a refusal naming the dynamic channel axis and --input-shape", err)
	}
	c := openModel(t, m, Options{Batch: 2, InputShape: &[3]int{3, 4, 4}})
	if info := c.Info(); info.Layout != NCHW || info.Channels != 3 {
		t.Fatalf("got %s with %d channels, want NCHW with 3", info.Layout, info.Channels)
	}
}

// TestFirstRunWrongSize: a model that leaves its image size to the user and
// fails on the size given (8×8 weights fed 9×9 images) is refused as input
// the user can change, exit code 2, naming the shape fed and the fixes,
// not as a runtime failure; batch tuned or given alike.
func TestFirstRunWrongSize(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "")
	m.Inputs[0].Dims = []int64{-1, 1, -1, -1}
	for _, batch := range []int{0, 1, 4} {
		_, err := OpenBytes("dyn.onnx", m.Bytes(), Options{Threads: 1, Batch: batch, InputShape: &[3]int{1, 9, 9}})
		if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), `the model failed on its first images, shaped [1 1 9 9], fooltest's reading of input "image" (declared [-1 1 -1 -1]) as NCHW: `) || !strings.Contains(err.Error(), "give the image size the model takes with --input-shape") {
			t.Fatalf("batch %d: got %v (kind %v), want invalid input naming the shape fed", batch, err, fault.KindOf(err))
		}
	}
	openModel(t, m, Options{Batch: 1, InputShape: &[3]int{1, 8, 8}})
}
