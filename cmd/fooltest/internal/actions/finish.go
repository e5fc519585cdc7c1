package actions

import (
	"cmp"
	"crypto/rand"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"
	"github.com/fooltest/fooltest/internal/report"

	"github.com/sethvargo/go-githubactions"
)

// Outcome is what a fooltest run produced, as Finish reports it to the
// workflow. The command fills it from its own result; fields it could not
// determine (the run failed before the search) stay zero.
type Outcome struct {
	// Verdict is "pass", "fail" or "error" as the gate decided, or empty
	// when the run ended before a verdict (Err is then set). "error" means
	// the model was not tested, and NotTested says why.
	Verdict   string
	NotTested string
	// Fooled is the number of target classes that reached the threshold,
	// out of Targets.
	Fooled  int
	Targets int
	// Unreachable counts the target classes not fooled that look
	// impossible to fool on this model at the threshold.
	Unreachable int
	// Threshold is the confidence a class had to reach to count as fooled.
	Threshold     float64
	MaxConfidence float64
	// Score is how hard the model was to fool, from 0 (every class fooled
	// at once) to 1 (none within the evaluation budget).
	Score float64
	// Baseline is the comparison with the baseline, when one was given.
	Baseline *BaselineOutcome

	// ReportDir and the report paths are as the run wrote them (relative to
	// the working directory or absolute); a path is empty when that format
	// was not written.
	ReportDir string
	JUnit     string
	Markdown  string
	JSON      string
	SARIF     string
	// Written are the files the run wrote and the folders it created
	// (report.Written.Paths): what Finish gives the workspace's owner.
	Written []string

	// Model is the model path as given, or empty for the embedded demo.
	Model string
	// PreprocessingWarning says, for a run told to go on past the
	// preprocessing check, that the model reads MNIST digits far better
	// with another preset; empty otherwise.
	PreprocessingWarning string
	// AllowanceWarning says that max-fooled is a count of every target
	// class, so no number of fooled classes can fail the gate, and how to
	// make it gate; empty otherwise.
	AllowanceWarning string
	// PresetNotice says that the model got the default preprocessing, no
	// input having set it, and that nothing checked it; empty otherwise.
	PresetNotice string
	// Classes are the fooled classes, in the order annotations should list
	// them (most confident first reads best).
	Classes []FooledClass
	// FooledFail reports whether the fooled classes fail the gate: more
	// were fooled than max-fooled allows, and fail-on is not never. Their
	// annotations are errors then, and warnings when the gate allowed
	// them, as junit.xml and report.sarif show them.
	FooledFail bool
	// GateFailures say, one line each, what else failed the gate: a
	// regression against the baseline, a score under min-score. Each is
	// an error annotation.
	GateFailures []string

	// Err is the error that ended the run, if any. ExitCode is the code the
	// process exits with (1 gate failed, 2 invalid usage or input, 3
	// runtime failure): it decides whether fooled classes are annotated as
	// errors (the step fails) or warnings.
	Err      error
	ExitCode int
}

// BaselineOutcome is a run's comparison with its baseline.
type BaselineOutcome struct {
	// Score is the baseline's score under the same budget.
	Score float64
	// PValue is the one-sided p-value of "the candidate is easier to
	// fool", and Regression whether that fails the gate's comparison.
	PValue     float64
	Regression bool
}

// FooledClass is one class the search fooled.
type FooledClass struct {
	Index int
	// Label is the class's label as the reports show it in plain text
	// (report.DisplayLabel), so that an annotation reads as the SARIF
	// and JUnit messages do.
	Label      string
	Confidence float64
}

// Limits GitHub applies to one step.
const (
	// summaryLimit is the most bytes GitHub accepts in one step summary.
	summaryLimit = 1 << 20
	// maxAnnotations is the most annotations of one level (errors,
	// warnings) GitHub shows per step; more are dropped silently, so
	// Finish summarises the fooled classes within what the other
	// annotations of their level leave.
	maxAnnotations = 10
)

// Finish reports o to the workflow: it sets the step outputs, appends the
// Markdown report to the step summary, emits annotations and gives what
// the run wrote (o.Written) the owner of the workspace. It does what it can and
// returns every failure joined; none of them changes the run's exit code,
// which is the caller's to return.
func Finish(gha *githubactions.Action, o Outcome) error {
	workspace := workspaceDir(gha.Getenv)
	var errs []error
	// A step whose outputs or summary are missing must say so where a
	// reviewer looks: later steps that test the verdict output would
	// read it empty, whatever the exit code.
	var unwritten []lost
	if err := guard("set outputs", func() { setOutputs(gha, workspace, o) }); err != nil {
		errs = append(errs, err)
		unwritten = append(unwritten, lost{"the step outputs (the verdict included), which later steps read", err})
	}
	if err := guard("write step summary", func() { writeSummary(gha, o) }); err != nil {
		errs = append(errs, err)
		unwritten = append(unwritten, lost{"the job summary", err})
	}
	if err := guard("write annotations", func() { annotate(gha, workspace, o, unwritten) }); err != nil {
		errs = append(errs, err)
	}
	if err := chownPaths(workspace, o.Written...); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// guard turns go-githubactions' panics on write failures into errors, so
// that one unwritable file does not cost the other reports.
func guard(what string, f func()) (err error) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case error:
			err = fmt.Errorf("%s: %w", what, r)
		default:
			err = fmt.Errorf("%s: %v", what, r)
		}
	}()
	f()
	return nil
}

