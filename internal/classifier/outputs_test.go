package classifier

import (
	"errors"
	"fmt"
	"slices"
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
		// others are the outputs of other widths passed over, joined.
		others string
	}{
		{"features before logits", with("", "flat"), "", "", 0, `"flat" [-1 64], "scores" [-1 10]`, ""},
		{"features named", with("", "flat"), "flat", "flat", 64, "", `"scores" [-1 10]`},
		{"scores named", with("", "flat"), "scores", "scores", 10, "", `"flat" [-1 64]`},
		{"scores named beside their logits", with("Softmax", "logits"), "scores", "scores", 10, "", ""},
		{"features before a softmax", with("Softmax", "flat"), "", "scores", 10, "", `"flat" [-1 64]`},
		{"logits before their softmax", with("Softmax", "logits"), "", "scores", 10, "", ""},
		{"features, logits and their softmax", with("Softmax", "flat", "logits"), "", "scores", 10, "", `"flat" [-1 64]`},
		{"the same width twice", onnxtest.Classifier(dims, 10, "").Then("Identity", nil), "", "scores", 10, "", ""},
		{"a TopK's values", topK(onnxtest.Classifier(dims, 10, "Softmax"), 3), "", "", 0, "values of a TopK", ""},
		{"a TopK's values named", topK(onnxtest.Classifier(dims, 10, "Softmax"), 3), "scores", "", 0, "values of a TopK", ""},
		// One score per image beside the scores: a summary of them (their
		// maximum) is passed over, a sigmoid's is a binary classifier's
		// unless the wider output is scores too.
		{"a maximum beside raw scores", withHead(dims, "", ""), "", "scores", 10, "", `"head" [-1 1]`},
		{"a sigmoid beside raw scores", withHead(dims, "", "Sigmoid"), "", "", 0, `a Sigmoid computes ("head" [-1 1]) beside outputs of several values per image that no Softmax, LogSoftmax or Sigmoid computes ("scores" [-1 10])`, ""},
		{"a sigmoid named", withHead(dims, "", "Sigmoid"), "head", "head", 2, "", `"scores" [-1 10]`},
		{"raw scores named beside a sigmoid", withHead(dims, "", "Sigmoid"), "scores", "scores", 10, "", `"head" [-1 1]`},
		{"a sigmoid named beside another", secondHead(withHead(dims, "Softmax", "Sigmoid")), "head2", "head2", 2, "", `"head" [-1 1], "scores" [-1 10]`},
		{"a sigmoid beside a softmax", withHead(dims, "Softmax", "Sigmoid"), "", "scores", 10, "", `"head" [-1 1]`},
		// Each may be the classifier the user means: the refusal names
		// them all (a hand's presence and its handedness).
		{"two sigmoids beside raw scores", secondHead(withHead(dims, "", "Sigmoid")), "", "", 0, `2 outputs of one score per image that a Sigmoid computes ("head" [-1 1], "head2" [-1 1])`, ""},
		{"two sigmoids beside a softmax", secondHead(withHead(dims, "Softmax", "Sigmoid")), "", "scores", 10, "", `"head" [-1 1], "head2" [-1 1]`},
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
				// An output named, with no other to pick, or no output
				// of class scores at all, leaves the model's export to
				// fix.
				want := SettingOutput
				if tc.output != "" || strings.HasPrefix(tc.name, "a TopK") {
					want = SettingModel
				}
				if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != want || !strings.Contains(err.Error(), tc.refused) {
					t.Fatalf("got %v, want a refusal naming %s", err, tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if info := c.Info(); info.Output != tc.want || info.Classes != tc.k || strings.Join(info.OtherScoreOutputs, ", ") != tc.others {
				t.Fatalf("read %q, %d classes, passing over %q; want %q, %d, passing over %q", info.Output, info.Classes, info.OtherScoreOutputs, tc.want, tc.k, tc.others)
			}
		})
	}
}

// withHead returns a classifier of 10 classes (post as in
// onnxtest.Classifier) with a first output "head" of one value per image:
// the maximum of its logits, through headPost when not empty.
func withHead(dims []int64, post, headPost string) onnxtest.Model {
	m := onnxtest.Classifier(dims, 10, post)
	logits := m.Nodes[1].Outputs[0]
	if post == "" {
		// The scores are the logits: take the maximum of a copy.
		m.Nodes = append(m.Nodes, onnxtest.Node{Op: "Identity", Inputs: []string{"scores"}, Outputs: []string{"logits_copy"}})
		logits = "logits_copy"
	}
	max := onnxtest.Node{Op: "ReduceMax", Inputs: []string{logits}, Outputs: []string{"head"}, IntLists: map[string][]int64{"axes": {1}}, Ints: map[string]int64{"keepdims": 1}}
	if headPost != "" {
		max.Outputs = []string{"head_max"}
		m.Nodes = append(m.Nodes, max, onnxtest.Node{Op: headPost, Inputs: []string{"head_max"}, Outputs: []string{"head"}})
	} else {
		m.Nodes = append(m.Nodes, max)
	}
	m.Outputs = append([]onnxtest.Value{{Name: "head", Type: onnxtest.Float, Dims: []int64{-1, 1}}}, m.Outputs...)
	return m
}

