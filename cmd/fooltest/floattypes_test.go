package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestFloat16Model: a model whose input and scores are float16 is
// inspected and searched like any other, and says so: inspect names the
// types and the casts and composes the scaling in its graph, inspect --json carries them, and a run fools it and
// fails the gate.
func TestFloat16Model(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "models", "mnist-20px-norm-fp16.onnx")
	r := runMain(t, nil, "inspect", "--model", model, "--preset", "raw255")
	if r.code != exitcode.Pass {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The range line reads the graph's float16 constants as the other
	// float types' float32 ones.
	for _, want := range []string{"float16 (cast from float32)", "float16 (cast to float32)", "97 of 100 MNIST test digits",
		"range       the graph scales its input (Div, Sub, Div) before Conv; with this preprocessing that layer gets [-0.424, 2.82]\n"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect does not say %q:\n%s", want, r.stdout)
		}
	}

	r = runMain(t, nil, "inspect", "--model", model, "--preset", "raw255", "--json")
	var info struct {
		Input      string `json:"input"`
		InputType  string `json:"input_type"`
		OutputType string `json:"output_type"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &info); err != nil {
		t.Fatalf("inspect --json: %v\n%s", err, r.stdout)
	}
	if info.Input != "input" || info.InputType != "float16" || info.OutputType != "float16" {
		t.Errorf("inspect --json = %+v, want input \"input\", float16 in and out", info)
	}

	out := t.TempDir()
	r = runMain(t, nil, "run", "--model", model, "--preset", "raw255", "--max-evals", "3000", "--threshold", "0.9",
		"--threads", "1", "--seed", "1", "--quiet", "--report-dir", out)
	if r.code != exitcode.GateFailed {
		t.Fatalf("run: exit %d, want %d (fooled)\n%s%s", r.code, exitcode.GateFailed, r.stdout, r.stderr)
	}
}
