package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/demo"
)

// norm20 is a fixture trained on 0..255 pixels with its normalisation in
// the graph: with --preset raw01 it labels one digit in ten right.
var norm20 = filepath.Join("..", "..", "testdata", "models", "mnist-20px-norm.onnx")

// digitCheck is the digit check as report.json and inspect --json give it.
type digitCheck struct {
	Digits    int    `json:"digits"`
	Correct   int    `json:"correct"`
	Suggested string `json:"suggested_preset"`
}

// digitReport reads the digit check of a run's report.json.
func digitReport(t *testing.T, dir string) *digitCheck {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		DigitCheck *digitCheck `json:"digit_check"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	return rep.DigitCheck
}

// TestPreprocessingCheck: run refuses a model that reads MNIST digits far
// better with another preset, with exit 2 and the preset to pass; told to
// go on, it searches and every report says what the check found.
func TestPreprocessingCheck(t *testing.T) {
	search := []string{"run", "--model", norm20, "--encoding", "direct", "--max-evals", "300", "--threads", "1", "--batch", "8", "--fail-on", "never", "--quiet"}

	out := filepath.Join(t.TempDir(), "refused")
	r := runMain(t, nil, append(search, "--preset", "raw01", "--report-dir", out)...)
	if r.code != exitcode.Usage {
		t.Fatalf("wrong preset: exit %d, want %d\n%s%s", r.code, exitcode.Usage, r.stdout, r.stderr)
	}
	msg := strings.TrimSpace(r.stderr)
	for _, want := range []string{"MNIST test digits", "(preset raw01)", "--preset raw255", "--preprocessing-check=false"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, msg)
		}
	}
	if strings.Count(msg, "\n") != 0 {
		t.Errorf("the refusal takes more than one line:\n%s", msg)
	}
	if _, err := os.Stat(filepath.Join(out, "report.json")); err == nil {
		t.Error("a refused run wrote report.json")
	}

	out = filepath.Join(t.TempDir(), "anyway")
	r = runMain(t, nil, append(search, "--preset", "raw01", "--preprocessing-check=false", "--report-dir", out)...)
	if r.code != exitcode.Pass {
		t.Fatalf("--preprocessing-check=false: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := digitReport(t, out); d == nil || d.Suggested != "raw255" || d.Correct > 30 || d.Digits != 100 {
		t.Errorf("report.json digit_check = %+v, want raw255 suggested", d)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "> [!WARNING]\n> The model labelled only") || !strings.Contains(string(md), "Run again with preset raw255.") {
		t.Errorf("report.md does not warn of the preprocessing:\n%s", md)
	}
	if !strings.Contains(r.stdout, "digits      ") || !strings.Contains(r.stdout, "with --preset raw255: the preprocessing looks wrong") {
		t.Errorf("the summary has no digits line naming raw255:\n%s", r.stdout)
	}

	out = filepath.Join(t.TempDir(), "right")
	r = runMain(t, nil, append(search, "--preset", "raw255", "--report-dir", out)...)
	if r.code != exitcode.Pass {
		t.Fatalf("right preset: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := digitReport(t, out); d == nil || d.Suggested != "" || d.Correct < 90 {
		t.Errorf("right preset: report.json digit_check = %+v, want at least 90 right and no suggestion", d)
	}
}

// TestPreprocessingCheckUnsure: a softmax regression trained on 0..255
// pixels labels digits fed in [0,1] about as well, each near a tenth sure,
// so no image could reach the threshold: run refuses it and names raw255;
// told to go on, the reports say so.
func TestPreprocessingCheckUnsure(t *testing.T) {
	linear := filepath.Join("..", "..", "testdata", "models", "mnist-linear-255.onnx")
	search := []string{"run", "--model", linear, "--encoding", "direct", "--max-evals", "200", "--threads", "1", "--batch", "8", "--fail-on", "never", "--quiet"}
	r := runMain(t, nil, append(search, "--report-dir", filepath.Join(t.TempDir(), "refused"))...)
	msg := strings.TrimSpace(r.stderr)
	if r.code != exitcode.Usage || strings.Count(msg, "\n") != 0 {
		t.Fatalf("exit %d, want %d with one line\n%s%s", r.code, exitcode.Usage, r.stdout, r.stderr)
	}
	for _, want := range []string{"MNIST test digits right with fooltest's default preprocessing (preset raw01, which nothing gave) but at a median confidence of only 0.1", "with preset raw255 (9", "the gate would pass a model it never tested", "pass --preset raw255"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal does not say %q:\n%s", want, msg)
		}
	}
	out := filepath.Join(t.TempDir(), "anyway")
	r = runMain(t, nil, append(search, "--preprocessing-check=false", "--report-dir", out)...)
	if r.code != exitcode.Pass {
		t.Fatalf("--preprocessing-check=false: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "but at a median confidence of only 0.1") || !strings.Contains(string(md), "Run again with preset raw255.") {
		t.Errorf("report.md does not warn of the preprocessing:\n%s", md)
	}
}

// TestPreprocessingCheckBaseline: a baseline model searched with the
// candidate's preprocessing is checked too, and named in the refusal.
func TestPreprocessingCheckBaseline(t *testing.T) {
	model := writeFile(t, t.TempDir(), "lenet.onnx", demo.Model)
	r := runMain(t, nil, "run", "--model", model, "--preset", "raw01", "--baseline", norm20, "--max-evals", "200",
		"--threads", "1", "--batch", "8", "--quiet", "--report-dir", filepath.Join(t.TempDir(), "r"))
	if r.code != exitcode.Usage || !strings.Contains(r.stderr, "the baseline model labelled only") || !strings.Contains(r.stderr, "--preset raw255") {
		t.Fatalf("baseline with the wrong preprocessing: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestInspectDigits: inspect says what the check found, and never fails
// on it.
func TestInspectDigits(t *testing.T) {
	r := runMain(t, nil, "inspect", "--model", norm20, "--preset", "raw01", "--batch", "8", "--threads", "1")
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "MNIST test digits labelled right with this preprocessing, ") ||
		!strings.Contains(r.stdout, "with --preset raw255: the preprocessing looks wrong") {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runMain(t, nil, "inspect", "--model", norm20, "--preset", "raw255", "--batch", "8", "--threads", "1", "--json")
	var got struct {
		DigitCheck *digitCheck `json:"digit_check"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || got.DigitCheck == nil || got.DigitCheck.Correct < 90 || got.DigitCheck.Suggested != "" {
		t.Fatalf("inspect --json: %v, digit_check %+v\n%s", err, got.DigitCheck, r.stdout)
	}
}

