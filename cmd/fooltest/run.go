package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/pipeline"
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
	preprocessingCheck          bool
	repeats                     int
	baseline, baselinePreset    string
	alpha, tolerance, minScore  float64
	shard                       string
	reportURLs
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
	fs.StringVar(&r.budget, "budget", "60s", "wall-clock `duration` of the run: opening the model, its checks and the search (writing the reports comes on top)")
	fs.Int64Var(&r.maxEvals, "max-evals", 0, fmt.Sprintf("stop after this many model `evaluations` (default no cap, or %d with --baseline or --min-score, whose score needs one)", defaultScoredEvals))
	fs.StringVar(&r.classes, "classes", "all", "target classes: all, i,j,k (ranges a-b allowed) or random:N")
	fs.StringVar(&r.threshold, "threshold", "0.99", "`confidence` at which an unrecognizable image counts as fooling the model")
	fs.StringVar(&r.maxFooled, "max-fooled", gate.DefaultMaxFooled, "fooled classes allowed before the gate fails: N or P% of the targets")
	fs.StringVar(&r.failOn, "fail-on", "fooled", "fooled: fail when more classes are fooled than allowed; regression: fail when easier to fool than --baseline (the default with one); never: report only, exit 0 (the verdict still says fail where the gate was crossed)")
	fs.IntVar(&r.repeats, "repeats", 1, fmt.Sprintf("independent `searches` (%d when --baseline or --min-score is given) with seeds seed, seed+1, …; each class's evaluations to the threshold is their median", defaultScoredRepeats))
	fs.StringVar(&r.baseline, "baseline", "", "baseline to compare with: an ONNX model (searched first, with the same settings) or an earlier run's report.json")
	fs.StringVar(&r.baselinePreset, "baseline-preset", "", "`preset` the baseline model takes when it is not the model's (--preset): each model is then searched with its own; with a baseline report.json, the preset it was searched with (custom for its own --scale, --mean and --std)")
	fs.Float64Var(&r.alpha, "alpha", gate.DefaultAlpha, "significance level of the test that the model is easier to fool than the baseline")
	fs.Float64Var(&r.tolerance, "tolerance", gate.DefaultTolerance, "how much lower than the baseline's the score may be before a significant difference fails the gate")
	fs.Float64Var(&r.minScore, "min-score", 0, "fail when the score is below this (0: no floor)")
	fs.Uint64Var(&r.seed, "seed", 1, "random `seed`; with --max-evals a run gives the same result whatever --batch and --threads, on machines whose CPUs get the same ONNX Runtime kernels")
	fs.StringVar(&r.shard, "shard", "", "search only shard `I/N` of the target classes (I from 1 to N; target j goes to shard j mod N + 1) with seed + (I-1)×1000003, for a CI job matrix; merge the shards' reports with 'fooltest merge'")
	fs.StringVar(&r.reportDir, "report-dir", "fooltest-report", "`directory` for the reports")
	fs.StringVar(&r.format, "format", strings.Join(report.DefaultFormats(), ","), "comma-separated report formats: "+strings.Join(report.AllFormats(), ", "))
	fs.BoolVar(&r.exportDataset, "export-dataset", false, "also write dataset/ (fooling images and labels.csv) for retraining")
	fs.BoolVar(&r.preprocessingCheck, "preprocessing-check", true, "refuse to search a model whose preprocessing looks wrong (MNIST test digits, a quantized input's calibrated range, an in-graph scaling or natural photos, read far better with another preset), and end in the verdict error a pass whose search never moved the model; =false searches it anyway and lets such a pass stand")
	r.reportURLs.register(fs)
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
	if r.baseline == "" {
		// The regression test's settings, with nothing to test against,
		// would be ignored.
		for _, f := range []string{"alpha", "tolerance"} {
			if r.set[f] {
				return p, exitcode.Usagef("--%s sets the regression test against --baseline: give --baseline, or leave --%s out", f, f)
			}
		}
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
	if r.baselinePreset != "" {
		if r.baseline == "" {
			return p, exitcode.Usagef("--baseline-preset needs --baseline: give the released model or its report.json")
		}
		if !slices.Contains(classifier.PresetNames, r.baselinePreset) && r.baselinePreset != "custom" {
			return p, exitcode.Usagef("unknown --baseline-preset %q: use one of %s, or custom for a baseline report.json searched with values of its own", r.baselinePreset, strings.Join(classifier.PresetNames, ", "))
		}
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
	if err := r.reportURLs.validate(); err != nil {
		return p, err
	}
	return p, nil
}

// runOutcome is what `run` or `merge` produced, for the console, Actions
// and tests.
type runOutcome struct {
	*pipeline.Outcome
	code int
	// presetDefaulted says that the model got the default preprocessing,
	// no flag having set it, and that nothing checked it (see summary).
	presetDefaulted bool
}

func runCmd(ctx context.Context, args []string, e env) (int, error) {
	o, err := runSearch(ctx, args, e)
	if o != nil {
		warnAllowance(e, o)
		return o.code, err
	}
	return 0, err
}

// warnAllowance prints report.AllowanceWarning on stderr, after the summary,
// where it is the last thing a user reads; the exit code is unchanged.
func warnAllowance(e env, o *runOutcome) {
	if o.Outcome == nil {
		return
	}
	if w := report.AllowanceWarning(o.Result); w != "" {
		fmt.Fprintf(e.stderr, "fooltest: warning: %s\n", w)
	}
}

// runSearch parses the flags into a pipeline.Spec and runs it, printing
// the model, the progress and the summary.
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
	// A report directory that cannot be written fails before the runtime
	// is even loaded.
	if err := pipeline.CheckReportDir(r.reportDir); err != nil {
		return nil, err
	}
	e.writing.add(r.reportDir)
	model, err := m.toModel()
	if err != nil {
		return nil, err
	}
	// Without a working directory (removed under the run) report.sarif
	// locates the model from its path as given.
	wd, _ := os.Getwd()
	spec := pipeline.Spec{
		Model: model,
		Targets: func(k int) ([]int, error) {
			return parseClasses(r.classes, k, r.seed)
		},
		Search:    attack.Config{Algorithm: r.algorithm, Encoding: r.encoding, MaxEvals: r.maxEvals, Seed: r.seed},
		Repeats:   r.repeats,
		Budget:    plan.budget,
		Threshold: plan.threshold,
		MaxFooled: plan.maxFooled,
		FailOn:    plan.failOn,
		Baseline:  r.baseline,
		// Each model is then opened and checked with its own.
		BaselinePreset: r.baselinePreset,
		// The check refuses a model it finds fed the wrong preprocessing;
		// turned off, the run goes on and the reports say what it found.
		TrustPreprocessing: !r.preprocessingCheck,
		Shard:              plan.shard,
		ReportDir:          r.reportDir,
		Formats:            plan.formats,
		Stop:               e.writing.stopper(),
		RepoRoot:           sarifRoot(e.getenv, wd),
		Version:            fooltestVersion(),
		Words:              e.vocab.reportWords(),
		Config: report.Config{
			Budget:   plan.budget.String(),
			MaxEvals: r.maxEvals, Classes: r.classes, Threshold: plan.threshold,
			MaxFooled: plan.maxFooled.String(), FailOn: string(plan.failOn), Seed: r.seed,
			InputShape: m.inputShape, OutputKind: m.kind,
			Labels: m.labels, ReportDir: r.reportDir, Formats: plan.formats,
			ExportDataset: r.exportDataset,
			Repeats:       r.repeats, Baseline: r.baseline, BaselinePreset: r.baselinePreset,
			Alpha: r.alpha, Tolerance: r.tolerance, MinScore: r.minScore,
			ImageBaseURL: r.imageBaseURL, ArtifactURL: r.artifactURL,
			Encoding:  cmp.Or(r.encoding, attack.EncodingBoth),
			Algorithm: cmp.Or(r.algorithm, attack.AlgorithmDefault),
		},
		Hooks: pipeline.Hooks{
			Opened: func(o *pipeline.Opened, targets []int) {
				fmt.Fprint(e.stdout, summary(o, m.presetDefaulted(), m.hf, e.vocab))
				if sh := plan.shard; sh != nil {
					fmt.Fprintf(e.stdout, "%-11s %d of %d: %d of the %d target classes, seed %d\n", "shard", sh.Index, sh.Count, len(sh.Searched), len(targets), sh.Seed)
				}
				info := o.Info()
				fmt.Fprintf(e.stdout, "%-11s %.1fs of the %s budget", "opened in", o.OpenSeconds, plan.budget)
				if info.BatchTuned {
					fmt.Fprintf(e.stdout, ", %.1fs of it tuning the batch size", info.TuneSeconds)
				}
				// The checks run the model on every preset's inputs: say
				// when they, not the model's own inputs, took the time.
				if o.CheckSeconds >= 0.1 {
					fmt.Fprintf(e.stdout, ", %.1fs checking the preprocessing", o.CheckSeconds)
				}
				fmt.Fprintln(e.stdout)
			},
			Unreachable: func(classes int, evals int64) {
				fmt.Fprintf(e.stdout, "%-11s the model's weights keep all %d classes searched below the threshold, so no image can fool one: searching %d evaluations, for the reports' near misses\n",
					"unreachable", classes, evals)
			},
			BaselineOpened: func(o *pipeline.Opened) {
				pre := ""
				if r.baselinePreset != "" {
					pre = fmt.Sprintf(", preprocess %s (%s)", o.Preset, o.Info().Normalization)
				}
				fmt.Fprintf(e.stdout, "%-11s %s (sha256 %s)%s\n", "baseline", safetext.Printable(o.Name), o.SHA256[:16], pre)
			},
			Search: func(s pipeline.Search) (func(attack.Progress), func()) {
				if s.What == "" {
					// From now on a stopped run still writes its reports.
					e.writing.startSearch()
				}
				if !r.quiet && (s.Count > 1 || s.What != "") {
					fmt.Fprintf(e.stdout, "searching %s (seed %d, search %d of %d)\n", cmp.Or(s.What, "the model"), s.Seed, s.Index+1, s.Count)
				}
				// The bar and the log count the whole budget, as the
				// reports do: opening the model and any earlier
				// searches are spent already.
				prog := newProgress(e, plan.budget, max(plan.budget-s.BudgetLeft, 0), r.quiet)
				return prog.update, prog.finish
			},
		},
	}
	po, err := pipeline.Run(ctx, spec)
	out, err := finish(e, po, err, nil)
	if out != nil && out.Result != nil {
		out.presetDefaulted = out.Result.Config.PreprocessingFrom == pipeline.DefaultPreprocessing && !out.Result.DigitCheck.Mismatch()
	}
	return out, err
}

