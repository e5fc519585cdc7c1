// The view every human-readable format shares (report.md, report.html,
// the console): which classes to show and in what order, and how the
// verdict, the score and the settings read. Each format escapes the text
// for its own syntax.

package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// notTestedHeadline is the headline of a result whose verdict is "error":
// whatever the search found, it did not test the model, so no format may
// read as a pass.
const notTestedHeadline = "ERROR: the model was not tested"

// isError reports whether res's verdict is "error". Any verdict the writers
// do not know counts too, so that a result from a newer or broken gate is
// never shown as a pass or as an ordinary failure.
func isError(res *Result) bool {
	return res.Verdict != VerdictPass && res.Verdict != VerdictFail
}

// nonFiniteNote says, when some evaluations gave NaN or ±Inf outputs, how
// many, what that did to the verdict, and the likely cause and fix, in the
// same words and units (images of the evaluations) in every format, the
// fix in words'; "" when none did, and in a run whose error it is, which
// says it already.
func nonFiniteNote(res *Result, words Words) string {
	switch {
	case res.NonFiniteError != "" && isError(res) && res.Error == res.NonFiniteError:
		return ""
	case res.NonFiniteError != "":
		s := displayLabel(upperFirst(words.Say(res.NonFiniteError)), maxErrorReason) + "."
		if res.Verdict == VerdictFail {
			s += " The classes that images with finite outputs fooled were fooled all the same, so the run fails."
		}
		return s
	case res.NonFiniteOutputs > 0:
		s := fmt.Sprintf("The model's outputs were NaN or infinite for %d of %s evaluated; each such image counts as confidence 0 for every class, and with up to 1%% of them the verdict stands.",
			res.NonFiniteOutputs, count(res.Evaluations, "image", "images"))
		if res.NonFiniteCause != "" {
			s += " Likely cause: " + displayLabel(words.Say(res.NonFiniteCause), maxErrorReason) + "."
		}
		return s
	}
	return ""
}

// nonFiniteRow is the settings' value for the outputs not finite: how
// many of the evaluations gave them.
func nonFiniteRow(res *Result) string {
	if res.NonFiniteOutputs == 0 {
		return "0"
	}
	return fmt.Sprintf("%d of %s evaluated", res.NonFiniteOutputs, count(res.Evaluations, "image", "images"))
}

// upperFirst capitalises s's first letter, to start a sentence.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// errorReason is the one-line reason of an "error" verdict, its fix in
// words'.
func errorReason(res *Result, words Words) string {
	// Whole: the fix comes last, and a PR comment cut before it leaves
	// the reader nowhere to go. The bound only keeps a hostile
	// report.json from filling a page.
	return cmp.Or(displayLabel(words.Say(res.Error), maxErrorReason), "no reason was recorded")
}

// maxErrorReason bounds the reason of an error verdict in the reports; the
// longest fooltest writes are under 1,000 characters.
const maxErrorReason = 2000

// gateDetail says in plain text what decided a pass or fail verdict: a
// score under the minimum, the comparison with the baseline under fail-on
// regression, and the fooled count otherwise. It holds no text from the
// user, so formats need not escape it.
func gateDetail(res *Result) string {
	switch {
	case minScoreMissed(res):
		return "score " + minScoreFinding(res)
	case comparisonInHeadline(res):
		return comparison(res)
	}
	noun := "classes"
	if res.Targets == 1 {
		noun = "class"
	}
	return fmt.Sprintf("%d of %d target %s fooled at confidence ≥ %s (allowed: %d)",
		res.Fooled, res.Targets, noun, formatThreshold(res.Threshold), res.MaxFooled)
}

// minScoreFinding is a score under --min-score, after the word "score":
// "0.412 is below the minimum 0.500".
func minScoreFinding(res *Result) string {
	return fmt.Sprintf("%s is below the minimum %s", formatScore(res.Score), formatScore(res.Config.MinScore))
}

