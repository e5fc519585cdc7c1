package report

import (
	"slices"
	"strconv"
)

// curvePoint is one point of the fooled-classes-over-the-run chart.
type curvePoint struct {
	Evaluations int64
	Fooled      int
}

// fooledCurve samples, at n evenly spaced evaluation counts from 0 to the
// run's total, how many of the classes the gate found fooled had reached
// the threshold by then (from Class.EvaluationsToThreshold). A fooled class
// with no recorded count, or one past the total, is counted at the end, so
// the last point always equals res.Fooled. It returns nil when the run made
// no evaluations.
func fooledCurve(res *Result, n int) []curvePoint {
	if res.Evaluations <= 0 || n < 2 {
		return nil
	}
	var at []int64
	for i := range res.Classes {
		c := &res.Classes[i]
		if !c.Fooled {
			continue
		}
		e := res.Evaluations
		if c.EvaluationsToThreshold != nil && *c.EvaluationsToThreshold < e {
			e = max(*c.EvaluationsToThreshold, 0)
		}
		at = append(at, e)
	}
	// Integer arithmetic in sample keeps the x values whole and the last
	// one equal to the total.
	return sample(at, res.Evaluations, n)
}

// baselineCurves samples, at n evenly spaced evaluation counts from 0 to
// the evaluation budget, how many classes had reached the threshold in the
// candidate and in the baseline, both from their evaluations to the
// threshold so that the two curves measure the same thing. It returns nil
// without a baseline or a budget.
func baselineCurves(res *Result, n int) (cand, base []curvePoint) {
	b := res.Baseline
	total := res.EvaluationBudget
	if b == nil || total <= 0 || n < 2 {
		return nil, nil
	}
	var ca, ba []int64
	for i := range res.Classes {
		if e := res.Classes[i].EvaluationsToThreshold; e != nil && *e <= total {
			ca = append(ca, max(*e, 0))
		}
	}
	for i := range b.Classes {
		if e := b.Classes[i].EvaluationsToThreshold; e != nil && *e <= total {
			ba = append(ba, max(*e, 0))
		}
	}
	return sample(ca, total, n), sample(ba, total, n)
}

// sample counts, at n evenly spaced evaluation counts from 0 to total, the
// values of at up to each.
func sample(at []int64, total int64, n int) []curvePoint {
	slices.Sort(at)
	pts := make([]curvePoint, n)
	for i := range pts {
		x := total / int64(n-1) * int64(i)
		x += total % int64(n-1) * int64(i) / int64(n-1)
		k, _ := slices.BinarySearch(at, x+1)
		pts[i] = curvePoint{Evaluations: x, Fooled: k}
	}
	return pts
}

// compactCount prints a count for an axis label: 950, 12k, 1.5M.
func compactCount(n int64) string {
	switch {
	case n >= 10_000_000:
		return strconv.FormatInt(n/1_000_000, 10) + "M"
	case n >= 1_000_000:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	case n >= 10_000:
		return strconv.FormatInt(n/1000, 10) + "k"
	case n >= 1000:
		return strconv.FormatFloat(float64(n)/1e3, 'f', 1, 64) + "k"
	}
	return strconv.FormatInt(n, 10)
}
