package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestBinaryModel: a binary classifier with one sigmoid score per image
// (refused with exit 2 before, as a single class) is inspected as two
// classes, the score and its complement, and a run searches both and fails
// the gate.
func TestBinaryModel(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "binary.onnx")
	if err := os.WriteFile(model, onnxtest.Classifier([]int64{-1, 3, 8, 8}, 1, "Sigmoid").Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	labels := filepath.Join(dir, "labels.txt")
	if err := os.WriteFile(labels, []byte("no defect\ndefect\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, nil, "inspect", "--model", model, "--labels", labels)
	if r.code != exitcode.Pass {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if want := "2 classes, one score per image (class 1: the score, class 0: its complement), sigmoid"; !strings.Contains(r.stdout, want) {
		t.Errorf("inspect does not say %q:\n%s", want, r.stdout)
	}
	// The score is the sigmoid of the mean pixel, from 0.5 to 0.731, so
	// only class 1 can pass 0.7.
	r = runMain(t, nil, "run", "--model", model, "--labels", labels, "--max-evals", "2000", "--threshold", "0.7",
		"--threads", "1", "--seed", "1", "--quiet", "--report-dir", filepath.Join(dir, "report"))
	if r.code != exitcode.GateFailed {
		t.Fatalf("run: exit %d, want %d (fooled)\n%s%s", r.code, exitcode.GateFailed, r.stdout, r.stderr)
	}
	for _, want := range []string{"no defect", "defect", "1 of 2 target classes fooled"} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("run does not say %q:\n%s%s", want, r.stdout, r.stderr)
		}
	}
	// The reports say it too: class 0's confidence is no score the model
	// printed.
	for file, want := range map[string]string{
		"report.json": `"binary_output": true`,
		"report.md":   "class 0's is 1 − the score",
		"report.html": "class 0&#39;s is 1 − the score",
	} {
		b, err := os.ReadFile(filepath.Join(dir, "report", file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want) {
			t.Errorf("%s does not say %q", file, want)
		}
	}
}
