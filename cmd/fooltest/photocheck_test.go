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

// TestPhotoCheckDefaulted: a run that would pass on fooltest's default
// preprocessing, which nothing gave, with photos that collapse and that no
// preset spreads (as a spectrogram classifier's given [0, 1] do) ends in
// the verdict error, exit 3, naming the flag that confirms the default;
// confirmed, it still ends in error, as its search never moved the model;
// with the checks turned off, or only reporting, the same run passes.
func TestPhotoCheckDefaulted(t *testing.T) {
	// Weights so small that no preset moves the scores from an even
	// split.
	model := writeModel(t, "flat.onnx", onnxtest.Classifier([]int64{-1, 3, 16, 16}, 5, "").Scaled(1e-7).Then("Softmax", nil))
	run := func(dir string, extra ...string) result {
		return runMain(t, nil, append([]string{"run", "--model", model, "--threads", "1", "--max-evals", "200", "--quiet", "--format", "json,markdown,junit", "--report-dir", dir}, extra...)...)
	}
	dir := t.TempDir()
	r := run(dir)
	if r.code != exitcode.Environment || !strings.Contains(r.stderr, "with fooltest's default scale, mean and std (preset raw01), which nothing gave, the model scored 6 very different photos nearly alike (spread 0.0") || !strings.Contains(r.stderr, "confirm these with --preset raw01") {
		t.Fatalf("default: exit %d, want 3 and the error naming the default\n%s", r.code, r.stderr)
	}
	var rep struct {
		Verdict string `json:"verdict"`
		Error   string `json:"error"`
	}
	readReport(t, dir, &rep)
	if rep.Verdict != "error" || !strings.Contains(rep.Error, "nobody confirmed") {
		t.Fatalf("report.json verdict %q, error %q", rep.Verdict, rep.Error)
	}
	if r := run(t.TempDir(), "--preprocessing-check=false"); r.code != exitcode.Pass {
		t.Fatalf("--preprocessing-check=false: exit %d, want 0\n%s", r.code, r.stderr)
	}
	// Reporting only gates nothing, but publishes its verdict: an
	// untested model is no pass there either.
	if r := run(t.TempDir(), "--fail-on", "never"); r.code != exitcode.Environment || !strings.Contains(r.stderr, "nobody confirmed") {
		t.Fatalf("--fail-on never: exit %d, want 3 and the error\n%s", r.code, r.stderr)
	}
	// Confirmed, the default is no longer the question, but a search
	// that never moved the model from its even split passes nothing.
	if r := run(t.TempDir(), "--preset", "raw01"); r.code != exitcode.Environment || !strings.Contains(r.stderr, "the search never moved the model") || !strings.Contains(r.stderr, "0% of the way in log-odds") {
		t.Fatalf("--preset raw01: exit %d, want 3 and the error\n%s", r.code, r.stderr)
	}
	// A pass the user let stand says what it rests on.
	dir = t.TempDir()
	if r := run(dir, "--preset", "raw01", "--preprocessing-check=false"); r.code != exitcode.Pass {
		t.Fatalf("--preset raw01 --preprocessing-check=false: exit %d\n%s", r.code, r.stderr)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nearly the same scores (spread 0.0", "and no preset of a far wider range set them apart", "| Photos told apart | 0.0"} {
		if !strings.Contains(string(md), want) {
			t.Fatalf("report.md does not say %q:\n%s", want, md)
		}
	}
	// The step warns as the reports do.
	vars := actionWorkspace(t, map[string]string{
		"INPUT_MODEL":               model,
		"INPUT_PRESET":              "raw01",
		"INPUT_PREPROCESSING-CHECK": "false",
		"INPUT_MAX-EVALS":           "200",
		"INPUT_REPORT-DIR":          "rep",
	})
	if r := runMain(t, vars); r.code != exitcode.Pass || !strings.Contains(r.stdout, "::warning title=fooltest%3A the preprocessing looks wrong::") || !strings.Contains(r.stdout, "no preset of a far wider range set them apart") {
		t.Fatalf("action, --preset raw01 --preprocessing-check=false: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A fail stands, and so does a pass that fooled every class: the
	// search moved the model whatever its input.
	if r := run(t.TempDir(), "--threshold", "0.2"); r.code != exitcode.GateFailed {
		t.Fatalf("--threshold 0.2: exit %d, want 1\n%s", r.code, r.stderr)
	}
	if r := run(t.TempDir(), "--threshold", "0.2", "--max-fooled", "100%"); r.code != exitcode.Pass {
		t.Fatalf("--threshold 0.2 --max-fooled 100%%: exit %d, want 0\n%s", r.code, r.stderr)
	}
}

// TestPhotoCheckTooWide: a model made for [-1, 1] whose Tanh layer
// saturates on 0..255, given raw255, scores every photo alike, one class
// topping them all; the far narrower presets that spread the photos are
// named as a hint on the photos line, in report.json, in the reports and in
// the Action's warning, and nothing is refused: a run on it searches as
// before and its verdict stands. Its own preprocessing gets no hint.
func TestPhotoCheckTooWide(t *testing.T) {
	model := writeModel(t, "saturating.onnx", onnxtest.Saturating(32, 32, 10))
	common := []string{"--model", model, "--threads", "1", "--batch", "8"}
	const hint = "of a tenth of this range or less: the preprocessing may be far wider than the model's, saturating it"

	r := runMain(t, nil, append([]string{"inspect", "--preset", "raw255"}, common...)...)
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "spread 0.000 of 1 with this preprocessing, one class topping them all, and 0.91 with --preset cifar10 or --preset imagenet or --preset pm1, "+hint) {
		t.Fatalf("inspect: exit %d, want 0 and the hint\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runMain(t, nil, append([]string{"inspect", "--preset", "pm1"}, common...)...)
	if r.code != exitcode.Pass || strings.Contains(r.stdout, "far wider") || strings.Contains(r.stdout, "looks wrong") {
		t.Fatalf("inspect --preset pm1: exit %d, want 0 and no hint\n%s%s", r.code, r.stdout, r.stderr)
	}

	dir := t.TempDir()
	r = runMain(t, nil, append([]string{"run", "--preset", "raw255", "--max-evals", "300", "--max-fooled", "100%", "--quiet", "--report-dir", dir}, common...)...)
	if r.code == exitcode.Usage {
		t.Fatalf("run: exit 2, refused on a hint\n%s", r.stderr)
	}
	var rep struct {
		Verdict    string `json:"verdict"`
		PhotoCheck *struct {
			SuggestedPresets []string `json:"suggested_presets"`
			NarrowerPresets  []string `json:"narrower_presets"`
			NarrowerSpread   float64  `json:"narrower_spread"`
		} `json:"photo_check"`
	}
	readReport(t, dir, &rep)
	if p := rep.PhotoCheck; p == nil || len(p.SuggestedPresets) != 0 || strings.Join(p.NarrowerPresets, ",") != "cifar10,imagenet,pm1" || p.NarrowerSpread < 0.5 {
		t.Fatalf("report.json photo_check %+v", rep.PhotoCheck)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"one class topping them all, and with preset cifar10 or imagenet or pm1, of a tenth of its range or less, far different ones (0.91)", "| Photos told apart | 0.000 of 1; far narrower preset cifar10: 0.91 |"} {
		if !strings.Contains(string(md), want) {
			t.Fatalf("report.md does not say %q:\n%s", want, md)
		}
	}

	vars := actionWorkspace(t, map[string]string{
		"INPUT_MODEL":      model,
		"INPUT_PRESET":     "raw255",
		"INPUT_MAX-EVALS":  "300",
		"INPUT_FAIL-ON":    "never",
		"INPUT_REPORT-DIR": "rep",
	})
	if r = runMain(t, vars); r.code != exitcode.Pass || !strings.Contains(r.stdout, "one class topping them all, and with preset cifar10 or imagenet or pm1, of a tenth of its range or less, far different ones, so this preprocessing may be far wider than the model's") {
		t.Fatalf("Action: exit %d, want 0 and the warning\n%s%s", r.code, r.stdout, r.stderr)
	}
}
