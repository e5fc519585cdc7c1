package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// allowanceRun are the settings of TestMaxFooledAllowsEveryTarget's runs of
// the demo, whose 10 classes are its target classes.
var allowanceRun = []string{"run", "--max-evals", "300", "--budget", "60s", "--threshold", "0.9", "--threads", "1", "--quiet", "--format", "json,markdown,html,sarif,junit", "--seed", "3"}

// allowanceWarned is the warning line of a --max-fooled count of n on the
// demo's 10 target classes.
func allowanceWarned(n string) string {
	return "fooltest: warning: --max-fooled " + n + " allows every one of the 10 target classes, so no number of fooled classes can fail the gate: give --max-fooled a lower count or a percentage, or pass --fail-on never to report only\n"
}

// TestMaxFooledAllowsEveryTarget: a --max-fooled count of at least the
// target classes, which no number of fooled classes can exceed, is
// accepted as before, with its exit code, but says so in one warning
// line on stderr (not again on stdout) and in report.md, report.html,
// report.sarif and junit.xml; a shard counts the whole run's target
// classes, and a merge of such shards says it too. An explicit 100%, a
// count below the targets, a report-only gate and a run whose verdict is
// "error" (the search did not finish) say nothing.
func TestMaxFooledAllowsEveryTarget(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		// warned is the count the warning names, or "" for none.
		warned string
		// error: the run's verdict is "error".
		error bool
	}{
		{"a count over the targets", []string{"--max-fooled", "20"}, "20", false},
		{"a count of the targets", []string{"--max-fooled", "10"}, "10", false},
		{"a shard of a count of the targets", []string{"--max-fooled", "10", "--shard", "1/2"}, "10", false},
		{"100%", []string{"--max-fooled", "100%"}, "", false},
		{"one class fewer", []string{"--max-fooled", "9"}, "", false},
		{"report only", []string{"--max-fooled", "20", "--fail-on", "never"}, "", false},
		{"a shard of one class fewer", []string{"--max-fooled", "9", "--shard", "1/2"}, "", false},
		// Too few evaluations to test the model: the reason is the one
		// thing to read.
		{"error", []string{"--max-fooled", "20", "--max-evals", "5"}, "", true},
		{"report only error", []string{"--max-fooled", "20", "--max-evals", "5", "--fail-on", "never"}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rep")
			r := runBinary(t, repoRoot(t), nil, append(append(slices.Clone(allowanceRun), tc.args...), "--report-dir", dir)...)
			md, err := os.ReadFile(filepath.Join(dir, "report.md"))
			if err != nil {
				t.Fatalf("exit %d, no report.md: %v\n%s", r.code, err, r.stderr)
			}
			if got := strings.Contains(string(md), "ERROR"); got != tc.error {
				t.Fatalf("verdict error: %v, want %v (exit %d):\n%s", got, tc.error, r.code, md)
			}
			reports := map[string]string{}
			for _, file := range []string{"report.md", "report.html", "report.sarif", "junit.xml"} {
				b, err := os.ReadFile(filepath.Join(dir, file))
				if err != nil {
					t.Fatal(err)
				}
				reports[file] = string(b)
			}
			if tc.warned == "" {
				for file, text := range reports {
					if strings.Contains(text, "allows every one") {
						t.Errorf("%s warned of --max-fooled %q:\n%s", file, tc.args, text)
					}
				}
				if strings.Contains(r.stderr, "allows every one") {
					t.Errorf("stderr warned of --max-fooled %q:\n%s", tc.args, r.stderr)
				}
				return
			}
			// Every fooled count is allowed: the gate passes, as it did
			// before the warning.
			if r.code != exitcode.Pass {
				t.Errorf("exit %d, want 0: %s", r.code, r.stderr)
			}
			if r.stderr != allowanceWarned(tc.warned) {
				t.Errorf("stderr %q, want the one line %q", r.stderr, allowanceWarned(tc.warned))
			}
			line := strings.TrimPrefix(strings.TrimSuffix(allowanceWarned(tc.warned), "\n"), "fooltest: warning: ") + "."
			for file, want := range map[string]string{
				"report.md":    "> [!WARNING]\n> " + line,
				"report.html":  `<div class="note">` + line,
				"report.sarif": `"toolConfigurationNotifications": [` + "\n" + `            {` + "\n" + `              "level": "warning",` + "\n" + `              "message": {` + "\n" + `                "text": "` + line + `"`,
				"junit.xml":    `<property name="max_fooled_warning" value="` + line + `">`,
			} {
				if !strings.Contains(reports[file], want) {
					t.Errorf("%s does not say %q:\n%s", file, want, reports[file])
				}
			}
			if strings.Contains(r.stdout, "allows every one") {
				t.Errorf("stdout repeats the warning stderr gives:\n%s", r.stdout)
			}
		})
	}

	t.Run("merge", func(t *testing.T) {
		var dirs []string
		for _, shard := range []string{"1/2", "2/2"} {
			dir := filepath.Join(t.TempDir(), "shard")
			r := runBinary(t, repoRoot(t), nil, append(slices.Clone(allowanceRun), "--max-fooled", "10", "--shard", shard, "--format", "json,markdown", "--report-dir", dir)...)
			if r.code != exitcode.Pass {
				t.Fatalf("shard %s: exit %d: %s", shard, r.code, r.stderr)
			}
			dirs = append(dirs, dir)
		}
		r := runBinary(t, repoRoot(t), nil, append(append([]string{"merge"}, dirs...), "--report-dir", filepath.Join(t.TempDir(), "merged"))...)
		if r.code != exitcode.Pass || r.stderr != allowanceWarned("10") {
			t.Errorf("merge: exit %d, stderr %q; want 0 and the one line %q", r.code, r.stderr, allowanceWarned("10"))
		}
	})
}