// minScoreMissed reports whether the gate failed on a score under
// --min-score, which decides the verdict before anything else does.
func minScoreMissed(res *Result) bool {
	return slices.Contains(res.FailedBy, FailedByMinScore) && !isError(res)
}

// gateFailed reports whether the gate failed on what (a Result.FailedBy
// value) and that failure fails the run: under fail-on never the gate only
// reports, so nothing does. A finding is a failure (a JUnit failure, a
// SARIF error) only when this holds, and shown as a warning otherwise, so
// that no format turns a check red for a run that the gate let through.
func gateFailed(res *Result, what string) bool {
	return slices.Contains(res.FailedBy, what) && !reportOnly(res)
}

// FailsGate reports whether the gate failed on what (FailedByFooled,
// FailedByRegression or FailedByMinScore) and that failure fails the run,
// as gateFailed does: every format shows such a finding as a failure, and
// as a warning otherwise.
func (res *Result) FailsGate(what string) bool { return gateFailed(res, what) }

// Finding says in one line of plain text what the gate found of kind what:
// the comparison with the baseline for FailedByRegression, the score
// against the minimum for FailedByMinScore, and the fooled count
// otherwise. It holds no text from the user.
func (res *Result) Finding(what string) string {
	switch {
	case what == FailedByRegression && res.Baseline != nil:
		return comparison(res)
	case what == FailedByMinScore:
		return "score " + minScoreFinding(res)
	}
	return fmt.Sprintf("%d of %d target classes fooled at confidence ≥ %s (allowed: %d)",
		res.Fooled, res.Targets, formatThreshold(res.Threshold), res.MaxFooled)
}

// allowedReason says why a finding of kind what (a Result.FailedBy value)
// is not a failure, where gateFailed is false. Like gateDetail, it holds
// no text from the user.
func allowedReason(res *Result, what string) string {
	switch {
	case reportOnly(res):
		return "It is not a failure: under fail-on never the gate only reports."
	case what == FailedByFooled && res.Config.FailOn == "regression":
		return "It is not a failure: under fail-on regression the gate judges the comparison with the baseline, not the fooled classes."
	case what == FailedByFooled:
		noun := "classes"
		if res.MaxFooled == 1 {
			noun = "class"
		}
		return fmt.Sprintf("It is not a failure: the gate allows %d fooled %s (max-fooled %s), and %d of %d were fooled.",
			res.MaxFooled, noun, cleanText(res.Config.MaxFooled), res.Fooled, res.Targets)
	case what == FailedByRegression:
		return "It is not a failure: the gate judges the fooled classes, not the comparison with the baseline (fail-on regression would)."
	}
	return "It is not a failure of this run's gate."
}

// ungatedRegression says, beside a comparison that found the model easier
// to fool in a run whose gate does not fail on that, that the regression
// does not gate this run and what would; "" otherwise. A pass beside rows
// marked "regressed" would otherwise read as a contradiction. The settings
// it names are in words'.
func ungatedRegression(res *Result, words Words) string {
	b := res.Baseline
	if b == nil || !b.Regression || isError(res) || gateFailed(res, FailedByRegression) {
		return ""
	}
	if reportOnly(res) {
		return words.Say("This regression does not gate the run: --fail-on is never, so the gate only reports.")
	}
	if res.Config.FailOn == "regression" {
		return words.Say("This regression does not gate the run on its own: the score missed --min-score first.")
	}
	return words.Say("This regression does not gate the run: the gate judges the fooled classes, not the comparison with the baseline; setting --fail-on to regression would fail it.")
}

// comparisonLabel introduces the comparison with the baseline where it is
// not the headline: what it says of a run that ended in error is that
// nothing was compared.
func comparisonLabel(res *Result) string {
	if isError(res) {
		return "Baseline"
	}
	return "Compared with the baseline"
}

// comparisonInHeadline reports whether the comparison with the baseline
// decided the verdict, and so is the headline; otherwise the reports show
// it on a line of its own.
func comparisonInHeadline(res *Result) bool {
	return res.Baseline != nil && res.Config.FailOn == "regression" && !isError(res) && !minScoreMissed(res)
}

