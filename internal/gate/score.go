package gate

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/score"
)

// hits returns the evaluations to the threshold of the classes at
// positions idx, score.Censored for a class that never reached it.
func hits(classes []report.Class, idx []int) []int64 {
	evals := make([]int64, len(idx))
	for k, i := range idx {
		if e := classes[i].EvaluationsToThreshold; e != nil {
			evals[k] = *e
		}
	}
	return evals
}

// scored returns the positions of res's classes that its score and its
// comparison with a baseline count: those a search tried. In a merge
// missing shards their classes were never searched, and counting them
// would read as classes that resisted a search (raising the score), or
// compare a cost that no search measured.
func scored(res *report.Result) []int {
	idx := make([]int, 0, len(res.Classes))
	for i, c := range res.Classes {
		if !c.NotSearched {
			idx = append(idx, i)
		}
	}
	return idx
}

// budget is the evaluation budget the score is measured under: the
// result's, or the evaluations made when it has none.
func budget(res *report.Result) int64 {
	return cmp.Or(res.EvaluationBudget, res.Evaluations)
}

// scoreRun records the score of res from the query costs of the classes
// it searched.
func scoreRun(res *report.Result) {
	evals := hits(res.Classes, scored(res))
	res.EvaluationBudget = budget(res)
	res.Score = score.Of(evals, res.EvaluationBudget)
	res.ScoreVersion = score.Version
	res.FooledWithinBudget = score.Fooled(evals)
	res.MedianEvaluations = nil
	if m, ok := score.Median(evals); ok {
		res.MedianEvaluations = &m
	}
}

// Changes a comparison reports in Baseline.Change.
const (
	Easier   = "easier to fool"
	Harder   = "harder to fool"
	NoChange = "no significant change"
	// NotCompared is the change of a run whose verdict is "error": it
	// did not test its model, so its costs say nothing against the
	// baseline's, whichever way they lean.
	NotCompared = "not compared"
)

// notCompared withdraws res's comparison with its baseline, for a run that
// ended in error: the scores, the costs and their ratios per class stay as
// measured, but no change is stated in any report: no regression, no
// regressed class, and no count of classes that fell faster or slower,
// which report.json would otherwise carry beside "not compared".
func notCompared(res *report.Result) {
	b := res.Baseline
	b.Change, b.Regression = NotCompared, false
	b.Easier, b.Harder = 0, 0
	for i := range b.Classes {
		b.Classes[i].Regressed = false
	}
	res.FailedBy = slices.DeleteFunc(res.FailedBy, func(f string) bool { return f == report.FailedByRegression })
}

// regressedRatio is the log ratio at or below which a class counts as
// regressed in a run that regressed: the candidate fooled it at half the
// baseline's cost or less.
const regressedRatio = -math.Ln2

// compare records the comparison of res with its baseline, over the
// classes res searched (see scored); the others get no log ratio.
func compare(res *report.Result) {
	b := res.Baseline
	idx := slices.DeleteFunc(scored(res), func(i int) bool { return i >= len(b.Classes) })
	base := make([]int64, len(idx))
	for k, i := range idx {
		if e := b.Classes[i].EvaluationsToThreshold; e != nil {
			base[k] = *e
		}
	}
	c := score.Compare(hits(res.Classes, idx), base, res.EvaluationBudget)
	b.Score, b.ScoreDifference, b.PValue = c.Baseline, c.Difference, c.PValue
	b.Easier, b.Harder = c.Easier, c.Harder
	for i := range b.Classes {
		b.Classes[i].LogRatio = 0
	}
	for k, i := range idx {
		b.Classes[i].LogRatio = c.LogRatios[k]
	}
	alpha, tol := cmp.Or(res.Config.Alpha, DefaultAlpha), res.Config.Tolerance
	b.Regression = c.PValue < alpha && c.Difference < -tol
	// Marked by position, not looked up in idx: at 100,000 classes a
	// search of idx per class took 11 s of a regressed run's gate.
	compared := make([]bool, len(b.Classes))
	for _, i := range idx {
		compared[i] = true
	}
	for i := range b.Classes {
		b.Classes[i].Regressed = b.Regression && compared[i] && b.Classes[i].LogRatio <= regressedRatio
	}
	switch {
	case b.Regression:
		b.Change = Easier
	case c.PValueHarder < alpha && c.Difference > tol:
		b.Change = Harder
	default:
		b.Change = NoChange
	}
}

// Difference is a setting in which two runs differ.
type Difference struct {
	Setting string
	A, B    any
}

