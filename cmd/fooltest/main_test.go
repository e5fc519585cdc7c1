package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/ortload"
)

// binary is fooltest built once for tests that need a real process:
// signals, and a runtime library that can only be loaded once per process.
var binary string

func TestMain(m *testing.M) {
	// In-process runs share one runtime, loaded from the repository now:
	// tests that run in a temporary workspace do not find it from there.
	if _, err := ortload.Load(); err != nil {
		fmt.Fprintln(os.Stderr, "fooltest tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "fooltest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "fooltest")
	build := exec.Command("go", append(append([]string{"build"}, raceFlags...), "-o", binary, ".")...)
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building fooltest:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one in-process run of Main.
type result struct {
	code           int
	stdout, stderr string
}

// runMain runs fooltest in-process with a clean environment.
func runMain(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := envFor(&out, &errb, env)
	code := Main(context.Background(), args, e)
	return result{code, out.String(), errb.String()}
}

func envFor(out, errb *bytes.Buffer, vars map[string]string) env {
	return env{stdout: out, stderr: errb, getenv: func(k string) string { return vars[k] }}
}

// runBinary runs the built fooltest as a subprocess.
func runBinary(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// repoRoot finds the module root, where the runtime library is installed.
func repoRoot(t *testing.T) string {
	t.Helper()
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..")
}

// reportLabels returns the class labels of the report.json in dir, in the
// report's order.
func reportLabels(t *testing.T, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Classes []struct {
			Label string `json:"label"`
		} `json:"classes"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	labels := make([]string, len(rep.Classes))
	for i, c := range rep.Classes {
		labels[i] = c.Label
	}
	return labels
}

// TestStopping: the first signal's notice says what the command does then;
// only run, merge and the Action write reports, and a run only once the
// model's search has started.
func TestStopping(t *testing.T) {
	none := func(string) string { return "" }
	actions := func(k string) string {
		if k == "GITHUB_ACTIONS" {
			return "true"
		}
		return ""
	}
	merging := func(k string) string {
		switch k {
		case "GITHUB_ACTIONS":
			return "true"
		case "INPUT_MERGE":
			return "shards/*"
		}
		return ""
	}
	const (
		writes   = "stopping the search and writing reports"
		unsearch = "stopping; the model's search has not started, so no reports are written"
		merges   = "stopping and writing the merged reports"
	)
	for _, tc := range []struct {
		args      []string
		getenv    func(string) string
		searching bool
		want      string
	}{
		{nil, none, true, writes},
		{nil, none, false, unsearch},
		{[]string{"--model", "m.onnx"}, none, true, writes},
		{[]string{"run"}, none, true, writes},
		{[]string{"run"}, none, false, unsearch},
		{[]string{"merge", "a", "b"}, none, false, merges},
		{[]string{"bench", "--model", "m.onnx"}, none, false, "stopping the measurement"},
		{[]string{"inspect"}, none, false, "stopping; nothing is printed"},
		{[]string{"version"}, none, false, "stopping"},
		{nil, actions, true, writes},
		{nil, actions, false, unsearch},
		{nil, merging, false, merges},
	} {
		if got := stopping(tc.args, tc.getenv, tc.searching); got != tc.want {
			t.Errorf("%q (searching %v): %q, want %q", tc.args, tc.searching, got, tc.want)
		}
	}
}
