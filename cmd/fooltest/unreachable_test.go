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
		r := runMain(t, nil, "run", "--model", model, "--output", "duplicated", "--encoding", "direct",
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
