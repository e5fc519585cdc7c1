package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// NotTested is the headline of a result whose verdict is "error": whatever
// the search found, it did not test the model, so no format may read as a
// pass.
const NotTested = "ERROR: the model was not tested"

// isError reports whether res's verdict is "error". Any verdict the writers
// do not know counts too, so that a result from a newer or broken gate is
// never shown as a pass or as an ordinary failure.
func isError(res *Result) bool {
	return res.Verdict != VerdictPass && res.Verdict != VerdictFail
}

// errorReason is the one-line reason of an "error" verdict.
func errorReason(res *Result) string {
	return cmp.Or(displayLabel(res.Error, 300), "no reason was recorded")
}

// gateDetail says in plain text what decided a pass or fail verdict: a
// score under the minimum, the comparison with the baseline under fail-on
// regression, and the fooled count otherwise. It holds no text from the
// user, so formats need not escape it.
func gateDetail(res *Result) string {
	switch {
	case minScoreMissed(res):
		return fmt.Sprintf("score %s is below the minimum %s", formatScore(res.Score), formatScore(res.Config.MinScore))
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

// minScoreMissed reports whether the score fell under --min-score, which
// fails the gate before anything else does.
func minScoreMissed(res *Result) bool {
	return res.Config.MinScore > 0 && res.Score < res.Config.MinScore && !isError(res)
}

// comparisonInHeadline reports whether the comparison with the baseline
// decided the verdict, and so is the headline; otherwise the reports show
// it on a line of its own.
func comparisonInHeadline(res *Result) bool {
	return res.Baseline != nil && res.Config.FailOn == "regression" && !isError(res) && !minScoreMissed(res)
}

// change is the baseline's Change as one of the three the gate writes;
// Regression decides "easier", so the words never contradict the verdict.
func change(b *Baseline) string {
	switch {
	case b.Regression:
		return "easier to fool"
	case b.Change == "harder to fool":
		return b.Change
	}
	return "no significant change"
}

// comparison is the comparison with the baseline in one line: the change,
// both scores and the p-value. res.Baseline must be set. Like gateDetail,
// it holds no text from the user.
func comparison(res *Result) string {
	b := res.Baseline
	c := change(b)
	if c == "no significant change" {
		c += " from the baseline"
	} else {
		c += " than the baseline"
	}
	return fmt.Sprintf("%s: score %s against the baseline's %s (difference %s, %s)",
		c, formatScore(res.Score), formatScore(b.Score), formatDifference(b.ScoreDifference), pClause(b.PValue))
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

// pClause is "p = 0.012", or "p < 0.001".
func pClause(p float64) string {
	s := formatP(p)
	if strings.HasPrefix(s, "<") {
		return "p " + s
	}
	return "p = " + s
}

// formatCost prints evaluations to the threshold, or "> budget" for a class
// not fooled within the evaluation budget.
func formatCost(e *int64, budget int64) string {
	if e == nil {
		return "> " + strconv.FormatInt(budget, 10)
	}
	return strconv.FormatInt(*e, 10)
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

// scoreRows are the summary rows about the score, shared by the Markdown
// and HTML reports; all values are numbers fooltest formats itself.
func scoreRows(res *Result) [][2]string {
	s := formatScore(res.Score)
	if !res.ScoreComparable {
		s += " (not comparable: the search stopped before its evaluation budget)"
	}
	rows := [][2]string{
		{"Score (0: every class fooled at once, 1: none within the budget)", s},
		{"Evaluation budget", strconv.FormatInt(res.EvaluationBudget, 10)},
		{"Classes fooled within the budget", fmt.Sprintf("%d of %d", res.FooledWithinBudget, res.Targets)},
		{"Median evaluations to the threshold", formatCost(res.MedianEvaluations, res.EvaluationBudget)},
		{"Repeats", strconv.Itoa(max(res.Repeats, 1))},
	}
	if b := res.Baseline; b != nil {
		rows = append(rows,
			[2]string{"Baseline score", formatScore(b.Score)},
			[2]string{"Score difference (negative: easier to fool)", formatDifference(b.ScoreDifference)},
			[2]string{"p-value (candidate easier to fool)", formatP(b.PValue)},
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
		if bc.Index != res.Classes[i].Index {
			continue
		}
		rows = append(rows, baselineRow{Class: &res.Classes[i], Base: bc, Regressed: b.Regressed(*bc)})
	}
	slices.SortStableFunc(rows, func(x, y baselineRow) int {
		// NaN sorts last: a ratio that is not a number says nothing.
		if c := cmp.Compare(nanLast(x.Base.LogRatio), nanLast(y.Base.LogRatio)); c != 0 {
			return c
		}
		return cmp.Compare(x.Class.Index, y.Class.Index)
	})
	return rows
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
	return fmt.Sprintf("%s evaluations to the threshold against the baseline's %s (ratio %s)",
		formatCost(c.EvaluationsToThreshold, res.EvaluationBudget),
		formatCost(bc.EvaluationsToThreshold, res.EvaluationBudget), formatRatio(bc.LogRatio))
}
