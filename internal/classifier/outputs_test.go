package classifier

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestSeveralScoreOutputs: among outputs shaped as class scores, the same
// scores twice open on the one a Softmax computes (or the first), and
// scores beside a vector of another width, as features are, are refused
// unless the graph or --output says which holds the classes.
func TestSeveralScoreOutputs(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	// with returns the classifier with more of its values as outputs,
	// listed before its scores: "flat" is the 64 pixels, "logits" the
	// scores before post.
	with := func(post string, first ...string) onnxtest.Model {
		m := onnxtest.Classifier(dims, 10, post)
		var outs []onnxtest.Value
		for _, name := range first {
			w := int64(10)
			if name == "flat" {
				w = 64
			}
			outs = append(outs, onnxtest.Value{Name: name, Type: onnxtest.Float, Dims: []int64{-1, w}})
		}
		m.Outputs = append(outs, m.Outputs...)
		return m
	}
	tests := []struct {
		name   string
		model  onnxtest.Model
		output string
		// want is the output read and k its classes; refused, when
		// set, is part of the refusal instead.
		want    string
		k       int
		refused string
	}{
		{"features before logits", with("", "flat"), "", "", 0, `"flat" [-1 64], "scores" [-1 10]`},
		{"features named", with("", "flat"), "flat", "flat", 64, ""},
		{"scores named", with("", "flat"), "scores", "scores", 10, ""},
		{"features before a softmax", with("Softmax", "flat"), "", "scores", 10, ""},
		{"logits before their softmax", with("Softmax", "logits"), "", "scores", 10, ""},
		{"features, logits and their softmax", with("Softmax", "flat", "logits"), "", "scores", 10, ""},
		{"the same width twice", onnxtest.Classifier(dims, 10, "").Then("Identity", nil), "", "scores", 10, ""},
		{"a TopK's values", topK(onnxtest.Classifier(dims, 10, "Softmax"), 3), "", "", 0, "values of a TopK"},
		{"a TopK's values named", topK(onnxtest.Classifier(dims, 10, "Softmax"), 3), "scores", "", 0, "values of a TopK"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Pixels in [0,1] are as ambiguous as sigmoid scores.
			c, err := OpenBytes("outputs.onnx", tc.model.Bytes(), Options{Threads: 1, Output: tc.output, OutputKind: Logits})
			if tc.refused != "" {
				if err == nil {
					c.Close()
					t.Fatalf("opened on %q; want a refusal", c.Info().Output)
				}
				if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingOutput || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("got %v, want a refusal naming %s", err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if info := c.Info(); info.Output != tc.want || info.Classes != tc.k {
				t.Fatalf("read %q, %d classes; want %q, %d", info.Output, info.Classes, tc.want, tc.k)
			}
		})
	}
}

// topK returns m with its scores replaced by their k highest values, as an
// export that ends in torch.topk (or torch.sort, which ONNX writes as a
// TopK) gives them, beside their class indices.
func topK(m onnxtest.Model, k int64) onnxtest.Model {
	m = m.Then("Identity", nil, onnxtest.Tensor{Name: "top_k", Dims: []int64{1}, Int64s: []int64{k}})
	last := &m.Nodes[len(m.Nodes)-1]
	last.Op, last.Inputs, last.Outputs = "TopK", append(last.Inputs, "top_k"), []string{"scores", "indices"}
	m.Outputs = []onnxtest.Value{{Name: "scores", Type: onnxtest.Float, Dims: []int64{-1, k}}, {Name: "indices", Type: onnxtest.Int64, Dims: []int64{-1, k}}}
	return m
}
