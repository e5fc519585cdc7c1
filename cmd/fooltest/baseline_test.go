package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// temperedDemo writes the demo LeNet with an output "tempered" at
// temperature 1/t: t > 1 makes it easier to fool, t < 1 harder.
func temperedDemo(t *testing.T, name string, temp float32) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, onnxtest.Tempered(demo.Model, demo.Output, temp), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type comparison struct {
	Score    float64 `json:"score"`
	Baseline *struct {
		Score      float64 `json:"score"`
		PValue     float64 `json:"p_value"`
		Regression bool    `json:"regression"`
		Change     string  `json:"change"`
	} `json:"baseline"`
}

func readComparison(t *testing.T, dir string) comparison {
	t.Helper()
	var c comparison
	readReport(t, dir, &c)
	return c
}

// readReport decodes dir's report.json into v.
func readReport(t *testing.T, dir string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

// TestBaselineRegression: a candidate clearly easier to fool than its
// baseline fails with regression true; a byte-different copy of the
// baseline, and a harder candidate, pass. The same holds with the
// baseline's report.json in place of its model.
func TestBaselineRegression(t *testing.T) {
	released := temperedDemo(t, "released.onnx", 0.5)
	easier := temperedDemo(t, "easier.onnx", 1)
	copyOf := filepath.Join(t.TempDir(), "copy.onnx")
	b, _ := os.ReadFile(released)
	// A doc_string field (6): another file, the same model.
	if err := os.WriteFile(copyOf, append(b, 0x32, 1, 'x'), 0o644); err != nil {
		t.Fatal(err)
	}
	common := []string{"run", "--output", "tempered", "--max-evals", "3000", "--budget", "120s", "--threads", "1", "--quiet", "--format", "json"}
	baseDir := t.TempDir()
	if r := runBinary(t, repoRoot(t), nil, append(common, "--model", released, "--report-dir", baseDir, "--repeats", "5")...); r.code != exitcode.GateFailed {
		t.Fatalf("baseline run: exit %d; %s", r.code, r.stderr)
	}
	for _, tc := range []struct {
		name, model string
		code        int
		regression  bool
		change      string
	}{
		{"easier", easier, exitcode.GateFailed, true, "easier to fool"},
		{"copy", copyOf, exitcode.Pass, false, "no significant change"},
		{"harder", released, exitcode.Pass, false, "no significant change"},
	} {
		for _, base := range []string{released, filepath.Join(baseDir, "report.json")} {
			model := tc.model
			if tc.name == "harder" {
				// The released model against the easier one as baseline.
				model, base = released, easier
				if strings.HasSuffix(base, ".json") {
					continue
				}
			}
			t.Run(tc.name+"/"+filepath.Ext(base), func(t *testing.T) {
				dir := t.TempDir()
				r := runBinary(t, repoRoot(t), nil, append(common, "--model", model, "--baseline", base, "--report-dir", dir)...)
				if r.code != tc.code {
					t.Fatalf("exit %d, want %d; stdout %s; stderr %s", r.code, tc.code, r.stdout, r.stderr)
				}
				c := readComparison(t, dir)
				if c.Baseline == nil || c.Baseline.Regression != tc.regression {
					t.Fatalf("report.json baseline %+v, want regression %v", c.Baseline, tc.regression)
				}
				if tc.name == "harder" && c.Baseline.Change != "harder to fool" {
					t.Fatalf("change %q, want harder to fool", c.Baseline.Change)
				}
				if tc.name == "copy" && (c.Baseline.PValue != 1 || c.Score != c.Baseline.Score) {
					t.Fatalf("a copy of the baseline: %+v, score %v", c.Baseline, c.Score)
				}
			})
		}
	}
}

// TestBaselineRefused: a baseline report whose settings make the
// comparison meaningless is refused before the search, naming every
// setting that differs.
func TestBaselineRefused(t *testing.T) {
	dir := t.TempDir()
	if r := runMain(t, nil, "run", "--max-evals", "500", "--threshold", "0.9", "--quiet", "--format", "json", "--report-dir", dir, "--threads", "1"); r.code != exitcode.GateFailed {
		t.Fatalf("exit %d; %s", r.code, r.stderr)
	}
	r := runBinary(t, repoRoot(t), nil, "run", "--baseline", filepath.Join(dir, "report.json"), "--max-evals", "600", "--repeats", "2", "--quiet", "--report-dir", t.TempDir())
	if r.code != exitcode.Usage {
		t.Fatalf("exit %d, want 2; stderr %s", r.code, r.stderr)
	}
	for _, want := range []string{"threshold 0.99 (baseline 0.9)", "max-evals 600 (baseline 500)", "repeats 2 (baseline 1)", "run with the baseline's settings, or give --baseline the released model itself"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("refusal does not name %q: %s", want, r.stderr)
		}
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
		t.Errorf("refusal is not one line: %q", r.stderr)
	}
	// A baseline searched without a cap: matching its settings would
	// take --max-evals 0, which a comparison refuses, so the fix is to
	// search the baseline again with a cap.
	uncapped := t.TempDir()
	if r := runMain(t, nil, "run", "--quiet", "--format", "json", "--report-dir", uncapped, "--threads", "1"); r.code != exitcode.GateFailed {
		t.Fatalf("uncapped baseline: exit %d; %s", r.code, r.stderr)
	}
	r = runMain(t, nil, "run", "--baseline", filepath.Join(uncapped, "report.json"), "--quiet", "--report-dir", t.TempDir())
	if want := "make the baseline's report again with --max-evals 3000 and this run's other settings"; r.code != exitcode.Usage || !strings.Contains(r.stderr, want) || strings.Contains(r.stderr, "run with the baseline's settings") {
		t.Errorf("uncapped baseline: exit %d, want 2 and %q: %s", r.code, want, r.stderr)
	}
	if r := runMain(t, nil, "run", "--baseline", filepath.Join(uncapped, "report.json"), "--max-evals", "0", "--quiet", "--report-dir", t.TempDir()); r.code != exitcode.Usage || !strings.Contains(r.stderr, "give --max-evals N") {
		t.Errorf("--max-evals 0 with a baseline: exit %d, want 2: %s", r.code, r.stderr)
	}
	for _, bad := range []string{"--fail-on regression", "--repeats 0", "--alpha 1", "--min-score 2"} {
		args := append([]string{"run", "--quiet", "--report-dir", t.TempDir()}, strings.Fields(bad)...)
		if r := runMain(t, nil, args...); r.code != exitcode.Usage {
			t.Errorf("%s: exit %d, want 2", bad, r.code)
		}
	}
}

