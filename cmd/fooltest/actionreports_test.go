package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current writers")

// TestActionReportsGolden: the reports a person reads that the Action
// writes give the gate's reasons in its inputs (golden files named
// action-*), and report.json the gate's own words, which name the CLI's
// flags.
func TestActionReportsGolden(t *testing.T) {
	gated := func(o reporttest.Options, maxEvals int64) *report.Result {
		res := reporttest.New(t, o)
		res.Config.MaxEvals = maxEvals
		if maxEvals > 0 {
			res.Evaluations = maxEvals
		}
		allowed, err := gate.ParseMaxFooled(res.Config.MaxFooled)
		if err != nil {
			t.Fatal(err)
		}
		failOn, err := gate.ParseFailOn(res.Config.FailOn)
		if err != nil {
			t.Fatal(err)
		}
		if res.Verdict, err = gate.Evaluate(res, res.Threshold, allowed, failOn); err != nil {
			t.Fatal(err)
		}
		return res
	}
	fixtures := []struct {
		prefix string
		res    *report.Result
		// flags are what the libraries' wording names, which report.json
		// keeps and the others must not.
		flags []string
		// worded is what the Action's words say instead, in the formats
		// of in.
		worded string
		in     []string
	}{
		{"capped-", gated(reporttest.Options{Classes: 10, HistoryLen: 5, NoPixels: true}, 5),
			[]string{"--max-evals", "--classes", "--shard"}, "raise the max-evals input to at least 10", []string{report.FormatMarkdown, report.FormatHTML, report.FormatSARIF, report.FormatJUnit}},
		{"report-only-regression-", gated(reporttest.Options{Classes: 10, Fooled: 8, HistoryLen: 5, NoPixels: true, Baseline: reporttest.Times(4, 7), FailOn: "never"}, 0),
			[]string{"--fail-on"}, "the fail-on input is never, so the gate only reports", []string{report.FormatMarkdown, report.FormatHTML}},
	}
	formats := []struct{ file, format string }{
		{"report.md", report.FormatMarkdown},
		{"report.html", report.FormatHTML},
		{"report.sarif", report.FormatSARIF},
		{"junit.xml", report.FormatJUnit},
	}
	for _, fx := range fixtures {
		var js bytes.Buffer
		if err := report.Render(&js, fx.res, report.FormatJSON, actions.InInputs); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(js.String(), fx.flags[0]) && fx.res.Error != "" {
			t.Errorf("%sreport.json does not keep the gate's own words (%s):\n%s", fx.prefix, fx.flags[0], &js)
		}
		for _, f := range formats {
			file := "action-" + fx.prefix + f.file
			t.Run(file, func(t *testing.T) {
				var got bytes.Buffer
				if err := report.Render(&got, fx.res, f.format, actions.InInputs); err != nil {
					t.Fatal(err)
				}
				if slices.Contains(fx.in, f.format) && !strings.Contains(got.String(), fx.worded) {
					t.Errorf("%s does not say %q", file, fx.worded)
				}
				for _, flag := range fx.flags {
					if strings.Contains(got.String(), flag) {
						t.Errorf("%s names the flag %s, which the Action sets as an input", file, flag)
					}
				}
				path := filepath.Join("testdata", "golden", file)
				if *update {
					if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got.Bytes(), want) {
					t.Errorf("%s differs from %s; if the change is intended, run go test -run TestActionReportsGolden -update and review the diff\n--- got ---\n%s", file, path, &got)
				}
			})
		}
	}
}

// TestActionReportsNameInputs: a run of the binary as the Action on a real
// model writes report.md (its job summary and pull request comment),
// junit.xml, report.sarif and the step's log with the gate's reason in
// the Action's inputs, and report.json in the gate's own words; the same
// run on the command line names the flags in every report.
func TestActionReportsNameInputs(t *testing.T) {
	model, err := filepath.Abs(norm20)
	if err != nil {
		t.Fatal(err)
	}
	const worded, flagged = "raise the max-evals input to at least 10", "raise --max-evals to at least 10"
	human := []string{"report.md", "junit.xml", "report.sarif"}
	read := func(t *testing.T, dir, file string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("action", func(t *testing.T) {
		dir := t.TempDir()
		env := []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "outputs"),
			"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary.md"),
			"INPUT_MODEL=" + model, "INPUT_PRESET=raw255", "INPUT_ENCODING=direct", "INPUT_MAX-EVALS=5",
			"INPUT_THRESHOLD=0.999", "INPUT_MAX-FOOLED=100%", "INPUT_FORMAT=json,markdown,junit,sarif",
			"INPUT_REPORT-DIR=" + filepath.Join(dir, "rep")}
		r := runBinary(t, repoRoot(t), env)
		if r.code != exitcode.Environment {
			t.Fatalf("exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
		}
		rep := filepath.Join(dir, "rep")
		for _, f := range append(human, "summary", "log") {
			var text string
			switch f {
			case "summary":
				text = read(t, dir, "summary.md")
			case "log":
				text = r.stdout + r.stderr
			default:
				text = read(t, rep, f)
			}
			if !strings.Contains(text, worded) {
				t.Errorf("%s does not name the max-evals input (%q):\n%s", f, worded, text)
			}
			for _, flag := range []string{"--max-evals", "--classes", "--shard"} {
				if strings.Contains(text, flag) {
					t.Errorf("%s names %s, which the Action sets as an input:\n%s", f, flag, text)
				}
			}
		}
		if js := read(t, rep, "report.json"); !strings.Contains(js, flagged) {
			t.Errorf("report.json does not keep the gate's own words (%q):\n%s", flagged, js)
		}
	})

	t.Run("cli", func(t *testing.T) {
		dir := t.TempDir()
		r := runBinary(t, repoRoot(t), nil, "run", "--model", model, "--preset", "raw255", "--encoding", "direct", "--max-evals", "5",
			"--threshold", "0.999", "--max-fooled", "100%", "--format", "json,markdown,junit,sarif", "--quiet", "--report-dir", dir)
		if r.code != exitcode.Environment {
			t.Fatalf("exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
		}
		for _, f := range append(human, "report.json") {
			if text := read(t, dir, f); !strings.Contains(text, flagged) || strings.Contains(text, worded) {
				t.Errorf("%s does not name the flag (%q):\n%s", f, flagged, text)
			}
		}
	})
}
