package main

import (
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestQuantizedScores: a model whose class scores are uint8 levels says
// how it reads them, and refuses a threshold above its top level, which
// no image could reach, rather than pass the model untested.
func TestQuantizedScores(t *testing.T) {
	model := writeModel(t, "qscores.onnx", onnxtest.QuantizedScores([]int64{-1, 1, 8, 8}, 10, 1.0/256, 0, false))
	common := []string{"--model", model, "--threads", "1", "--batch", "8"}
	r := runMain(t, nil, append([]string{"inspect"}, common...)...)
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, `"scores" [-1 10]: 10 classes, probabilities (detected: computed by a Softmax node), uint8 dequantized with scale 0.00390625 and zero point 0: levels 0.00390625 apart, at most 0.996094`) {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runMain(t, nil, append([]string{"run", "--threshold", "0.999", "--max-evals", "100", "--quiet", "--report-dir", t.TempDir()}, common...)...)
	want := `fooltest: model output "scores" holds 8-bit scores (dequantized with scale 0.00390625 and zero point 0: levels 0.00390625 apart, at most 0.996094), so no image can reach the threshold 0.999: give a --threshold of at most 0.996094` + "\n"
	if r.code != exitcode.Usage || r.stderr != want {
		t.Fatalf("threshold 0.999: exit %d, stderr\n%s\nwant\n%s", r.code, r.stderr, want)
	}
	r = runMain(t, nil, append([]string{"run", "--threshold", "0.5", "--max-evals", "300", "--fail-on", "never", "--quiet", "--report-dir", t.TempDir()}, common...)...)
	if r.code != exitcode.Pass {
		t.Fatalf("threshold 0.5: exit %d\n%s", r.code, r.stderr)
	}
}
