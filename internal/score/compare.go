package score

import (
	"math"
	"slices"
)

// Comparison is a candidate's query costs against a baseline's, class by
// class, under the same budget.
type Comparison struct {
	// Candidate and Baseline are the two scores.
	Candidate, Baseline float64
	// Difference is Candidate - Baseline: negative when the candidate is
	// easier to fool.
	Difference float64
	// LogRatios holds, per class, ln(candidate's cost / baseline's cost),
	// a class not fooled within the budget costing budget+1: negative
	// where the candidate fell faster.
	LogRatios []float64
	// Easier and Harder count the classes whose cost the candidate
	// lowered or raised; the rest are tied.
	Easier, Harder int
	// PValue is the one-sided p-value of the Wilcoxon signed-rank test of
	// "the candidate is easier to fool" over the classes' log ratios:
	// exact for up to 200 untied classes, else the normal approximation.
	PValue float64
	// PValueHarder is the same test's p-value of "the candidate is harder
	// to fool".
	PValueHarder float64
}

// Compare compares the hitting times of a candidate and a baseline on the
// same target classes (cand[i] and base[i] are class i's) under one budget.
func Compare(cand, base []int64, budget int64) Comparison {
	c := Comparison{Candidate: Of(cand, budget), Baseline: Of(base, budget)}
	c.Difference = c.Candidate - c.Baseline
	n := min(len(cand), len(base))
	c.LogRatios = make([]float64, n)
	var d []float64
	for i := range n {
		r := math.Log(cost(cand[i], budget)) - math.Log(cost(base[i], budget))
		c.LogRatios[i] = r
		switch {
		case r < 0:
			c.Easier++
		case r > 0:
			c.Harder++
		}
		if r != 0 {
			d = append(d, r)
		}
	}
	c.PValue = signedRankLower(d)
	for i := range d {
		d[i] = -d[i]
	}
	c.PValueHarder = signedRankLower(d)
	return c
}

// cost is a class's effective cost: its hitting time, or budget+1 when it
// was not fooled within the budget.
func cost(t, budget int64) float64 {
	if t == Censored || t > budget {
		return float64(budget) + 1
	}
	return float64(max(t, 1))
}

// exactLimit is the most differences whose signed-rank distribution is
// computed exactly.
const exactLimit = 200

// signedRankLower returns the one-sided p-value of the Wilcoxon signed-rank
// test that the differences d (none zero) lean negative: the probability,
// with every sign equally likely to be either, of a sum of negative ranks
// at least the observed one. Tied magnitudes share their mean rank. It
// returns 1 for no differences.
func signedRankLower(d []float64) float64 {
	n := len(d)
	if n == 0 {
		return 1
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		x, y := math.Abs(d[a]), math.Abs(d[b])
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	})
	// Doubled ranks are whole numbers even where ties share a mean rank.
	ranks := make([]int, n)
	for i := 0; i < n; {
		j := i
		for j+1 < n && math.Abs(d[idx[j+1]]) == math.Abs(d[idx[i]]) {
			j++
		}
		// Ranks i+1..j+1 share their mean; doubled: i+j+2.
		for k := i; k <= j; k++ {
			ranks[idx[k]] = i + j + 2
		}
		i = j + 1
	}
	observed, total := 0, 0
	for i, r := range ranks {
		total += r
		if d[i] < 0 {
			observed += r
		}
	}
	if n > exactLimit {
		return normalUpper(ranks, observed, total)
	}
	// dist[s] is the probability that the negative ranks sum to s.
	dist := make([]float64, total+1)
	dist[0] = 1
	top := 0
	for _, r := range ranks {
		for s := top; s >= 0; s-- {
			if dist[s] != 0 {
				dist[s+r] += dist[s] / 2
				dist[s] /= 2
			}
		}
		top += r
	}
	var p float64
	for s := observed; s <= total; s++ {
		p += dist[s]
	}
	return min(p, 1)
}

// normalUpper is the normal approximation of P(sum of negative doubled
// ranks >= observed), with a continuity correction of half a rank.
func normalUpper(ranks []int, observed, total int) float64 {
	var variance float64
	for _, r := range ranks {
		variance += float64(r) * float64(r) / 4
	}
	mean := float64(total) / 2
	// One rank is 2 in doubled units: correct by half of it.
	z := (float64(observed) - 1 - mean) / math.Sqrt(variance)
	return 0.5 * math.Erfc(z/math.Sqrt2)
}