// TestActionPreprocessingCheck: the action refuses a model fed the wrong
// preset with an error annotation naming the right one; with the
// preprocessing-check input false the step runs and warns.
func TestActionPreprocessingCheck(t *testing.T) {
	model, err := filepath.Abs(norm20)
	if err != nil {
		t.Fatal(err)
	}
	vars := actionWorkspace(t, map[string]string{
		"INPUT_MODEL":      model,
		"INPUT_PRESET":     "raw01",
		"INPUT_ENCODING":   "direct",
		"INPUT_MAX-EVALS":  "200",
		"INPUT_FAIL-ON":    "never",
		"INPUT_REPORT-DIR": "rep",
	})
	r := runMain(t, vars)
	if r.code != exitcode.Usage || !strings.Contains(r.stdout, "::error title=fooltest%3A invalid input::") ||
		!strings.Contains(r.stdout, "set the preset input to raw255 (or the scale, mean and std inputs to the model's own), or preprocessing-check to false") || strings.Contains(r.stderr, "--") {
		t.Fatalf("wrong preset: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	vars["INPUT_PREPROCESSING-CHECK"] = "false"
	r = runMain(t, vars)
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "::warning title=fooltest%3A the preprocessing looks wrong::") || !strings.Contains(r.stdout, "set the preset input to raw255") {
		t.Fatalf("preprocessing-check false: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// actionWorkspace makes a test workspace, moves into it, and returns the
// Actions runner's variables for it with the given inputs added.
func actionWorkspace(t *testing.T, inputs map[string]string) map[string]string {
	t.Helper()
	ws := t.TempDir()
	t.Chdir(ws)
	vars := map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    ws,
		"GITHUB_STEP_SUMMARY": filepath.Join(ws, "summary.md"),
	}
	for k, v := range inputs {
		vars[k] = v
	}
	return vars
}