func setOutputs(gha *githubactions.Action, workspace string, o Outcome) {
	// go-githubactions panics on an empty file name; outside a runner (or on
	// one too old for output files) there is nowhere to put outputs.
	if gha.Getenv("GITHUB_OUTPUT") == "" {
		return
	}
	verdict := o.Verdict
	if verdict == "" && o.Err != nil {
		verdict = "error"
	}
	if verdict != "" {
		setOutput(gha, "verdict", verdict)
	}
	if o.Verdict != "" {
		setOutput(gha, "fooled", strconv.Itoa(o.Fooled))
		setOutput(gha, "targets", strconv.Itoa(o.Targets))
		setOutput(gha, "unreachable", strconv.Itoa(o.Unreachable))
		setOutput(gha, "max-confidence", strconv.FormatFloat(o.MaxConfidence, 'f', -1, 64))
		setOutput(gha, "score", formatFloat(o.Score))
		if b := o.Baseline; b != nil {
			setOutput(gha, "baseline-score", formatFloat(b.Score))
			setOutput(gha, "p-value", formatFloat(b.PValue))
			setOutput(gha, "regression", strconv.FormatBool(b.Regression))
		}
	}
	for _, p := range []struct{ name, path string }{
		{"report-dir", o.ReportDir},
		{"junit", o.JUnit},
		{"markdown", o.Markdown},
		{"json", o.JSON},
		{"sarif", o.SARIF},
	} {
		if p.path != "" {
			setOutput(gha, p.name, relPath(workspace, p.path))
		}
	}
}

// setOutput sets the step output name to value in the heredoc form, with a
// delimiter drawn at random for each output, as GitHub's own toolkit does.
// go-githubactions' SetOutput uses one fixed delimiter: a value that holds
// it as a line, such as a report-dir of that name, would end the value early
// and leave the runner lines it cannot read, failing the step.
func setOutput(gha *githubactions.Action, name, value string) {
	delim := "ghadelimiter_" + rand.Text()
	gha.IssueFileCommand(&githubactions.Command{Name: "output", Message: name + "<<" + delim + "\n" + value + "\n" + delim})
}

func writeSummary(gha *githubactions.Action, o Outcome) {
	if gha.Getenv("GITHUB_STEP_SUMMARY") == "" {
		return
	}
	var md string
	if o.Markdown != "" {
		b, err := os.ReadFile(o.Markdown)
		if err != nil {
			panic(fmt.Errorf("read %s: %w", o.Markdown, err))
		}
		md = string(b)
	} else {
		md = shortSummary(o)
	}
	if o.Err != nil && o.Verdict != "" && o.Verdict != "error" {
		// The gate decided, and then the run failed (its reports could
		// not be written, say): the step fails with it, and a summary
		// that gave only the verdict would not say why.
		md = fmt.Sprintf("> **fooltest: error:** %s\n\n", summaryText(o.Err.Error())) + md
	}
	gha.AddStepSummary(truncate(md, summaryLimit))
}

// shortSummary stands in for report.md when the run wrote no Markdown,
// because it failed or the format was not asked for.
func shortSummary(o Outcome) string {
	switch {
	case o.Verdict == "error":
		reason := o.NotTested
		if reason == "" && o.Err != nil {
			reason = o.Err.Error()
		}
		return fmt.Sprintf("### fooltest: ERROR: the model was not tested\n\n%s\n\n%d of %d classes fooled before it stopped.\n",
			summaryText(cmp.Or(reason, "no reason was recorded")), o.Fooled, o.Targets)
	case o.Verdict != "":
		s := fmt.Sprintf("### fooltest: %s\n\n%d of %d classes fooled (max confidence %s).\n",
			o.Verdict, o.Fooled, o.Targets, report.FormatConfidence(o.MaxConfidence, o.Threshold))
		if b := o.Baseline; b != nil {
			s += fmt.Sprintf("\nScore %.3f against the baseline's %.3f (p = %.3g that it is easier to fool; regression: %t).\n",
				o.Score, b.Score, b.PValue, b.Regression)
		}
		return s
	case o.Err != nil:
		return fmt.Sprintf("### fooltest: error\n\n%s\n", summaryText(o.Err.Error()))
	}
	return ""
}

// summaryText is an error on one line, inert in Markdown: errors quote
// paths and a model's own names, which a pull request controls and which
// must not render HTML or images, or ping anyone, in the step summary.
func summaryText(s string) string {
	return report.MarkdownText(safetext.OneLine(s))
}

