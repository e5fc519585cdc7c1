package actions

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sethvargo/go-githubactions"
)

// runner is a fake runner: a workspace, the files the runner hands a step
// and what the step printed.
type runner struct {
	workspace, output, summary string
	env                        map[string]string
	stdout                     bytes.Buffer
}

func newRunner(t *testing.T) *runner {
	t.Helper()
	ws := t.TempDir()
	files := t.TempDir()
	r := &runner{
		workspace: ws,
		output:    filepath.Join(files, "output"),
		summary:   filepath.Join(files, "summary"),
	}
	r.env = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_WORKSPACE":    ws,
		"GITHUB_OUTPUT":       r.output,
		"GITHUB_STEP_SUMMARY": r.summary,
	}
	return r
}

func (r *runner) action() *githubactions.Action {
	return githubactions.New(githubactions.WithGetenv(env(r.env)), githubactions.WithWriter(&r.stdout))
}

// write puts a file under the workspace and returns its absolute path.
func (r *runner) write(t *testing.T, rel, content string) string {
	t.Helper()
	p := filepath.Join(r.workspace, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// outputs parses GITHUB_OUTPUT as the runner does: name<<DELIM, value, DELIM.
func (r *runner) outputs(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(r.output)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, delim, ok := strings.Cut(lines[i], "<<")
		if !ok {
			t.Fatalf("GITHUB_OUTPUT line %q is not name<<delimiter", lines[i])
		}
		var value []string
		for i++; i < len(lines) && lines[i] != delim; i++ {
			value = append(value, lines[i])
		}
		if i == len(lines) {
			t.Fatalf("GITHUB_OUTPUT value of %s is not closed by %s", name, delim)
		}
		out[name] = strings.Join(value, "\n")
	}
	return out
}

func (r *runner) summaryText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(r.summary)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// commands returns the workflow commands the step printed, one per line.
func (r *runner) commands() []string {
	var cmds []string
	for _, l := range strings.Split(r.stdout.String(), "\n") {
		if strings.HasPrefix(l, "::") {
			cmds = append(cmds, l)
		}
	}
	return cmds
}

func fooled(n int) []FooledClass {
	cs := make([]FooledClass, n)
	for i := range cs {
		cs[i] = FooledClass{Index: i, Label: fmt.Sprintf("digit %d", i), Confidence: 0.999}
	}
	return cs
}

func TestFinish(t *testing.T) {
	const md = "# fooltest\n\n| class | confidence |\n|---|---|\n| 3 | 0.999 |\n"
	tests := []struct {
		name string
		// outcome gets report paths under the workspace filled in.
		outcome     func(r *runner) Outcome
		wantOutputs map[string]string
		wantSummary string
		wantCmds    []string
	}{
		{
			name: "gate failed on a model in the repository",
			outcome: func(r *runner) Outcome {
				return Outcome{
					Verdict: "fail", Fooled: 2, Targets: 10, Threshold: 0.99, MaxConfidence: 0.9996, ExitCode: 1,
					ReportDir:  filepath.Join(r.workspace, "fooltest-report"),
					JUnit:      filepath.Join(r.workspace, "fooltest-report/junit.xml"),
					Markdown:   r.write(t, "fooltest-report/report.md", md),
					JSON:       filepath.Join(r.workspace, "fooltest-report/report.json"),
					SARIF:      filepath.Join(r.workspace, "fooltest-report/report.sarif"),
					Model:      filepath.Join(r.workspace, "models/net.onnx"),
					Classes:    []FooledClass{{Index: 3, Label: "three", Confidence: 0.9996}, {Index: 8, Confidence: 0.991}},
					FooledFail: true,
				}
			},
			wantOutputs: map[string]string{
				"verdict": "fail", "score": "0", "fooled": "2", "targets": "10", "unreachable": "0", "max-confidence": "0.9996",
				"report-dir": "fooltest-report", "junit": "fooltest-report/junit.xml",
				"markdown": "fooltest-report/report.md", "json": "fooltest-report/report.json",
				"sarif": "fooltest-report/report.sarif",
			},
			wantSummary: md + "\n",
			wantCmds: []string{
				`::error file=models/net.onnx,line=1,title=fooltest%3A class 3 fooled::class 3 ("three") labelled an unrecognizable image with confidence 0.99960 (threshold 0.99)`,
				`::error file=models/net.onnx,line=1,title=fooltest%3A class 8 fooled::class 8 (no label) labelled an unrecognizable image with confidence 0.99100 (threshold 0.99)`,
			},
		},
		{
			name: "reports not written after the verdict",
			outcome: func(r *runner) Outcome {
				return Outcome{
					Verdict: "pass", Fooled: 0, Targets: 10, Threshold: 0.99, MaxConfidence: 0.5, ExitCode: 3,
					Err:       errors.New("writing reports to fooltest-report: no space left on device in fooltest-report (4 reports not written): check the free space"),
					ReportDir: "fooltest-report", Markdown: r.write(t, "fooltest-report/report.md", md), Model: "models/net.onnx",
				}
			},
			wantOutputs: map[string]string{
				"verdict": "pass", "score": "0", "fooled": "0", "targets": "10", "unreachable": "0", "max-confidence": "0.5",
				"report-dir": "fooltest-report", "markdown": "fooltest-report/report.md",
			},
			wantSummary: "> **fooltest: error:** writing reports to fooltest-report: no space left on device in fooltest-report &#40;4 reports not written&#41;: check the free space\n\n" + md + "\n",
			wantCmds: []string{
				`::error title=fooltest%3A runtime failure::writing reports to fooltest-report: no space left on device in fooltest-report (4 reports not written): check the free space`,
			},
		},
		{
			name: "fooled classes in a passing step are warnings",
			outcome: func(r *runner) Outcome {
				return Outcome{
					Verdict: "pass", Fooled: 1, Targets: 10, Threshold: 0.99, MaxConfidence: 0.995, ExitCode: 0,
					ReportDir: "fooltest-report", Model: "models/net.onnx",
					Classes: []FooledClass{{Index: 1, Label: "one", Confidence: 0.995}},
				}
			},
			wantOutputs: map[string]string{
				"verdict": "pass", "score": "0", "fooled": "1", "targets": "10", "unreachable": "0", "max-confidence": "0.995",
				"report-dir": "fooltest-report",
			},
			wantSummary: "### fooltest: pass\n\n1 of 10 classes fooled (max confidence 0.99500).\n\n",
			wantCmds: []string{
				`::warning file=models/net.onnx,line=1,title=fooltest%3A class 1 fooled::class 1 ("one") labelled an unrecognizable image with confidence 0.99500 (threshold 0.99)`,
			},
		},
		{
			name: "report-only: a failed gate that does not fail the step warns",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "fail", Fooled: 1, Targets: 10, Threshold: 0.99, MaxConfidence: 0.995, ExitCode: 0,
					Model: "models/net.onnx", Classes: []FooledClass{{Index: 1, Label: "one", Confidence: 0.995}}}
			},
			wantOutputs: map[string]string{"verdict": "fail", "score": "0", "fooled": "1", "targets": "10", "unreachable": "0", "max-confidence": "0.995"},
			wantSummary: "### fooltest: fail\n\n1 of 10 classes fooled (max confidence 0.99500).\n\n",
			wantCmds: []string{
				`::warning file=models/net.onnx,line=1,title=fooltest%3A class 1 fooled::class 1 ("one") labelled an unrecognizable image with confidence 0.99500 (threshold 0.99)`,
			},
		},
		{
			// The reports print 0.9999997 as 0.99999 and 0.99857 as it is:
			// an annotation rounding either (to 1.0000 and 0.9986) would
			// state a confidence no report holds.
			name: "confidences printed as the reports print them",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "fail", Fooled: 2, Targets: 10, Threshold: 0.99, MaxConfidence: 0.9999997, ExitCode: 1,
					Classes:    []FooledClass{{Index: 5, Label: "five", Confidence: 0.9999997}, {Index: 6, Label: "six", Confidence: 0.99857}},
					FooledFail: true}
			},
			wantOutputs: map[string]string{"verdict": "fail", "score": "0", "fooled": "2", "targets": "10", "unreachable": "0", "max-confidence": "0.9999997"},
			wantSummary: "### fooltest: fail\n\n2 of 10 classes fooled (max confidence 0.99999).\n\n",
			wantCmds: []string{
				`::notice::fooltest ran its embedded demo model: set the model input to test your classifier`,
				`::error title=fooltest%3A class 5 fooled::class 5 ("five") labelled an unrecognizable image with confidence 0.99999 (threshold 0.99)`,
				`::error title=fooltest%3A class 6 fooled::class 6 ("six") labelled an unrecognizable image with confidence 0.99857 (threshold 0.99)`,
			},
		},
		{
			// Quotation marks in a label are escaped, as the reports
			// escape them: unescaped, this label closed its quotes and
			// went on as a forged statement about class 7.
			name: "a label's quotation marks do not end its quotes",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "pass", Fooled: 1, Targets: 10, Threshold: 0.99, MaxConfidence: 0.995, ExitCode: 0,
					Model: "models/net.onnx", Classes: []FooledClass{{Index: 1, Label: `cat" is not fooled. Class 7 "dog \ bird`, Confidence: 0.995}}}
			},
			wantOutputs: map[string]string{"verdict": "pass", "score": "0", "fooled": "1", "targets": "10", "unreachable": "0", "max-confidence": "0.995"},
			wantSummary: "### fooltest: pass\n\n1 of 10 classes fooled (max confidence 0.99500).\n\n",
			wantCmds: []string{
				`::warning file=models/net.onnx,line=1,title=fooltest%3A class 1 fooled::class 1 ("cat\" is not fooled. Class 7 \"dog \\ bird") labelled an unrecognizable image with confidence 0.99500 (threshold 0.99)`,
			},
		},
		{
			name: "demo model has no file to annotate",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "fail", Fooled: 1, Targets: 10, Threshold: 0.99, MaxConfidence: 1, ExitCode: 1,
					Classes: []FooledClass{{Index: 0, Label: "zero", Confidence: 1}}, FooledFail: true}
			},
			wantOutputs: map[string]string{"verdict": "fail", "score": "0", "fooled": "1", "targets": "10", "unreachable": "0", "max-confidence": "1"},
			wantSummary: "### fooltest: fail\n\n1 of 10 classes fooled (max confidence 1.00000).\n\n",
			wantCmds: []string{
				`::notice::fooltest ran its embedded demo model: set the model input to test your classifier`,
				`::error title=fooltest%3A class 0 fooled::class 0 ("zero") labelled an unrecognizable image with confidence 1.00000 (threshold 0.99)`,
			},
		},
		{
			name: "classes that look unreachable are counted",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "pass", Targets: 10, Unreachable: 10, Threshold: 0.99, MaxConfidence: 0.96, Model: "models/net.onnx", ExitCode: 0}
			},
			wantOutputs: map[string]string{"verdict": "pass", "score": "0", "fooled": "0", "targets": "10", "unreachable": "10", "max-confidence": "0.96"},
			wantSummary: "### fooltest: pass\n\n0 of 10 classes fooled (max confidence 0.96000).\n\n",
		},
		{
			name: "a run past the preprocessing check warns",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "pass", Targets: 10, Threshold: 0.99, Model: "models/net.onnx", ExitCode: 0,
					PreprocessingWarning: "the model labelled only 10 of 100 MNIST test digits right\n::error::forged"}
			},
			wantOutputs: map[string]string{"verdict": "pass", "score": "0", "fooled": "0", "targets": "10", "unreachable": "0", "max-confidence": "0"},
			wantSummary: "### fooltest: pass\n\n0 of 10 classes fooled (max confidence 0.00000).\n\n",
			wantCmds: []string{
				`::warning title=fooltest%3A the preprocessing looks wrong::the model labelled only 10 of 100 MNIST test digits right; ::error::forged`,
			},
		},
		{
			name: "model outside the workspace has no file to annotate",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "fail", Fooled: 1, Targets: 2, Threshold: 0.5, Model: "/opt/models/net.onnx", ExitCode: 1,
					Classes: []FooledClass{{Index: 1, Label: "b", Confidence: 0.75}}, FooledFail: true}
			},
			wantOutputs: map[string]string{"verdict": "fail", "score": "0", "fooled": "1", "targets": "2", "unreachable": "0", "max-confidence": "0"},
			wantSummary: "### fooltest: fail\n\n1 of 2 classes fooled (max confidence 0.00000).\n\n",
			wantCmds: []string{
				`::error title=fooltest%3A class 1 fooled::class 1 ("b") labelled an unrecognizable image with confidence 0.75000 (threshold 0.5)`,
			},
		},
		{
			name: "model not tested",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "error", NotTested: "scoring failed:\nthe model returned NaN scores", Fooled: 1, Targets: 4,
					Threshold: 0.99, Score: 0.75, ExitCode: 3, Err: errors.New("the model returned NaN scores"), Model: "net.onnx",
					Classes: []FooledClass{{Index: 2, Label: "two", Confidence: 0.995}}, FooledFail: true}
			},
			wantOutputs: map[string]string{"verdict": "error", "fooled": "1", "targets": "4", "unreachable": "0", "max-confidence": "0", "score": "0.75"},
			wantSummary: "### fooltest: ERROR: the model was not tested\n\nscoring failed: the model returned NaN scores\n\n1 of 4 classes fooled before it stopped.\n\n",
			wantCmds: []string{
				`::error title=fooltest%3A runtime failure::the model returned NaN scores`,
				`::error file=net.onnx,line=1,title=fooltest%3A class 2 fooled::class 2 ("two") labelled an unrecognizable image with confidence 0.99500 (threshold 0.99)`,
			},
		},
		{
			name: "interrupted within max-fooled: the fooled classes are warnings",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "error", NotTested: "interrupted", Fooled: 1, Targets: 4,
					Threshold: 0.99, ExitCode: 3, Err: errors.New("interrupted"), Model: "net.onnx",
					Classes: []FooledClass{{Index: 2, Label: "two", Confidence: 0.995}}}
			},
			wantOutputs: map[string]string{"verdict": "error", "fooled": "1", "targets": "4", "unreachable": "0", "max-confidence": "0", "score": "0"},
			wantSummary: "### fooltest: ERROR: the model was not tested\n\ninterrupted\n\n1 of 4 classes fooled before it stopped.\n\n",
			wantCmds: []string{
				`::error title=fooltest%3A runtime failure::interrupted`,
				`::warning file=net.onnx,line=1,title=fooltest%3A class 2 fooled::class 2 ("two") labelled an unrecognizable image with confidence 0.99500 (threshold 0.99)`,
			},
		},
		{
			name: "baseline regression",
			outcome: func(r *runner) Outcome {
				return Outcome{Verdict: "fail", Fooled: 1, Targets: 10, Threshold: 0.99, Score: 0.4125, ExitCode: 1,
					Model: "net.onnx", Baseline: &BaselineOutcome{Score: 0.5, PValue: 0.0039, Regression: true},
					Classes:      []FooledClass{{Index: 4, Label: "four", Confidence: 0.993}},
					GateFailures: []string{"easier to fool than the baseline: score 0.412 against the baseline's 0.500"}}
			},
			wantOutputs: map[string]string{"verdict": "fail", "fooled": "1", "targets": "10", "unreachable": "0", "max-confidence": "0",
				"score": "0.4125", "baseline-score": "0.5", "p-value": "0.0039", "regression": "true"},
			wantSummary: "### fooltest: fail\n\n1 of 10 classes fooled (max confidence 0.00000).\n\nScore 0.412 against the baseline's 0.500 (p = 0.0039 that it is easier to fool; regression: true).\n\n",
			wantCmds: []string{
				`::error file=net.onnx,line=1,title=fooltest%3A gate failed::easier to fool than the baseline: score 0.412 against the baseline's 0.500`,
				`::warning file=net.onnx,line=1,title=fooltest%3A class 4 fooled::class 4 ("four") labelled an unrecognizable image with confidence 0.99300 (threshold 0.99)`,
			},
		},
		{
			name: "invalid input",
			outcome: func(r *runner) Outcome {
				return Outcome{Err: errors.New("--threshold: must be in (0,1],\n got 7"), ExitCode: 2, Model: "net.onnx"}
			},
			wantOutputs: map[string]string{"verdict": "error"},
			wantSummary: "### fooltest: error\n\n--threshold: must be in &#40;0,1&#93;, got 7\n\n",
			wantCmds:    []string{`::error title=fooltest%3A invalid input::--threshold: must be in (0,1], got 7`},
		},
		{
			// go-githubactions' fixed delimiter, as a report-dir, once
			// ended its own value early and left the runner a stray line.
			name: "report-dir named like a delimiter",
			outcome: func(r *runner) Outcome {
				dir := "_GitHubActionsFileCommandDelimeter_"
				return Outcome{Verdict: "pass", Targets: 10, ExitCode: 0, Model: "net.onnx",
					ReportDir: dir, JSON: dir + "/report.json"}
			},
			wantOutputs: map[string]string{"verdict": "pass", "fooled": "0", "targets": "10", "unreachable": "0", "max-confidence": "0",
				"score": "0", "report-dir": "_GitHubActionsFileCommandDelimeter_", "json": "_GitHubActionsFileCommandDelimeter_/report.json"},
			wantSummary: "### fooltest: pass\n\n0 of 10 classes fooled (max confidence 0.00000).\n\n",
		},
		{
			// Errors quote paths and a model's own names: in the step
			// summary they must not ping, load an image or render HTML.
			name: "error quoting hostile text",
			outcome: func(r *runner) Outcome {
				return Outcome{Err: errors.New("node @octocat ![x](http://evil.example/a.png) <img src=x>: failed"), ExitCode: 3}
			},
			wantOutputs: map[string]string{"verdict": "error"},
			wantSummary: "### fooltest: error\n\nnode &#64;&#8203;octocat &#33;&#91;x&#93;&#40;http&#58;//evil.example/a.png&#41; &#60;img src=x&#62;: failed\n\n",
			wantCmds:    []string{`::error title=fooltest%3A runtime failure::node @octocat ![x](http://evil.example/a.png) <img src=x>: failed`},
		},
		{
			name: "runtime failure",
			outcome: func(r *runner) Outcome {
				return Outcome{Err: errors.New("load libonnxruntime.so: no such file"), ExitCode: 3}
			},
			wantOutputs: map[string]string{"verdict": "error"},
			wantSummary: "### fooltest: error\n\nload libonnxruntime.so: no such file\n\n",
			wantCmds:    []string{`::error title=fooltest%3A runtime failure::load libonnxruntime.so: no such file`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t)
			t.Chdir(r.workspace)
			if err := Finish(r.action(), tt.outcome(r)); err != nil {
				t.Fatalf("Finish() error = %v", err)
			}
			if got := r.outputs(t); !maps.Equal(got, tt.wantOutputs) {
				t.Errorf("outputs = %v\nwant %v", got, tt.wantOutputs)
			}
			if got := r.summaryText(t); got != tt.wantSummary {
				t.Errorf("summary = %q\nwant %q", got, tt.wantSummary)
			}
			if got := r.commands(); !slices.Equal(got, tt.wantCmds) {
				t.Errorf("commands =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.wantCmds, "\n"))
			}
		})
	}
}

