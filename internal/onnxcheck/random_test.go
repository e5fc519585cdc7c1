package onnxcheck

import (
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestUnrepeatable: the nodes that make an output depend on more than the
// image are found where the output depends on them, by their operator
// (random draws) or their mode (batch-norm in training mode, in the forms
// of opset 14 on and before it), and passed over where it does not: a dead
// branch, noise read only for its shape, batch-norm in inference mode, a Dropout (which ONNX Runtime runs
// as the identity), an operator of another domain. A random operator inside
// a model-local function counts as the function's call does.
func TestUnrepeatable(t *testing.T) {
	// then appends nodes that end in the output "scores", read from
	// "logits" (the classifier's raw scores).
	then := func(nodes ...onnxtest.Node) onnxtest.Model {
		m := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "")
		m.Nodes[1].Outputs = []string{"logits"}
		m.Nodes = append(m.Nodes, nodes...)
		return m
	}
	add := func(from string) onnxtest.Node {
		return onnxtest.Node{Op: "Add", Inputs: []string{"logits", from}, Outputs: []string{"scores"}}
	}
	bn := func(outputs int, attrs map[string]int64) onnxtest.Model {
		outs := []string{"scores", "mean", "var"}[:outputs]
		m := then(onnxtest.Node{Op: "BatchNormalization", Inputs: []string{"logits", "s", "b", "m", "v"}, Outputs: outs, Ints: attrs})
		for _, n := range []string{"s", "b", "m", "v"} {
			m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: n, Dims: []int64{3}, Data: []float32{1, 1, 1}})
		}
		return m
	}
	random := then(
		onnxtest.Node{Op: "RandomUniformLike", Inputs: []string{"logits"}, Outputs: []string{"noise"}},
		add("noise"))
	inFunction := random.InFunction("Noisy", 2, 4, false)
	inFunction.Imports = map[string]int64{"local": 1}
	custom := then(
		onnxtest.Node{Op: "RandomUniformLike", Domain: "com.example", Inputs: []string{"logits"}, Outputs: []string{"noise"}},
		add("noise"))
	custom.Imports = map[string]int64{"com.example": 1}
	tests := []struct {
		name  string
		model onnxtest.Model
		want  string // the operator found, "" for none
	}{
		{"noise added to the scores", random, "RandomUniformLike"},
		{"noise in a local function", inFunction, "RandomUniformLike"},
		{"Gaussian noise on the image", func() onnxtest.Model {
			m := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "")
			m.Nodes[0].Inputs = []string{"noisy"}
			m.Nodes = append([]onnxtest.Node{
				{Op: "RandomNormalLike", Inputs: []string{"image"}, Outputs: []string{"gauss"}},
				{Op: "Add", Inputs: []string{"image", "gauss"}, Outputs: []string{"noisy"}},
			}, m.Nodes...)
			return m
		}(), "RandomNormalLike"},
		{"a coin drawn once per run", then(
			onnxtest.Node{Op: "Bernoulli", Inputs: []string{"p"}, Outputs: []string{"coin"}},
			add("coin")), "Bernoulli"},
		{"noise in a dead branch", then(
			onnxtest.Node{Op: "RandomNormalLike", Inputs: []string{"logits"}, Outputs: []string{"unused"}},
			onnxtest.Node{Op: "Identity", Inputs: []string{"logits"}, Outputs: []string{"scores"}}), ""},
		{"noise of a custom domain", custom, ""},
		{"noise read for its shape only", then(
			onnxtest.Node{Op: "RandomUniformLike", Inputs: []string{"logits"}, Outputs: []string{"noise"}},
			onnxtest.Node{Op: "Shape", Inputs: []string{"noise"}, Outputs: []string{"shape"}},
			onnxtest.Node{Op: "Reshape", Inputs: []string{"logits", "shape"}, Outputs: []string{"scores"}}), ""},
		{"noise read for its shape and its values", then(
			onnxtest.Node{Op: "RandomUniformLike", Inputs: []string{"logits"}, Outputs: []string{"noise"}},
			onnxtest.Node{Op: "Shape", Inputs: []string{"noise"}, Outputs: []string{"shape"}},
			onnxtest.Node{Op: "Reshape", Inputs: []string{"noise", "shape"}, Outputs: []string{"scores"}}), "RandomUniformLike"},
		{"batch-norm in training mode", bn(1, map[string]int64{"training_mode": 1}), "BatchNormalization"},
		{"batch-norm in inference mode", bn(1, map[string]int64{"training_mode": 0}), ""},
		{"batch-norm with running statistics out (before opset 14)", bn(3, nil), "BatchNormalization"},
		{"batch-norm of one output", bn(1, nil), ""},
		{"dropout in training mode", then(
			onnxtest.Node{Op: "Dropout", Inputs: []string{"logits", "ratio", "training"}, Outputs: []string{"scores", "dropmask"}}), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseModel(tc.model.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			n := m.Unrepeatable("scores")
			got := ""
			if n != nil {
				got = n.Op
			}
			if got != tc.want {
				t.Errorf("found %q, want %q", got, tc.want)
			}
		})
	}
}
