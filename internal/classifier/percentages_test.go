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

// TestPercentages: scores that are probabilities times 100 give each class
// its score over 100, the confidences of the same model without the
// factor, whether auto finds them or the user says so; rows of another
// constant sum are refused, as no reading of them is safe to guess.
func TestPercentages(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	probs := onnxtest.Classifier(dims, 5, "Softmax")
	const n = 9
	imgs := strokes(rand.New(rand.NewPCG(5, 6)), n, 8, 8)
	want := make([]float32, n*5)
	if err := openModel(t, probs, Options{}).Score(imgs, n, want); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		model    onnxtest.Model
		opts     Options
		evidence string
	}{
		{"detected", probs.Scaled(100), Options{}, "rows sum to 100.00–100.00"},
		{"set by the user", probs.Scaled(100), Options{OutputKind: Percentages}, "set by the user"},
		{"behind a reshape", probs.Scaled(100).Then("Flatten", nil), Options{}, "rows sum to"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := openModel(t, tc.model, tc.opts)
			if info := c.Info(); info.OutputKind != Percentages || !strings.Contains(info.KindEvidence, tc.evidence) {
				t.Fatalf("kind %s (%s), want %s (%s)", info.OutputKind, info.KindEvidence, Percentages, tc.evidence)
			}
			got := make([]float32, n*5)
			if err := c.Score(imgs, n, got); err != nil {
				t.Fatal(err)
			}
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-6 {
					t.Fatalf("confidence %d: %v, want %v as without the factor", i, got[i], want[i])
				}
			}
			if c.Ceiling() != 1 {
				t.Fatalf("ceiling %v, want 1", c.Ceiling())
			}
		})
	}

	// Probabilities read as percentages stay a hundredth of what they
	// are: the ceiling says so, for the run to refuse.
	c := openModel(t, probs, Options{OutputKind: Percentages})
	if hi := float64(c.Info().OutputRange[1]); c.Ceiling() != hi/100 || hi > 1 {
		t.Fatalf("probabilities as percentages: ceiling %v, want %v", c.Ceiling(), hi/100)
	}

	for _, factor := range []float32{255, 10} {
		_, err := OpenBytes("scaled.onnx", probs.Scaled(factor).Bytes(), Options{Threads: 1})
		if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingOutputKind || !strings.Contains(err.Error(), "every row sums to") {
			t.Fatalf("probabilities times %v: got %v, want a refusal that names the rows' sum", factor, err)
		}
	}

	// Two heads' probabilities joined sum to 2: refused as no one
	// classifier's scores, naming the Concat.
	joined := onnxtest.Classifier(dims, 5, "Softmax")
	joined.Nodes = append([]onnxtest.Node(nil), joined.Nodes...)
	last := &joined.Nodes[len(joined.Nodes)-1]
	last.Outputs = []string{"probs"}
	joined.Nodes = append(joined.Nodes, onnxtest.Node{Op: "Concat", Inputs: []string{"probs", "probs"}, Outputs: []string{"scores"}, Ints: map[string]int64{"axis": 1}})
	joined.Outputs = []onnxtest.Value{{Name: "scores", Type: onnxtest.Float, Dims: []int64{-1, 10}}}
	_, err := OpenBytes("joined.onnx", joined.Bytes(), Options{Threads: 1})
	if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingOutput || !strings.Contains(err.Error(), "as 2 groups of probabilities joined do") {
		t.Fatalf("two softmaxes joined: got %v, want a refusal that names the groups", err)
	}
}