// TestFinishAnnotationLimit: GitHub shows at most 10 annotations of a level
// per step, so the fooled classes take what the others of their level
// leave, the last slot summarising the rest.
func TestFinishAnnotationLimit(t *testing.T) {
	tests := []struct {
		name       string
		fooled     int
		err        error
		warning    string
		fooledFail bool
		wantErrs   int
		wantWarns  int
		wantLast   string
	}{
		{name: "10 failing", fooled: 10, fooledFail: true, wantErrs: 10, wantLast: "class 9 fooled"},
		{name: "11 failing", fooled: 11, fooledFail: true, wantErrs: 10, wantLast: "::2 more classes fooled (11 of 100 in all); see the report"},
		{name: "100 failing", fooled: 100, fooledFail: true, wantErrs: 10, wantLast: "::91 more classes fooled (100 of 100 in all); see the report"},
		{name: "100 failing and a runtime failure", fooled: 100, fooledFail: true, err: errors.New("a shard is missing"),
			wantErrs: 10, wantLast: "::92 more classes fooled (100 of 100 in all); see the report"},
		{name: "100 allowed and a runtime failure", fooled: 100, err: errors.New("interrupted"),
			wantErrs: 1, wantWarns: 10, wantLast: "::91 more classes fooled (100 of 100 in all); see the report"},
		{name: "100 allowed and a preprocessing warning", fooled: 100, warning: "the preprocessing looks wrong",
			wantWarns: 10, wantLast: "::92 more classes fooled (100 of 100 in all); see the report"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRunner(t)
			code := 1
			if !tt.fooledFail {
				code = 0
			}
			if tt.err != nil {
				code = 3
			}
			o := Outcome{Verdict: "fail", Fooled: tt.fooled, Targets: 100, ExitCode: code, Err: tt.err, PreprocessingWarning: tt.warning,
				Model: filepath.Join(r.workspace, "m.onnx"), Classes: fooled(tt.fooled), FooledFail: tt.fooledFail}
			if err := Finish(r.action(), o); err != nil {
				t.Fatal(err)
			}
			cmds := r.commands()
			errs, warns := 0, 0
			for _, c := range cmds {
				switch {
				case strings.HasPrefix(c, "::error"):
					errs++
				case strings.HasPrefix(c, "::warning"):
					warns++
				}
				if strings.Contains(c, "fooled") && !strings.Contains(c, " file=m.onnx,line=1,") {
					t.Errorf("command %q is not on the model file", c)
				}
			}
			if errs != tt.wantErrs || warns != tt.wantWarns {
				t.Fatalf("%d errors and %d warnings, want %d and %d:\n%s", errs, warns, tt.wantErrs, tt.wantWarns, strings.Join(cmds, "\n"))
			}
			if last := cmds[len(cmds)-1]; !strings.Contains(last, tt.wantLast) {
				t.Errorf("last command = %q, want it to contain %q", last, tt.wantLast)
			}
		})
	}
}

