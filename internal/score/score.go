// Package score measures how hard a classifier is to fool from the query
// costs of a search: how many model evaluations each target class took to
// reach the confidence threshold, censored at the evaluation budget. It
// also compares two models' costs class by class, so that a gate can tell
// whether a candidate is easier to fool than a baseline.
//
// The score of a run with evaluation budget B > 1, over K target classes
// whose hitting times are t_i (t_i = B for a class not fooled within the
// budget), is
//
//	score = (1/K) Σ_i ln(min(t_i, B)) / ln B
//
// It equals one minus the area under the curve of the share of classes
// fooled against ln(evaluations), from 1 to B, divided by ln B: 0 when every
// class falls at the first evaluation, 1 when none falls within the budget,
// and each halving of a class's cost lowers it by the same amount, ln 2 /
// (K ln B), whatever the class's cost.
package score

import (
	"math"
	"slices"
)

// Version identifies the score's definition, the way its evaluations are
// counted included. Scores of different versions are never compared.
// Version 2: the default search's evaluations are the model's queries,
// an image it proposes again being answered from memory at no cost, where
// version 1 counted every image the search proposed.
const Version = 2

// Censored marks a class that did not reach the threshold within the
// budget, in the hitting times this package takes.
const Censored = 0

// Of returns the score of hitting times evals (each an evaluation count in
// [1, budget], or Censored) under an evaluation budget. It returns 1 for no
// classes, and for budget <= 1, where no class can fall faster than another,
// the share of classes not fooled.
func Of(evals []int64, budget int64) float64 {
	if len(evals) == 0 {
		return 1
	}
	var sum float64
	for _, t := range evals {
		sum += normalized(t, budget)
	}
	return sum / float64(len(evals))
}

// normalized is one class's term of the score: ln(min(t, budget))/ln budget.
func normalized(t, budget int64) float64 {
	if budget <= 1 {
		if t == Censored {
			return 1
		}
		return 0
	}
	if t == Censored || t >= budget {
		return 1
	}
	return math.Log(float64(max(t, 1))) / math.Log(float64(budget))
}

// Median returns the median hitting time, with censored classes ranked
// above every budget. ok is false when the median class was not fooled
// within the budget (it is then only known to exceed it), or there are no
// classes. For an even count the lower of the two middle values is
// returned, which keeps the median an evaluation count that occurred.
func Median(evals []int64) (median int64, ok bool) {
	if len(evals) == 0 {
		return 0, false
	}
	s := sorted(evals)
	m := s[(len(s)-1)/2]
	return m, m != math.MaxInt64
}

// Fooled returns how many hitting times are not censored.
func Fooled(evals []int64) int {
	n := 0
	for _, t := range evals {
		if t != Censored {
			n++
		}
	}
	return n
}

// sorted returns a sorted copy of evals with censored values as MaxInt64.
func sorted(evals []int64) []int64 {
	s := make([]int64, len(evals))
	for i, t := range evals {
		if t == Censored {
			t = math.MaxInt64
		}
		s[i] = t
	}
	slices.Sort(s)
	return s
}

// MedianOf returns, per class, the median hitting time across repeated
// searches (runs[r][i] is repeat r's time for class i), censored values
// ranked above every count; the median of an even number of repeats is the
// lower middle value, so that it is a count some repeat saw.
func MedianOf(runs [][]int64) []int64 {
	if len(runs) == 0 {
		return nil
	}
	out := make([]int64, len(runs[0]))
	col := make([]int64, len(runs))
	for i := range out {
		for r := range runs {
			col[r] = runs[r][i]
		}
		m, ok := Median(col)
		if !ok {
			m = Censored
		}
		out[i] = m
	}
	return out
}

// MedianFloat returns the median of xs, the mean of the two middle values
// for an even count, and 0 for none. It sorts xs.
func MedianFloat(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