// finish turns what the pipeline returned into the command's outcome:
// the before hook and the summary when the reports were written, then
// the exit code from the verdict. A run that wrote no reports, or only
// some, ends with the error alone.
func finish(e env, po *pipeline.Outcome, err error, before func(*report.Result)) (*runOutcome, error) {
	if po == nil {
		return nil, err
	}
	out := &runOutcome{Outcome: po}
	if err != nil && po.Verdict != gate.Error {
		return out, err
	}
	if before != nil {
		before(po.Result)
	}
	printSummary(e, out)
	failOn, _ := gate.ParseFailOn(po.Result.Config.FailOn)
	out.code = exitCode(po.Verdict, failOn, po.Interrupted)
	return out, err
}

// exitCode is the run's exit code. An interrupted search whose results
// already fail the gate exits 1; one that does not proves nothing either
// way and exits 3.
func exitCode(v gate.Verdict, failOn gate.FailOn, interrupted bool) int {
	code := exitcode.Environment
	switch gate.OutcomeOf(v, failOn) {
	case gate.Proceed:
		code = exitcode.Pass
	case gate.Block:
		code = exitcode.GateFailed
	}
	if interrupted && code != exitcode.GateFailed {
		return exitcode.Environment
	}
	return code
}

// timeLine says where a run's time went, in the order it went there: a
// baseline model, opened and searched within a budget of its own after the
// model opened, can take as long as the model's search.
func timeLine(res *report.Result, baseline, write time.Duration) string {
	s := fmt.Sprintf("time: %.1fs opening the model, ", res.OpenSeconds)
	if baseline > 0 {
		s += fmt.Sprintf("%.1fs opening and searching the baseline model, ", baseline.Seconds())
	}
	return s + fmt.Sprintf("%.1fs searching, %.1fs writing the reports:", res.ElapsedSeconds, write.Seconds())
}

// printSummary prints the classes, the score, the verdict and where the
// reports went.
func printSummary(e env, o *runOutcome) {
	res := o.Result
	w := e.stdout
	if err := report.WriteConsole(w, res, e.vocab.reportWords()); err != nil {
		return
	}
	if res.Shard != nil && res.Shard.Index == 0 {
		// A merge opened and searched nothing: the shards did.
		fmt.Fprintf(w, "time: %.1fs merging and writing the reports (the longest shard: %.1fs opening the model, %.1fs searching):\n", o.WriteTime.Seconds(), res.OpenSeconds, res.ElapsedSeconds)
	} else {
		fmt.Fprintln(w, timeLine(res, o.BaselineTime, o.WriteTime))
	}
	for _, f := range report.AllFormats() {
		if p, ok := o.Written[f]; ok {
			fmt.Fprintf(w, "  %-9s %s\n", f, safetext.Printable(p))
		}
	}
}