// notComparedChange is the change of a result whose verdict is "error".
const notComparedChange = "not compared"

// change is res.Baseline's Change as one of those the gate writes: "not
// compared" for a run that ended in error, which tested nothing, whatever
// its costs lean to; otherwise Regression decides "easier", so the words
// never contradict the verdict.
func change(res *Result) string {
	b := res.Baseline
	switch {
	case isError(res):
		return notComparedChange
	case b.Regression:
		return "easier to fool"
	case b.Change == "harder to fool":
		return b.Change
	}
	return "no significant change"
}

// comparison is the comparison with the baseline in one line: the change,
// both scores and the p-value; for a run that ended in error, that nothing
// was compared, and the two scores. res.Baseline must be set. Like
// gateDetail, it holds no text from the user.
func comparison(res *Result) string {
	b := res.Baseline
	if isError(res) {
		return fmt.Sprintf("%s, since the run ended in error (its score %s, the baseline's %s)", notComparedChange, formatScore(res.Score), formatScore(b.Score))
	}
	c := change(res)
	switch {
	case withinTolerance(res):
		// Significant, so "no significant change" would contradict the
		// p-value beside it; the tolerance is what let it pass.
		c = "easier to fool than the baseline, but within the tolerance of " + strconv.FormatFloat(res.Config.Tolerance, 'g', -1, 64)
	case c == "no significant change":
		c += " from the baseline"
	default:
		c += " than the baseline"
	}
	return fmt.Sprintf("%s: score %s against the baseline's %s (difference %s, %s)",
		c, formatScore(res.Score), formatScore(b.Score), formatDifference(b.ScoreDifference), pClause(b.PValue))
}

// withinTolerance reports whether res's candidate is significantly easier
// to fool than its baseline (a p-value below the run's alpha) yet no
// regression, its score lower by no more than the tolerance. A result that
// records no alpha is not judged.
func withinTolerance(res *Result) bool {
	b := res.Baseline
	return !b.Regression && res.Config.Alpha > 0 && b.PValue < res.Config.Alpha && b.ScoreDifference < 0
}

// formatScore prints a score in [0,1] to three decimals, which is finer
// than one seed to another moves it.
func formatScore(s float64) string {
	return strconv.FormatFloat(finite(s), 'f', 3, 64)
}

// formatDifference prints a score difference with its sign, a true minus
// sign for a negative one.
func formatDifference(d float64) string {
	d = finite(d)
	s := strconv.FormatFloat(math.Abs(d), 'f', 3, 64)
	switch {
	case s == "0.000":
		return "±" + s
	case d < 0:
		return "−" + s
	}
	return "+" + s
}

// formatP prints a p-value: three decimals, or a bound below 0.001, where
// more digits would only suggest a precision the test does not have.
func formatP(p float64) string {
	if math.IsNaN(p) {
		return "n/a"
	}
	if p < 0.001 {
		return "< 0.001"
	}
	return strconv.FormatFloat(min(p, 1), 'f', 3, 64)
}

// pClause is "p = 0.012 that it is easier to fool", or "p < 0.001 …": the
// test is one-sided, and a bare "p = 1.000" beside "harder to fool" reads as
// if that were the test.
func pClause(p float64) string {
	s := formatP(p)
	if !strings.HasPrefix(s, "<") {
		s = "= " + s
	}
	return "p " + s + " that it is easier to fool"
}

// formatCost prints evaluations to the threshold, or "> budget" for a class
// not fooled within the evaluation budget.
func formatCost(e *int64, budget int64) string {
	if e == nil {
		return "> " + strconv.FormatInt(budget, 10)
	}
	return strconv.FormatInt(*e, 10)
}

// costNoun is the noun after a cost formatCost wrote: "evaluation" after
// "1", "evaluations" after any other.
func costNoun(cost string) string {
	if cost == "1" {
		return "evaluation"
	}
	return "evaluations"
}