// SearchDifferences returns the settings that define a search, and so its
// query costs, in which a and b differ: threshold, evaluation budget,
// target classes, algorithm, encoding, preprocessing, generation unit,
// seed and repeats.
func SearchDifferences(a, b *report.Result) []Difference {
	return append(searchOnly(a, b), PreprocessingDifferences(a, b)...)
}

// PreprocessingDifferences returns the preprocessing settings in which a
// and b differ: preset, scale, mean, std and channel order.
func PreprocessingDifferences(a, b *report.Result) []Difference {
	var d differences
	ac, bc := a.Config, b.Config
	d.add("preset", ac.Preset, bc.Preset)
	d.addShown("scale", ac.Scale, bc.Scale, float32Value(ac.Scale), float32Value(bc.Scale))
	d.addShown("mean", ac.Mean, bc.Mean, float32Values(ac.Mean), float32Values(bc.Mean))
	d.addShown("std", ac.Std, bc.Std, float32Values(ac.Std), float32Values(bc.Std))
	// report.json leaves RGB out (ChannelOrder ""), which a user reads
	// as no value at all beside the other's "bgr".
	d.addShown("channel-order", ac.ChannelOrder, bc.ChannelOrder, cmp.Or(ac.ChannelOrder, "rgb"), cmp.Or(bc.ChannelOrder, "rgb"))
	return d
}

// float32Value is a preprocessing setting that a run holds as float32,
// which prints as float32 does: report.json keeps float64(v), whose extra
// digits (0.48500001430511475 for 0.485) are float32's rounding, not what
// the user gave.
type float32Value float64

func (v float32Value) String() string {
	return strconv.FormatFloat(float64(float32(v)), 'g', -1, 32)
}

// float32Values is a list of float32 settings (mean, std), printed as
// fmt prints a slice: "[0.485 0.456 0.406]".
type float32Values []float64

func (vs float32Values) String() string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = float32Value(v).String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

// searchOnly is SearchDifferences less the preprocessing.
func searchOnly(a, b *report.Result) []Difference {
	var d differences
	ac, bc := a.Config, b.Config
	d.add("threshold", ac.Threshold, bc.Threshold)
	d.add(SettingMaxEvals, ac.MaxEvals, bc.MaxEvals)
	// The classes searched, not how --classes named them: "0-9" and "all"
	// are the same classes of a 10-class model, and "all" of a 7-class
	// model others than of a 10-class one.
	d.add(SettingClasses, ClassList(TargetsOf(a)), ClassList(TargetsOf(b)))
	d.add("algorithm", ac.Algorithm, bc.Algorithm)
	d.add("encoding", ac.Encoding, bc.Encoding)
	d.add(SettingGeneration, ac.Generation, bc.Generation)
	d.add(SettingSearchVersion, ac.SearchVersion, bc.SearchVersion)
	d.add("seed", ac.Seed, bc.Seed)
	d.add("repeats", ac.Repeats, bc.Repeats)
	return d
}

// differences collects the settings in which two results differ.
type differences []Difference

// add records setting name when its values x and y print differently.
func (d *differences) add(name string, x, y any) {
	d.addShown(name, x, y, x, y)
}

// addShown records setting name, as showX and showY, when its values x
// and y print differently: the values compare exactly as report.json
// holds them, and show as people read them.
func (d *differences) addShown(name string, x, y, showX, showY any) {
	if fmt.Sprint(x) != fmt.Sprint(y) {
		*d = append(*d, Difference{name, showX, showY})
	}
}

// The settings of a Difference that a front end fixes otherwise than by
// matching the baseline's value.
const (
	// SettingClasses is the target classes, as ClassList writes them.
	SettingClasses = "classes"
	// SettingScoreVersion is the score's definition: only a search of the
	// baseline model by this version of fooltest has this run's.
	SettingScoreVersion = "score version"
	// SettingShard is the part of the targets a run searched (shardName).
	SettingShard = "shard"
	// SettingGeneration is the search's generation unit, which no flag
	// sets: a baseline of another is another version's.
	SettingGeneration = "generation"
	// SettingOutputKind is how the model's outputs were read: independent
	// scores (sigmoid, multilabel-logits) or one distribution (logits,
	// probabilities, percentages).
	SettingOutputKind = "output kind"
	// SettingSearchVersion is the search's version (report.Config's
	// SearchVersion), which no flag sets: a baseline searched by another
	// finds other costs for the same model.
	SettingSearchVersion = "search version"
	// SettingMaxEvals is the evaluation cap: a baseline searched without
	// one (0) has a score no capped run shares, and a run gated on the
	// score cannot go without one.
	SettingMaxEvals = "max-evals"
)

