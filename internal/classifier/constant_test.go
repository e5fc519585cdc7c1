package classifier

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestConstantOutput: a model whose output does not change with its input
// cannot be tested, and a run would pass it, so it is refused: one that
// ignores its input, whose refusal names the model since no preprocessing
// could help, and one that thresholds 0..255 pixels at 128 when fed values
// in [0,1] (which raw255 fixes), whose refusal names the preprocessing. A saturated one-hot output that
// repeats is let through, as a confident classifier gives it.
func TestConstantOutput(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	// withBias returns Classifier(dims, 3, "Softmax") with its weights
	// scaled by w, its input passed through pre (nil: none), and bias b
	// added to the logits.
	withBias := func(w float32, b []float32, pre []onnxtest.Node) onnxtest.Model {
		m := onnxtest.Classifier(dims, 3, "Softmax")
		for i := range m.Initializers[0].Data {
			m.Initializers[0].Data[i] *= w
		}
		m.Initializers = append(m.Initializers,
			onnxtest.Tensor{Name: "bias", Dims: []int64{3}, Data: b},
			onnxtest.Tensor{Name: "half", Dims: []int64{1}, Data: []float32{128}})
		m.Nodes[1].Outputs = []string{"raw"}
		m.Nodes = append(m.Nodes[:2], append([]onnxtest.Node{{Op: "Add", Inputs: []string{"raw", "bias"}, Outputs: []string{"logits"}}}, m.Nodes[2:]...)...)
		if pre != nil {
			m.Nodes[0].Inputs[0] = pre[len(pre)-1].Outputs[0]
			m.Nodes = append(pre, m.Nodes...)
		}
		return m
	}
	threshold := []onnxtest.Node{
		{Op: "Sub", Inputs: []string{"image", "half"}, Outputs: []string{"centred"}},
		{Op: "Relu", Inputs: []string{"centred"}, Outputs: []string{"bright"}},
	}
	raw255, err := Preset("raw255")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		model onnxtest.Model
		opts  Options
		// refused is the setting a refusal names; "" for none.
		refused fault.Setting
	}{
		{"ignores its input", withBias(0, []float32{0.1, 0.5, -0.2}, nil), Options{}, SettingModel},
		{"ignores its input, given raw255", withBias(0, []float32{0.1, 0.5, -0.2}, nil), Options{Normalization: raw255}, SettingModel},
		{"thresholds pixels at 128, fed [0,1]", withBias(1, []float32{0.1, 0.5, -0.2}, threshold), Options{}, SettingPreprocessing},
		{"thresholds pixels at 128, fed 0..255", withBias(1, []float32{0.1, 0.5, -0.2}, threshold), Options{Normalization: raw255}, ""},
		{"saturated one-hot", withBias(0, []float32{0, 200, 0}, nil), Options{}, ""},
		{"an ordinary model", withBias(1, []float32{0, 0, 0}, nil), Options{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Threads = 1
			c, err := OpenBytes(tc.name, tc.model.Bytes(), tc.opts)
			if tc.refused == "" {
				if err != nil {
					t.Fatalf("open: %v", err)
				}
				c.Close()
				return
			}
			if err == nil {
				c.Close()
				t.Fatal("opened; want it refused")
			}
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != tc.refused || !strings.Contains(err.Error(), "the same, bit for bit") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("refused with %v (setting %q); want one line of invalid input naming %q", err, fault.SettingOf(err), tc.refused)
			}
		})
	}
}

// TestRandomModel: a model whose scores of the same image change from run
// to run (noise added by a random operator, as noise layers left in
// training mode do) cannot be fooled reliably, and is refused with the
// fix, naming the operator (TestNotImageAlone has the random operator the
// graph does not show).
func TestRandomModel(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "Softmax")
	m.Nodes[1].Outputs = []string{"clean"}
	m.Nodes = append(m.Nodes[:2], append([]onnxtest.Node{
		{Op: "RandomUniformLike", Inputs: []string{"clean"}, Outputs: []string{"noise"}, Floats: map[string]float32{"low": -2, "high": 2}},
		{Op: "Add", Inputs: []string{"clean", "noise"}, Outputs: []string{"logits"}},
	}, m.Nodes[2:]...)...)
	c, err := OpenBytes("random", m.Bytes(), Options{Threads: 1})
	if err == nil {
		c.Close()
		t.Fatal("opened; want it refused")
	}
	if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingModel || !strings.Contains(err.Error(), "an unnamed RandomUniformLike node, which the model's output \"scores\" depends on, draws random numbers") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("refused with %v; want one line of invalid input naming the random operator", err)
	}
}
