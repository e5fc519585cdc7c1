// Package pipeline runs fooltest from model to reports: it opens the model,
// searches it (and a baseline model, when given), builds the Result, decides
// the verdict once, and writes every report format from that one Result.
// The CLI and its Actions mode both call it; they parse flags and inputs,
// print what Hooks tell them, and turn errors into exit codes.
//
// Its errors are fault errors: fault.Invalid for what the user gave (naming
// the setting to change), fault.Environment and fault.Model for the rest.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
)

// The settings the pipeline's own errors name, beside the classifier's.
const (
	SettingBaseline fault.Setting = "baseline"
	// SettingBaselinePreset is the preprocessing of a baseline whose
	// model takes another than the model's.
	SettingBaselinePreset fault.Setting = "baseline-preset"
	// SettingBaselineSettings is the search settings that a baseline
	// report.json and the run must share for their scores to compare.
	SettingBaselineSettings fault.Setting = "baseline-settings"
	// SettingBaselineVersion is the score version of a baseline report.json
	// made by another version of fooltest, which no setting of this run
	// matches.
	SettingBaselineVersion fault.Setting = "baseline-version"
	// SettingBaselineStopped is the search of a baseline report.json that
	// stopped before its evaluation budget; its errors suggest what
	// stopped it (report.Result.StoppedReason).
	SettingBaselineStopped fault.Setting = "baseline-stopped"
	// SettingBaselineShard is the part of the targets a baseline report
	// searched: a whole run, a shard (--shard I/N), or a merge of shards,
	// whose count (N) its errors suggest.
	SettingBaselineShard fault.Setting = "baseline-shard"
	// SettingBaselineClasses is the target classes of a baseline report
	// that the model does not all have; its errors suggest those it has.
	SettingBaselineClasses fault.Setting = "baseline-classes"
	// SettingBaselineUncapped is the evaluation cap of a baseline
	// report.json searched without one, which no run gated on the score
	// matches; its errors suggest this run's cap.
	SettingBaselineUncapped fault.Setting = "baseline-uncapped"
	// SettingBaselineOutputKind is how a baseline report read its model's
	// outputs, of the other family than this run's (independent scores or
	// one distribution's); its errors suggest the baseline's output kind
	// when the report names one a run can set.
	SettingBaselineOutputKind fault.Setting = "baseline-output-kind"
	SettingReportDir          fault.Setting = "report-dir"
	SettingBudget             fault.Setting = "budget"
	SettingShard              fault.Setting = "shard"
	// SettingShardFormats is the formats a shard writes, which must hold
	// report.json: merge reads the shards' results from it.
	SettingShardFormats fault.Setting = "shard-formats"
	// SettingThreshold is the confidence a fooling image must reach.
	SettingThreshold fault.Setting = "threshold"
	// SettingClasses is the choice of target classes.
	SettingClasses fault.Setting = "classes"
	// SettingPreprocessingCheck is whether a run goes on when the digit
	// check finds the preprocessing most likely wrong; its errors suggest
	// the preset the model read the digits with.
	SettingPreprocessingCheck fault.Setting = "preprocessing-check"
)

// Spec is a validated run.
type Spec struct {
	Model Model
	// Targets resolves the target classes once the model's class count is
	// known.
	Targets func(classes int) ([]int, error)
	// Search holds the algorithm, encoding, evaluation cap and seed; Run
	// sets its targets, focus and progress.
	Search  attack.Config
	Repeats int
	// Budget bounds opening the model and searching it; a baseline model
	// gets a budget of its own.
	Budget    time.Duration
	Threshold float64
	MaxFooled gate.MaxFooled
	FailOn    gate.FailOn
	// Baseline is a released model or its report.json, or empty.
	Baseline string
	// BaselinePreset is the preset the baseline model takes when it is
	// not the model's: a baseline model is opened with it, and a baseline
	// report must have been searched with it ("custom": with values of
	// its own). Either way each model is then searched with its own
	// preprocessing, and the two compare as the models their users run.
	// Empty: the baseline takes the model's preprocessing, and a report
	// searched with another is refused.
	BaselinePreset string
	// TrustPreprocessing lets a run search a model whose digit check
	// found its preprocessing most likely wrong (see package digits);
	// Run refuses such a model otherwise. The reports still say what the
	// check found.
	TrustPreprocessing bool
	// Shard is the share of the targets this run searches, or nil for all;
	// Run fills its Searched classes.
	Shard     *report.Shard
	ReportDir string
	Formats   []string
	// Stop, when set, stops the report writers (see report.Stopper): the
	// front end stops them before a second signal's exit. Nil stops
	// nothing.
	Stop *report.Stopper
	// RepoRoot is the root of the repository the model is in, which
	// report.sarif locates it from (Model.RepoPath); empty: the working
	// directory.
	RepoRoot string
	// Config is the record of the settings as the user gave them, which
	// the reports show; Run completes it with what it detected.
	Config report.Config
	// Version is fooltest's version, for the reports.
	Version string
	// Words rewords the messages the reports a person reads give (the
	// gate's reasons name the CLI's flags) for the front end that runs
	// fooltest; nil keeps them as the libraries word them. report.json
	// keeps the libraries' wording (see report.Words).
	Words report.Words
	Hooks Hooks
}

