package classifier

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// convNet returns a small convolutional classifier of 5 classes whose input
// declares every axis dynamic, as exporters of Hugging Face models write
// it. Its convolution takes in channels (weight [4·group, in/group, 2, 2]); nhwc
// puts a Transpose to NCHW before it, as tf2onnx does, and a Sub stands for
// normalisation inside the graph.
func convNet(in, group int64, nhwc bool) onnxtest.Model {
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
	nodes := []onnxtest.Node{}
	if nhwc {
		nodes = append(nodes, onnxtest.Node{Op: "Transpose", Inputs: []string{first}, Outputs: []string{"nchw"}, IntLists: map[string][]int64{"perm": {0, 3, 1, 2}}})
		first = "nchw"
	}
	nodes = append(nodes,
		onnxtest.Node{Op: "Sub", Inputs: []string{first, "mean"}, Outputs: []string{"centred"}},
		onnxtest.Node{Op: "Conv", Inputs: []string{"centred", "w"}, Outputs: []string{"conv"}, Ints: map[string]int64{"group": group}},
		onnxtest.Node{Op: "GlobalAveragePool", Inputs: []string{"conv"}, Outputs: []string{"pooled"}},
		onnxtest.Node{Op: "Flatten", Inputs: []string{"pooled"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
		onnxtest.Node{Op: "MatMul", Inputs: []string{"flat", "fc"}, Outputs: []string{"logits"}},
	)
	return onnxtest.Model{
		Inputs:  []onnxtest.Value{{Name: "pixel_values", Type: onnxtest.Float, Dims: []int64{-1, -1, -1, -1}}},
		Outputs: []onnxtest.Value{{Name: "logits", Type: onnxtest.Float, Dims: []int64{-1, 5}}},
		Initializers: []onnxtest.Tensor{
			{Name: "mean", Dims: []int64{1}, Data: []float32{0.5}},
			{Name: "w", Dims: []int64{out, per, 2, 2}, Data: w},
			{Name: "fc", Dims: []int64{out, 5}, Data: fc},
		},
		Nodes: nodes,
	}
}

// TestDynamicChannels: a model whose input declares its channel axis
// dynamic is read through its first convolution, which says where the
// channels are and how many; the image size then comes from --input-shape.
func TestDynamicChannels(t *testing.T) {
	shape := func(c, h, w int) *[3]int { return &[3]int{c, h, w} }
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
		{name: "RGB without a size", model: convNet(3, 1, false), setting: SettingInputShape, suggest: "3", message: "unknown image size"},
		{name: "RGB", model: convNet(3, 1, false), shape: shape(3, 8, 8), layout: NCHW, c: 3},
		{name: "gray", model: convNet(1, 1, false), shape: shape(1, 6, 6), layout: NCHW, c: 1},
		{name: "depthwise RGB", model: convNet(3, 3, false), shape: shape(3, 8, 8), layout: NCHW, c: 3},
		{name: "NHWC through a Transpose", model: convNet(3, 1, true), shape: shape(3, 8, 8), layout: NHWC, c: 3},
		{name: "wrong channel count", model: convNet(3, 1, false), shape: shape(1, 8, 8), setting: SettingInputShape, suggest: "3", message: "its first convolution takes 3 channels, not 1"},
		{name: "four channels", model: convNet(4, 1, false), shape: shape(3, 8, 8), setting: "", message: "a convolution over 4 channels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes("dyn.onnx", tc.model.Bytes(), Options{Threads: 1, Batch: 2, InputShape: tc.shape})
			if tc.message != "" {
				if err == nil {
					c.Close()
					t.Fatal("opened, want a refusal")
				}
				setting, suggest := fault.SuggestionOf(err)
				if !errors.Is(err, fault.Invalid) || setting != tc.setting || suggest != tc.suggest || !strings.Contains(err.Error(), tc.message) {
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