func TestFinishOutsideRunner(t *testing.T) {
	// No output or summary files: nothing to write, and nothing may panic.
	var stdout bytes.Buffer
	gha := githubactions.New(githubactions.WithGetenv(env(nil)), githubactions.WithWriter(&stdout))
	if err := Finish(gha, Outcome{Verdict: "fail", Fooled: 1, Targets: 1, ExitCode: 1, Classes: fooled(1), FooledFail: true}); err != nil {
		t.Fatalf("Finish() error = %v", err)
	}
	if !strings.Contains(stdout.String(), "::error title=fooltest%3A class 0 fooled::") {
		t.Errorf("stdout = %q, want the annotation still", stdout.String())
	}
}

func TestFinishReportsFailuresButCarriesOn(t *testing.T) {
	r := newRunner(t)
	o := Outcome{Verdict: "fail", Fooled: 1, Targets: 1, ExitCode: 1, Markdown: filepath.Join(r.workspace, "missing.md"), Classes: fooled(1), FooledFail: true}
	err := Finish(r.action(), o)
	if err == nil || !strings.Contains(err.Error(), "write step summary") || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Finish() error = %v, want the summary failure wrapping its cause", err)
	}
	if got := r.outputs(t)["verdict"]; got != "fail" {
		t.Errorf("verdict output = %q, want fail despite the summary failure", got)
	}
	if cmds := r.commands(); !slices.ContainsFunc(cmds, func(c string) bool { return strings.HasPrefix(c, "::error ") }) {
		t.Errorf("commands = %q, want the annotation despite the summary failure", cmds)
	}
}