// Hooks let a front end show a run as it goes. Every hook may be nil.
type Hooks struct {
	// Opened is called when the model is open and checked, before it is
	// searched, with the targets resolved.
	Opened func(o *Opened, targets []int)
	// BaselineOpened is called when a baseline model is open, before it
	// is searched.
	BaselineOpened func(o *Opened)
	// Search is called before each search; it returns the search's
	// progress callback (which must return quickly) and a function called
	// when the search ends.
	Search func(s Search) (progress func(attack.Progress), done func())
	// Unreachable is called before the search when the model's weights
	// keep every class the run searches below the threshold (see
	// classifier.LayerCeilings): the search is then cut to evals
	// evaluations, enough for the reports' images.
	Unreachable func(classes int, evals int64)
}

// Search describes one search of a run, for Hooks.Search.
type Search struct {
	// What is searched: "" for the model, "the baseline" for a baseline.
	What string
	Seed uint64
	// Index counts searches from 0 up to Count (--repeats).
	Index, Count int
	// Left is the time the search may take, and BudgetLeft what is left
	// of the whole budget as it starts, which counted opening the model
	// and any earlier searches.
	Left, BudgetLeft time.Duration
}

// cappedEvals is how many evaluations a run makes when the model's weights
// keep every class it searches below the threshold: no image can fool one,
// and these give the reports their near misses.
const cappedEvals = 2000

// StoppedUnreachable is the stopping reason of a search cut to cappedEvals
// because no class it searched could reach the threshold.
const StoppedUnreachable = "all-unreachable"

// allCapped returns how many classes the run searches (cfg.Focus, or every
// target) when a bounded layer before the scores keeps every one of them
// below threshold, else 0.
func allCapped(o *Opened, cfg attack.Config, targets []int, threshold float64) int {
	searched := cfg.Focus
	if len(searched) == 0 {
		searched = targets
	}
	if len(searched) == 0 || o.Info().BoundedLayer == "" {
		return 0
	}
	// Most models with a bounded layer (a float MobileNetV2's ReLU6)
	// cap no class below a usual threshold: one class's bound settles
	// that, where all of them would spend the bounds' whole work budget
	// before every run.
	if c := o.LayerCeilings(searched[:1], threshold); c[0] >= threshold {
		return 0
	}
	for _, c := range o.LayerCeilings(searched, threshold) {
		if c >= threshold {
			return 0
		}
	}
	return len(searched)
}

// Outcome is what a run produced.
type Outcome struct {
	Result  *report.Result
	Verdict gate.Verdict
	// Interrupted is true when the search was cancelled before it ended.
	Interrupted bool
	// Written maps each report format written to its path; Files are
	// every file written and folder created.
	Written map[string]string
	Files   []string
	// WriteTime is how long writing the reports took; for a merge, reading
	// and merging the shards' reports too, all the merge did.
	WriteTime time.Duration
	// BaselineTime is how long opening and searching a baseline model
	// took, within a budget of its own: 0 with no baseline model.
	BaselineTime time.Duration
	// SearchErr is the error that ended the search, or a
	// *classifier.NonFiniteError when the outputs were too often not
	// finite: the verdict is gate.Error because of it, unless it is a
	// NonFiniteError and the classes fooled fail the gate.
	SearchErr error
}

