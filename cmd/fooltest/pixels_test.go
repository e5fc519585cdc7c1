package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestPixelModel: a model that takes uint8 pixels gets raw255 by itself,
// says so, refuses another preprocessing with the fix, and is searched
// exactly as the float32 network it wraps is searched with raw255 (the
// search's images are on the byte grid, so the model sees the same
// numbers).
func TestPixelModel(t *testing.T) {
	models := filepath.Join("..", "..", "testdata", "models")
	u8 := filepath.Join(models, "mnist-20px-norm-u8.onnx")
	r := runMain(t, nil, "inspect", "--model", u8)
	if r.code != exitcode.Pass {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"uint8 (rounded from float32)", "raw255 (scale=255 mean=0 std=1): the model takes 8-bit pixels and normalises them itself", "97 of 100 MNIST test digits"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect does not say %q:\n%s", want, r.stdout)
		}
	}

	r = runMain(t, nil, "inspect", "--model", u8, "--preset", "mnist")
	const refusal = `fooltest: model input "input" takes 8-bit pixels (uint8, 0 to 255) and normalises them itself, so the preprocessing scale=1 mean=0.1307 std=0.3081 does not apply to it: omit --preset, --scale, --mean and --std, or pass --preset raw255` + "\n"
	if r.code != exitcode.Usage || r.stderr != refusal {
		t.Errorf("--preset mnist: exit %d, stderr\n%s\nwant exit %d and\n%s", r.code, r.stderr, exitcode.Usage, refusal)
	}

	type classOut struct {
		Confidence float64 `json:"confidence"`
		Evals      int64   `json:"evaluations_to_threshold"`
	}
	type reportOut struct {
		Evaluations int64 `json:"evaluations"`
		Model       struct {
			InputType string `json:"input_type"`
		} `json:"model"`
		Config struct {
			Preset string  `json:"preset"`
			Scale  float64 `json:"scale"`
		} `json:"config"`
		Classes []classOut `json:"classes"`
	}
	search := func(model string, extra ...string) reportOut {
		t.Helper()
		dir := t.TempDir()
		args := append([]string{"run", "--model", model, "--max-evals", "600", "--threshold", "0.9999", "--budget", "5m",
			"--threads", "1", "--batch", "8", "--seed", "3", "--quiet", "--report-dir", dir, "--format", "json"}, extra...)
		r := runMain(t, nil, args...)
		if r.code != exitcode.GateFailed {
			t.Fatalf("run %s: exit %d, want %d (fooled)\n%s%s", filepath.Base(model), r.code, exitcode.GateFailed, r.stdout, r.stderr)
		}
		var rep reportOut
		readReport(t, dir, &rep)
		return rep
	}
	got := search(u8)
	want := search(filepath.Join(models, "mnist-20px-norm.onnx"), "--preset", "raw255")
	if got.Model.InputType != "uint8" || got.Config.Preset != "raw255" || got.Config.Scale != 255 {
		t.Errorf("report.json says input type %q, preset %q, scale %v; want uint8, raw255, 255", got.Model.InputType, got.Config.Preset, got.Config.Scale)
	}
	if want.Model.InputType != "" {
		t.Errorf("a float32 model's report.json has input_type %q", want.Model.InputType)
	}
	if got.Evaluations != want.Evaluations || len(got.Classes) != len(want.Classes) {
		t.Fatalf("uint8 model: %d evaluations, %d classes; the float32 network: %d, %d", got.Evaluations, len(got.Classes), want.Evaluations, len(want.Classes))
	}
	for i := range got.Classes {
		if got.Classes[i] != want.Classes[i] {
			t.Errorf("class %d: uint8 model %+v, the float32 network %+v", i, got.Classes[i], want.Classes[i])
		}
	}

	// A colour model that takes pixels needs no preprocessing flag, so
	// the Action does not ask for one.
	colour := onnxtest.Classifier([]int64{-1, 8, 8, 3}, 10, "Softmax")
	colour.Inputs[0] = onnxtest.Value{Name: "pixels", Type: onnxtest.Uint8, Dims: []int64{-1, 8, 8, 3}}
	colour.Nodes = append([]onnxtest.Node{{Op: "Cast", Inputs: []string{"pixels"}, Outputs: []string{"image"}, Ints: map[string]int64{"to": onnxtest.Float}}}, colour.Nodes...)
	vars := actionWorkspace(t, map[string]string{
		"INPUT_MODEL":      writeModel(t, "pixels.onnx", colour),
		"INPUT_MAX-EVALS":  "200",
		"INPUT_THRESHOLD":  "0.5",
		"INPUT_FAIL-ON":    "never",
		"INPUT_REPORT-DIR": "rep",
	})
	r = runMain(t, vars)
	if r.code != exitcode.Pass || strings.Contains(r.stdout, "no preprocessing given") || !strings.Contains(r.stdout, "raw255") {
		t.Fatalf("Action on a colour model of uint8 pixels: exit %d, want 0, raw255 and no notice\n%s%s", r.code, r.stdout, r.stderr)
	}
}