// TestFinishWarnsOfUnwrittenOutputs: outputs or a summary the runner's
// files did not take are a warning annotation, for the step's reviewer,
// beside the line on stderr; the other annotations still come.
func TestFinishWarnsOfUnwrittenOutputs(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone", "file")
	for _, tc := range []struct{ name, variable, want, lost string }{
		{"outputs", "GITHUB_OUTPUT", "set outputs", "the step outputs (the verdict included), which later steps read"},
		{"summary", "GITHUB_STEP_SUMMARY", "write step summary", "the job summary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{"GITHUB_OUTPUT": filepath.Join(t.TempDir(), "out"), "GITHUB_STEP_SUMMARY": filepath.Join(t.TempDir(), "sum")}
			vars[tc.variable] = missing
			var stdout bytes.Buffer
			gha := githubactions.New(githubactions.WithGetenv(env(vars)), githubactions.WithWriter(&stdout))
			err := Finish(gha, Outcome{Verdict: "pass", Targets: 1, Threshold: 0.99})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Finish() error = %v, want one saying %q", err, tc.want)
			}
			want := "::warning title=fooltest%3A step outputs or summary not written::this step could not write " + tc.lost + ", whatever its exit code: " + tc.want
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("stdout = %q, want the warning %q", stdout.String(), want)
			}
			if n := strings.Count(stdout.String(), "::warning"); n != 1 {
				t.Errorf("%d warnings, want one, of what was lost alone: %q", n, stdout.String())
			}
			if !strings.Contains(stdout.String(), "::notice::fooltest ran its embedded demo model") {
				t.Errorf("stdout = %q, want the other annotations still", stdout.String())
			}
		})
	}
	// Nothing to write outside a runner is no failure.
	var stdout bytes.Buffer
	gha := githubactions.New(githubactions.WithGetenv(env(nil)), githubactions.WithWriter(&stdout))
	if err := Finish(gha, Outcome{Verdict: "pass", Targets: 1}); err != nil || strings.Contains(stdout.String(), "::warning") {
		t.Errorf("Finish() outside a runner = %v, stdout %q; want no error or warning", err, stdout.String())
	}
}

