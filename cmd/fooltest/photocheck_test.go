package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestPhotoCheck: a model made for mean-subtracted 0..255 pixels, as Caffe's
// were, given the default raw01, gives every photo nearly the same scores;
// before the check a run searched it on inputs it could hardly tell apart
// and passed it. Now the run is refused with the presets that set the
// photos apart; inspect says so without failing; with
// --preprocessing-check=false the run goes on and every report warns; the
// right preset passes the check and records its spread.
func TestPhotoCheck(t *testing.T) {
	model := writeModel(t, "caffe.onnx", onnxtest.MeanSubtracted(32, 32, 10))
	common := []string{"--model", model, "--threads", "1", "--batch", "8"}
	run := func(dir string, extra ...string) result {
		return runMain(t, nil, append(append([]string{"run", "--max-evals", "300", "--fail-on", "never", "--quiet", "--report-dir", dir}, common...), extra...)...)
	}

	r := run(t.TempDir())
	want := "fooltest: the model gives 6 very different photos (a cat, coffee, a rocket, a portrait, grass, bricks) nearly the same scores with this preprocessing (preset raw01: spread 0.0"
	if r.code != exitcode.Usage || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "pass --preset raw255 or --preset caffe") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("raw01: exit %d, want 2 and one line starting %q\n%s", r.code, want, r.stderr)
	}

	r = runMain(t, nil, append([]string{"inspect"}, common...)...)
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "photos      the scores of 6 natural photos spread 0.0") || !strings.Contains(r.stdout, "with --preset raw255 or --preset caffe: the preprocessing looks wrong") {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir := t.TempDir()
	if r = run(dir, "--preprocessing-check=false"); r.code != exitcode.Pass {
		t.Fatalf("trusted: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		PhotoCheck *struct {
			Photos           int      `json:"photos"`
			Spread           float64  `json:"spread"`
			SuggestedPresets []string `json:"suggested_presets"`
			SuggestedSpread  float64  `json:"suggested_spread"`
		} `json:"photo_check"`
	}
	readReport(t, dir, &rep)
	if p := rep.PhotoCheck; p == nil || p.Photos != 6 || p.Spread >= 0.05 || strings.Join(p.SuggestedPresets, ",") != "raw255,caffe" || p.SuggestedSpread < 0.5 {
		t.Fatalf("report.json photo_check %+v", rep.PhotoCheck)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "the model gave 6 very different photos nearly the same scores") || !strings.Contains(string(md), "| Photos told apart | 0.0") {
		t.Fatalf("report.md does not warn:\n%s", md)
	}

	vars := actionWorkspace(t, map[string]string{
		"INPUT_MODEL":               model,
		"INPUT_MAX-EVALS":           "300",
		"INPUT_FAIL-ON":             "never",
		"INPUT_REPORT-DIR":          "rep",
		"INPUT_PREPROCESSING-CHECK": "false",
	})
	if r = runMain(t, vars); r.code != exitcode.Pass || !strings.Contains(r.stdout, "::warning title=fooltest%3A the preprocessing looks wrong::with this preprocessing the model gave very different photos nearly the same scores, and with preset raw255 or caffe far different ones") {
		t.Fatalf("Action, trusted: exit %d, want 0 and the warning\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir = t.TempDir()
	if r = run(dir, "--preset", "raw255"); r.code != exitcode.Pass || strings.Contains(r.stdout, "looks wrong") {
		t.Fatalf("raw255: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rep.PhotoCheck = nil
	readReport(t, dir, &rep)
	if p := rep.PhotoCheck; p == nil || p.Spread < 0.5 || len(p.SuggestedPresets) != 0 {
		t.Fatalf("raw255: report.json photo_check %+v", rep.PhotoCheck)
	}
}

// TestPhotoCheckDefaulted: photos that collapse with fooltest's default
// preprocessing, which nothing gave, and that no preset spreads, as a
// spectrogram classifier's given [0, 1] do, are refused with the flag that
// confirms the default; given by the user, the same preprocessing runs.
func TestPhotoCheckDefaulted(t *testing.T) {
	// Weights so small that no preset moves the scores from an even
	// split.
	model := writeModel(t, "flat.onnx", onnxtest.Classifier([]int64{-1, 3, 16, 16}, 5, "").Scaled(1e-7).Then("Softmax", nil))
	run := func(extra ...string) result {
		return runMain(t, nil, append([]string{"run", "--model", model, "--threads", "1", "--max-evals", "50", "--fail-on", "never", "--quiet", "--report-dir", t.TempDir()}, extra...)...)
	}
	r := run()
	if r.code != exitcode.Usage || !strings.Contains(r.stderr, "nearly the same scores with fooltest's default preprocessing (preset raw01: spread 0.0") || !strings.HasSuffix(strings.TrimSpace(r.stderr), "pass --preset raw01 (or the model's own --scale, --mean and --std), or --preprocessing-check=false if the model was trained with this preprocessing") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Fatalf("default: exit %d, want 2 and one line naming the default\n%s", r.code, r.stderr)
	}
	for _, given := range [][]string{{"--preset", "raw01"}, {"--preprocessing-check=false"}} {
		if r := run(given...); r.code != exitcode.Pass {
			t.Fatalf("%v: exit %d, want 0\n%s", given, r.code, r.stderr)
		}
	}
}
