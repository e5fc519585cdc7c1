package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestRunReportsUnreachable runs the CLI on the demo LeNet with class 3's
// logit repeated as an eleventh class, which no input can push past one
// half: classes 3 and 10 must be reported as looking unreachable, with the
// reason, in report.json, the console and the other formats, and still
// count as not fooled, so the verdict is decided by the 9 fooled classes
// alone.
func TestRunReportsUnreachable(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "tied.onnx")
	if err := os.WriteFile(model, onnxtest.Duplicated(demo.Model, demo.Output, 10, 3), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report")
	for _, tc := range []struct {
		maxFooled string
		code      int
		verdict   string
	}{{"8", exitcode.GateFailed, "fail"}, {"9", exitcode.Pass, "pass"}} {
		r := runMain(t, nil, "run", "--model", model, "--preset", demo.Preset, "--output", "duplicated", "--encoding", "direct",
			"--threshold", "0.99", "--max-evals", "6000", "--seed", "1", "--max-fooled", tc.maxFooled,
			"--report-dir", out, "--quiet")
		if r.code != tc.code {
			t.Fatalf("--max-fooled %s: exit %d, want %d\n%s%s", tc.maxFooled, r.code, tc.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "2 target classes look unreachable") || !strings.Contains(r.stdout, "class 10") {
			t.Errorf("console does not name the unreachable classes:\n%s", r.stdout)
		}
		b, err := os.ReadFile(filepath.Join(out, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Verdict string `json:"verdict"`
			Fooled  int    `json:"fooled"`
			Classes []struct {
				Index       int  `json:"index"`
				Fooled      bool `json:"fooled"`
				Unreachable *struct {
					Kind    string  `json:"kind"`
					Ceiling float64 `json:"ceiling"`
					Rank    int     `json:"rank"`
					Reason  string  `json:"reason"`
				} `json:"unreachable"`
			} `json:"classes"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Verdict != tc.verdict || rep.Fooled != 9 {
			t.Errorf("--max-fooled %s: verdict %s with %d fooled, want %s with 9", tc.maxFooled, rep.Verdict, rep.Fooled, tc.verdict)
		}
		for _, c := range rep.Classes {
			u := c.Unreachable
			switch c.Index {
			case 3, 10:
				if c.Fooled || u == nil || u.Kind != "bounded" || u.Rank != 9 || u.Ceiling > 0.5001 || !strings.Contains(u.Reason, "only 9 dimensions") {
					t.Errorf("class %d: fooled %v, unreachable %+v", c.Index, c.Fooled, u)
				}
			default:
				if u != nil {
					t.Errorf("class %d marked unreachable: %+v", c.Index, u)
				}
			}
		}
		for file, want := range map[string]string{"report.md": "Classes that look unreachable", "junit.xml": "Looks unreachable", "report.sarif": "FOOL004", "report.html": "looks unreachable"} {
			b, err := os.ReadFile(filepath.Join(out, file))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), want) {
				t.Errorf("%s does not mention %q", file, want)
			}
		}
	}
}

// TestRunReportsBoundedLayer runs the CLI on mnist-tanh-ls, whose logits are
// an affine map of a 64-unit Tanh layer: over every value that layer can
// take, no class's softmax exceeds 0.988 (TestTanhFixture in package
// ceiling). At a threshold of 0.99 every class must be reported as
// unreachable, with a ceiling above what the search reached and below the
// threshold, and the search cut to 2,000 evaluations; at 0.8, which every
// class can reach, none may be.
func TestRunReportsBoundedLayer(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "models", "mnist-tanh-ls.onnx")
	for _, tc := range []struct {
		threshold string
		marked    int
	}{{"0.99", 10}, {"0.8", 0}} {
		out := t.TempDir()
		r := runMain(t, nil, "run", "--model", model, "--encoding", "direct", "--threshold", tc.threshold,
			"--max-evals", "3000", "--seed", "1", "--fail-on", "never", "--threads", "1", "--report-dir", out)
		if r.code != exitcode.Pass {
			t.Fatalf("threshold %s: exit %d\n%s%s", tc.threshold, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "scores      an affine map of a Tanh layer of 64 values in [-1, 1]") {
			t.Errorf("the summary does not name the bounded layer:\n%s", r.stdout)
		}
		b, err := os.ReadFile(filepath.Join(out, "report.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Evaluations int64  `json:"evaluations"`
			Stopped     string `json:"stopped_reason"`
			Classes     []struct {
				Index       int     `json:"index"`
				Confidence  float64 `json:"confidence"`
				Fooled      bool    `json:"fooled"`
				Unreachable *struct {
					Kind    string  `json:"kind"`
					Ceiling float64 `json:"ceiling"`
					Reason  string  `json:"reason"`
				} `json:"unreachable"`
			} `json:"classes"`
		}
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		marked := 0
		for _, c := range rep.Classes {
			u := c.Unreachable
			if u == nil {
				continue
			}
			marked++
			if u.Kind != "bounded-layer" || c.Fooled || u.Ceiling >= 0.99 || u.Ceiling < c.Confidence || !strings.Contains(u.Reason, "Tanh layer") {
				t.Errorf("threshold %s, class %d (best %.4f): %+v", tc.threshold, c.Index, c.Confidence, u)
			}
		}
		if marked != tc.marked {
			t.Errorf("threshold %s: %d classes marked unreachable, want %d", tc.threshold, marked, tc.marked)
		}
		// With every class capped, the search is cut short and says why.
		short := strings.Contains(r.stdout, "the model's weights keep all 10 classes searched below the threshold")
		if all := tc.marked == 10; short != all || (rep.Stopped == "all-unreachable") != all || all && rep.Evaluations != 2000 {
			t.Errorf("threshold %s: cut short %v, stopped %q after %d evaluations", tc.threshold, short, rep.Stopped, rep.Evaluations)
		}
	}
}

// TestActionUnreachableOutput: the action's unreachable output counts the
// classes that look unreachable, here every class of mnist-tanh-ls at
// 0.99.
func TestActionUnreachableOutput(t *testing.T) {
	model, err := filepath.Abs(filepath.Join("..", "..", "testdata", "models", "mnist-tanh-ls.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	ws := t.TempDir()
	t.Chdir(ws)
	outputs := filepath.Join(ws, "outputs")
	for _, tc := range []struct{ threshold, want string }{{"0.99", "10"}, {"0.8", "0"}} {
		if err := os.WriteFile(outputs, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		r := runMain(t, map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws, "GITHUB_OUTPUT": outputs,
			"INPUT_MODEL": model, "INPUT_THRESHOLD": tc.threshold, "INPUT_ENCODING": "direct",
			"INPUT_MAX-EVALS": "3000", "INPUT_FAIL-ON": "never", "INPUT_REPORT-DIR": "rep",
		})
		if r.code != exitcode.Pass {
			t.Fatalf("threshold %s: exit %d; stderr %q", tc.threshold, r.code, r.stderr)
		}
		b, err := os.ReadFile(outputs)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(string(b), "\n")
		got := ""
		for i, l := range lines {
			if strings.HasPrefix(l, "unreachable<<") && i+1 < len(lines) {
				got = lines[i+1]
			}
		}
		if got != tc.want {
			t.Errorf("threshold %s: unreachable output %q, want %q:\n%s", tc.threshold, got, tc.want, b)
		}
	}
}