// TestActionMaxFooledAllowsEveryTarget: in the Action the warning is an
// annotation, a stderr line and a line of report.sarif and junit.xml that
// name the inputs, not the flags.
func TestActionMaxFooledAllowsEveryTarget(t *testing.T) {
	vars := actionWorkspace(t, map[string]string{
		"INPUT_MAX-EVALS": "300", "INPUT_THRESHOLD": "0.9", "INPUT_MAX-FOOLED": "20", "INPUT_FORMAT": "json,sarif,junit", "INPUT_REPORT-DIR": "rep",
	})
	r := runMain(t, vars)
	if r.code != exitcode.Pass {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := "max-fooled: 20 allows every one of the 10 target classes, so no number of fooled classes can fail the gate: give the max-fooled input a lower count or a percentage, or set the fail-on input to never to report only"
	var annotations []string
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "::warning ") && strings.Contains(line, "max-fooled cannot fail the gate") {
			annotations = append(annotations, line)
		}
	}
	// The annotation is the one mention in the step's log's stdout: the
	// console summary leaves the warning to it and to stderr.
	if len(annotations) != 1 || !strings.HasSuffix(annotations[0], "::"+want) || strings.Count(r.stdout, "allows every one") != 1 {
		t.Errorf("warning annotations %q, want one saying %q", annotations, want)
	}
	if !strings.Contains(r.stderr, "fooltest: warning: "+want+"\n") || strings.Contains(r.stderr, "--") {
		t.Errorf("stderr does not say %q in the inputs' words:\n%s", want, r.stderr)
	}
	for _, file := range []string{"report.sarif", "junit.xml"} {
		b, err := os.ReadFile(filepath.Join(vars["GITHUB_WORKSPACE"], "rep", file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), want+".") || strings.Contains(string(b), "--max-fooled") {
			t.Errorf("%s does not say %q in the inputs' words:\n%s", file, want, b)
		}
	}
}