// secondHead returns m, made by withHead with a headPost, with a second
// output "head2" of one value per image: the same operator on the same
// maximum.
func secondHead(m onnxtest.Model) onnxtest.Model {
	post := m.Nodes[len(m.Nodes)-1]
	m.Nodes = append(m.Nodes, onnxtest.Node{Op: post.Op, Inputs: post.Inputs, Outputs: []string{"head2"}})
	m.Outputs = append(m.Outputs[:1:1], append([]onnxtest.Value{{Name: "head2", Type: onnxtest.Float, Dims: []int64{-1, 1}}}, m.Outputs[1:]...)...)
	return m
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

// TestNoScoresSetting: a model with no output of class scores is refused
// naming the model, not --output, however many outputs it has: none is
// there to pick, and the model itself is no classifier (a text reader's scores per character
// position, shaped [N,T,K]).
func TestNoScoresSetting(t *testing.T) {
	seq := onnxtest.Model{
		Inputs:       []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: []int64{-1, 1, 4, 8}}},
		Outputs:      []onnxtest.Value{{Name: "chars", Type: onnxtest.Float, Dims: []int64{-1, -1, 8}}},
		Nodes:        []onnxtest.Node{{Op: "Squeeze", Inputs: []string{"image", "axes"}, Outputs: []string{"chars"}}},
		Initializers: []onnxtest.Tensor{{Name: "axes", Dims: []int64{1}, Int64s: []int64{1}}},
	}
	two := seq
	two.Outputs = append(slices.Clone(seq.Outputs), onnxtest.Value{Name: "chars2", Type: onnxtest.Float, Dims: []int64{-1, -1, 8}})
	two.Nodes = append(slices.Clone(seq.Nodes), onnxtest.Node{Op: "Identity", Inputs: []string{"chars"}, Outputs: []string{"chars2"}})
	// Too many rows for a reader's characters: a detector's boxes.
	boxes := two
	boxes.Inputs = []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: []int64{-1, 1, 40, 8}}}
	boxes.Outputs = []onnxtest.Value{{Name: "chars", Type: onnxtest.Float, Dims: []int64{-1, 40, 8}}, {Name: "chars2", Type: onnxtest.Float, Dims: []int64{-1, 40, 8}}}
	for _, tc := range []struct {
		name   string
		model  onnxtest.Model
		output string
		want   fault.Setting
		says   string
	}{
		{"one output", seq, "", SettingModel, "no output of class scores"},
		{"two outputs", two, "", SettingModel, "no output of class scores"},
		// Named by --output, with no other to pick instead: telling the
		// user to pick one would send them round again.
		{"two outputs, one named", two, "chars", SettingModel, "; export one head's scores as an output of its own (setting"},
		{"a detector's outputs, one named", boxes, "chars", SettingModel, "as a detector's boxes or a segmentation map give them, where an image classifier gives one score per class ([N,K]); no output of this model holds one score per class"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes("seq.onnx", tc.model.Bytes(), Options{Threads: 1, Output: tc.output})
			if err == nil {
				c.Close()
				t.Fatal("opened; want a refusal")
			}
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != tc.want || !strings.Contains(fmt.Sprintf("%v (setting %q)", err, fault.SettingOf(err)), tc.says) {
				t.Fatalf("got %v (setting %q), want a refusal naming setting %q", err, fault.SettingOf(err), tc.want)
			}
		})
	}
}

// TestSpreadOutputs: an output with scores along several axes beside the
// class scores (a plate reader's characters beside its colour) is named as
// not searched, so that the user knows the gate speaks for one head.
func TestSpreadOutputs(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 8, 8}, 5, "")
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "chars_shape", Dims: []int64{3}, Int64s: []int64{-1, 4, 16}})
	m.Nodes = append(m.Nodes, onnxtest.Node{Op: "Reshape", Inputs: []string{"flat", "chars_shape"}, Outputs: []string{"chars"}})
	m.Outputs = append([]onnxtest.Value{{Name: "chars", Type: onnxtest.Float, Dims: []int64{-1, 4, 16}}}, m.Outputs...)
	c, err := OpenBytes("plate.onnx", m.Bytes(), Options{Threads: 1, OutputKind: Logits})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if info := c.Info(); info.Output != "scores" || !slices.Equal(info.SpreadOutputs, []string{`"chars" [-1 4 16]`}) {
		t.Fatalf("read %q, not searched %q; want \"scores\", not searched \"chars\" [-1 4 16]", info.Output, info.SpreadOutputs)
	}
	// Named by the user, the class scores are read as before, and the
	// other head is still named as not searched.
	named, err := OpenBytes("plate.onnx", m.Bytes(), Options{Threads: 1, Output: "scores", OutputKind: Logits})
	if err != nil {
		t.Fatal(err)
	}
	defer named.Close()
	if info := named.Info(); info.Output != "scores" || !slices.Equal(info.SpreadOutputs, []string{`"chars" [-1 4 16]`}) {
		t.Fatalf("--output scores: read %q, not searched %q; want \"scores\", not searched \"chars\" [-1 4 16]", info.Output, info.SpreadOutputs)
	}
	// Asked for by name, it is refused with the output to pick instead.
	_, err = OpenBytes("plate.onnx", m.Bytes(), Options{Threads: 1, Output: "chars"})
	if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingOutput || !strings.Contains(err.Error(), `4 heads of 16 classes each`) || !strings.Contains(err.Error(), `; the model's class scores: "scores" [-1 5]`) {
		t.Fatalf("--output chars: %v, want a refusal naming the heads and \"scores\"", err)
	}
}