// TargetsOf returns the target classes of res, in order: TargetClasses for
// a sharded or merged result, the classes' indices otherwise.
func TargetsOf(res *report.Result) []int {
	if len(res.TargetClasses) > 0 {
		return res.TargetClasses
	}
	out := make([]int, len(res.Classes))
	for i, c := range res.Classes {
		out[i] = c.Index
	}
	return out
}

// ClassList writes classes as --classes takes them: runs of consecutive
// classes as a-b, separated by commas ("0-6,8").
func ClassList(classes []int) string {
	var parts []string
	for i := 0; i < len(classes); {
		j := i
		for j+1 < len(classes) && classes[j+1] == classes[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(classes[i]))
		} else {
			parts = append(parts, strconv.Itoa(classes[i])+"-"+strconv.Itoa(classes[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// BaselineMismatch is CheckBaseline's error when the settings differ.
type BaselineMismatch struct {
	// Diffs are the settings that differ, the candidate's value in A.
	Diffs []Difference
}

// Error names each setting with the candidate's value and the baseline's.
func (e *BaselineMismatch) Error() string {
	names := make([]string, len(e.Diffs))
	for i, d := range e.Diffs {
		names[i] = fmt.Sprintf("%s %v (baseline %v)", d.Setting, d.A, d.B)
	}
	return "the baseline's settings differ, so its query costs cannot be compared: " + strings.Join(names, ", ")
}

// Has reports whether setting differs.
func (e *BaselineMismatch) Has(setting string) bool {
	return slices.ContainsFunc(e.Diffs, func(d Difference) bool { return d.Setting == setting })
}

// CheckBaseline returns an error naming every setting in which a baseline
// run's result differs from the candidate's such that their query costs
// cannot be compared (a *BaselineMismatch). Both results must carry their
// Config and target classes (see TargetsOf); base must be the baseline's
// full result (from its report.json). ownPreprocessing says that the
// baseline model takes a preprocessing of its own, as the user declared:
// each model is then searched with its own, and only the search settings
// must match. The two models' confidences must be of one kind, independent
// scores or a distribution's, in either case.
func CheckBaseline(cand, base *report.Result, ownPreprocessing bool) error {
	diffs := SearchDifferences(cand, base)
	if ownPreprocessing {
		diffs = searchOnly(cand, base)
	}
	if base.ScoreVersion != score.Version {
		diffs = append(diffs, Difference{SettingScoreVersion, score.Version, base.ScoreVersion})
	}
	// Independent scores and one distribution's are other quantities: a
	// class at 0.99 under a sigmoid may hold 0.3 of a softmax, so their
	// costs to the threshold measure different things. Within one family
	// the confidence is the same, whatever form the model gave it in.
	if a, b := cand.Model.OutputKind, base.Model.OutputKind; a != "" && b != "" && independentScores(a) != independentScores(b) {
		diffs = append(diffs, Difference{SettingOutputKind, a, b})
	}
	if a, b := shardName(cand.Shard), shardName(base.Shard); a != b {
		diffs = append(diffs, Difference{SettingShard, a, b})
	}
	if len(diffs) > 0 {
		return &BaselineMismatch{Diffs: diffs}
	}
	if !base.ScoreComparable {
		return &BaselineStopped{Reason: base.StoppedReason, Budget: base.EvaluationBudget}
	}
	return nil
}

// BaselineStopped is CheckBaseline's error when the baseline's search
// stopped before its evaluation budget. It names no fix: what to do
// depends on what stopped it (Reason), which the front end says.
type BaselineStopped struct {
	// Reason is the baseline's report.Result.StoppedReason: "canceled"
	// for an interrupted search, "budget" for the wall clock.
	Reason string
	// Budget is the evaluation budget it did not spend.
	Budget int64
}

// Error says what stopped the baseline's search.
func (e *BaselineStopped) Error() string {
	return fmt.Sprintf("the baseline's search stopped (%s) before its evaluation budget of %d, so its score is not comparable", cmp.Or(e.Reason, "early"), e.Budget)
}

// independentScores reports whether a model read as kind (report.Model's
// OutputKind) gives each class a score of its own, rather than its share
// of one distribution.
func independentScores(kind string) bool {
	return kind == "sigmoid" || kind == "multilabel-logits"
}

// shardName names a result's part of the targets: "all", "I/N" for a shard,
// "N shards merged" for a merged result.
func shardName(s *report.Shard) string {
	switch {
	case s == nil:
		return "all"
	case s.Index == 0:
		return fmt.Sprintf("%d shards merged", s.Count)
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}
