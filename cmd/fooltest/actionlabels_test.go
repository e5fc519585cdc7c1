package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/report"
)

// hostileLabels name the demo's ten classes with what a labels file from
// a pull request may hold: workflow commands after each kind of line
// break and in the runner's older syntax, which it reads anywhere in a
// line, the runner's own escapes, terminal escapes, invisible and
// reordering characters, HTML and Markdown.
var hostileLabels = []string{
	"zero\n::error::pwned",
	"one\r::add-mask::secret",
	"two\u2028::stop-commands::token",
	"three %0A::error::encoded",
	"four \x1b[31mred\x1b]8;;http://evil.example/\x1b\\link",
	"##[stop-commands]five\x00\x07\x0b\x0c",
	"six \u202eevil",
	"<img src=x onerror=alert(1)></details><!--",
	"a|b `c` @someone #1 [x](javascript:alert(1)) ![](http://evil.example/p.png)",
	"",
}

// ownCommand matches the workflow commands fooltest itself writes.
var ownCommand = regexp.MustCompile(`^::((error|warning|notice)( [^:]*)?::[^\r\n]*|group::fooltest [a-z]+|endgroup::)$`)

// TestActionHostileLabels: in the Action, labels from a pull request's
// labels file, or from a shard's report.json, forge no workflow command,
// step output or mention, and the annotations show them as the reports
// do: cleaned, bounded, not Go-quoted.
func TestActionHostileLabels(t *testing.T) {
	ws := t.TempDir()
	labels, err := json.Marshal(hostileLabels)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, ws, "labels.json", labels)
	action := func(t *testing.T, inputs ...string) result {
		t.Helper()
		env := append([]string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + ws,
			"GITHUB_OUTPUT=" + filepath.Join(ws, "output.txt"), "GITHUB_STEP_SUMMARY=" + filepath.Join(ws, "summary.md"),
			"INPUT_FORMAT=json,markdown"}, inputs...)
		if os.Getenv("ONNXRUNTIME_LIB") == "" {
			// The workspace is no checkout: the runtime is the one the
			// repository installed, as the action's image sets it.
			env = append(env, "ONNXRUNTIME_LIB="+filepath.Join(repoRoot(t), "third_party", "onnxruntime", "lib", "libonnxruntime.so"))
		}
		for _, f := range []string{"output.txt", "summary.md"} {
			if err := os.WriteFile(filepath.Join(ws, f), nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		r := runBinary(t, ws, env)
		if r.code != exitcode.Pass {
			t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
		}
		checkHostileOutputs(t, ws, r)
		return r
	}
	search := []string{"INPUT_LABELS=labels.json", "INPUT_MAX-FOOLED=100%", "INPUT_ENCODING=direct", "INPUT_MAX-EVALS=200", "INPUT_BUDGET=60s", "INPUT_SEED=3"}

	t.Run("run", func(t *testing.T) {
		r := action(t, append(search, "INPUT_REPORT-DIR=run")...)
		for _, want := range []string{`("zero ::error::pwned")`, `("one ::add-mask::secret")`, `("six evil")`} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("no annotation shows the label as %s:\n%s", want, r.stdout)
			}
		}
		if strings.Contains(r.stdout, `\n::`) || strings.Contains(r.stdout, `\u202e`) {
			t.Errorf("an annotation shows a Go-quoted label:\n%s", r.stdout)
		}
	})

	t.Run("merge", func(t *testing.T) {
		// A shard's report.json may hold labels longer than a labels
		// file may give (a class of it may have 32 KiB).
		long := strings.Repeat("L", 20_000) + "\n::error::long"
		for _, shard := range []string{"1/2", "2/2"} {
			dir := "shard" + shard[:1]
			action(t, append(search, "INPUT_SHARD="+shard, "INPUT_REPORT-DIR="+dir)...)
			setLabels(t, filepath.Join(ws, dir, "report.json"), long)
		}
		r := action(t, "INPUT_MERGE=shard1 shard2", "INPUT_REPORT-DIR=merged")
		if !strings.Contains(r.stdout, `("`+strings.Repeat("L", 199)+`…")`) {
			t.Errorf("no annotation shows the long label cut to 200 characters:\n%.2000s", r.stdout)
		}
		// The merged report.json keeps the bytes of a label it may hold.
		if got := reportLabels(t, filepath.Join(ws, "merged")); len(got) == 0 || got[0] != long[:report.MaxLabelBytes] {
			t.Errorf("the merged report.json does not keep the label as read, cut to %d bytes", report.MaxLabelBytes)
		}
	})
}

// setLabels gives every class of the report.json at path the label l.
func setLabels(t *testing.T, path, l string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, c := range rep["classes"].([]any) {
		c.(map[string]any)["label"] = l
	}
	if data, err = json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkHostileOutputs checks what one Action step gave the runner: every
// command line on stdout and stderr is one of fooltest's own, annotations
// stay short, each step output is one line of a known name, and the step
// summary pings nobody and loads nothing.
func checkHostileOutputs(t *testing.T, ws string, r result) {
	t.Helper()
	for stream, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
		// The runner splits lines at \n and \r.
		for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
			// The runner reads a line that starts with "::" in the newer
			// syntax alone; any other line it searches for the older.
			if !strings.HasPrefix(line, "::") && strings.Contains(line, "##[") {
				t.Errorf("%s has a workflow command in the runner's older syntax: %q", stream, line)
			}
			if !strings.HasPrefix(strings.TrimSpace(line), "::") {
				continue
			}
			if !ownCommand.MatchString(line) {
				t.Errorf("%s has a workflow command fooltest does not write: %q", stream, line)
			}
			if len(line) > 2000 {
				t.Errorf("%s has a %d-byte command line: %.200q…", stream, len(line), line)
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(ws, "output.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// Each output is name<<delimiter, one line of value, the delimiter.
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines)%3 != 0 {
		t.Fatalf("step outputs are not name, value, delimiter triples:\n%s", data)
	}
	known := regexp.MustCompile(`^(verdict|fooled|targets|unreachable|max-confidence|score|report-dir|junit|markdown|json|sarif)<<(.+)$`)
	for i := 0; i < len(lines); i += 3 {
		m := known.FindStringSubmatch(lines[i])
		if m == nil || lines[i+2] != m[2] {
			t.Errorf("step output %q is not one line of a known name:\n%s", lines[i], data)
		}
	}
	summary, err := os.ReadFile(filepath.Join(ws, "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"@someone", "<img", "![", "](javascript", "<!--", "</details><!", "#1 "} {
		if strings.Contains(string(summary), bad) {
			t.Errorf("the step summary holds %q:\n%s", bad, summary)
		}
	}
}