// Run runs spec. It returns an Outcome whenever reports were written (with
// an error when some were not); the verdict is in the Outcome, never in
// the error, except that a run that could not test its model (verdict
// gate.Error) returns why as its error too.
func Run(ctx context.Context, spec Spec) (*Outcome, error) {
	// A report directory that cannot be written fails now, not after the
	// budget is spent.
	if err := CheckReportDir(spec.ReportDir); err != nil {
		return nil, err
	}
	// A shard's reports gate only its share; the run's result is the
	// merge's, which a shard without report.json would leave out after
	// its whole budget was spent.
	if sh := spec.Shard; sh != nil && !slices.Contains(spec.Formats, report.FormatJSON) {
		return nil, fault.Invalidf(SettingShardFormats, "shard %d/%d would write no %s (its formats: %s), which fooltest merge reads each shard's result from",
			sh.Index, sh.Count, report.JSONFile, strings.Join(spec.Formats, ", "))
	}
	var base *baseline
	if spec.Baseline != "" {
		if err := baselineOutsideReports(spec.Baseline, spec.ReportDir); err != nil {
			return nil, err
		}
		var err error
		if base, err = readBaseline(spec.Baseline); err != nil {
			return nil, err
		}
	}
	// The budget covers opening the model too: a model slow enough to
	// spend it on probing and batch tuning is too slow to search.
	started := time.Now()
	budgetCtx, cancel := context.WithTimeout(ctx, spec.Budget)
	defer cancel()
	o, err := Open(budgetCtx, spec.Model)
	if err != nil {
		return nil, openError(err, spec.Budget, time.Since(started))
	}
	defer o.Close()
	if err := spec.checkPreprocessing(o, "the model"); err != nil {
		return nil, err
	}
	info := o.Info()
	if ceiling := o.Ceiling(); ceiling < spec.Threshold {
		return nil, ceilingError(o, ceiling, spec.Threshold)
	}
	if top := o.ScoreCap(); top < spec.Threshold {
		// Every class would stay unfooled, and the gate pass, whatever
		// the model does.
		return nil, fault.Suggest(fault.Invalidf(SettingThreshold, "model output %q holds 8-bit scores (%s), so no image can reach the threshold %g", info.Output, info.OutputLevels, spec.Threshold), strconv.FormatFloat(top, 'g', 6, 64))
	}
	targets, err := spec.Targets(info.Classes)
	if err != nil {
		return nil, err
	}
	cfg := spec.Search
	cfg.Targets, cfg.Threshold = targets, spec.Threshold
	if sh := spec.Shard; sh != nil {
		if sh.Searched, err = ShardClasses(targets, sh.Index, sh.Count); err != nil {
			return nil, err
		}
		cfg.Focus, cfg.Seed = sh.Searched, sh.Seed
	}
	if base != nil && base.report != nil {
		// Refuse an incomparable baseline before the budget is spent.
		probe := resultShell(o, &spec, attack.DefaultGeneration)
		for _, c := range targets {
			probe.Classes = append(probe.Classes, report.Class{Index: c})
		}
		if p := spec.BaselinePreset; p != "" && base.report.Config.Preset != p {
			return nil, fault.Suggest(fault.Invalidf(SettingBaselinePreset, "baseline %s was searched with preset %s, not %s", spec.Baseline, base.report.Config.Preset, p), base.report.Config.Preset)
		}
		if pre := gate.PreprocessingDifferences(probe, base.report); spec.BaselinePreset == "" && len(pre) > 0 && gate.CheckBaseline(probe, base.report, true) == nil {
			// Only the preprocessing differs: a baseline model that
			// takes another is declared, never assumed.
			return nil, fault.Suggest(fault.Invalidf(SettingBaselinePreset, "baseline %s was searched with other preprocessing than the model's: %s", spec.Baseline, describeDifferences(pre)), base.report.Config.Preset)
		}
		if err := gate.CheckBaseline(probe, base.report, spec.BaselinePreset != ""); err != nil {
			return nil, baselineRefusal(spec.Baseline, err, base.report, info.Classes)
		}
	}
	if spec.Hooks.Opened != nil {
		spec.Hooks.Opened(o, targets)
	}
	var baselineTime time.Duration
	if base != nil && base.report == nil {
		baseStarted := time.Now()
		if base.report, err = searchBaseline(ctx, &spec, cfg, info.Classes); err != nil {
			return nil, err
		}
		baselineTime = time.Since(baseStarted)
		// The candidate's budget starts after the baseline's search.
		cancel()
		started = time.Now()
		budgetCtx, cancel = context.WithTimeout(ctx, spec.Budget)
		defer cancel()
	}

	runCfg := cfg
	if n := allCapped(o, cfg, targets, spec.Threshold); n > 0 {
		if runCfg.MaxEvals == 0 || runCfg.MaxEvals > cappedEvals {
			runCfg.MaxEvals = cappedEvals
		}
		if spec.Hooks.Unreachable != nil {
			spec.Hooks.Unreachable(n, runCfg.MaxEvals)
		}
	}
	res, err := searchRepeats(budgetCtx, spec.Hooks, o, runCfg, spec.Repeats, "")
	if res == nil {
		return nil, err
	}
	if runCfg.MaxEvals != cfg.MaxEvals && res.Stopped == attack.StoppedMaxEvals {
		res.Stopped = StoppedUnreachable
	}
	// A model that failed mid-search was not tested: the reports say so
	// with the verdict error. One whose outputs were too often not finite
	// was not tested either, but the classes its finite outputs fooled
	// were fooled: the gate lets them fail the run, and makes one they do
	// not fail an error.
	used := time.Since(started)
	out := &Outcome{Result: buildResult(o, &spec, res, started), SearchErr: err, BaselineTime: baselineTime}
	out.Result.BudgetUsedSeconds = used.Seconds()
	out.Interrupted = res.Stopped == attack.StoppedCanceled
	out.Result.Interrupted = out.Interrupted
	out.Result.ScoreComparable = comparable(res, cfg.MaxEvals)
	if nf, ok := errors.AsType[*classifier.NonFiniteError](err); ok {
		out.Result.NonFiniteError = nf.Error()
	} else if err != nil {
		out.Result.RunError = err.Error()
	}
	if base != nil {
		if err := attachBaseline(out.Result, base); err != nil {
			return nil, err
		}
	}
	if out.Verdict, err = gate.Evaluate(out.Result, spec.Threshold, spec.MaxFooled, spec.FailOn); err != nil {
		return nil, fault.Invalidf("", "%w", err)
	}
	writeStart := time.Now()
	if err := renderShown(out.Result, res); err != nil {
		return nil, err
	}
	if err := out.write(spec.ReportDir, spec.Formats, report.WriteOptions{Words: spec.Words, Stop: spec.Stop}); err != nil {
		return out, err
	}
	out.WriteTime = time.Since(writeStart)
	if out.Verdict == gate.Error {
		if out.SearchErr != nil {
			return out, out.SearchErr
		}
		return out, fault.Environmentf("", "%s", out.Result.Error)
	}
	return out, nil
}

