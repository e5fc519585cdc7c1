package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
)

// runFlags are the flags of `fooltest run` beyond the model flags.
type runFlags struct {
	encoding, algorithm, budget string
	maxEvals                    int64
	classes, threshold          string
	maxFooled, failOn           string
	seed                        uint64
	reportDir, format           string
	exportDataset, quiet        bool
	repeats                     int
	baseline                    string
	alpha, tolerance, minScore  float64
	shard                       string
	// set records the flags given on the command line.
	set map[string]bool
}

// Defaults of runs that gate on the score (with --baseline or --min-score)
// when --max-evals and --repeats are not given: query costs are only
// comparable under an evaluation budget, and the median of a few searches
// per class makes a 2× difference in cost stand out of one search's noise.
const (
	defaultScoredEvals   = 3000
	defaultScoredRepeats = 5
)

func (r *runFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.encoding, "encoding", attack.EncodingBoth, "image encoding: direct (pixels), cppn (patterns) or both (sharing the budget)")
	fs.StringVar(&r.algorithm, "algorithm", attack.AlgorithmDefault, "search: default (fooltest's, fewest evaluations) or paper (MAP-Elites as in Nguyen et al. 2015)")
	fs.StringVar(&r.budget, "budget", "60s", "wall-clock `duration` of the search")
	fs.Int64Var(&r.maxEvals, "max-evals", 0, "stop after this many model evaluations (0: no cap)")
	fs.StringVar(&r.classes, "classes", "all", "target classes: all, i,j,k (ranges a-b allowed) or random:N")
	fs.StringVar(&r.threshold, "threshold", "0.99", "`confidence` at which an unrecognizable image counts as fooling the model")
	fs.StringVar(&r.maxFooled, "max-fooled", gate.DefaultMaxFooled, "fooled classes allowed before the gate fails: N or P% of the targets")
	fs.StringVar(&r.failOn, "fail-on", "fooled", "fooled: fail when more classes are fooled than allowed; regression: fail when easier to fool than --baseline (the default with one); never: report only")
	fs.IntVar(&r.repeats, "repeats", 1, "independent searches with seeds seed, seed+1, …; each class's evaluations to the threshold is their median")
	fs.StringVar(&r.baseline, "baseline", "", "baseline to compare with: an ONNX model (searched first, with the same settings) or an earlier run's report.json")
	fs.Float64Var(&r.alpha, "alpha", gate.DefaultAlpha, "significance level of the test that the model is easier to fool than the baseline")
	fs.Float64Var(&r.tolerance, "tolerance", gate.DefaultTolerance, "how much lower than the baseline's the score may be before a significant difference fails the gate")
	fs.Float64Var(&r.minScore, "min-score", 0, "fail when the score is below this (0: no floor)")
	fs.Uint64Var(&r.seed, "seed", 1, "random seed; with --max-evals a run gives the same result on any machine, whatever --batch and --threads")
	fs.StringVar(&r.shard, "shard", "", "search only shard `I/N` of the target classes (I from 1 to N; target j goes to shard j mod N + 1) with seed + (I-1)×1000003, for a CI job matrix; merge the shards' reports with 'fooltest merge'")
	fs.StringVar(&r.reportDir, "report-dir", "fooltest-report", "`directory` for the reports")
	fs.StringVar(&r.format, "format", strings.Join(report.DefaultFormats(), ","), "comma-separated report formats: "+strings.Join(report.AllFormats(), ", "))
	fs.BoolVar(&r.exportDataset, "export-dataset", false, "also write dataset/ (fooling images and labels.csv) for retraining")
	fs.BoolVar(&r.quiet, "quiet", false, "no progress output")
}

// runPlan is a validated run configuration.
type runPlan struct {
	budget    time.Duration
	threshold float64
	maxFooled gate.MaxFooled
	failOn    gate.FailOn
	formats   []string
	// shard is --shard (nil: the whole run); its Searched is filled once
	// the targets are known.
	shard *report.Shard
}

