package attack

import (
	"math"
)

// Kinds of Unreachable.
const (
	// UnreachableDead: no image the search scored gave the class more
	// than a trace of confidence.
	UnreachableDead = "dead"
	// UnreachableBounded: the class's logit never rose far enough above
	// the other classes' for the softmax to reach the threshold, and the
	// class's best image sits at that ceiling.
	UnreachableBounded = "bounded"
)

// Unreachable says why a class that was not fooled looks impossible to fool
// on this model, from the search's own evaluations: its best confidence
// stopped improving far below the threshold, and the outputs of every image
// scored show a reason. It is evidence, not proof: a search may still miss
// inputs that would reach the class.
type Unreachable struct {
	// Kind is UnreachableDead or UnreachableBounded.
	Kind string
	// Ceiling is the highest confidence the class can have, as far as the
	// scored images show: for UnreachableBounded, the softmax of the
	// largest logit differences to every other class seen in any image;
	// for UnreachableDead, the best confidence.
	Ceiling float64
	// Partner is the class whose logit the class's stayed closest to (the
	// largest part of the bound), for UnreachableBounded; -1 otherwise.
	Partner int
	// PartnerGap is the largest difference of log-confidences, class minus
	// Partner, over every scored image: the class's softmax can exceed
	// Partner's by at most the factor exp(PartnerGap).
	PartnerGap float64
	// Images is how many images the evidence comes from.
	Images int64
}

// Limits of the unreachable-class analysis.
const (
	// probePairsMax is the most classes for which every pair's logit
	// difference is tracked: K² operations per image, a few microseconds
	// at 64 classes. Larger models get only the dead-class check.
	probePairsMax = 64
	// probeMinImages is the fewest scored images from which a class is
	// judged.
	probeMinImages = 2000
	// deadConfidence is the best confidence below which a class counts as
	// dead.
	deadConfidence = 1e-4
	// stallLogOdds is the rise in log-odds over the second half of the
	// run below which a class counts as no longer improving.
	stallLogOdds = 0.05
	// farLogOdds is how far below the threshold, in log-odds, a ceiling
	// must lie: a class that stops just short of it is merely hard.
	farLogOdds = 1.0
	// atCeilingLogOdds is how close to the ceiling, in log-odds, the
	// class's best must be for the ceiling to be what stops it.
	atCeilingLogOdds = 0.5
)

// rangeProbe records, from every scored image, the reachable range of the
// model's outputs: for each pair of classes the largest difference of their
// log-confidences (their logits' difference, for softmax outputs), and
// whether every row summed to at most 1, which makes those differences cap
// each class's confidence.
type rangeProbe struct {
	k     int
	pairs bool
	logs  []float64
	gap   []float32
	// rose is, per pair, the image count when its gap last rose by
	// stallLogOdds or more over ref, the gap at that time.
	rose   []int64
	ref    []float32
	images int64
	// overOne is set once a row summed to more than 1 (sigmoid scores):
	// then no pair bounds a class.
	overOne bool
}

func newRangeProbe(k int) *rangeProbe {
	p := &rangeProbe{k: k, pairs: k <= probePairsMax}
	if p.pairs {
		p.logs = make([]float64, k)
		p.gap = make([]float32, k*k)
		p.ref = make([]float32, k*k)
		p.rose = make([]int64, k*k)
		for i := range p.gap {
			p.gap[i] = float32(math.Inf(-1))
			p.ref[i] = p.gap[i]
		}
	}
	return p
}

// smallest is the least positive float32 confidence, so that a zero
// confidence still has a finite logarithm.
const smallest = 1e-45

// observe records one image's confidences.
func (p *rangeProbe) observe(row []float32) {
	p.images++
	if !p.pairs {
		return
	}
	var total float64
	for j, v := range row {
		total += float64(v)
		p.logs[j] = math.Log(max(float64(v), smallest))
	}
	if total > 1+1e-3 {
		p.overOne = true
	}
	k := p.k
	for c := range k {
		lc, g := p.logs[c], p.gap[c*k:(c+1)*k]
		for j, lj := range p.logs {
			if d := float32(lc - lj); d > g[j] {
				g[j] = d
				if i := c*k + j; d >= p.ref[i]+stallLogOdds {
					p.ref[i], p.rose[i] = d, p.images
				}
			}
		}
	}
}

// judge returns why class c, not fooled, looks unreachable, or nil: best is
// its best confidence, history its improvements, evals the run's
// evaluations and threshold the goal.
func (p *rangeProbe) judge(c int, best float64, history []Point, evals int64, threshold float64) *Unreachable {
	if p.images < probeMinImages || best >= threshold {
		return nil
	}
	still := stalled(best, history, evals)
	if best < deadConfidence && still {
		return &Unreachable{Kind: UnreachableDead, Ceiling: best, Partner: -1, Images: p.images}
	}
	if !p.pairs || p.overOne {
		return nil
	}
	// For softmax outputs p_c = 1/(1 + Σ_j exp(z_j - z_c)), and
	// z_j - z_c >= -gap[c][j] in every image seen.
	k := p.k
	g := p.gap[c*k : (c+1)*k]
	sum, partner := 0.0, -1
	for j, d := range g {
		if j == c {
			continue
		}
		sum += math.Exp(-float64(d))
		if partner < 0 || d < g[partner] {
			partner = j
		}
	}
	ceiling := 1 / (1 + sum)
	if partner < 0 || logOdds(threshold)-logOdds(ceiling) < farLogOdds || logOdds(ceiling)-logOdds(best) > atCeilingLogOdds {
		return nil
	}
	// A class still creeping up to a ceiling that has not moved in the
	// second half of the run is stopped by it all the same.
	if !still && p.rose[c*k+partner] > p.images/2 {
		return nil
	}
	return &Unreachable{Kind: UnreachableBounded, Ceiling: ceiling, Partner: partner, PartnerGap: float64(g[partner]), Images: p.images}
}

// stalled reports whether a class's best confidence rose by less than
// stallLogOdds over the second half of the run's evaluations.
func stalled(best float64, history []Point, evals int64) bool {
	half := 0.0
	for _, pt := range history {
		if pt.Evaluations > evals/2 {
			break
		}
		half = pt.Confidence
	}
	return logOdds(best)-logOdds(half) < stallLogOdds
}

// logOdds is log(p/(1-p)), finite for p in [0, 1].
func logOdds(p float64) float64 {
	p = min(max(p, 1e-300), 1-1e-16)
	return math.Log(p) - math.Log1p(-p)
}