// write writes the reports of out.Result into dir, as opts says.
func (out *Outcome) write(dir string, formats []string, opts report.WriteOptions) error {
	w, err := report.WriteFiles(dir, out.Result, formats, opts)
	out.Written, out.Files = w.Formats, w.Paths
	if err != nil {
		return reportError(dir, err)
	}
	return nil
}

// openError explains an error from opening the model within the budget.
func openError(err error, budget, took time.Duration) error {
	if !errors.Is(err, classifier.ErrAborted) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		spent := "loading it, probing its output, tuning the batch size"
		if ce, ok := errors.AsType[*checkError](err); ok {
			// Name the check that was running: a model fast enough to
			// search may be slow on the inputs of another preset.
			spent = fmt.Sprintf("%.1fs %s, %.1fs checking its preprocessing with %s", ce.opened.Seconds(), spent, ce.took.Seconds(), ce.with)
		}
		return fault.Environmentf(SettingBudget, "the budget of %s ran out while opening the model (%.1fs: %s); its runs are too slow to search within that budget", budget, took.Seconds(), spent)
	}
	return fault.Environmentf("", "interrupted while opening the model, after %.1fs: nothing was searched", took.Seconds())
}

// reportError shortens the joined errors of the report writers to the first
// one, with a count of the rest: a full disk fails every format alike.
func reportError(dir string, err error) error {
	if se, ok := errors.AsType[*report.SymlinkError](err); ok {
		return fault.Invalidf(SettingReportDir, "%w", se)
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	// A format joins its own errors too (one per image): the cause is the
	// first innermost error, not every image's message.
	first := leafErrors(errs[0])[0]
	// The folder the system refused names where to look; the temporary
	// file's name would not.
	cause := first.Error()
	switch pe := first.(type) {
	case *fs.PathError:
		cause = fmt.Sprintf("%v in %s", pe.Err, filepath.Dir(pe.Path))
	case *os.LinkError:
		cause = fmt.Sprintf("%v in %s", pe.Err, filepath.Dir(pe.New))
	}
	more := ""
	if len(errs) > 1 {
		more = fmt.Sprintf(" (%d reports not written)", len(errs))
	}
	return fault.Environmentf("", "writing reports to %s: %s%s: check the free space and permissions of the report directory", dir, cause, more)
}

// leafErrors flattens err, through wrapping and errors.Join, into its
// innermost errors, in order, stopping at an error that names a path.
func leafErrors(err error) []error {
	switch u := err.(type) {
	case *fs.PathError, *os.LinkError:
	case interface{ Unwrap() []error }:
		var out []error
		for _, e := range u.Unwrap() {
			out = append(out, leafErrors(e)...)
		}
		if len(out) > 0 {
			return out
		}
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return leafErrors(inner)
		}
	}
	return []error{err}
}