func (r *runFlags) validate() (runPlan, error) {
	var p runPlan
	var err error
	if err = oneOf("encoding", r.encoding, attack.EncodingDirect, attack.EncodingCPPN, attack.EncodingBoth); err != nil {
		return p, err
	}
	if err = oneOf("algorithm", r.algorithm, attack.AlgorithmDefault, attack.AlgorithmPaper); err != nil {
		return p, err
	}
	if p.budget, err = parseBudget(r.budget); err != nil {
		return p, err
	}
	if r.maxEvals < 0 {
		return p, exitcode.Usagef("--max-evals %d: give 0 (no cap) or a positive count", r.maxEvals)
	}
	if r.repeats < 1 || r.repeats > 100 {
		return p, exitcode.Usagef("--repeats %d: give a count from 1 to 100", r.repeats)
	}
	if !(r.alpha > 0 && r.alpha < 1) {
		return p, exitcode.Usagef("--alpha %v: give a significance level between 0 and 1, such as 0.05", r.alpha)
	}
	if !(r.tolerance >= 0 && r.tolerance < 1) {
		return p, exitcode.Usagef("--tolerance %v: give a score difference from 0 to below 1, such as 0.02", r.tolerance)
	}
	if !(r.minScore >= 0 && r.minScore <= 1) {
		return p, exitcode.Usagef("--min-score %v: give a score from 0 to 1 (0: no floor)", r.minScore)
	}
	if r.baseline != "" && !r.set["fail-on"] {
		r.failOn = string(gate.FailOnRegression)
	}
	if r.baseline != "" || r.minScore > 0 {
		if !r.set["max-evals"] {
			r.maxEvals = defaultScoredEvals
		}
		if !r.set["repeats"] {
			r.repeats = defaultScoredRepeats
		}
		if r.maxEvals == 0 {
			return p, exitcode.Usagef("--max-evals 0 with --baseline or --min-score: the score compares query costs under an evaluation budget; give --max-evals N")
		}
	}
	if p.shard, err = parseShard(r.shard, r.seed); err != nil {
		return p, err
	}
	if p.threshold, err = parseThreshold(r.threshold); err != nil {
		return p, err
	}
	if p.maxFooled, err = gate.ParseMaxFooled(r.maxFooled); err != nil {
		return p, exitcode.Usagef("%s", err)
	}
	if p.failOn, err = gate.ParseFailOn(r.failOn); err != nil {
		return p, exitcode.Usagef("%s", err)
	}
	if p.failOn == gate.FailOnRegression && r.baseline == "" {
		return p, exitcode.Usagef("--fail-on regression needs --baseline: give the released model or its report.json")
	}
	if p.formats, err = report.ParseFormats(r.format); err != nil {
		return p, exitcode.Usagef("%s", err)
	}
	if r.exportDataset && !slices.Contains(p.formats, report.FormatDataset) {
		p.formats = append(p.formats, report.FormatDataset)
	}
	if strings.TrimSpace(r.reportDir) == "" {
		return p, exitcode.Usagef("--report-dir is empty: give a directory for the reports")
	}
	return p, nil
}

// runOutcome is what `run` produced, for the console, Actions and tests.
type runOutcome struct {
	result  *report.Result
	written map[string]string
	// files are every file written and folder created, for the Action to
	// re-own.
	files []string
	code  int
	// nonFinite is how many scored images gave NaN or ±Inf outputs, and
	// how many were scored.
	nonFinite [2]int64
	// writeTime is how long writing the reports took.
	writeTime time.Duration
}

func runCmd(ctx context.Context, args []string, e env) (int, error) {
	o, err := runSearch(ctx, args, e)
	if o != nil {
		return o.code, err
	}
	return 0, err
}

