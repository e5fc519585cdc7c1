package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestActionGateReasonInInputs: the gate's reason for the verdict error
// reaches the step's error annotation, error line and summary in the
// Action's inputs, which the step sets, not in the CLI's flags.
func TestActionGateReasonInInputs(t *testing.T) {
	vars := actionWorkspace(t, map[string]string{
		"INPUT_MAX-EVALS": "5", "INPUT_THRESHOLD": "0.999", "INPUT_MAX-FOOLED": "100%", "INPUT_FORMAT": "json", "INPUT_REPORT-DIR": "rep",
	})
	r := runMain(t, vars)
	if r.code != exitcode.Environment {
		t.Fatalf("exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	summary, err := os.ReadFile(filepath.Join(vars["GITHUB_WORKSPACE"], "summary.md"))
	if err != nil {
		t.Fatal(err)
	}
	var annotation string
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(line, "::error ") {
			annotation += line + "\n"
		}
	}
	for what, text := range map[string]string{"annotation": annotation, "error line": r.stderr, "summary": string(summary)} {
		if !strings.Contains(text, "capped by max-evals: 5,") || !strings.Contains(text, "raise the max-evals input to at least 10") {
			t.Errorf("the %s does not name the max-evals input:\n%s", what, text)
		}
		if strings.Contains(text, "--max-evals") || strings.Contains(text, "--classes") || strings.Contains(text, "--shard") {
			t.Errorf("the %s names a flag:\n%s", what, text)
		}
	}
}
