package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/sethvargo/go-githubactions"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/pipeline"
	"github.com/fooltest/fooltest/internal/report"
)

// actionMain runs fooltest as the GitHub Action: inputs come from INPUT_*
// variables, and the outcome goes to step outputs, the step summary and
// annotations, whatever the exit code.
func actionMain(ctx context.Context, e env) int {
	// Users of the Action set inputs, not flags: the reports (report.md
	// is the step summary and the pull request comment) and the log name
	// them. report.json keeps the libraries' wording, as data.
	e.vocab = vocabulary{action: true}
	step := &actionStep{gha: githubactions.New(githubactions.WithGetenv(e.getenv), githubactions.WithWriter(logWriter{e.stdout})), e: e}
	e.writing.setAtExit(step.exitNow)
	if actions.Merging(e.getenv) {
		args, err := actions.MergeArgs(e.getenv)
		if err != nil {
			return step.finish(nil, exitcode.Usagef("%s", err))
		}
		end := step.group("fooltest merge")
		o, err := mergeReports(ctx, args, e)
		end()
		return step.finish(o, err)
	}
	args, err := actions.Args(e.getenv)
	if err != nil {
		err = exitcode.Usagef("%s", err)
		return step.finish(nil, err)
	}
	end := step.group("fooltest run")
	o, err := runSearch(ctx, append([]string{}, args...), e)
	end()
	return step.finish(o, err)
}

// logWriter is the step's log as go-githubactions writes its commands
// there. That package panics when a write fails, and a log that cannot be
// written (stdout on a full disk, or a pipe whose reader went away) then
// ended the step as a bug in fooltest, before its reports, outputs and
// summary were written. The lines are lost either way; the rest is not.
type logWriter struct{ w io.Writer }

func (l logWriter) Write(p []byte) (int, error) {
	_, _ = l.w.Write(p)
	return len(p), nil
}

// errExitedAtOnce is the step's error when a second signal ends it.
var errExitedAtOnce = fault.Environmentf("", "a second signal stopped fooltest at once, before it finished: the reports are missing or incomplete")

// actionStep reports the step's outcome to the workflow once: when the
// run ends, or, if a second signal exits first, then. Without the latter
// a cancelled step would leave its log group open and publish no verdict,
// summary or annotation.
type actionStep struct {
	gha *githubactions.Action
	e   env
	// mu is held while the log group is opened or closed and while the
	// outcome is reported.
	mu       sync.Mutex
	inGroup  bool
	finished bool
}

// finishWait is how long a second signal waits for the run's own report
// to be written before the process exits.
const finishWait = 2 * time.Second

// group opens a log group and returns the function that closes it.
func (s *actionStep) group(name string) (end func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inGroup = true
	s.gha.Group(name)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.inGroup {
			s.inGroup = false
			s.gha.EndGroup()
		}
	}
}

// finish reports the run's outcome, unless a second signal reported the
// step already, and returns the exit code.
func (s *actionStep) finish(o *runOutcome, runErr error) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return exitcode.Environment
	}
	s.finished = true
	return finishAction(s.gha, s.e, o, runErr)
}

// exitNow reports the step as ended by a second signal, just before the
// process exits: the log group closed, verdict error, a summary and an
// annotation saying so. The run's own report, when it is being written,
// is waited for a moment instead, since it says more.
func (s *actionStep) exitNow() {
	locked := make(chan struct{})
	// This goroutine only takes the lock and closes a channel of its
	// own: it cannot panic, and needs no guardedApart.
	go func() {
		s.mu.Lock()
		close(locked)
	}()
	select {
	case <-locked:
	case <-time.After(finishWait):
		return
	}
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	s.finished = true
	// The run may have been printing a line: commands must start one.
	fmt.Fprintln(s.e.stdout)
	if s.inGroup {
		s.inGroup = false
		s.gha.EndGroup()
	}
	finishAction(s.gha, s.e, nil, errExitedAtOnce)
}

// inInputs is an error in the Action's words: the flags its message
// names, as the inputs of the same names (see actions.InInputs).
type inInputs struct{ err error }

func (e inInputs) Error() string { return actions.InInputs(e.err.Error()) }
func (e inInputs) Unwrap() error { return e.err }