// runSearch parses flags, searches, gates and writes the reports.
func runSearch(ctx context.Context, args []string, e env) (*runOutcome, error) {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	var m modelFlags
	var r runFlags
	m.register(fs)
	r.register(fs)
	if err := parse(fs, args, e, &m); err != nil {
		return nil, err
	}
	r.set = m.set
	plan, err := r.validate()
	if err != nil {
		return nil, err
	}
	if _, _, err := m.options(); err != nil {
		return nil, err
	}
	// A report directory that cannot be written fails now, not after the
	// budget is spent.
	if err := checkWritable(r.reportDir); err != nil {
		return nil, err
	}
	var base *baseline
	if r.baseline != "" {
		if base, err = readBaseline(r.baseline); err != nil {
			return nil, err
		}
	}
	// The budget covers opening the model too: a model slow enough to
	// spend it on probing and batch tuning is too slow to search. A
	// baseline model gets a budget of its own.
	started := time.Now()
	budgetCtx, cancel := context.WithTimeout(ctx, plan.budget)
	defer cancel()
	l, err := m.open(budgetCtx)
	if err != nil {
		return nil, openError(err, plan.budget, time.Since(started))
	}
	defer l.Close()
	info := l.Info()
	if ceiling := l.Ceiling(); ceiling < plan.threshold {
		return nil, exitcode.Usagef("model output %q is read as logits, but its values stay within [%.3g, %.3g] on every probe image, so softmax confidences cannot exceed %.3f, below --threshold %g: the values look like probabilities or sigmoid scores; pass --output-kind probabilities or --output-kind sigmoid",
			info.Output, info.OutputRange[0], info.OutputRange[1], ceiling, plan.threshold)
	}
	targets, err := parseClasses(r.classes, info.Classes, r.seed)
	if err != nil {
		return nil, err
	}
	cfg := attack.Config{
		Algorithm: r.algorithm,
		Encoding:  r.encoding,
		Targets:   targets,
		Threshold: plan.threshold,
		MaxEvals:  r.maxEvals,
		Seed:      r.seed,
	}
	if sh := plan.shard; sh != nil {
		if sh.Searched, err = shardClasses(targets, sh.Index, sh.Count); err != nil {
			return nil, err
		}
		cfg.Focus, cfg.Seed = sh.Searched, sh.Seed
	}
	if base != nil && base.report != nil {
		// Refuse an incomparable baseline before the budget is spent.
		probe := resultShell(l, &m, &r, plan, attack.DefaultGeneration)
		if err := gate.CheckBaseline(probe, base.report); err != nil {
			return nil, exitcode.Usagef("--baseline %s: %s", printable(r.baseline), err)
		}
		if err := sameTargets(r.baseline, r.classes, targets, base.report.Model.Classes, info.Classes); err != nil {
			return nil, err
		}
	}
	fmt.Fprint(e.stdout, l.summary())
	if sh := plan.shard; sh != nil {
		fmt.Fprintf(e.stdout, "%-11s %d of %d: %d of the %d target classes, seed %d\n", "shard", sh.Index, sh.Count, len(sh.Searched), len(targets), sh.Seed)
	}
	fmt.Fprintf(e.stdout, "%-11s %.1fs of the %s budget, %.1fs of it tuning the batch size\n", "opened in", info.OpenSeconds, plan.budget, info.TuneSeconds)

	if base != nil && base.report == nil {
		if base.report, err = searchBaseline(ctx, e, m, &r, plan, cfg, info.Classes); err != nil {
			return nil, err
		}
		// The candidate's budget starts after the baseline's search.
		cancel()
		budgetCtx, cancel = context.WithTimeout(ctx, plan.budget)
		defer cancel()
	}

	res, err := searchRepeats(budgetCtx, e, l, cfg, r.repeats, "", r.quiet)
	if res == nil {
		return nil, err
	}
	// A model that failed mid-search, or whose outputs were too often not
	// finite, was not tested: the reports say so with the verdict error.
	searchErr := err
	interrupted := res.Stopped == attack.StoppedCanceled

	out := &runOutcome{result: buildResult(l, &m, &r, plan, res, started)}
	out.nonFinite[0], out.nonFinite[1] = l.NonFiniteImages()
	out.result.Interrupted = interrupted
	out.result.ScoreComparable = comparable(res, r.maxEvals)
	if searchErr != nil {
		out.result.Error = oneLine(searchErr.Error())
	}
	if base != nil {
		if err := attachBaseline(out.result, base); err != nil {
			return nil, err
		}
	}
	verdict, err := gate.Evaluate(out.result, plan.threshold, plan.maxFooled, plan.failOn)
	if err != nil {
		return nil, exitcode.Usagef("%s", err)
	}
	writeStart := time.Now()
	renderShown(out.result, res)
	w, err := report.WriteFiles(r.reportDir, out.result, plan.formats)
	out.written, out.files = w.Formats, w.Paths
	if err != nil {
		return out, reportError(r.reportDir, err)
	}
	out.writeTime = time.Since(writeStart)
	printSummary(e, out)
	out.code = exitCode(verdict, plan.failOn, interrupted)
	if verdict == gate.Error {
		if searchErr != nil {
			return out, searchErr
		}
		return out, exitcode.Envf("%s", out.result.Error)
	}
	return out, nil
}

