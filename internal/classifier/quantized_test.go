package classifier

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestQuantizedScores opens models whose class scores are 8-bit levels of
// a QuantizeLinear (uint8 from 0, int8 from -128): the classifier reads
// them dequantized, as the levels stand for, within half a level of the
// float probabilities, says so, caps the confidence at the top level, and
// refuses 8-bit scores it cannot dequantize.
func TestQuantizedScores(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	imgs := make([]float32, 40*64)
	for i := range imgs {
		imgs[i] = float32(i%97) / 96
	}
	float := openModel(t, onnxtest.Classifier(dims, 10, "Softmax"), Options{Batch: 8})
	want := make([]float32, 40*10)
	if err := float.Score(imgs, 40, want); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		zp     int8
		signed bool
		typ    string
	}{
		{"uint8 from 0", 0, false, "uint8"},
		{"int8 from -128", -128, true, "int8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const scale = 1.0 / 256
			c := openModel(t, onnxtest.QuantizedScores(dims, 10, scale, tc.zp, tc.signed), Options{Batch: 8})
			i := c.Info()
			if i.OutputType != tc.typ || i.OutputKind != Probabilities || !strings.Contains(i.KindEvidence, "Softmax") || !strings.Contains(i.OutputLevels, "scale 0.00390625") {
				t.Fatalf("info: type %s, kind %s (%s), levels %q", i.OutputType, i.OutputKind, i.KindEvidence, i.OutputLevels)
			}
			if got := c.ScoreCap(); got != 255*scale {
				t.Fatalf("ScoreCap %v, want %v", got, 255*scale)
			}
			got := make([]float32, 40*10)
			if err := c.Score(imgs, 40, got); err != nil {
				t.Fatal(err)
			}
			for j := range got {
				level := float64(got[j]) / scale
				if math.Abs(level-math.Round(level)) > 1e-3 || math.Abs(float64(got[j]-want[j])) > scale/2+1e-6 {
					t.Fatalf("score %d: %v, float probability %v: not the nearest level", j, got[j], want[j])
				}
			}
		})
	}

	// 8-bit scores that no QuantizeLinear computes.
	cast := onnxtest.Classifier(dims, 10, "Softmax")
	cast.Nodes[len(cast.Nodes)-1].Outputs = []string{"probs"}
	cast.Nodes = append(cast.Nodes, onnxtest.Node{Op: "Cast", Inputs: []string{"probs"}, Outputs: []string{"scores"}, Ints: map[string]int64{"to": onnxtest.Uint8}})
	cast.Outputs[0].Type = onnxtest.Uint8
	_, err := OpenBytes("cast.onnx", cast.Bytes(), Options{Batch: 8, Threads: 1})
	if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "dequantize the scores in the graph (DequantizeLinear)") {
		t.Fatalf("uint8 scores of a Cast: %v", err)
	}
}
