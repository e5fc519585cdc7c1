package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/sethvargo/go-githubactions"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/pipeline"
	"github.com/fooltest/fooltest/internal/report"
)

// TestActionAnnotationsFollowTheGate: the annotations of a run mark as
// errors what its reports mark as failures (report.Result.FailsGate), and
// no more than GitHub shows of a level: fooled classes the gate allowed are
// warnings, a regression that fails the gate is an error of its own, and
// the runtime failure of a run cut short counts against the errors.
func TestActionAnnotationsFollowTheGate(t *testing.T) {
	tests := []struct {
		name      string
		failOn    string
		failedBy  []string
		verdict   report.Verdict
		runErr    error
		code      int
		wantErrs  []string // the titles of the error annotations, in order
		wantWarns int
	}{
		{
			name: "interrupted within max-fooled", failOn: "fooled", verdict: report.VerdictError,
			runErr: exitcode.Envf("the run was interrupted"), code: exitcode.Environment,
			wantErrs: []string{"runtime failure"}, wantWarns: 10,
		},
		{
			name: "a merge missing a shard, too many fooled", failOn: "fooled", failedBy: []string{report.FailedByFooled}, verdict: report.VerdictError,
			runErr: exitcode.Envf("shard 3 of 3 is missing"), code: exitcode.Environment,
			wantErrs: append([]string{"runtime failure"}, classTitles(8)...), wantWarns: 0,
		},
		{
			name: "regression under fail-on regression", failOn: "regression", failedBy: []string{report.FailedByRegression}, verdict: report.VerdictFail,
			code: exitcode.GateFailed, wantErrs: []string{"gate failed"}, wantWarns: 10,
		},
		{
			name: "report only", failOn: "never", failedBy: []string{report.FailedByFooled}, verdict: report.VerdictFail,
			code: exitcode.Pass, wantWarns: 10,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &report.Result{Verdict: tt.verdict, FailedBy: tt.failedBy, Targets: 20, Fooled: 12, MaxFooled: 10, Threshold: 0.99}
			res.Config.FailOn = tt.failOn
			res.Model.Path = "models/net.onnx"
			if tt.failOn == "regression" {
				res.Baseline = &report.Baseline{Score: 0.5, Regression: true, PValue: 0.001}
			}
			for i := range res.Fooled {
				res.Classes = append(res.Classes, report.Class{Index: i, Label: fmt.Sprint("c", i), Confidence: 0.995, Fooled: true})
			}
			var stdout, stderr bytes.Buffer
			vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": t.TempDir()}
			e := envFor(&stdout, &stderr, vars)
			gha := githubactions.New(githubactions.WithGetenv(e.getenv), githubactions.WithWriter(e.stdout))
			o := &runOutcome{Outcome: &pipeline.Outcome{Result: res}, code: tt.code}
			if code := finishAction(gha, e, o, tt.runErr); code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			var errs []string
			warns := 0
			for l := range strings.Lines(stdout.String()) {
				switch {
				case strings.HasPrefix(l, "::error"):
					_, title, _ := strings.Cut(l, "title=fooltest%3A ")
					title, _, _ = strings.Cut(title, "::")
					errs = append(errs, title)
				case strings.HasPrefix(l, "::warning"):
					warns++
				}
			}
			if strings.Join(errs, "; ") != strings.Join(tt.wantErrs, "; ") || warns != tt.wantWarns {
				t.Errorf("errors %q and %d warnings, want %q and %d:\n%s", errs, warns, tt.wantErrs, tt.wantWarns, stdout.String())
			}
			if tt.failOn == "regression" && !strings.Contains(stdout.String(), "::easier to fool than the baseline") {
				t.Errorf("the regression's annotation does not say what failed:\n%s", stdout.String())
			}
		})
	}
}

// classTitles are the titles of the error annotations of n fooled classes
// (0 to n-1), then the one that summarises the rest.
func classTitles(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("class %d fooled", i))
	}
	return append(out, "more classes fooled")
}