// openError explains an error from opening the model within the budget.
func openError(err error, budget, took time.Duration) error {
	if !errors.Is(err, classifier.ErrAborted) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return exitcode.Envf("the --budget of %s ran out while opening the model (%.1fs: loading it, probing its output, tuning the batch size); its runs are too slow to search within that budget: raise --budget", budget, took.Seconds())
	}
	return exitcode.Envf("interrupted while opening the model, after %.1fs: nothing was searched", took.Seconds())
}

// exitCode is the run's exit code. An interrupted search whose results
// already fail the gate exits 1; one that does not proves nothing either
// way and exits 3.
func exitCode(v gate.Verdict, failOn gate.FailOn, interrupted bool) int {
	code := gate.ExitCode(v, failOn)
	if interrupted && code != exitcode.GateFailed {
		return exitcode.Environment
	}
	return code
}

// reportError shortens the joined errors of the report writers to the first
// one, with a count of the rest: a full disk fails every format alike.
func reportError(dir string, err error) error {
	if se, ok := errors.AsType[*report.SymlinkError](err); ok {
		return exitcode.Usagef("%s", se)
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	first := errs[0]
	for u := errors.Unwrap(first); u != nil; u = errors.Unwrap(u) {
		first = u
	}
	more := ""
	if len(errs) > 1 {
		more = fmt.Sprintf(" (%d reports not written)", len(errs))
	}
	return exitcode.Envf("writing reports to %s: %v%s: check the free space and permissions of --report-dir", dir, first, more)
}

// checkWritable checks, before the search, that the reports can be written
// to dir: a folder that is a symbolic link is a usage error, one that cannot
// be created or written an environment failure.
func checkWritable(dir string) error {
	err := report.CheckDir(dir)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, report.ErrSymlink):
		return exitcode.Usagef("%s", err)
	}
	return exitcode.Envf("%s", err)
}

// buildResult turns the search's result into the one result model every
// report is written from.
func buildResult(l *loaded, m *modelFlags, r *runFlags, plan runPlan, res *attack.Result, started time.Time) *report.Result {
	out := resultShell(l, m, r, plan, res.Generation)
	out.Config.Encoding, out.Config.Algorithm = res.Encoding, res.Algorithm
	out.Evaluations = res.Evaluations
	out.ElapsedSeconds = res.Elapsed.Seconds()
	out.NonFiniteOutputs = l.NonFinite()
	out.StoppedReason = res.Stopped
	out.StartedAt = started.UTC().Format(time.RFC3339)
	out.EvaluationBudget = r.maxEvals
	out.Repeats = r.repeats
	if out.Shard != nil {
		for _, c := range res.Classes {
			out.TargetClasses = append(out.TargetClasses, c.Index)
		}
	}
	if s := res.Elapsed.Seconds(); s > 0 {
		out.EvalsPerSecond = float64(res.Evaluations) / s
	}
	for i := range res.Classes {
		c := &res.Classes[i]
		rc := report.Class{Index: c.Index, Label: l.labels[c.Index], Confidence: c.Confidence, Encoding: c.Encoding}
		if c.Reached {
			n, s := c.EvaluationsToThreshold, c.ElapsedToThreshold.Seconds()
			rc.EvaluationsToThreshold, rc.SecondsToThreshold = &n, &s
		} else if u := c.Unreachable; u != nil {
			rc.Unreachable = &report.Unreachable{Kind: u.Kind, Rank: u.Rank, Ceiling: u.Ceiling,
				Reason: report.UnreachableReason(u.Kind, c.Confidence, u.Ceiling, u.Rank, u.Images)}
		}
		for _, p := range c.History {
			rc.History = append(rc.History, report.Point{Evaluations: p.Evaluations, Confidence: p.Confidence})
		}
		rc.History = report.ThinHistory(rc.History, report.MaxHistoryPoints)
		out.Classes = append(out.Classes, rc)
	}
	return out
}

// renderShown renders the best images of the classes the reports show
// (see report.ShownClasses), on every core: with 1000 classes, rendering
// them all one after another took seconds after a signal asked the run to
// stop.
func renderShown(out *report.Result, res *attack.Result) {
	shown := report.ShownClasses(out)
	byIndex := make(map[int]*attack.Class, len(res.Classes))
	for i := range res.Classes {
		byIndex[res.Classes[i].Index] = &res.Classes[i]
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(shown)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(shown) {
					return
				}
				c := shown[i]
				if ac := byIndex[c.Index]; ac != nil {
					if px := ac.Pixels(); px != nil {
						c.Pixels = &report.Image{C: res.C, H: res.H, W: res.W, Pix: report.Quantize(px)}
					}
				}
			}
		})
	}
	wg.Wait()
}