// formatFloat prints a step output number in full, as scripts parse it.
func formatFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "0"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// truncationNote ends a summary that was cut to fit summaryLimit.
const truncationNote = "\n\n> **Note:** the fooltest report was truncated to fit GitHub's 1 MiB step summary limit; the full report is in the report directory.\n"

// truncate returns md cut to at most limit bytes (the note and the line
// break AddStepSummary appends included) at a line break, so that no
// Markdown table row or UTF-8 sequence is split. limit must leave room for
// the note.
func truncate(md string, limit int) string {
	// AddStepSummary appends a line break.
	limit -= len("\n")
	if len(md) <= limit {
		return md
	}
	cut := limit - len(truncationNote)
	if cut < 0 {
		cut = 0
	}
	if i := strings.LastIndexByte(md[:cut], '\n'); i >= 0 {
		cut = i
	}
	for cut > 0 && !utf8.RuneStart(md[cut]) {
		cut--
	}
	return md[:cut] + truncationNote
}

// lost is what Finish could not write for the workflow, and why.
type lost struct {
	what string
	err  error
}

func annotate(gha *githubactions.Action, workspace string, o Outcome, unwritten []lost) {
	// Annotations of each level, which GitHub counts apart.
	errs, warnings := 0, 0
	for _, l := range unwritten {
		gha.WithFieldsMap(map[string]string{"title": "fooltest: step outputs or summary not written"}).Warningf("%s",
			safetext.OneLine("this step could not write "+l.what+", whatever its exit code: "+l.err.Error()))
		warnings++
	}
	if o.Err != nil {
		title := "fooltest: runtime failure"
		if o.ExitCode == 2 {
			title = "fooltest: invalid input"
		}
		gha.WithFieldsMap(map[string]string{"title": title}).Errorf("%s", safetext.OneLine(o.Err.Error()))
		errs++
	}
	if o.Model == "" && o.Verdict != "" {
		gha.Noticef("%s", "fooltest ran its embedded demo model: set the model input to test your classifier")
	}
	if o.PresetNotice != "" {
		gha.WithFieldsMap(map[string]string{"title": "fooltest: no preprocessing given"}).Noticef("%s", safetext.OneLine(o.PresetNotice))
	}
	if o.PreprocessingWarning != "" {
		gha.WithFieldsMap(map[string]string{"title": "fooltest: the preprocessing looks wrong"}).Warningf("%s", safetext.OneLine(o.PreprocessingWarning))
		warnings++
	}
	if o.AllowanceWarning != "" {
		gha.WithFieldsMap(map[string]string{"title": "fooltest: max-fooled cannot fail the gate"}).Warningf("%s", safetext.OneLine(o.AllowanceWarning))
		warnings++
	}

	// Annotations land on the model file when it is in the repository; the
	// embedded demo and models outside the workspace have no file to show.
	file := ""
	if rel := relPath(workspace, o.Model); o.Model != "" && isInside(rel) {
		file = rel
	}
	on := func(title string) *githubactions.Action {
		f := map[string]string{"title": title}
		if file != "" {
			f["file"] = file
			f["line"] = "1"
		}
		return gha.WithFieldsMap(f)
	}
	for _, g := range o.GateFailures {
		on("fooltest: gate failed").Errorf("%s", safetext.OneLine(g))
		errs++
	}
	// Fooled classes are errors only where they fail the gate; within
	// max-fooled, under fail-on regression or never, the gate allowed them
	// and they are warnings, so that they do not read as the failure.
	room := maxAnnotations - warnings
	emit := func(title, msg string) { on(title).Warningf("%s", msg) }
	if o.FooledFail {
		room = maxAnnotations - errs
		emit = func(title, msg string) { on(title).Errorf("%s", msg) }
	}
	shown := o.Classes
	if len(shown) > room {
		// Keep the last slot for the summary: the runner drops the rest.
		shown = shown[:room-1]
	}
	// The reports' formatter, so that an annotation states the confidence
	// the reports do, never rounded up onto the threshold or to 1.
	for _, c := range shown {
		emit(fmt.Sprintf("fooltest: class %d fooled", c.Index),
			fmt.Sprintf("class %d (%s) labelled an unrecognizable image with confidence %s (threshold %s)",
				c.Index, label(c), report.FormatConfidence(c.Confidence, o.Threshold), report.FormatThreshold(o.Threshold)))
	}
	if rest := len(o.Classes) - len(shown); rest > 0 {
		emit("fooltest: more classes fooled",
			fmt.Sprintf("%d more classes fooled (%d of %d in all); see the report", rest, len(o.Classes), o.Targets))
	}
}

func label(c FooledClass) string {
	if c.Label == "" {
		return "no label"
	}
	// Quoted as the reports quote it: the runner escapes what would end
	// the annotation, and quotation marks in the label must not end the
	// quotes.
	return report.QuoteLabel(c.Label)
}
