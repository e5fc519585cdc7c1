package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/demo"
)

// forgedLine returns the first line of out that GitHub Actions would read
// as a workflow command. The runner splits on \n and \r and trims each line.
func forgedLine(out string) (string, bool) {
	for _, line := range strings.FieldsFunc(out, func(r rune) bool {
		return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029' || r == '\u0085'
	}) {
		if strings.HasPrefix(strings.TrimSpace(line), "::") {
			return line, true
		}
	}
	return "", false
}

// TestNoForgedWorkflowCommands: paths, labels and report directories that
// carry line breaks never yield an output line starting with "::", which
// GitHub Actions would run as a workflow command.
func TestNoForgedWorkflowCommands(t *testing.T) {
	dir := t.TempDir()
	const forged = "\n::error::forged"
	model := writeFile(t, dir, "model"+forged+".onnx", demo.Model)
	labels := make([]string, 10)
	for i := range labels {
		labels[i] = "digit\r::add-mask::forged\u2028::error::forged"
	}
	labelsFile := writeFile(t, dir, "labels"+forged+".txt", []byte(strings.Join(labels, "\n")))
	reportDir := filepath.Join(dir, "report"+forged)
	run := []string{"run", "--encoding", "direct", "--max-evals", "200", "--threads", "1", "--quiet"}
	tests := []struct {
		name string
		args []string
	}{
		{"inspect", []string{"inspect", "--model", model, "--preset", demo.Preset, "--labels", labelsFile}},
		{"bench", []string{"bench", "--model", model, "--duration", "100ms", "--threads", "1"}},
		{"run", append(run, "--labels", labelsFile, "--report-dir", reportDir, "--classes", "all")},
		{"run on a model path", append(run, "--model", model, "--preset", demo.Preset, "--report-dir", reportDir)},
		{"missing model", []string{"inspect", "--model", filepath.Join(dir, "none"+forged)}},
		{"missing labels", []string{"inspect", "--labels", filepath.Join(dir, "none"+forged)}},
		{"report dir is a file", append(run, "--report-dir", labelsFile)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, nil, tc.args...)
			if r.code == 0 && r.stdout == "" {
				t.Fatalf("exit 0 with no output")
			}
			for stream, out := range map[string]string{"stdout": r.stdout, "stderr": r.stderr} {
				if line, ok := forgedLine(out); ok {
					t.Errorf("%s has a workflow command line %q (exit %d)", stream, line, r.code)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(reportDir, "report.json")); err != nil {
		t.Errorf("run did not write its report: %v", err)
	}
}
