package classifier

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestLocalFunctions opens, through the real runtime, models whose
// operators sit inside model-local functions, as PyTorch 2's dynamo
// exporter and onnxscript write them, each beside the same model with
// those operators in the main graph: every check that reads the graph
// decides the same for both.
func TestLocalFunctions(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	joined := onnxtest.Classifier(dims, 5, "Softmax")
	joined.Nodes[2].Outputs = []string{"probs"}
	joined.Nodes = append(joined.Nodes, onnxtest.Node{Op: "Concat", Inputs: []string{"probs", "probs"}, Outputs: []string{"scores"}, Ints: map[string]int64{"axis": 1}})
	joined.Outputs = []onnxtest.Value{{Name: "scores", Type: onnxtest.Float, Dims: []int64{-1, 10}}}
	sigmoid := onnxtest.Classifier(dims, 4, "Sigmoid")
	inputQuant := onnxtest.Quantized([]int64{-1, 3, 8, 8}, 10, 0.01865845, 114)
	scoresQuant := onnxtest.QuantizedScores(dims, 10, 1.0/256, 0, false)
	raw01, err := Preset("raw01")
	if err != nil {
		t.Fatal(err)
	}
	refused := func(setting fault.Setting, says string) func(*testing.T, *Classifier, error) {
		return func(t *testing.T, _ *Classifier, err error) {
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != setting || !strings.Contains(err.Error(), says) {
				t.Fatalf("got %v, want a refusal of --%s saying %q", err, setting, says)
			}
		}
	}
	opened := func(check func(*testing.T, Info)) func(*testing.T, *Classifier, error) {
		return func(t *testing.T, c *Classifier, err error) {
			if err != nil {
				t.Fatal(err)
			}
			check(t, c.Info())
		}
	}
	kind := func(k OutputKind, evidence string) func(*testing.T, *Classifier, error) {
		return opened(func(t *testing.T, i Info) {
			if i.OutputKind != k || !strings.Contains(i.KindEvidence, evidence) {
				t.Fatalf("kind %s (%s), want %s (%s)", i.OutputKind, i.KindEvidence, k, evidence)
			}
		})
	}
	inputRange := opened(func(t *testing.T, i Info) {
		r := i.InputRange
		if r == nil || r.Via != "QuantizeLinear" || r.RangeString() != "[-2.13, 2.63]" || !r.Mismatch() {
			t.Fatalf("input range %+v, want the quantizer's, which raw01 does not fill", r)
		}
	})
	levels := opened(func(t *testing.T, i Info) {
		if i.OutputType != "uint8" || i.OutputKind != Probabilities || !strings.Contains(i.OutputLevels, "scale 0.00390625 and zero point 0") {
			t.Fatalf("type %s, kind %s, levels %q", i.OutputType, i.OutputKind, i.OutputLevels)
		}
	})
	tests := []struct {
		name string
		// plain has the operators in the main graph, inFunction in a
		// function.
		plain, inFunction onnxtest.Model
		opts              Options
		check             func(*testing.T, *Classifier, error)
	}{
		{"a TopK", topK(onnxtest.Classifier(dims, 10, "Softmax"), 3), topK(onnxtest.Classifier(dims, 10, "Softmax"), 3).InFunction("TopKHead", 2, 4, true), Options{},
			refused(SettingModel, "holds the values of a TopK")},
		{"an input QuantizeLinear", inputQuant, inputQuant.InFunction("InputQuant", 0, 1, false), Options{Normalization: raw01, Batch: 8}, inputRange},
		{"an input QuantizeLinear and its constants", inputQuant, inputQuant.InFunction("InputQuant", 0, 2, true), Options{Normalization: raw01, Batch: 8}, inputRange},
		{"a uint8 output's QuantizeLinear", scoresQuant, scoresQuant.InFunction("QSoft", 2, 4, false), Options{Batch: 8}, levels},
		{"a uint8 output's QuantizeLinear and its constants", scoresQuant, scoresQuant.InFunction("QSoft", 3, 4, true), Options{Batch: 8}, levels},
		{"a Sigmoid", sigmoid, sigmoid.InFunction("SigmoidHead", 2, 3, false), Options{}, kind(Sigmoid, "computed by a Sigmoid node")},
		{"a binary Sigmoid", onnxtest.Classifier(dims, 1, "Sigmoid"), onnxtest.Classifier(dims, 1, "Sigmoid").InFunction("BinHead", 2, 3, false), Options{}, kind(Sigmoid, "")},
		{"a Sigmoid two functions deep", sigmoid, sigmoid.InFunction("SigmoidHead", 2, 3, false).InFunction("Body", 1, 3, false), Options{}, kind(Sigmoid, "computed by a Sigmoid node")},
		{"two softmax heads joined", joined, joined.InFunction("TwoHeads", 2, 4, false), Options{}, refused(SettingOutput, "as 2 groups of probabilities joined do")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range []onnxtest.Model{tc.plain, tc.inFunction} {
				opts := tc.opts
				opts.Threads = 1
				c, err := OpenBytes("fn.onnx", m.Bytes(), opts)
				if c != nil {
					defer c.Close()
				}
				tc.check(t, c, err)
			}
		})
	}
}