func TestFinishTruncatesSummary(t *testing.T) {
	r := newRunner(t)
	row := "| class | " + strings.Repeat("é", 40) + " |\n"
	md := strings.Repeat(row, 2*summaryLimit/len(row))
	o := Outcome{Verdict: "fail", Markdown: r.write(t, "report.md", md)}
	if err := Finish(r.action(), o); err != nil {
		t.Fatal(err)
	}
	got := r.summaryText(t)
	if len(got) > summaryLimit {
		t.Errorf("summary is %d bytes, over the %d limit", len(got), summaryLimit)
	}
	if !strings.HasSuffix(got, truncationNote+"\n") {
		t.Errorf("summary ends %q, want the truncation note", got[len(got)-100:])
	}
	if body := strings.TrimSuffix(got, truncationNote+"\n"); !strings.HasSuffix(body, " |") {
		t.Errorf("summary was cut inside a row: ends %q", body[len(body)-20:])
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name  string
		md    string
		limit int
		want  string
	}{
		{name: "fits", md: "a\nb\n", limit: 100, want: "a\nb\n"},
		{name: "fits with the appended line break", md: "abc", limit: 4, want: "abc"},
		{name: "one byte over", md: strings.Repeat("a", len(truncationNote)+5), limit: len(truncationNote) + 5, want: "aaaa" + truncationNote},
		{name: "cut at the last whole line", md: "line one\nline two\n" + strings.Repeat("x", 400), limit: len(truncationNote) + 20, want: "line one\nline two" + truncationNote},
		{name: "no line break: cut at a rune", md: strings.Repeat("é", 200), limit: len(truncationNote) + 6, want: "éé" + truncationNote},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncate(tt.md, tt.limit)
			if got != tt.want {
				t.Errorf("truncate() = %q, want %q", got, tt.want)
			}
			if len(got)+1 > tt.limit && got != tt.md {
				t.Errorf("truncate() is %d bytes with its line break, over %d", len(got)+1, tt.limit)
			}
			if !utf8.ValidString(got) {
				t.Errorf("truncate() split a rune: %q", got)
			}
		})
	}
}

// The annotation and output formats are the runner's, not ours: keep the
// property escaping in view so a label with ":" or "," cannot break them.
func TestAnnotationEscaping(t *testing.T) {
	r := newRunner(t)
	o := Outcome{Verdict: "fail", Fooled: 1, Targets: 1, ExitCode: 1, Model: filepath.Join(r.workspace, "a,b:c.onnx"),
		Classes: []FooledClass{{Index: 0, Label: "100% sure\nreally", Confidence: 1}}, FooledFail: true}
	if err := Finish(r.action(), o); err != nil {
		t.Fatal(err)
	}
	cmds := r.commands()
	want := regexp.MustCompile(`^::error file=a%2Cb%3Ac\.onnx,line=1,title=[^:]*::class 0 \("100%25 sure%0Areally"\)`)
	if len(cmds) != 1 || !want.MatchString(cmds[0]) {
		t.Errorf("commands = %q, want one matching %s", cmds, want)
	}
}
