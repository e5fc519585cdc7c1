package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestJSONInActions: inspect --json in a workflow step prints JSON that
// a script reads back as it is, even where a name holds the runner's
// older command syntax, which the output breaks in Actions mode.
func TestJSONInActions(t *testing.T) {
	model := writeModel(t, "m##[add-mask]x.onnx", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "Softmax"))
	for _, actions := range []string{"", "true"} {
		var stdout, stderr bytes.Buffer
		code := Main(t.Context(), []string{"inspect", "--json", "--model", model}, env{stdout: &stdout, stderr: &stderr, getenv: func(k string) string {
			if k == "GITHUB_ACTIONS" {
				return actions
			}
			return ""
		}})
		if code != 0 {
			t.Fatalf("GITHUB_ACTIONS=%q: exit %d, stderr %s", actions, code, stderr.String())
		}
		if strings.Contains(stdout.String(), "##[") {
			t.Errorf("GITHUB_ACTIONS=%q: the output holds ##[, which the runner would read as a command", actions)
		}
		var got struct{ Model string }
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || got.Model != model {
			t.Errorf("GITHUB_ACTIONS=%q: model %q, %v; want %q", actions, got.Model, err, model)
		}
	}
}
