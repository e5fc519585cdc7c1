package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/demo"
)

// TestBaselinePreset: a baseline model that takes another preprocessing
// than the candidate is opened (and digit-checked) with the one
// --baseline-preset declares; a baseline report searched with another is
// refused with that fix unless declared, and must match the declaration.
// The same network under the same values compares as equal whatever the
// preset is called.
func TestBaselinePreset(t *testing.T) {
	lenet := writeFile(t, t.TempDir(), "lenet.onnx", demo.Model)
	common := []string{"run", "--max-evals", "300", "--repeats", "1", "--threshold", "0.99", "--fail-on", "never",
		"--threads", "1", "--batch", "8", "--quiet", "--format", "json"}
	run := func(t *testing.T, dir string, args ...string) result {
		t.Helper()
		return runMain(t, nil, append(append(append([]string{}, common...), "--report-dir", dir), args...)...)
	}
	type reportOut struct {
		Score  float64 `json:"score"`
		Config struct {
			Preset         string `json:"preset"`
			BaselinePreset string `json:"baseline_preset"`
		} `json:"config"`
		Baseline *struct {
			SHA256 string  `json:"sha256"`
			Score  float64 `json:"score"`
			PValue float64 `json:"p_value"`
		} `json:"baseline"`
	}
	read := func(t *testing.T, dir string) reportOut {
		t.Helper()
		var r reportOut
		readReport(t, dir, &r)
		return r
	}

	t.Run("baseline model", func(t *testing.T) {
		dir := t.TempDir()
		r := run(t, dir, "--model", lenet, "--preset", "raw01", "--baseline", norm20, "--baseline-preset", "raw255")
		if r.code != exitcode.Pass {
			t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
		}
		got := read(t, dir)
		if got.Config.Preset != "raw01" || got.Config.BaselinePreset != "raw255" || got.Baseline == nil {
			t.Fatalf("report.json: preset %q, baseline_preset %q, baseline %+v", got.Config.Preset, got.Config.BaselinePreset, got.Baseline)
		}
		// Without the declaration the baseline gets raw01, which the
		// digit check refuses (TestPreprocessingCheckBaseline).
		r = run(t, t.TempDir(), "--model", lenet, "--preset", "raw01", "--baseline", norm20, "--baseline-preset", "custom")
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "is a model, so its preset must be one of") {
			t.Fatalf("custom for a baseline model: exit %d\n%s", r.code, r.stderr)
		}
	})

	baseDir := t.TempDir()
	if r := run(t, baseDir, "--model", norm20, "--preset", "raw255"); r.code != exitcode.Pass {
		t.Fatalf("baseline run: exit %d\n%s", r.code, r.stderr)
	}
	baseReport := filepath.Join(baseDir, "report.json")

	t.Run("baseline report", func(t *testing.T) {
		r := run(t, t.TempDir(), "--model", lenet, "--preset", "raw01", "--baseline", baseReport)
		want := "was searched with other preprocessing than the model's: preset raw01 (baseline raw255)"
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, want) || !strings.Contains(r.stderr, "pass --baseline-preset raw255") {
			t.Fatalf("undeclared: exit %d, want 2 with %q and the fix\n%s", r.code, want, r.stderr)
		}
		r = run(t, t.TempDir(), "--model", lenet, "--preset", "raw01", "--baseline", baseReport, "--baseline-preset", "mnist")
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "was searched with preset raw255, not mnist") {
			t.Fatalf("declared wrong: exit %d\n%s", r.code, r.stderr)
		}
		dir := t.TempDir()
		if r = run(t, dir, "--model", lenet, "--preset", "raw01", "--baseline", baseReport, "--baseline-preset", "raw255"); r.code != exitcode.Pass {
			t.Fatalf("declared: exit %d\n%s", r.code, r.stderr)
		}
		if got := read(t, dir); got.Baseline == nil || got.Config.BaselinePreset != "raw255" {
			t.Fatalf("declared: report.json baseline %+v, baseline_preset %q", got.Baseline, got.Config.BaselinePreset)
		}
		// The baseline's own network and values, named custom here.
		dir = t.TempDir()
		if r = run(t, dir, "--model", norm20, "--scale", "255", "--baseline", baseReport, "--baseline-preset", "raw255"); r.code != exitcode.Pass {
			t.Fatalf("same values: exit %d\n%s", r.code, r.stderr)
		}
		if got := read(t, dir); got.Config.Preset != "custom" || got.Baseline == nil || got.Score != got.Baseline.Score || got.Baseline.PValue != 1 {
			t.Fatalf("the baseline's network under its own values: preset %q, score %v, baseline %+v; want custom and the baseline's score", got.Config.Preset, got.Score, got.Baseline)
		}
	})

	for _, args := range [][]string{{"--baseline-preset", "raw255"}, {"--baseline", baseReport, "--baseline-preset", "imagenet2"}} {
		if r := run(t, t.TempDir(), args...); r.code != exitcode.Usage || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, want 2 with one line\n%s", args, r.code, r.stderr)
		}
	}
}