func finishAction(gha *githubactions.Action, e env, o *runOutcome, runErr error) int {
	runErr = withActionHint(runErr)
	out := actions.Outcome{Err: runErr, ExitCode: exitcode.Of(runErr)}
	if runErr != nil {
		// The libraries word their errors, and the gate its reasons, in
		// the CLI's flags; a step sets inputs.
		runErr = inInputs{runErr}
		out.Err = runErr
	}
	if runErr != nil {
		fmt.Fprintf(e.stderr, "fooltest: %s\n", safetext.OneLine(runErr.Error()))
	}
	if o != nil {
		res := o.Result
		if runErr == nil {
			out.ExitCode = o.code
		}
		out.Verdict, out.Fooled, out.Targets = string(res.Verdict), res.Fooled, res.Targets
		out.Threshold, out.MaxConfidence = res.Threshold, res.MaxConfidence
		out.Score = res.Score
		if res.Verdict == gate.Error {
			out.NotTested = actions.InInputs(res.Error)
		}
		if b := res.Baseline; b != nil {
			out.Baseline = &actions.BaselineOutcome{Score: b.Score, PValue: b.PValue, Regression: b.Regression}
		}
		out.ReportDir = res.Config.ReportDir
		out.JUnit, out.Markdown = o.Written[report.FormatJUnit], o.Written[report.FormatMarkdown]
		out.JSON, out.SARIF = o.Written[report.FormatJSON], o.Written[report.FormatSARIF]
		out.Written = o.Files
		if res.Model.Path != pipeline.DemoDisplayPath {
			out.Model = res.Model.Path
		}
		if o.presetDefaulted {
			out.PresetNotice = fmt.Sprintf("no preprocessing was given, so the model was searched with preset %s (pixels in [0,1]); set the preset input (or scale, mean and std) to the normalisation it was trained with: a wrong one makes a model look harder to fool than it is",
				res.Config.Preset)
		}
		// One annotation for every preprocessing check that found the
		// preprocessing wrong.
		var warnings []string
		if d := res.DigitCheck; d.Mismatch() {
			warnings = append(warnings, fmt.Sprintf("the model %s, so this search fed it inputs unlike any it was trained on: set the preset input to %s",
				d.Finding("this preprocessing", "preset "+d.SuggestedPreset), d.SuggestedPreset))
		}
		if r := res.RangeCheck; r.Mismatch() {
			w := fmt.Sprintf("the model quantizes its input to a range that this preprocessing fills only %.0f%% of, and preset %s far better, so this search fed it inputs unlike any it was built for: set the preset input to the model's",
				math.Floor(100*r.Fit), strings.Join(r.SuggestedPresets, " or "))
			if r.Kind == "scaling" {
				w = fmt.Sprintf("the model scales its input in its graph, and with this preprocessing its first layer got values unlike normalised images, where preset %s gives such values, so this search fed it inputs unlike any it was trained on: set the preset input to the model's",
					strings.Join(r.SuggestedPresets, " or "))
			}
			warnings = append(warnings, w)
		}
		if p := res.PhotoCheck; p.Mismatch() {
			warnings = append(warnings, fmt.Sprintf("with this preprocessing the model gave very different photos nearly the same scores, and with preset %s far different ones, so this search could hardly move it: set the preset input to the model's",
				strings.Join(p.SuggestedPresets, " or ")))
		} else if p.TooWide() {
			warnings = append(warnings, fmt.Sprintf("with this preprocessing the model gave very different photos nearly the same scores, one class topping them all, and with preset %s, of a tenth of its range or less, far different ones, so this preprocessing may be far wider than the model's and saturate it: check that the preset input is the model's",
				strings.Join(p.NarrowerPresets, " or ")))
		} else if p != nil && p.Collapsed {
			// As the reports warn: nothing to suggest, but a reviewer of
			// the step must know what its verdict rests on.
			warnings = append(warnings, "with this preprocessing the model gave very different photos nearly the same scores, and no preset of a far wider range set them apart: either the model reads inputs other than photos, or the preprocessing squeezes every image together, and then this search could hardly move it: check that the preset input (or scale, mean and std) is the model's")
		}
		out.PreprocessingWarning = strings.Join(warnings, "; ")
		if w := report.AllowanceWarning(res); w != "" {
			out.AllowanceWarning = actions.InInputs(w)
			fmt.Fprintf(e.stderr, "fooltest: warning: %s\n", out.AllowanceWarning)
		}
		for _, c := range res.Classes {
			if c.Unreachable != nil {
				out.Unreachable++
			}
		}
		for _, c := range report.ByConfidence(res) {
			if c.Fooled {
				out.Classes = append(out.Classes, actions.FooledClass{Index: c.Index, Label: report.DisplayLabel(c.Label), Confidence: c.Confidence})
			}
		}
		// The annotations mark as failures what the reports do.
		out.FooledFail = res.FailsGate(report.FailedByFooled)
		for _, what := range []string{report.FailedByRegression, report.FailedByMinScore} {
			if res.FailsGate(what) {
				out.GateFailures = append(out.GateFailures, res.Finding(what))
			}
		}
	}
	if err := actions.Finish(gha, out); err != nil {
		fmt.Fprintf(e.stderr, "fooltest: reporting to GitHub Actions: %s\n", safetext.OneLine(err.Error()))
	}
	return out.ExitCode
}
