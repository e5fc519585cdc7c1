package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestRangeCheck: a model whose input quantizer was calibrated on
// ImageNet-normalised images, given the default raw01, is refused with the
// presets that fill its range; inspect says so without failing; with
// --preprocessing-check=false the run goes on and every report warns; the
// right preset passes the check and records it.
func TestRangeCheck(t *testing.T) {
	model := writeModel(t, "int8.onnx", onnxtest.Quantized([]int64{-1, 3, 8, 8}, 10, 0.01865845, 114))
	common := []string{"--model", model, "--threads", "1", "--batch", "8"}
	run := func(dir string, extra ...string) result {
		return runMain(t, nil, append(append([]string{"run", "--max-evals", "200", "--threshold", "0.5", "--fail-on", "never", "--quiet", "--report-dir", dir}, common...), extra...)...)
	}

	r := run(t.TempDir())
	want := "fooltest: the model quantizes its input to [-2.13, 2.63] (QuantizeLinear), and this preprocessing (preset raw01) fills only 21% of that range where preset cifar10 (94%) or imagenet (93%) fills it"
	if r.code != exitcode.Usage || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "pass --preset cifar10 or --preset imagenet") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("raw01: exit %d, want 2 and one line starting %q\n%s", r.code, want, r.stderr)
	}

	r = runMain(t, nil, append([]string{"inspect"}, common...)...)
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "range       the graph quantizes its input to [-2.13, 2.63] (QuantizeLinear); this preprocessing fills 21% of it, --preset cifar10 94%, --preset imagenet 93%: the preprocessing looks wrong") {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir := t.TempDir()
	if r = run(dir, "--preprocessing-check=false"); r.code != exitcode.Pass {
		t.Fatalf("trusted: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		RangeCheck *struct {
			Via              string   `json:"via"`
			Fit              float64  `json:"fit"`
			SuggestedPresets []string `json:"suggested_presets"`
		} `json:"range_check"`
	}
	readReport(t, dir, &rep)
	if rc := rep.RangeCheck; rc == nil || rc.Via != "QuantizeLinear" || rc.Fit > 0.25 || strings.Join(rc.SuggestedPresets, ",") != "cifar10,imagenet" {
		t.Fatalf("report.json range_check %+v", rep.RangeCheck)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "fills only 21% of, and preset cifar10 or imagenet far better") || !strings.Contains(string(md), "| Input range filled | 21% (QuantizeLinear); preset cifar10 fills it far better |") {
		t.Fatalf("report.md does not warn:\n%s", md)
	}

	vars := actionWorkspace(t, map[string]string{
		"INPUT_MODEL":               model,
		"INPUT_MAX-EVALS":           "200",
		"INPUT_THRESHOLD":           "0.5",
		"INPUT_FAIL-ON":             "never",
		"INPUT_REPORT-DIR":          "rep",
		"INPUT_PREPROCESSING-CHECK": "false",
	})
	if r = runMain(t, vars); r.code != exitcode.Pass || !strings.Contains(r.stdout, "::warning title=fooltest%3A the preprocessing looks wrong::the model quantizes its input to a range that this preprocessing fills only 21%25 of, and preset cifar10 or imagenet far better") {
		t.Fatalf("Action, trusted: exit %d, want 0 and the warning\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir = t.TempDir()
	if r = run(dir, "--preset", "imagenet"); r.code != exitcode.Pass || strings.Contains(r.stdout, "looks wrong") {
		t.Fatalf("imagenet: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep.RangeCheck = nil
	readReport(t, dir, &rep)
	if rc := rep.RangeCheck; rc == nil || rc.Fit < 0.9 || len(rc.SuggestedPresets) != 0 {
		t.Fatalf("imagenet: report.json range_check %+v", rep.RangeCheck)
	}
}

// TestScalingCheck: a colour model whose graph divides its pixels by 255
// first (a Keras Rescaling layer), given the default raw01, is refused:
// its first layer would see values spanning 0.004.
func TestScalingCheck(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 32, 32, 3}, 10, "Softmax")
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "k", Data: []float32{255}})
	m.Nodes[0].Inputs = []string{"scaled"}
	m.Nodes = append([]onnxtest.Node{{Op: "Div", Inputs: []string{"image", "k"}, Outputs: []string{"scaled"}}}, m.Nodes...)
	model := writeModel(t, "rescaling.onnx", m)
	r := runMain(t, nil, "run", "--model", model, "--max-evals", "100", "--quiet", "--threads", "1", "--batch", "8", "--report-dir", t.TempDir())
	want := "fooltest: the model scales its input in its graph (Div, Flatten) before MatMul, and with this preprocessing (preset raw01) that layer gets values in [0, 0.00392], unlike normalised images, where preset raw255 gives [0, 1] and caffe gives"
	if r.code != exitcode.Usage || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "pass --preset raw255 or --preset caffe") {
		t.Fatalf("exit %d, want 2 and %q\n%s", r.code, want, r.stderr)
	}
	r = runMain(t, nil, "inspect", "--model", norm20, "--preset", "raw01", "--batch", "8", "--threads", "1")
	if !strings.Contains(r.stdout, "range       the graph scales its input (Div, Sub, Div) before Conv; with this preprocessing that layer gets [-0.424, -0.411], unlike normalised images; --preset raw255 [-0.424, 2.82]: the preprocessing looks wrong") {
		t.Fatalf("inspect mnist-20px-norm:\n%s%s", r.stdout, r.stderr)
	}
	// The check lets raw255 through; whatever the short search then
	// finds, the run is no refusal of the preprocessing.
	if r = runMain(t, nil, "run", "--model", model, "--preset", "raw255", "--max-evals", "100", "--fail-on", "never", "--quiet", "--threads", "1", "--batch", "8", "--report-dir", t.TempDir()); r.code == exitcode.Usage || strings.Contains(r.stderr, "scales its input") {
		t.Fatalf("raw255: exit %d\n%s", r.code, r.stderr)
	}
}