// CheckReportDir checks, before a search, that reports can be written to
// dir: a folder that is a symbolic link, or a path that is a file or runs
// through one, is invalid input (the user named the wrong path); one that
// cannot be created or written otherwise (permissions, a full or read-only
// disk) an environment failure.
func CheckReportDir(dir string) error {
	err := report.CheckDir(dir)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, report.ErrSymlink), errors.Is(err, syscall.ENOTDIR), errors.Is(err, fs.ErrExist):
		return fault.Invalidf(SettingReportDir, "%w", err)
	}
	return fault.Environmentf(SettingReportDir, "%w", err)
}

// ShardClasses returns shard i's (1-based) of n shards of targets: the
// targets at the positions j with j mod n = i-1. Dealing them in turn, rather
// than in blocks, spreads neighbouring classes (often alike: dog breeds) over
// the shards, so each shard gets a like mix of easy and hard ones.
func ShardClasses(targets []int, i, n int) ([]int, error) {
	if n > len(targets) {
		return nil, fault.Suggest(fault.Invalidf(SettingShard, "shard %d/%d: only %d target classes, so some shards would search none", i, n, len(targets)), strconv.Itoa(len(targets)))
	}
	var out []int
	for j := i - 1; j < len(targets); j += n {
		out = append(out, targets[j])
	}
	return out, nil
}

// ceilingError refuses a model whose outputs, read as their kind, kept every
// confidence on the probe images below threshold. The bound holds on those
// images only (another image may give a little more), but a search would
// not bring values of such a range to a threshold near 1, and the gate
// would pass the model untested. Values read as logits may be scores, or
// logits that a wrong preprocessing squeezes together: a model given its
// own preprocessing separates them again, so the refusal names both fixes,
// never the automatic reading, which refuses such values too.
func ceilingError(o *Opened, ceiling, threshold float64) error {
	info := o.Info()
	kind, how := readAs(info.OutputKind)
	msg := fmt.Sprintf("model output %q is read as %s, but its values stay within [%.3g, %.3g] on the probe images, where its confidences (%s) reach at most %.3f, below the threshold %g: the values look like probabilities or sigmoid scores",
		info.Output, kind, info.OutputRange[0], info.OutputRange[1], how, ceiling, threshold)
	if kind == "logits" {
		msg += ", and if they are logits, a preprocessing other than the model's own squeezes logits like this"
		if o.Defaulted && !o.Digits.Confirms() {
			msg += fmt.Sprintf(", as fooltest's default (%s), which nothing gave or confirmed, may be", preprocessingName(o))
		}
		msg += ": give the model's own (--preset, or --scale, --mean and --std, as its training code gives them); otherwise read them as scores"
	}
	return fault.Suggest(fault.Invalidf(classifier.SettingOutputKind, "%s", msg), "probabilities (scores of one distribution) or sigmoid (independent scores)")
}

// readAs names, for the kinds whose Ceiling can fall below 1, what kind k
// reads raw outputs as, and how confidences follow from them.
func readAs(k classifier.OutputKind) (kind, how string) {
	switch k {
	case classifier.MultiLabelLogits:
		return "logits", "a sigmoid of each"
	case classifier.Percentages:
		return "percentages", "a hundredth of each"
	}
	return "logits", "their softmax"
}
