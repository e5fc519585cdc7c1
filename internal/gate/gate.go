// Package gate decides whether a fooltest run passes: it counts the target
// classes whose best fooling image reached the confidence threshold and
// compares that count with the allowance the user set. The verdict is computed
// once, from the results, before any report is written, so it never depends
// on which report formats were chosen.
package gate

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/score"
)

// DefaultMaxFooled is the allowance used when the user gives none: any
// fooled class fails the gate.
const DefaultMaxFooled = "0"

// Verdict is what the gate found: [Pass], [Fail] or [Error]. It is the
// Result's own type, so that the verdict is written once and read as data.
type Verdict = report.Verdict

// The verdicts, as written into Result.Verdict.
const (
	Pass = report.VerdictPass
	Fail = report.VerdictFail
	// Error means the run did not test the model enough to pass it: the
	// model failed, its outputs were too often not finite, the run was
	// interrupted or it made too few evaluations. Result.Error says which.
	// A run whose findings already fail the gate is a Fail whatever else
	// happened (the classes that images with finite outputs fooled were
	// fooled), except a failure of the run itself, recorded in
	// Result.RunError, which always wins.
	Error = report.VerdictError
)

// minEvaluations is the fewest model evaluations a run needs before it can
// pass, and it needs one more per target class it searched beyond as many
// (or its --max-evals, when lower), unless every target was fooled: a
// search that scored a handful of images, because the model was slow or
// hung until the budget ended, says nothing about how hard the model is to
// fool, and one that scored fewer images than it had classes to fool has
// not finished its first images (on 1000 classes the default search starts
// from 500) before its climbs begin.
const minEvaluations = 100

// MaxFooled is the number of fooled classes the gate allows, either an
// absolute count or a percentage of the target classes. The zero value
// allows no fooled class.
type MaxFooled struct {
	count int
	// percent is set for "P%" allowances; exact decimal arithmetic keeps
	// e.g. 30% of 10 at 3 rather than 2.9999999999999996 floored to 2.
	percent *big.Rat
}

// ParseMaxFooled parses an allowance: "N" (a whole number of classes, N >= 0)
// or "P%" (a percentage of the target classes, 0 <= P <= 100, decimals
// allowed, e.g. "2.5%"). Surrounding spaces are ignored.
func ParseMaxFooled(s string) (MaxFooled, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return MaxFooled{}, errors.New(`max-fooled is empty: give a count of classes such as "0" or a percentage of the target classes such as "5%"`)
	}
	if num, ok := strings.CutSuffix(t, "%"); ok {
		num = strings.TrimSpace(num)
		if strings.HasPrefix(num, "-") {
			return MaxFooled{}, fmt.Errorf("max-fooled %q is negative: give a percentage from 0%% to 100%%", s)
		}
		if !isDecimal(num) {
			return MaxFooled{}, fmt.Errorf("max-fooled %q is not a percentage: write digits with an optional decimal point before the %%, e.g. \"5%%\" or \"2.5%%\"", s)
		}
		r, ok := new(big.Rat).SetString(num)
		if !ok {
			return MaxFooled{}, fmt.Errorf("max-fooled %q is not a percentage: write e.g. \"5%%\" or \"2.5%%\"", s)
		}
		if r.Cmp(big.NewRat(100, 1)) > 0 {
			return MaxFooled{}, fmt.Errorf("max-fooled %q is over 100%%: give a percentage from 0%% to 100%%", s)
		}
		return MaxFooled{percent: r}, nil
	}
	if strings.HasPrefix(t, "-") {
		return MaxFooled{}, fmt.Errorf("max-fooled %q is negative: give a count of 0 or more, or a percentage such as \"5%%\"", s)
	}
	if isDecimal(t) && strings.Contains(t, ".") {
		return MaxFooled{}, fmt.Errorf("max-fooled %q is not a whole number: give a count such as \"3\", or add %% for a percentage such as \"%s%%\"", s, t)
	}
	if !isDecimal(t) {
		return MaxFooled{}, fmt.Errorf("max-fooled %q is neither a count nor a percentage: use e.g. \"0\", \"3\" or \"2.5%%\"", s)
	}
	n, err := strconv.Atoi(t)
	if err != nil {
		return MaxFooled{}, fmt.Errorf("max-fooled %q is too large: give a count no bigger than the number of classes, or a percentage: %w", s, err)
	}
	return MaxFooled{count: n}, nil
}

