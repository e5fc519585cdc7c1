package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestZipMapModel: a model shaped as skl2onnx converts scikit-learn
// classifiers, whose only probability output is a ZipMap's sequence of
// maps, is inspected and searched like any other (it was refused with exit
// 2 before), says where its scores are read, and labels the report with
// the ZipMap's class labels.
func TestZipMapModel(t *testing.T) {
	names := []string{"circle", "square", "star"}
	model := filepath.Join(t.TempDir(), "sklearn.onnx")
	if err := os.WriteFile(model, onnxtest.ZipMapped([]int64{-1, 64}, len(names), names, nil, false).Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, nil, "inspect", "--model", model)
	if r.code != exitcode.Pass {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{`"probabilities" [-1 3]: 3 classes`, `ZipMap of output "output_probability"`, "the model's ZipMap class labels"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect does not say %q:\n%s", want, r.stdout)
		}
	}

	// Its scores grow with brightness and cap class 2 ("star") at 0.665.
	out := t.TempDir()
	r = runMain(t, nil, "run", "--model", model, "--max-evals", "2000", "--threshold", "0.6",
		"--threads", "1", "--seed", "1", "--quiet", "--report-dir", out)
	if r.code != exitcode.GateFailed {
		t.Fatalf("run: exit %d, want %d (fooled)\n%s%s", r.code, exitcode.GateFailed, r.stdout, r.stderr)
	}
	got := reportLabels(t, out)
	for _, n := range names {
		if !strings.Contains(strings.Join(got, ","), n) {
			t.Fatalf("report.json labels %q, want the ZipMap's %q", got, names)
		}
	}
}
