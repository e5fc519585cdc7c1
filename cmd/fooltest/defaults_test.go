package main

import (
	"cmp"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestScoredDefaultsDocumented: a run gated on the score (--baseline or
// --min-score) caps --max-evals and searches --repeats times when they are
// not given. run -h, action.yml and docs/usage.md's flag table each say so,
// with the values the run uses: a default that only one of them names
// reads as none in the others.
func TestScoredDefaultsDocumented(t *testing.T) {
	help := runMain(t, nil, "run", "-h")
	if help.code != 0 {
		t.Fatalf("run -h: exit %d: %s", help.code, help.stderr)
	}
	yml, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	flags, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "usage.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		value int
	}{
		{"max-evals", defaultScoredEvals},
		{"repeats", defaultScoredRepeats},
	} {
		v := strconv.Itoa(tc.value)
		// The flag's usage: its line in run -h and the indented one after.
		usage := regexp.MustCompile(`(?m)^  -` + tc.name + ` .*\n.*`).FindString(help.stdout)
		if !strings.Contains(usage, v+" ") || !strings.Contains(usage, "--baseline or --min-score") {
			t.Errorf("run -h says of --%s %q, without %s under --baseline or --min-score", tc.name, usage, v)
		}
		// The input's description: what follows its key up to the next.
		input := regexp.MustCompile(`(?s)\n  ` + tc.name + `:\n(.*?)\n  [a-z-]+:\n`).FindStringSubmatch(string(yml))
		if input == nil || !strings.Contains(strings.Join(strings.Fields(input[1]), " "), v+" with a baseline or min-score") {
			t.Errorf("action.yml's %s input does not say %q: %q", tc.name, v+" with a baseline or min-score", input)
		}
		row := regexp.MustCompile("(?m)^\\| `--" + tc.name + " N` \\|.*$").FindString(string(flags))
		if !strings.Contains(row, v+" with `--baseline` or `--min-score`") {
			t.Errorf("docs/usage.md's row of --%s does not say %q: %q", tc.name, v+" with `--baseline` or `--min-score`", row)
		}
	}
}

// TestOutputDefaultDocumented: with no --output, fooltest reads, of the
// float outputs with K>1, the one a Softmax, LogSoftmax or Sigmoid computes
// (else the first), and with none the first with one score per image. The
// --output help of run, inspect and bench, action.yml's output input and
// docs/usage.md's row each state the whole rule: a help that names only
// the first output with K>1 sends a user of a two-head model to the wrong
// one.
func TestOutputDefaultDocumented(t *testing.T) {
	for _, cmd := range []string{"run", "inspect", "bench"} {
		help := runMain(t, nil, cmd, "-h")
		if help.code != 0 {
			t.Fatalf("%s -h: exit %d: %s", cmd, help.code, help.stderr)
		}
		usage := regexp.MustCompile(`(?m)^  -output .*\n(?:    .*\n)*`).FindString(help.stdout)
		usage = strings.Join(strings.Fields(usage), " ")
		for _, want := range []string{"the one a Softmax, LogSoftmax or Sigmoid computes, else the first", "the first with one score per image"} {
			if !strings.Contains(usage, want) {
				t.Errorf("%s -h says of --output %q, without %q", cmd, usage, want)
			}
		}
	}
	yml, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	input := regexp.MustCompile(`(?s)\n  output:\n(.*?)\n  [a-z-]+:\n`).FindStringSubmatch(string(yml))
	if input == nil || !strings.Contains(strings.Join(strings.Fields(input[1]), " "), "the one a Softmax, LogSoftmax or Sigmoid computes, else the first; with none, the first with one score per image") {
		t.Errorf("action.yml's output input does not state the default's rule: %q", input)
	}
	flags, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "usage.md"))
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `--output NAME` \\|.*$").FindString(string(flags))
	if !strings.Contains(row, "the one a `Softmax`, `LogSoftmax` or `Sigmoid` computes, else the first") || !strings.Contains(row, "the first with one score per image") {
		t.Errorf("docs/usage.md's row of --output does not state the default's rule: %q", row)
	}
}

// TestInputDefaultsDocumented: an Action input that sets a run flag with
// a default says "default" and that value in its description, as run -h
// does: an input described without one (encoding, algorithm and seed were)
// leaves a workflow author to guess what an empty input runs. max-evals
// and format word theirs otherwise (TestScoredDefaultsDocumented checks
// max-evals). The classes input names ranges, as --classes takes them.
func TestInputDefaultsDocumented(t *testing.T) {
	help := runMain(t, nil, "run", "-h")
	if help.code != 0 {
		t.Fatalf("run -h: exit %d: %s", help.code, help.stderr)
	}
	defaults := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z-]+)(?: \S+)?\n((?:    .*\n)*)`).FindAllStringSubmatch(help.stdout, -1) {
		usage := strings.Join(strings.Fields(m[2]), " ")
		if d := regexp.MustCompile(`\(default "?([^")]*)"?\)$`).FindStringSubmatch(usage); d != nil {
			defaults[m[1]] = d[1]
		}
	}
	if defaults["seed"] != "1" || defaults["encoding"] != "both" {
		t.Fatalf("read the defaults %q from run -h, want seed 1 and encoding both among them", defaults)
	}
	yml, err := os.ReadFile(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	inputs, _, _ := strings.Cut(string(yml), "\noutputs:\n")
	worded := map[string]string{"max-evals": "default no limit", "format": "default all but dataset"}
	checked := 0
	for _, m := range regexp.MustCompile(`(?ms)^  ([a-z-]+):\n    description: (.*?)\n    required:`).FindAllStringSubmatch(inputs, -1) {
		name, desc := m[1], strings.Join(strings.Fields(m[2]), " ")
		v, ok := defaults[name]
		if !ok {
			continue
		}
		want := cmp.Or(worded[name], "default "+v)
		if !strings.Contains(desc, want) {
			t.Errorf("action.yml's %s input does not say %q: %s", name, want, desc)
		}
		if name == "classes" && !strings.Contains(desc, "ranges a-b") {
			t.Errorf("action.yml's classes input names no ranges: %s", desc)
		}
		checked++
	}
	if checked < 15 {
		t.Errorf("checked %d inputs against run -h, want every input with a flag default (15 at least)", checked)
	}
}