// resultShell is the part of a Result known before the search: the model
// and the settings.
func resultShell(l *loaded, m *modelFlags, r *runFlags, plan runPlan, generation int) *report.Result {
	info := l.Info()
	libVersion := l.runtime
	out := &report.Result{
		Schema:   report.Schema,
		Versions: report.Versions{Fooltest: fooltestVersion(), ONNXRuntime: libVersion},
		Model: report.Model{
			Path: displayPath(l), SHA256: l.sha256, Classes: info.Classes,
			Input: info.Input, Layout: string(info.Layout),
			Width: info.Width, Height: info.Height, Channels: info.Channels,
			Output: info.Output, OutputKind: string(info.OutputKind),
		},
		Config: report.Config{
			Budget:   plan.budget.String(),
			MaxEvals: r.maxEvals, Classes: r.classes, Threshold: plan.threshold,
			MaxFooled: plan.maxFooled.String(), FailOn: string(plan.failOn), Seed: r.seed,
			Batch: info.Batch, Threads: info.Threads, Preset: l.preset,
			InputShape: m.inputShape, Output: info.Output, OutputKind: m.kind,
			Labels: m.labels, ReportDir: r.reportDir, Formats: plan.formats,
			ExportDataset: r.exportDataset,
			Generation:    generation, Repeats: r.repeats, Baseline: r.baseline,
			Alpha: r.alpha, Tolerance: r.tolerance, MinScore: r.minScore,
		},
		BudgetSeconds: plan.budget.Seconds(),
		OpenSeconds:   info.OpenSeconds,
		Shard:         plan.shard,
	}
	out.Config.Encoding, out.Config.Algorithm = cmp.Or(r.encoding, attack.EncodingBoth), cmp.Or(r.algorithm, attack.AlgorithmDefault)
	out.Config.Scale = float64(l.norm.Scale)
	for _, v := range l.norm.Mean {
		out.Config.Mean = append(out.Config.Mean, float64(v))
	}
	for _, v := range l.norm.Std {
		out.Config.Std = append(out.Config.Std, float64(v))
	}
	return out
}

// demoDisplayPath stands for the embedded model in reports, which have no
// file to point at.
const demoDisplayPath = "(embedded demo model)"