// formatRatio prints a class's cost ratio, candidate over baseline, from
// its natural logarithm: "0.25×" means the candidate fell at a quarter of
// the baseline's cost.
func formatRatio(logRatio float64) string {
	if math.IsNaN(logRatio) {
		return "n/a"
	}
	r := math.Exp(logRatio)
	switch {
	case r >= 100:
		return strconv.FormatFloat(r, 'f', 0, 64) + "×"
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(r, 'f', 2, 64) + "×"
}

// fooledWithinBudget is how many of the classes the score counts were
// fooled within the budget: "3 of 10 classes", or in a merge missing
// shards "3 of the 7 classes searched".
func fooledWithinBudget(res *Result) string {
	if n := searchedCount(res); n < len(res.Classes) {
		return fmt.Sprintf("%d of the %d %s searched", res.FooledWithinBudget, n, noun(n, "class", "classes"))
	}
	return fmt.Sprintf("%d of %d %s", res.FooledWithinBudget, res.Targets, noun(res.Targets, "class", "classes"))
}

// scoreRows are the summary rows about the score, shared by the Markdown
// and HTML reports; all values are numbers fooltest formats itself.
func scoreRows(res *Result) [][2]string {
	s := formatScore(res.Score)
	budget := strconv.FormatInt(res.EvaluationBudget, 10)
	switch {
	case res.Config.MaxEvals == 0:
		// No search had a budget of evaluations: B is what the run made,
		// which another run does not share.
		s += " (comparable with other runs only under an evaluation budget: set max-evals)"
		budget += " (the evaluations made: no max-evals was set)"
	case !res.ScoreComparable:
		s += " (not comparable: the search stopped before its evaluation budget)"
	}
	if n := searchedCount(res); n < len(res.Classes) {
		s += fmt.Sprintf(" (over the %d %s searched)", n, noun(n, "class", "classes"))
	}
	rows := [][2]string{
		{"Score (0: every class fooled at once, 1: none within the evaluation budget)", s},
		{"Evaluation budget", budget},
		{"Classes fooled within the evaluation budget", strings.TrimSuffix(fooledWithinBudget(res), " classes")},
		{"Median evaluations to the threshold", formatCost(res.MedianEvaluations, res.EvaluationBudget)},
		{"Repeats", strconv.Itoa(max(res.Repeats, 1))},
	}
	if b := res.Baseline; b != nil && isError(res) {
		// A run that tested nothing states no difference, test or count.
		rows = append(rows,
			[2]string{"Baseline score", formatScore(b.Score)},
			[2]string{"Comparison with the baseline", notComparedChange + ": the run ended in error"},
		)
	} else if b != nil {
		rows = append(rows,
			[2]string{"Baseline score", formatScore(b.Score)},
			[2]string{"Score difference (negative: easier to fool)", formatDifference(b.ScoreDifference)},
			[2]string{"p-value that the candidate is easier to fool", formatP(b.PValue)},
			[2]string{"Classes fooled faster / slower than the baseline", fmt.Sprintf("%d / %d", b.Easier, b.Harder)},
		)
	}
	return rows
}

// baselineRow is one class of the comparison with the baseline.
type baselineRow struct {
	Class     *Class
	Base      *BaselineClass
	Regressed bool
}

// baselineRows pairs each class with its baseline, worst regression (the
// most negative log ratio) first, then by index. Baseline classes are in
// the candidate's order; one whose index does not match is left out rather
// than shown against the wrong class.
func baselineRows(res *Result) []baselineRow {
	b := res.Baseline
	if b == nil {
		return nil
	}
	rows := make([]baselineRow, 0, len(b.Classes))
	for i := range min(len(b.Classes), len(res.Classes)) {
		bc := &b.Classes[i]
		// A class no shard searched was not compared.
		if bc.Index != res.Classes[i].Index || res.Classes[i].NotSearched {
			continue
		}
		rows = append(rows, baselineRow{Class: &res.Classes[i], Base: bc, Regressed: b.Regressed(*bc)})
	}
	slices.SortStableFunc(rows, func(x, y baselineRow) int {
		if c := cmp.Compare(uninformative(x), uninformative(y)); c != 0 {
			return c
		}
		if c := cmp.Compare(nanLast(x.Base.LogRatio), nanLast(y.Base.LogRatio)); c != 0 {
			return c
		}
		return cmp.Compare(x.Class.Index, y.Class.Index)
	})
	return rows
}

// uninformative ranks what a row of the comparison says: 0 when the
// candidate or the baseline was fooled within the budget, 1 when neither
// was (a ratio of 1 that only says both resisted), 2 when the ratio is not
// a number. The tables list the rows that say something first, so that
// with many classes the neither-fooled ones do not fill them.
func uninformative(r baselineRow) int {
	switch {
	case math.IsNaN(r.Base.LogRatio):
		return 2
	case r.Class.EvaluationsToThreshold == nil && r.Base.EvaluationsToThreshold == nil:
		return 1
	}
	return 0
}

func nanLast(x float64) float64 {
	if math.IsNaN(x) {
		return math.Inf(1)
	}
	return x
}

// baselineFor returns the baseline of res.Classes[i], or nil.
func baselineFor(res *Result, i int) *BaselineClass {
	b := res.Baseline
	if b == nil || i >= len(b.Classes) || b.Classes[i].Index != res.Classes[i].Index {
		return nil
	}
	return &b.Classes[i]
}

// costs says in words what class c and its baseline bc cost to fool.
func costs(res *Result, c *Class, bc *BaselineClass) string {
	cost := formatCost(c.EvaluationsToThreshold, res.EvaluationBudget)
	return fmt.Sprintf("%s %s to the threshold against the baseline's %s (ratio %s)",
		cost, costNoun(cost),
		formatCost(bc.EvaluationsToThreshold, res.EvaluationBudget), formatRatio(bc.LogRatio))
}

// ByConfidence returns res's classes, highest best confidence first, then
// by index so that ties keep the same order across runs and formats.
func ByConfidence(res *Result) []*Class {
	pos := make([]int, len(res.Classes))
	for i := range pos {
		pos[i] = i
	}
	// Breaking the last ties by position makes the order total, so the
	// faster unstable sort gives the same order as a stable one; it
	// matters with 100,000 classes, sorted once per format.
	slices.SortFunc(pos, func(i, j int) int {
		a, b := &res.Classes[i], &res.Classes[j]
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Index, b.Index); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	out := make([]*Class, len(pos))
	for k, i := range pos {
		out[k] = &res.Classes[i]
	}
	return out
}

// sortedFooled returns the fooled classes in ByConfidence order.
func sortedFooled(res *Result) []*Class {
	var out []*Class
	for _, c := range ByConfidence(res) {
		if c.Fooled {
			out = append(out, c)
		}
	}
	return out
}

// reportOnly reports whether the gate's result does not set the exit code.
func reportOnly(res *Result) bool { return res.Config.FailOn == "never" }

// EveryTargetAllowed reports whether res's gate allows, by a count, as many
// fooled classes as there are target classes (all of them, in a shard's or
// a merge's result), so that no number of fooled classes can fail it. A
// percentage never does so by mistake: only 100% allows every class, and
// that is written on purpose. Under fail-on never or regression the
// count gates nothing, so it does not either; nor does a run whose verdict
// is "error": its search did not finish, and a warning on the count would
// only stand beside the reason it failed. Nor does a nil res.
func EveryTargetAllowed(res *Result) bool {
	return res != nil && res.Targets > 0 && res.MaxFooled >= res.Targets && !strings.HasSuffix(res.Config.MaxFooled, "%") &&
		!reportOnly(res) && res.Config.FailOn != "regression" && !isError(res)
}

// AllowanceWarning says, where EveryTargetAllowed, that the count of fooled
// classes cannot fail the gate, and how to make it, in the command line's
// flags (a front end rewords it with its Words); else "". A workflow
// shared across models can give one count to a model of fewer classes, and
// a passing gate would not tell. It holds no text from the user.
func AllowanceWarning(res *Result) string {
	if !EveryTargetAllowed(res) {
		return ""
	}
	return fmt.Sprintf("--max-fooled %d allows every one of the %d target classes, so no number of fooled classes can fail the gate: give --max-fooled a lower count or a percentage, or pass --fail-on never to report only",
		res.MaxFooled, res.Targets)
}

// allowanceNote is AllowanceWarning as a sentence of a report, in words;
// "" when there is no warning.
func allowanceNote(res *Result, words Words) string {
	w := AllowanceWarning(res)
	if w == "" {
		return ""
	}
	return words.Say(w) + "."
}

// allowedRow is the summary's count of fooled classes the gate allows, or,
// under fail-on regression, that the gate does not count them.
func allowedRow(res *Result) string {
	if res.Config.FailOn == "regression" {
		return "not counted: fail-on regression gates the comparison with the baseline"
	}
	return strconv.Itoa(res.MaxFooled)
}

// merged reports whether res is a merge of shards' results.
func merged(res *Result) bool { return res.Shard != nil && res.Shard.Index == 0 }

// budgetSecondsUsed is the time the budget counted: opening the model and
// the search, as the run measured it, or, in a report written before it
// did, the opening and search times added.
func budgetSecondsUsed(res *Result) float64 {
	if u := finite(res.BudgetUsedSeconds); u > 0 {
		return max(u, finite(res.ElapsedSeconds))
	}
	return finite(res.OpenSeconds) + finite(res.ElapsedSeconds)
}

// budgetUsed describes how much of the time and evaluation budgets the run
// spent.
func budgetUsed(res *Result) string {
	var parts []string
	if res.BudgetSeconds > 0 {
		longest := ""
		if merged(res) {
			longest = ", the longest shard"
		}
		used := budgetSecondsUsed(res)
		s := fmt.Sprintf("%.1f s of %s s (%.0f%%%s", used,
			strconv.FormatFloat(res.BudgetSeconds, 'f', -1, 64), 100*used/res.BudgetSeconds, longest)
		// The parts, as the console gives them, where they add up: a
		// run that searched a baseline model first restarted the
		// budget after opening the model.
		open, search := finite(res.OpenSeconds), finite(res.ElapsedSeconds)
		switch rest := used - open - search; {
		case open == 0 || rest < -0.05:
		case rest >= 0.05:
			s += fmt.Sprintf(": %.1f s opening the model, %.1f s preparing the search, %.1f s searching", open, rest, search)
		default:
			s += fmt.Sprintf(": %.1f s opening the model, %.1f s searching", open, search)
		}
		parts = append(parts, s+")")
	}
	if res.Config.MaxEvals > 0 {
		// --max-evals caps each search: each of the repeats, in each
		// shard a merge adds up.
		limit := res.Config.MaxEvals
		var per []string
		if res.Repeats > 1 {
			limit *= int64(res.Repeats)
			per = append(per, fmt.Sprintf("%d searches", res.Repeats))
		}
		if sh := res.Shard; merged(res) && len(sh.Merged) > 1 {
			limit *= int64(len(sh.Merged))
			per = append(per, fmt.Sprintf("%d shards", len(sh.Merged)))
		}
		s := fmt.Sprintf("%d of %s (%.0f%%", res.Evaluations, count(limit, "evaluation", "evaluations"), 100*float64(res.Evaluations)/float64(limit))
		if len(per) > 0 {
			s += fmt.Sprintf(": %d per search × %s", res.Config.MaxEvals, strings.Join(per, " × "))
		}
		parts = append(parts, s+")")
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%.1f s", finite(res.ElapsedSeconds))
	}
	return strings.Join(parts, "; ")
}

// summaryRows is the summary table shared by the Markdown and HTML
// reports. untrusted escapes the one value that comes from the user, the
// model path; the others are numbers fooltest formats itself.
func summaryRows(res *Result, untrusted func(string) string) [][2]string {
	rows := [][2]string{{"Model", untrusted(res.Model.Path)}}
	if name, value, ok := shardRow(res); ok {
		rows = append(rows, [2]string{name, value})
	}
	eps := "Evaluations per second"
	if merged(res) {
		eps += " (all shards)"
	}
	rows = append(rows, [][2]string{
		{"Target classes", strconv.Itoa(res.Targets)},
		{"Fooled (confidence ≥ " + formatThreshold(res.Threshold) + ")", strconv.Itoa(res.Fooled)},
		{"Allowed", allowedRow(res)},
		{"Median best confidence", formatConfidence(res.MedianConfidence, res.Threshold)},
		{"Highest confidence", formatConfidence(res.MaxConfidence, res.Threshold)},
		{"Evaluations", strconv.FormatInt(res.Evaluations, 10)},
		{eps, strconv.FormatFloat(finite(res.EvalsPerSecond), 'f', 1, 64)},
		{"Budget used", budgetUsed(res)},
	}...)
	if len(res.Model.OutputsNotSearched) > 0 {
		// A model of several heads: the verdict covers one of them,
		// which a reader of the summary alone must not miss.
		rows = append(rows, [2]string{"Outputs not searched", fmt.Sprintf("%s; the verdict is for %s alone",
			notSearchedText(res.Model, untrusted), untrusted(strconv.Quote(res.Model.Output)))})
	}
	if n := unreachableCount(res); n > 0 {
		rows = append(rows, [2]string{"Look unreachable (not fooled)", strconv.Itoa(n)})
	}
	if res.Model.BinaryOutput {
		rows = append(rows, [2]string{"Classes from one score", "class 1's confidence is the model's score, class 0's is 1 − the score"})
	}
	if d := res.DigitCheck; d != nil {
		rows = append(rows, [2]string{"MNIST test digits labelled right", digitsRow(d, untrusted)})
	}
	if r := res.RangeCheck; r != nil {
		rows = append(rows, [2]string{"Input range filled", rangeRow(r, untrusted)})
	}
	if p := res.PhotoCheck; p != nil {
		// Every photo check, as the digits row for gray models: the
		// console and junit.xml give it whatever it found.
		rows = append(rows, [2]string{"Photos told apart", photoRow(p, untrusted)})
	}
	return rows
}

// configRows lists the run's settings as name/value pairs for the Markdown
// and HTML reports. Values are raw; each format escapes them.
func configRows(res *Result) [][2]string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	// Scale, mean and std are float32 in a run; report.json keeps them
	// as float64(v), and only float32's own digits are the setting.
	floats := func(xs []float64) string {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = formatFloat32(x)
		}
		return strings.Join(s, ", ")
	}
	cfg := res.Config
	m := res.Model
	shape := fmt.Sprintf("%d×%d×%d (%s)", m.Channels, m.Height, m.Width, m.Layout)
	rows := [][2]string{
		{"fooltest", res.Versions.Fooltest},
		{"ONNX Runtime", res.Versions.ONNXRuntime},
		{"Model", m.Path},
		{"Model sha256", m.SHA256},
		{"Model input", m.Input + " " + shape + inputType(m)},
		{"Model output", m.Output + " (" + m.OutputKind + ")" + binaryClause(m) + notSearchedClause(m)},
		{"Model classes", strconv.Itoa(m.Classes)},
		{"Started at", res.StartedAt},
		{"Stopped because", res.StoppedReason},
		{"Encoding", cfg.Encoding},
		{"Algorithm", cfg.Algorithm},
		{"Budget", cfg.Budget},
		{"Max evaluations", strconv.FormatInt(cfg.MaxEvals, 10)},
		{"Classes", cfg.Classes},
		{"Threshold", f(cfg.Threshold)},
		{"Max fooled", cfg.MaxFooled},
		{"Fail on", cfg.FailOn},
		{"Seed", strconv.FormatUint(cfg.Seed, 10)},
		{"Batch", strconv.Itoa(cfg.Batch)},
		{"Threads", strconv.Itoa(cfg.Threads)},
		{"Preset", cfg.Preset},
		{"Scale", formatFloat32(cfg.Scale)},
		{"Mean", floats(cfg.Mean)},
		{"Std", floats(cfg.Std)},
		{"Input shape", cfg.InputShape},
		{"Output", cfg.Output},
		{"Output kind", cfg.OutputKind},
		// Where the labels came from when --labels did not give them.
		{"Labels", cmp.Or(cfg.Labels, cfg.LabelsFrom)},
		{"Report directory", cfg.ReportDir},
		{"Formats", strings.Join(cfg.Formats, ", ")},
		{"Export dataset", strconv.FormatBool(cfg.ExportDataset)},
		{"Generation", strconv.Itoa(cfg.Generation)},
		{"Search version", strconv.Itoa(cfg.SearchVersion)},
		{"Repeats", strconv.Itoa(cfg.Repeats)},
		{"Baseline", cfg.Baseline},
		{"Alpha", f(cfg.Alpha)},
		{"Tolerance", f(cfg.Tolerance)},
		{"Min score", f(cfg.MinScore)},
		{"Image base URL", cfg.ImageBaseURL},
		{"Artifact URL", cfg.ArtifactURL},
		{"Non-finite outputs", nonFiniteRow(res)},
	}
	if cfg.ChannelOrder != "" {
		// After Std, where the preprocessing rows are.
		at := slices.IndexFunc(rows, func(r [2]string) bool { return r[0] == "Std" }) + 1
		rows = slices.Insert(rows, at, [2]string{"Channel order", cfg.ChannelOrder})
	}
	if cfg.PreprocessingFrom != "" {
		at := slices.IndexFunc(rows, func(r [2]string) bool { return r[0] == "Preset" })
		rows = slices.Insert(rows, at, [2]string{"Preprocessing from", cfg.PreprocessingFrom})
	}
	if cfg.BaselinePreset != "" {
		at := slices.IndexFunc(rows, func(r [2]string) bool { return r[0] == "Baseline" }) + 1
		rows = slices.Insert(rows, at, [2]string{"Baseline preset", cfg.BaselinePreset})
	}
	return rows
}