// TestRunReproducible: two runs of the CLI with the same seed and
// evaluation budget report the same classes, whatever --batch and
// --threads: a report.json made on one machine is a baseline on another.
func TestRunReproducible(t *testing.T) {
	var want string
	for _, s := range [][]string{{"--batch", "1", "--threads", "1"}, {"--batch", "7", "--threads", "2"}, {"--batch", "64", "--threads", "2"}} {
		dir := t.TempDir()
		args := append([]string{"run", "--max-evals", "1500", "--threshold", "0.9999", "--seed", "3", "--quiet", "--format", "json", "--report-dir", dir}, s...)
		if r := runMain(t, nil, args...); r.code != exitcode.GateFailed {
			t.Fatalf("%v: exit %d; %s", s, r.code, r.stderr)
		}
		b, err := os.ReadFile(filepath.Join(dir, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Evaluations int64           `json:"evaluations"`
			Score       float64         `json:"score"`
			Classes     json.RawMessage `json:"classes"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		// Seconds differ from run to run; everything else must not.
		var classes []map[string]any
		json.Unmarshal(rep.Classes, &classes)
		for _, c := range classes {
			delete(c, "seconds_to_threshold")
		}
		got, _ := json.Marshal([]any{rep.Evaluations, rep.Score, classes})
		if want == "" {
			want = string(got)
		} else if string(got) != want {
			t.Fatalf("%v gave another result:\n%s\nwant\n%s", s, got, want)
		}
	}
}

// TestBaselineClassCounts: a model retrained with an extra class compares
// with the original on the classes both have, named by --classes; on
// "all" the target classes differ, which is refused.
func TestBaselineClassCounts(t *testing.T) {
	ten := writeModel(t, "ten.onnx", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "Softmax"))
	eleven := writeModel(t, "eleven.onnx", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 11, "Softmax"))
	common := []string{"run", "--model", eleven, "--baseline", ten, "--preset", "raw01", "--threshold", "0.3", "--max-evals", "300", "--repeats", "1", "--quiet", "--format", "json", "--threads", "1"}
	if r := runBinary(t, repoRoot(t), nil, append(common, "--classes", "0-9", "--report-dir", t.TempDir())...); r.code == exitcode.Usage || r.code == exitcode.Environment {
		t.Fatalf("--classes 0-9: exit %d; %s", r.code, r.stderr)
	}
	r := runBinary(t, repoRoot(t), nil, append(common, "--report-dir", t.TempDir())...)
	if r.code != exitcode.Usage || !strings.Contains(r.stderr, "--classes 0-9") {
		t.Fatalf("--classes all: exit %d, want 2 suggesting --classes 0-9; %s", r.code, r.stderr)
	}
}

// TestTimeLine: the console's time line counts a baseline model's opening
// and search, which run within a budget of their own and can take as long
// as the model's search: without it, a run that took twice --budget said
// where only half its time went.
func TestTimeLine(t *testing.T) {
	res := &report.Result{OpenSeconds: 1.5, ElapsedSeconds: 3}
	for _, tc := range []struct {
		baseline time.Duration
		want     string
	}{
		{0, "time: 1.5s opening the model, 3.0s searching, 0.2s writing the reports:"},
		{40 * time.Second, "time: 1.5s opening the model, 40.0s opening and searching the baseline model, 3.0s searching, 0.2s writing the reports:"},
	} {
		if got := timeLine(res, tc.baseline, 200*time.Millisecond); got != tc.want {
			t.Errorf("baseline %v: got %q, want %q", tc.baseline, got, tc.want)
		}
	}

	model := filepath.Join(repoRoot(t), "testdata", "models", "mnist-flat-ls.onnx")
	line := regexp.MustCompile(`(?m)^time: [0-9.]+s opening the model, ([0-9.]+)s opening and searching the baseline model, [0-9.]+s searching, [0-9.]+s writing the reports:$`)
	for _, baseline := range []bool{true, false} {
		args := []string{"run", "--model", model, "--preset", "raw01", "--max-evals", "300", "--repeats", "1", "--max-fooled", "100%", "--quiet", "--format", "json", "--report-dir", t.TempDir(), "--threads", "1"}
		if baseline {
			args = append(args, "--baseline", model)
		}
		r := runMain(t, nil, args...)
		if r.code != exitcode.Pass {
			t.Fatalf("baseline %v: exit %d; %s%s", baseline, r.code, r.stdout, r.stderr)
		}
		m := line.FindStringSubmatch(r.stdout)
		if baseline && (m == nil || m[1] == "0.0") {
			// Opening the baseline model alone tunes its batch size
			// for a second or more.
			t.Errorf("with a baseline model, no time line that counts its search (%q):\n%s", m, r.stdout)
		}
		if !baseline && (m != nil || !strings.Contains(r.stdout, "\ntime: ")) {
			t.Errorf("without a baseline, want the time line without one:\n%s", r.stdout)
		}
	}
}
