package gate

import (
	"testing"

	"github.com/fooltest/fooltest/internal/report"
)

// regressedRun returns a run of n classes, every one fooled at 10
// evaluations, against a baseline that fooled each at 1000: a regression,
// in which every class is regressed.
func regressedRun(n int) *report.Result {
	res := &report.Result{Classes: make([]report.Class, n), Evaluations: 3000, EvaluationBudget: 3000, ScoreComparable: true,
		Config: report.Config{MaxEvals: 3000}, Baseline: &report.Baseline{Classes: make([]report.BaselineClass, n)}}
	fast, slow := int64(10), int64(1000)
	for i := range n {
		res.Classes[i] = report.Class{Index: i, Confidence: 1, EvaluationsToThreshold: &fast}
		res.Baseline.Classes[i] = report.BaselineClass{Index: i, EvaluationsToThreshold: &slow}
	}
	return res
}

// BenchmarkEvaluateRegressed100k gates a regressed run of 100,000 classes
// (an ImageNet-21k or larger head) against its baseline: marking the
// regressed classes must not look each class up among the searched ones.
func BenchmarkEvaluateRegressed100k(b *testing.B) {
	allowAll, _ := ParseMaxFooled("100%")
	res := regressedRun(100_000)
	for b.Loop() {
		if _, err := Evaluate(res, 0.99, allowAll, FailOnRegression); err != nil {
			b.Fatal(err)
		}
	}
	if !res.Baseline.Regression || !res.Baseline.Classes[99_999].Regressed {
		b.Fatalf("regression %v, last class regressed %v: want both", res.Baseline.Regression, res.Baseline.Classes[99_999].Regressed)
	}
}