// inputType is the model input's element type for the settings rows, when
// it is not float32.
func inputType(m Model) string {
	if m.InputType == "" {
		return ""
	}
	return ", " + m.InputType
}

// maxNotSearched bounds how many outputs not searched the reports name: a
// model may keep every layer's values as outputs, and report.json lists
// them all.
const maxNotSearched = 5

// notSearchedText names m's outputs that were not searched, the first
// maxNotSearched of them, each cleaned by clean: `"mask_logits" [1 1 192
// 288]`, or `"a" [1 4], "b" [1 2 8] and 3 more`.
func notSearchedText(m Model, clean func(string) string) string {
	names := m.OutputsNotSearched
	shown := make([]string, min(len(names), maxNotSearched))
	for i := range shown {
		shown[i] = clean(names[i])
	}
	s := strings.Join(shown, ", ")
	if more := len(names) - len(shown); more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// binaryClause follows the output and the class count in the settings
// rows of a binary model, whose one score makes both classes: without it,
// a fooled class 0 at 0.99 reads as a score the model never gave.
func binaryClause(m Model) string {
	if !m.BinaryOutput {
		return ""
	}
	return "; one score per image: class 1's confidence is the score, class 0's is 1 − the score"
}

// notSearchedClause follows the output in the settings rows, whose values
// each format escapes itself: "; not searched: ..." when m has outputs
// that were not searched, "" otherwise.
func notSearchedClause(m Model) string {
	if len(m.OutputsNotSearched) == 0 {
		return ""
	}
	return "; not searched: " + notSearchedText(m, cleanText)
}
