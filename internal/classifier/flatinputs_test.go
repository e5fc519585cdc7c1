package classifier

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// flatNet returns a model whose input, declared dims, is reshaped to
// [batch, d] (first is "Flatten" from axis 1, or "Reshape" to [1, d] for an
// input without a batch axis) and multiplied by a d×3 matrix whose every
// entry differs, so that the scores depend on the order of the values.
func flatNet(dims []int64, d int, first string) onnxtest.Model {
	w := make([]float32, d*3)
	for i := range w {
		w[i] = float32(math.Sin(float64(i) * 0.77))
	}
	m := onnxtest.Model{
		Inputs:       []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: dims}},
		Outputs:      []onnxtest.Value{{Name: "scores", Type: onnxtest.Float, Dims: []int64{1, 3}}},
		Initializers: []onnxtest.Tensor{{Name: "w", Dims: []int64{int64(d), 3}, Data: w}},
		Nodes: []onnxtest.Node{
			{Op: "Flatten", Inputs: []string{"image"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
			{Op: "MatMul", Inputs: []string{"flat", "w"}, Outputs: []string{"scores"}},
		},
	}
	switch first {
	case "Reshape":
		m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "to", Dims: []int64{2}, Int64s: []int64{1, int64(d)}})
		m.Nodes[0] = onnxtest.Node{Op: "Reshape", Inputs: []string{"image", "to"}, Outputs: []string{"flat"}}
	case "Conv":
		// A 1×1 convolution first: the input's axes matter.
		m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "k", Dims: []int64{1, 1, 1, 1}, Data: []float32{1}})
		m.Nodes = append([]onnxtest.Node{{Op: "Conv", Inputs: []string{"image", "k"}, Outputs: []string{"conv"}}}, m.Nodes...)
		m.Nodes[1].Inputs[0] = "conv"
	}
	return m
}

// TestFlatInputs: an input that only feeds a Flatten takes the image shape
// the user gives when its values number the same, whatever axes it
// declares, and so does an input without a batch axis; either scores an
// image as a model declaring that shape does. Elsewhere a contradicting
// shape is refused, naming the declared one as the fix.
func TestFlatInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	imgs := make([]float32, 3*24)
	for i := range imgs {
		imgs[i] = rng.Float32()
	}
	score := func(c *Classifier) []float32 {
		conf := make([]float32, 3*3)
		if err := c.Score(imgs, 3, conf); err != nil {
			t.Fatal(err)
		}
		return conf
	}
	// The reference declares the 6-high, 4-wide gray image in NHWC.
	want := score(openModel(t, flatNet([]int64{1, 6, 4, 1}, 24, "Flatten"), Options{OutputKind: Logits}))
	tests := []struct {
		name  string
		model onnxtest.Model
	}{
		{"Flatten of other axes", flatNet([]int64{1, 4, 6, 1}, 24, "Flatten")},
		{"no batch axis", flatNet([]int64{24}, 24, "Reshape")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := openModel(t, tc.model, Options{OutputKind: Logits, InputShape: &[3]int{1, 6, 4}})
			if info := c.Info(); info.Height != 6 || info.Width != 4 || info.Channels != 1 {
				t.Fatalf("image %d×%d×%d, want 1×6×4", info.Channels, info.Height, info.Width)
			}
			got := score(c)
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-6 {
					t.Fatalf("confidence %d: %v, want %v as the model declaring 1×6×4", i, got[i], want[i])
				}
			}
		})
	}

	refusals := []struct {
		name  string
		model onnxtest.Model
		shape *[3]int
		// say is part of the refusal; suggest its suggestion.
		say, suggest string
	}{
		{"a convolution first", flatNet([]int64{1, 1, 4, 6}, 24, "Conv"), &[3]int{1, 6, 4}, "its height is 4, not 6", DeclaredShape},
		{"another count of values", flatNet([]int64{1, 4, 6, 1}, 24, "Flatten"), &[3]int{1, 5, 4}, "its height is 4, not 5", DeclaredShape},
		{"a flattened input, another count", flatNet([]int64{1, 24}, 24, "Flatten"), &[3]int{1, 5, 5}, "has 25 values but model input \"image\" takes 24", ValuesPrefix + "24"},
		// With a side dynamic, the suggestion keeps the sides declared
		// and fills the others from the shape given, or with letters.
		{"a dynamic width, no shape", flatNet([]int64{1, 1, 4, -1}, 24, "Flatten"), nil, "unknown image size", ShapePrefix + "1,4,W"},
		{"a dynamic width, another height", flatNet([]int64{1, 1, 4, -1}, 24, "Flatten"), &[3]int{1, 6, 4}, "its height is 4, not 6", ShapePrefix + "1,4,4"},
		{"no batch axis, no shape", flatNet([]int64{24}, 24, "Reshape"), nil, "without a batch axis: pass --input-shape C,H,W with C·H·W = 24 values", ""},
		{"no batch axis, another count", flatNet([]int64{24}, 24, "Reshape"), &[3]int{1, 5, 4}, "without a batch axis: pass --input-shape C,H,W with C·H·W = 24 values (the image shape given, 1,5,4, has 20)", ""},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes("flat.onnx", tc.model.Bytes(), Options{Threads: 1, OutputKind: Logits, InputShape: tc.shape})
			if err == nil {
				c.Close()
				t.Fatal("opened; want a refusal")
			}
			_, suggest := fault.SuggestionsOf(err)
			if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.say) || strings.Join(suggest, " ") != tc.suggest {
				t.Fatalf("got %v (suggesting %q); want %q suggesting %q", err, suggest, tc.say, tc.suggest)
			}
		})
	}
}

// TestColumnInputs: a column of values into a Flatten, [N,D,1] or [N,1,D]
// as verification benchmarks' MLPs declare it, is read as [N,D] is: a
// square image of D values, scored as the model declaring [N,D] scores it.
// A column into anything else stays a one-wide image.
func TestColumnInputs(t *testing.T) {
	imgs := make([]float32, 2*16)
	for i := range imgs {
		imgs[i] = float32(i%7) / 7
	}
	score := func(c *Classifier) []float32 {
		conf := make([]float32, 2*3)
		if err := c.Score(imgs, 2, conf); err != nil {
			t.Fatal(err)
		}
		return conf
	}
	want := score(openModel(t, flatNet([]int64{1, 16}, 16, "Flatten"), Options{OutputKind: Logits}))
	for _, dims := range [][]int64{{1, 16, 1}, {1, 1, 16}} {
		c := openModel(t, flatNet(dims, 16, "Flatten"), Options{OutputKind: Logits})
		if info := c.Info(); info.Layout != Flat || info.Channels != 1 || info.Height != 4 || info.Width != 4 {
			t.Fatalf("%v: %s %d×%d×%d, want flat 1×4×4", dims, info.Layout, info.Channels, info.Height, info.Width)
		}
		got := score(c)
		for i := range got {
			if math.Abs(float64(got[i]-want[i])) > 1e-6 {
				t.Fatalf("%v: confidence %d: %v, want %v as the model declaring [1,16]", dims, i, got[i], want[i])
			}
		}
	}
	m := flatNet([]int64{1, 16, 1}, 16, "Reshape")
	if info := openModel(t, m, Options{OutputKind: Logits}).Info(); info.Layout != NHW || info.Height != 16 || info.Width != 1 {
		t.Fatalf("a column into a Reshape: %s %d×%d, want NHW 16×1", info.Layout, info.Height, info.Width)
	}
}