// displayPath is the model path as reports show it: relative to the working
// directory (the workspace, in Actions) when the model lies inside it.
func displayPath(l *loaded) string {
	if l.path == "" {
		return demoDisplayPath
	}
	wd, err := os.Getwd()
	if err != nil {
		return l.path
	}
	abs, err := filepath.Abs(l.path)
	if err != nil {
		return l.path
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return l.path
}

// printSummary prints the class table, the verdict and where reports went.
func printSummary(e env, o *runOutcome) {
	res := o.result
	classes := report.ByConfidence(res)
	const maxRows = 20
	w := e.stdout
	fmt.Fprintf(w, "\n%-6s  %-24s  %-10s  %s\n", "class", "label", "confidence", "fooled")
	for i, c := range classes {
		if i == maxRows {
			fmt.Fprintf(w, "… %d more classes in %s\n", len(classes)-maxRows, printable(filepath.Join(res.Config.ReportDir, report.JSONFile)))
			break
		}
		mark := "no"
		switch {
		case c.Fooled:
			mark = "yes"
		case c.Unreachable != nil:
			mark = "no (looks unreachable)"
		}
		fmt.Fprintf(w, "%-6d  %-24s  %-10.5f  %s\n", c.Index, truncateLabel(c.Label, 24), c.Confidence, mark)
	}
	fmt.Fprintln(w)
	printUnreachable(w, res)
	if bad, scored := o.nonFinite[0], o.nonFinite[1]; bad > 0 {
		fmt.Fprintf(w, "note: %d of %d scored images gave NaN or infinite outputs, counted as confidence 0\n", bad, scored)
	}
	fmt.Fprintln(w, scoreLine(res))
	if b := res.Baseline; b != nil {
		fmt.Fprintf(w, "baseline: %s: score %.3f against the baseline's %.3f (difference %+.3f, p(easier) = %.3g; %d classes fell faster, %d slower)\n",
			b.Change, res.Score, b.Score, b.ScoreDifference, b.PValue, b.Easier, b.Harder)
	}
	fmt.Fprintln(w, verdictLine(res))
	fmt.Fprintf(w, "time: %.1fs opening the model, %.1fs searching, %.1fs writing the reports:\n", res.OpenSeconds, res.ElapsedSeconds, o.writeTime.Seconds())
	for _, f := range report.AllFormats() {
		if p, ok := o.written[f]; ok {
			fmt.Fprintf(w, "  %-9s %s\n", f, printable(p))
		}
	}
}

// scoreLine states the score and what it was measured under.
func scoreLine(res *report.Result) string {
	median := fmt.Sprintf("more than %d", res.EvaluationBudget)
	if res.MedianEvaluations != nil {
		median = fmt.Sprint(*res.MedianEvaluations)
	}
	s := fmt.Sprintf("score: %.3f (0: every class fooled at once, 1: none within %d evaluations); %d of %d classes fooled within the budget, median %s evaluations",
		res.Score, res.EvaluationBudget, res.FooledWithinBudget, res.Targets, median)
	if res.Repeats > 1 {
		s += fmt.Sprintf(" (medians of %d searches)", res.Repeats)
	}
	switch {
	case res.Config.MaxEvals == 0:
		s += "; comparable with other runs only under an evaluation budget (--max-evals)"
	case !res.ScoreComparable:
		s += "; not comparable: the search stopped before its evaluation budget (raise --budget)"
	}
	return s
}

// verdictLine is the one-line verdict on the console.
func verdictLine(res *report.Result) string {
	word := strings.ToUpper(res.Verdict)
	var s string
	switch {
	case res.Config.MinScore > 0 && res.Score < res.Config.MinScore && res.Verdict == string(gate.Fail):
		s = fmt.Sprintf("fooltest: %s: score %.3f is below --min-score %g, %d evaluations in %.1fs", word, res.Score, res.Config.MinScore, res.Evaluations, res.ElapsedSeconds)
	case res.Config.FailOn == string(gate.FailOnRegression) && res.Baseline != nil:
		b := res.Baseline
		s = fmt.Sprintf("fooltest: %s: %s than the baseline (score %.3f against %.3f, p(easier) = %.3g, tolerance %g), %d evaluations in %.1fs",
			word, strings.TrimSuffix(b.Change, " to fool")+" to fool", res.Score, b.Score, b.PValue, res.Config.Tolerance, res.Evaluations, res.ElapsedSeconds)
		if b.Change == gate.NoChange {
			s = fmt.Sprintf("fooltest: %s: no significant change from the baseline (score %.3f against %.3f, p(easier) = %.3g), %d evaluations in %.1fs",
				word, res.Score, b.Score, b.PValue, res.Evaluations, res.ElapsedSeconds)
		}
	default:
		s = fmt.Sprintf("fooltest: %s: %d of %d classes fooled at confidence >= %g (allowed %d), %d evaluations in %.1fs",
			word, res.Fooled, res.Targets, res.Threshold, res.MaxFooled, res.Evaluations, res.ElapsedSeconds)
	}
	if res.Interrupted {
		s += " (interrupted: results so far)"
	}
	if res.Config.FailOn == string(gate.FailOnNever) && res.Verdict == "fail" {
		s += " (report only: --fail-on never)"
	}
	if res.Verdict == string(gate.Error) {
		s += "; the model was not tested: " + res.Error
	}
	return s
}

func truncateLabel(s string, n int) string {
	s = printable(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// printUnreachable prints why the classes that look unreachable do, the
// first few of them.
func printUnreachable(w io.Writer, res *report.Result) {
	n := report.UnreachableCount(res)
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "%d target classes look unreachable; they count as not fooled:\n", n)
	const maxLines = 10
	shown := 0
	for _, c := range res.Classes {
		if c.Unreachable == nil {
			continue
		}
		if shown == maxLines {
			fmt.Fprintf(w, "  … %d more in %s\n", n-shown, printable(filepath.Join(res.Config.ReportDir, report.JSONFile)))
			break
		}
		fmt.Fprintf(w, "  class %d %s: %s\n", c.Index, printable(truncateLabel(c.Label, 24)), printable(c.Unreachable.Reason))
		shown++
	}
	fmt.Fprintln(w)
}