// isDecimal reports whether s is digits with at most one interior decimal
// point. It exists because strconv and big.Rat also accept forms such as
// "1e3", "0x10", "1/3", "Inf" and "NaN" that make no sense to a user here.
func isDecimal(s string) bool {
	digits, dot := 0, false
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// Resolve returns how many fooled classes are allowed among targets target
// classes: the count itself, or floor(P% × targets) for a percentage.
func (m MaxFooled) Resolve(targets int) int {
	if targets < 0 {
		targets = 0
	}
	if m.percent == nil {
		return m.count
	}
	n := new(big.Int).Mul(m.percent.Num(), big.NewInt(int64(targets)))
	d := new(big.Int).Mul(m.percent.Denom(), big.NewInt(100))
	// Quo truncates toward zero, which is floor for these non-negative values.
	return int(new(big.Int).Quo(n, d).Int64())
}

// String returns the allowance in the form ParseMaxFooled accepts, with
// a percentage written exactly: reports record it, and a merge gates the
// shards with it again, so a rounded one could allow another count
// (14.285714285714285714% of 7 targets allows none; 14.285714285714286%
// allows one).
func (m MaxFooled) String() string {
	if m.percent == nil {
		return strconv.Itoa(m.count)
	}
	return exactDecimal(m.percent) + "%"
}

// exactDecimal writes r, a decimal that ParseMaxFooled read, with as many
// digits after the point as it needs and no more.
func exactDecimal(r *big.Rat) string {
	scaled, ten := new(big.Rat).Set(r), big.NewRat(10, 1)
	// ParseMaxFooled reads at most as many decimals as its input has, so
	// the loop ends there; the bound only guards a Rat of another origin.
	for places := 0; places < 1000; places++ {
		if scaled.IsInt() {
			return r.FloatString(places)
		}
		scaled.Mul(scaled, ten)
	}
	return r.FloatString(1000)
}

// FailOn says when a failed gate fails the fooltest command.
type FailOn string

const (
	// FailOnFooled exits with exit code 1 when the gate fails. It is the default.
	FailOnFooled FailOn = "fooled"
	// FailOnNever is the report-only mode: the verdict is still computed and
	// reported, but the exit code is 0.
	FailOnNever FailOn = "never"
	// FailOnRegression fails when the candidate is significantly easier
	// to fool than its baseline (Config.Alpha) by a score margin over
	// Config.Tolerance. It needs a baseline in the result, and it is the
	// default when one is given.
	FailOnRegression FailOn = "regression"
)

// Defaults of the comparison with a baseline.
const (
	// DefaultAlpha is the significance level of the test that the
	// candidate is easier to fool.
	DefaultAlpha = 0.05
	// DefaultTolerance is how much lower the candidate's score may be
	// before a significant difference fails the gate: a few hundredths
	// of the score are within what one seed to another moves it.
	DefaultTolerance = 0.02
)

// ParseFailOn parses "fooled", "regression" or "never" (case and
// surrounding spaces are ignored).
func ParseFailOn(s string) (FailOn, error) {
	switch f := FailOn(strings.ToLower(strings.TrimSpace(s))); f {
	case FailOnFooled, FailOnNever, FailOnRegression:
		return f, nil
	case "":
		return "", errors.New(`fail-on is empty: use "fooled" (fail when more classes are fooled than allowed), "regression" (fail when easier to fool than the baseline) or "never" (report only)`)
	}
	return "", fmt.Errorf(`fail-on %q is not valid: use "fooled" (fail when more classes are fooled than allowed), "regression" (fail when easier to fool than the baseline) or "never" (report only)`, s)
}

// validateThreshold checks that a confidence threshold is a usable
// probability: above 0 (at 0 every class counts as fooled) and at most 1.
func validateThreshold(t float64) error {
	if math.IsNaN(t) || t <= 0 || t > 1 {
		return fmt.Errorf("threshold %v is out of range: give a confidence above 0 and at most 1, e.g. 0.99", t)
	}
	return nil
}

// Evaluate applies the gate to res and records its findings there: each
// Class.Fooled (confidence >= threshold), Fooled, Targets (every class in
// res.Classes), Threshold, MaxFooled (resolved), the median and maximum best
// confidence, Verdict, what failed the gate (FailedBy), and the gate
// settings in res.Config. It is safe to call again on the same result:
// it reads only the findings and res.RunError, and derives res.Error
// afresh, so an earlier call's reason never decides a later verdict.
//
// failOn does not change the verdict: with FailOnNever a crossed gate is
// still recorded as "fail" so every report says what was found; only
// OutcomeOf lets the pipeline proceed.
func Evaluate(res *report.Result, threshold float64, allowed MaxFooled, failOn FailOn) (Verdict, error) {
	if res == nil {
		return "", errors.New("gate: no result to evaluate")
	}
	if err := validateThreshold(threshold); err != nil {
		return "", fmt.Errorf("gate: %w", err)
	}
	if failOn != FailOnFooled && failOn != FailOnNever && failOn != FailOnRegression {
		return "", fmt.Errorf("gate: fail-on %q is not valid: use %q, %q or %q", failOn, FailOnFooled, FailOnRegression, FailOnNever)
	}
	if failOn == FailOnRegression && res.Baseline == nil {
		return "", errors.New("gate: fail-on regression needs a baseline report to compare with")
	}

	fooled := 0
	confs := make([]float64, 0, len(res.Classes))
	for i := range res.Classes {
		c := &res.Classes[i]
		// NaN compares false, so a class whose score was never finite is
		// not fooled; it is left out of the statistics rather than poisoning
		// the median.
		c.Fooled = c.Confidence >= threshold
		if c.Fooled {
			fooled++
		}
		if !math.IsNaN(c.Confidence) && !math.IsInf(c.Confidence, 0) {
			confs = append(confs, c.Confidence)
		}
	}

	res.Targets = len(res.Classes)
	res.Fooled = fooled
	res.Threshold = threshold
	res.MaxFooled = allowed.Resolve(res.Targets)
	res.MedianConfidence, res.MaxConfidence = medianMax(confs)
	res.Config.Threshold = threshold
	res.Config.MaxFooled = allowed.String()
	res.Config.FailOn = string(failOn)

	scoreRun(res)
	if res.Baseline != nil {
		compare(res)
	}
	// The score gates decide from query costs, which only a search that
	// spent its evaluation budget (or fooled everything) measured.
	scored := failOn == FailOnRegression || res.Config.MinScore > 0

	failedBy(res, failOn, scored)

	v := Pass
	// A cap below the minimum is the user's to set, but not below one
	// evaluation per class searched: a 100-class gate capped at 1 by a
	// mistaken setting would pass a model it barely scored.
	floor := int64(minEvaluations)
	if res.Config.MaxEvals > 0 {
		floor = min(floor, res.Config.MaxEvals)
	}
	need := max(floor, int64(searchedTargets(res)))
	capped := res.Config.MaxEvals > 0 && res.Config.MaxEvals < need
	// A merge's shards each searched their own classes under their own
	// cap: one evaluation per class is owed per shard, not by the sum,
	// and a cap below the largest shard's classes left classes of that
	// shard untried however many the others made.
	share, merged := largestShare(res)
	if merged {
		capped = res.Config.MaxEvals > 0 && res.Config.MaxEvals < max(floor, share)
	}
	// A merge that keeps each shard's run judges each by itself: one
	// shard's thousands of evaluations would otherwise hide another's
	// handful, and one that fooled all its classes early would be held
	// to the others' count.
	starved, perShard := starvedShards(res, floor)
	res.Error = ""
	switch {
	case res.RunError != "":
		v = Error
		res.Error = res.RunError
	case scored && !res.ScoreComparable:
		v = Error
		res.Error = cmp.Or(res.NonFiniteError, fmt.Sprintf("the search stopped (%s) before its evaluation budget of %d, so its score is not comparable: give the search a longer time budget, or a lower evaluation cap", cmp.Or(res.StoppedReason, "early"), res.EvaluationBudget))
	case res.Config.MinScore > 0 && res.Score < res.Config.MinScore:
		v = Fail
	case failOn == FailOnRegression && res.Baseline.Regression:
		v = Fail
	case failOn != FailOnRegression && fooled > res.MaxFooled:
		v = Fail
	case res.NonFiniteError != "":
		v = Error
		res.Error = res.NonFiniteError
	// A run that reports only (fail-on never) gates nothing, but its
	// verdict is still published: "pass" would record a model that was
	// never tested as one that held.
	case unconfirmed(res) && !searchedFooled(res):
		v = Error
		// A channel order given alone makes the preset "custom", which
		// no flag names: then the values themselves confirm it.
		confirm := "--preset " + res.Config.Preset
		if res.Config.Preset == "" || res.Config.Preset == "custom" {
			confirm = "--scale 1 --mean 0 --std 1"
		}
		if p := res.PhotoCheck; p != nil && p.Collapsed {
			res.Error = fmt.Sprintf("with fooltest's default scale, mean and std (%s), which nothing gave, the model scored %d very different photos nearly alike (spread %.3f of 1), as one fed values unlike its own does, and a pass would rest on a preprocessing nobody confirmed: give the model's own (--preset, or --scale, --mean and --std, as its training code gives them), or, only if it was trained on these values, confirm these with %s",
				confirmName(res.Config), p.Photos, p.Spread, confirm)
		} else if d := res.DigitCheck; d != nil && d.SurerPreset != "" {
			res.Error = fmt.Sprintf("the run would pass, but on fooltest's default scale, mean and std (%s), which nothing gave, and the model read the MNIST test digits as well with preset %s and surer (a median confidence of %.2f against %.2f), as a model trained on that preset does; a model is far harder to fool on a preprocessing it was not trained with, and a pass would rest on one nobody confirmed: give the model's own (--preset, or --scale, --mean and --std, as its training code gives them), or, only if it was trained on these values, confirm these with %s",
				confirmName(res.Config), d.SurerPreset, d.SurerConfidence, d.Confidence, confirm)
		} else {
			res.Error = fmt.Sprintf("the run would pass, but on fooltest's default scale, mean and std (%s), which nothing gave: a model trained on other values (0..255 pixels, ImageNet's or CIFAR's statistics, [-1, 1]) is far harder to fool on these, and a pass would rest on a preprocessing nobody confirmed: give the model's own (--preset raw255, imagenet, cifar10, pm1 or caffe, or --scale, --mean and --std, as its training code gives them; a guess that is not its own can pass it as falsely), or, only if it was trained on these values, confirm these with %s",
				confirmName(res.Config), confirm)
		}
	case res.Interrupted:
		v = Error
		res.Error = "the run was interrupted before the search ended, and the classes fooled so far do not fail the gate"
	case len(starved) > 0:
		v = Error
		res.Error = starvedError(res, starved, floor)
	// With each shard's run judged above, the sum over shards judges
	// nothing more.
	case !perShard && merged && capped && !searchedFooled(res):
		v = Error
		res.Error = fmt.Sprintf("each shard made at most %d model evaluations, capped by --max-evals %d, fewer than one per target class it searched (%d in the largest shard), so most classes were never tried: raise --max-evals to at least %d, or split the classes over more shards (--shard over a larger job matrix)", res.Config.MaxEvals, res.Config.MaxEvals, share, max(floor, share))
	case !perShard && perSearch(res, res.Evaluations) < need && !searchedFooled(res) && capped:
		v = Error
		res.Error = fmt.Sprintf("the search made only %d model evaluations%s, capped by --max-evals %d, fewer than one per target class searched (%d), so most classes were never tried: raise --max-evals to at least %d, or give fewer target classes per job (--classes, or --shard over a job matrix)", perSearch(res, res.Evaluations), eachSearch(res), res.Config.MaxEvals, searchedTargets(res), need)
	case !perShard && perSearch(res, res.Evaluations) < need && !searchedFooled(res):
		v = Error
		res.Error = fmt.Sprintf("the search made only %d model evaluations%s, fewer than the %d a pass needs (%d, or one per target class searched when there are more): give the search a longer time budget, a faster model, or fewer target classes per job (--classes, or --shard over a job matrix)", perSearch(res, res.Evaluations), eachSearch(res), need, minEvaluations)
	case !res.Config.PreprocessingUnchecked:
		if c, progress, ok := unmoved(res, threshold); ok {
			v = Error
			// Name the limit that stopped the search: more evaluations
			// under the same time budget would stop at the same place.
			more := "give the search more evaluations (--max-evals)"
			if res.StoppedReason == "budget" {
				more = fmt.Sprintf("give the search a longer time budget (--budget: it stopped this search at %d evaluations)", res.Evaluations)
			}
			res.Error = fmt.Sprintf("the run would pass, but the search never moved the model: no class it searched got halfway from the model's even answer to the threshold (the nearest, %s, reached %.3f, %.0f%% of the way in log-odds): a model the search cannot move is most often untrained, read wrongly (an embedding or a regression read as class scores) or fed values that squeeze its input, and a pass would rest on a search that never tested it: check the preprocessing (--preset, or --scale, --mean and --std, as the model's training code gives them) and --output-kind, %s, or, if the model and its preprocessing are right, pass --preprocessing-check=false",
				className(c), c.Confidence, 100*progress, more)
		}
	}
	if v == Error && res.Baseline != nil {
		notCompared(res)
	}
	res.Verdict = v
	return v, nil
}

// unmovedBy is how far, as a fraction of the log-odds from the model's
// even answer to the threshold, the search must bring some class it
// searched before a pass counts. Passes on a preprocessing that squeezed
// the model, on untrained networks and on embeddings read as scores
// stayed at 3 to 47% (an MLPerf ResNet-8 trained on 0..255 given [0, 1]:
// 0.554 of 10 classes, 36%); the public models that passed on their own
// preprocessing reached 61% and more, most of them over 80%.
const unmovedBy = 0.5

// unmoved reports whether no class res searched came unmovedBy of the way
// from the model's even answer (1/K for K classes under a softmax, 0.5 for
// independent scores) to threshold, in log-odds, and returns the nearest
// class and its share of the way.
func unmoved(res *report.Result, threshold float64) (nearest *report.Class, progress float64, ok bool) {
	k := res.Model.Classes
	independent := independentScores(res.Model.OutputKind)
	if !independent && k < 2 {
		return nil, 0, false
	}
	lift := func(p float64) float64 {
		p = min(max(p, 1e-12), 1-1e-12)
		z := math.Log(p / (1 - p))
		if !independent {
			z += math.Log(float64(k - 1))
		}
		return z
	}
	goal := lift(threshold)
	if goal <= 0 {
		// A threshold at or under the even answer: every class is already
		// there.
		return nil, 0, false
	}
	progress = math.Inf(-1)
	for i := range res.Classes {
		c := &res.Classes[i]
		if c.NotSearched || math.IsNaN(c.Confidence) {
			continue
		}
		if f := lift(c.Confidence) / goal; f > progress {
			nearest, progress = c, f
		}
	}
	if nearest == nil || progress >= unmovedBy {
		return nil, 0, false
	}
	return nearest, max(progress, 0), true
}

// className names c in an error: its label, or its index.
func className(c *report.Class) string {
	name := fmt.Sprintf("class %d", c.Index)
	if c.Label != "" && c.Label != strconv.Itoa(c.Index) && c.Label != name {
		return fmt.Sprintf("%s %q", name, c.Label)
	}
	return name
}

// confirmName names a result's preprocessing in the unconfirmed error: its
// preset, or, for a channel order given alone, the values it keeps.
func confirmName(c report.Config) string {
	if c.Preset == "" || c.Preset == "custom" {
		if c.ChannelOrder != "" {
			return "pixels in [0, 1] as they are, in " + strings.ToUpper(c.ChannelOrder) + " order"
		}
		return "pixels in [0, 1] as they are"
	}
	return "preset " + c.Preset
}

// unconfirmed reports whether res's preprocessing is one nothing gave (the
// default) and no check confirmed. A wrong preprocessing makes a model
// look harder to fool than it is: a log-mel keyword spotter given [0, 1]
// kept 7 of its 9 classes at 0, and three adversarially trained CIFAR-10
// models fooled none of 10 on the default where their own statistics
// fooled 1, 4 and 10; a CIFAR-100 model trained on 0..255 fooled none of
// 100 where 13 fell with raw255. The photos do not tell: those spread
// 0.07 to 0.54. Only the digit check confirms a preprocessing, by the
// labels a digit model gives real digits with it. A run the user let go on
// whatever the checks found is left to them, and so is one that fooled
// every class it searched: the search moved the model, whatever its
// inputs. A run that only reports (fail-on never) gates nothing.
func unconfirmed(res *report.Result) bool {
	if res.Config.PreprocessingFrom != report.DefaultPreprocessing || res.Config.PreprocessingUnchecked {
		return false
	}
	if p := res.PhotoCheck; p.Mismatch() {
		// The run went on past the check's refusal: it was told to.
		return false
	}
	return !res.DigitCheck.Confirms()
}

// failedBy records in res.FailedBy every finding that fails the gate, not
// only the one that decides the verdict, so that each report marks all of
// them: more fooled classes than allowed (unless the gate judges the
// regression alone), a regression under fail-on regression, and a score
// under the minimum. A score that is not comparable fails nothing: the
// verdict is then "error".
func failedBy(res *report.Result, failOn FailOn, scored bool) {
	res.FailedBy = nil
	comparable := !scored || res.ScoreComparable
	if comparable && res.Config.MinScore > 0 && res.Score < res.Config.MinScore {
		res.FailedBy = append(res.FailedBy, report.FailedByMinScore)
	}
	if comparable && failOn == FailOnRegression && res.Baseline.Regression {
		res.FailedBy = append(res.FailedBy, report.FailedByRegression)
	}
	if failOn != FailOnRegression && res.Fooled > res.MaxFooled {
		res.FailedBy = append(res.FailedBy, report.FailedByFooled)
	}
}

// searchedTargets is the number of target classes the run searched: all
// of them, a shard's own, or, merged, those of the shards merged.
func searchedTargets(res *report.Result) int {
	switch {
	case res.Shard == nil:
		return res.Targets
	case res.Shard.Index > 0:
		return len(res.Shard.Searched)
	}
	n := 0
	for _, c := range res.Classes {
		if !c.NotSearched {
			n++
		}
	}
	return n
}

// largestShare returns, for a merged result, the most target classes that
// any merged shard searched (target j belongs to shard j mod N + 1), and
// false for any other result.
func largestShare(res *report.Result) (int64, bool) {
	sh := res.Shard
	if sh == nil || sh.Index > 0 || sh.Count < 1 {
		return 0, false
	}
	counts := make([]int64, sh.Count)
	for j, c := range res.Classes {
		if !c.NotSearched {
			counts[j%sh.Count]++
		}
	}
	return slices.Max(counts), true
}

// starvedShards returns the shards of a merged result that made fewer
// evaluations than a single run of their own classes needs (need from
// floor, as Evaluate derives it) without fooling every one of those
// classes, and whether res keeps its shards' runs at all: merged reports
// written before Shard.Runs do not, and are judged by their sum.
func starvedShards(res *report.Result, floor int64) (starved []report.ShardRun, perShard bool) {
	sh := res.Shard
	if sh == nil || sh.Index > 0 || sh.Count < 1 || len(sh.Runs) == 0 {
		return nil, false
	}
	// Target j belongs to shard j mod Count + 1, as merge deals them.
	unfooled := make([]bool, sh.Count+1)
	for j, c := range res.Classes {
		if !c.Fooled {
			unfooled[j%sh.Count+1] = true
		}
	}
	for _, r := range sh.Runs {
		if r.Index >= 1 && r.Index <= sh.Count && unfooled[r.Index] && perSearch(res, r.Evaluations) < max(floor, int64(r.Targets)) {
			starved = append(starved, r)
		}
	}
	return starved, true
}

// starvedError says which shards of a merged result made too few
// evaluations for their own classes (see starvedShards), naming the first
// with its figures, and how to give them more: a cap below a shard's
// classes is raised, a search stopped sooner is given more time.
func starvedError(res *report.Result, starved []report.ShardRun, floor int64) string {
	first, count := starved[0], res.Shard.Count
	who := fmt.Sprintf("shard %d/%d", first.Index, count)
	if n := len(starved) - 1; n == 1 {
		who += fmt.Sprintf(" (and shard %d/%d)", starved[1].Index, count)
	} else if n > 1 {
		who += fmt.Sprintf(" (and %d other shards)", n)
	}
	var most int64
	capped := false
	for _, r := range starved {
		need := max(floor, int64(r.Targets))
		most = max(most, need)
		capped = capped || (res.Config.MaxEvals > 0 && res.Config.MaxEvals < need)
	}
	if capped {
		return fmt.Sprintf("%s made only %d model evaluations%s, capped by --max-evals %d, fewer than one per target class it searched (%d), so most of its classes were never tried: raise --max-evals to at least %d, or split the classes over more shards (--shard over a larger job matrix)",
			who, perSearch(res, first.Evaluations), eachSearch(res), res.Config.MaxEvals, first.Targets, most)
	}
	stopped := ""
	if first.StoppedReason != "" {
		stopped = fmt.Sprintf(" (its search stopped: %s)", first.StoppedReason)
	}
	return fmt.Sprintf("%s made only %d model evaluations%s%s, fewer than the %d a pass needs of each shard (%d, or one per target class the shard searched when there are more: %d), so most of its classes were never tried, whatever the other shards made: give the shards a longer time budget, a faster model, or split the classes over more shards (--shard over a larger job matrix)",
		who, perSearch(res, first.Evaluations), eachSearch(res), stopped, max(floor, int64(first.Targets)), floor, first.Targets)
}

// perSearch returns the evaluations of each of res's independent searches
// (--repeats), of evals made by them all: each search owes one per class
// itself, and five searches of 5 evaluations tried no more classes than
// one.
func perSearch(res *report.Result, evals int64) int64 {
	return evals / int64(max(res.Repeats, 1))
}

// eachSearch says, after a count of evaluations perSearch returned, that
// it is each search's when res made several.
func eachSearch(res *report.Result) string {
	if res.Repeats <= 1 {
		return ""
	}
	return fmt.Sprintf(" per search of --repeats %d", res.Repeats)
}

// searchedFooled reports whether every class the run searched was fooled,
// which ends a search early however few evaluations it made: every target,
// a shard's own classes (the others it did not search), or in a merged
// result those of the shards present.
func searchedFooled(res *report.Result) bool {
	if res.Shard == nil {
		return res.Fooled == res.Targets
	}
	searched := make(map[int]bool, len(res.Shard.Searched))
	for _, c := range res.Shard.Searched {
		searched[c] = true
	}
	for _, c := range res.Classes {
		if res.Shard.Index == 0 {
			searched[c.Index] = !c.NotSearched
		}
		if searched[c.Index] && !c.Fooled {
			return false
		}
	}
	return true
}

// medianMax returns the median and the maximum of xs, or zeros when xs is
// empty. It sorts xs.
func medianMax(xs []float64) (median, maximum float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	median = score.MedianFloat(xs)
	return median, xs[len(xs)-1]
}

// Outcome is what a verdict means for the pipeline that runs the gate.
type Outcome uint8

const (
	// Proceed means the gate passed, or failed under FailOnNever.
	Proceed Outcome = iota
	// Block means the gate failed and the pipeline should stop.
	Block
	// Untested means the gate never decided: the model was not tested, so
	// nothing may be concluded, whatever failOn says.
	Untested
)

// OutcomeOf returns what verdict v means under failOn.
func OutcomeOf(v Verdict, failOn FailOn) Outcome {
	switch v {
	case Pass:
		return Proceed
	case Fail:
		if failOn == FailOnNever {
			return Proceed
		}
		return Block
	}
	return Untested
}
