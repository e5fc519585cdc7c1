package classifier

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestMultiLabel: the logits of independent classes give each class its own
// sigmoid, whether the user says so or the model's configuration does;
// with the configuration's word alone, the graph's Softmax or Sigmoid and
// values in [0,1] still decide.
func TestMultiLabel(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	const says = "problem_type multi_label_classification in config.json"
	tests := []struct {
		name  string
		model onnxtest.Model
		opts  Options
		kind  OutputKind
		// evidence is part of KindEvidence.
		evidence string
	}{
		{"set by the user", onnxtest.Classifier(dims, 4, ""), Options{OutputKind: MultiLabelLogits}, MultiLabelLogits, "set by the user"},
		{"from the configuration", onnxtest.Classifier(dims, 4, ""), Options{MultiLabel: says}, MultiLabelLogits, says + ", and values in"},
		{"a Sigmoid node", onnxtest.Classifier(dims, 4, "Sigmoid"), Options{MultiLabel: says}, Sigmoid, "computed by a Sigmoid node; " + says},
		{"a Softmax node", onnxtest.Classifier(dims, 4, "Softmax"), Options{MultiLabel: says}, Probabilities, "computed by a Softmax node, although " + says},
		{"scores in [0,1]", onnxtest.Classifier(dims, 4, "").Scaled(0.2), Options{MultiLabel: says}, Sigmoid, says},
		{"without the configuration", onnxtest.Classifier(dims, 4, ""), Options{}, Logits, "outside [0,1]"},
	}
	const n = 9
	imgs := strokes(rand.New(rand.NewPCG(3, 4)), n, 8, 8)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Threads = 1
			c, err := OpenBytes(tc.name, tc.model.Bytes(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			info := c.Info()
			if info.OutputKind != tc.kind || !strings.Contains(info.KindEvidence, tc.evidence) {
				t.Fatalf("kind %s (%s), want %s (%s)", info.OutputKind, info.KindEvidence, tc.kind, tc.evidence)
			}
			if tc.kind != MultiLabelLogits {
				return
			}
			conf := make([]float32, n*4)
			if err := c.Score(imgs, n, conf); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				var mean float64
				for _, v := range imgs[i*64 : (i+1)*64] {
					mean += float64(v) / 64
				}
				for j := range 4 {
					want := 1 / (1 + math.Exp(-mean*float64(j+1)))
					if d := math.Abs(float64(conf[i*4+j]) - want); d > 1e-5 {
						t.Fatalf("image %d class %d: %v, want the sigmoid of its logit, %v", i, j, conf[i*4+j], want)
					}
				}
			}
		})
	}

	// Logits that stay in [0,1] cap each sigmoid at that of the highest.
	c := openModel(t, onnxtest.Classifier(dims, 4, "").Scaled(0.2), Options{OutputKind: MultiLabelLogits})
	hi := float64(c.Info().OutputRange[1])
	if got, want := c.Ceiling(), 1/(1+math.Exp(-hi)); math.Abs(got-want) > 1e-9 || hi > 1 {
		t.Fatalf("ceiling %v, want the sigmoid of the highest logit %v, %v", got, hi, want)
	}
}
