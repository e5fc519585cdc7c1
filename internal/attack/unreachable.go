package attack

import (
	"math"
)

// Kinds of Unreachable.
const (
	// UnreachableDead: no image the search scored gave the class more
	// than a trace of confidence.
	UnreachableDead = "dead"
	// UnreachableBounded: the class's confidence never rose far enough
	// above the other classes' for the softmax to reach the threshold,
	// and the class's best image sits at that ceiling.
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
	// scored images show; for UnreachableDead, the best confidence.
	Ceiling float64
	// Basis tells which bound set Ceiling, for UnreachableBounded:
	//   - BasisRank: the log-confidences of every scored image lie in an
	//     affine space of Rank dimensions, fewer than K-1 (a linear
	//     bottleneck before the softmax), and over that whole space the
	//     class's softmax never exceeds Ceiling, whatever the input;
	//   - BasisLead: the class's confidence never exceeded the strongest
	//     other class's in the same image by more than the factor
	//     exp(PartnerGap), Partner being that class where it came closest;
	//   - BasisPair: it never exceeded Partner's by more than
	//     exp(PartnerGap) in any image, and the largest such ratios to
	//     every class cap its softmax.
	Basis string
	// Rank is the dimension of the log-confidences' space, for BasisRank.
	Rank int
	// Partner is the class that bounds it, for UnreachableBounded; -1
	// otherwise.
	Partner int
	// PartnerGap is the logarithm of that largest ratio.
	PartnerGap float64
	// Images is how many images the evidence comes from.
	Images int64
}

// Bases of an UnreachableBounded ceiling.
const (
	BasisRank = "rank"
	BasisLead = "lead"
	BasisPair = "pair"
)

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
// model's outputs: for each class the largest ratio of its confidence to the
// strongest other class's, and for each pair of classes the largest ratio
// of their confidences (the exponential of their logits' difference, for
// softmax outputs); and whether every row summed to at most 1, which makes
// those ratios cap each class's confidence.
type rangeProbe struct {
	k      int
	images int64
	// lead is, per class, the largest log-ratio of its confidence to the
	// strongest other class's in one image, and leadBy that class.
	lead   []float64
	leadBy []int32
	// gap is, per pair (c, j) when pairs is set, the largest log-ratio of
	// c's confidence to j's.
	pairs bool
	logs  []float64
	gap   []float32
	// rose is, per class and then per pair, the image count when its lead
	// or gap last rose by stallLogOdds or more over ref, the value at that
	// time.
	rose []int64
	ref  []float64
	// sumY and sumYY are the sums of y and y·yᵀ over the nY images whose
	// confidences are all above minMoment, where y is the image's
	// log-confidences less their mean: the logits less theirs, for
	// softmax outputs.
	sumY, sumYY []float64
	nY          int64
	// basis and mean are span's result, computed once spanDone.
	basis    [][]float64
	mean     []float64
	spanDone bool
	// overOne is set once a row summed to more than 1 (sigmoid scores):
	// then no ratio bounds a class.
	overOne bool
}

func newRangeProbe(k int) *rangeProbe {
	p := &rangeProbe{k: k, pairs: k <= probePairsMax, lead: make([]float64, k), leadBy: make([]int32, k)}
	n := k
	if p.pairs {
		p.logs = make([]float64, k)
		p.gap = make([]float32, k*k)
		for i := range p.gap {
			p.gap[i] = float32(math.Inf(-1))
		}
		n += k * k
	}
	if p.pairs {
		p.sumY, p.sumYY = make([]float64, k), make([]float64, k*k)
	}
	p.rose, p.ref = make([]int64, n), make([]float64, n)
	for i := range p.ref {
		p.ref[i] = math.Inf(-1)
	}
	for i := range p.lead {
		p.lead[i], p.leadBy[i] = math.Inf(-1), -1
	}
	return p
}

// smallest is the least positive float32 confidence, so that a zero
// confidence still has a finite logarithm.
const smallest = 1e-45

// raise records value v of quantity i (a class's lead, or a pair's gap)
// when it rose by stallLogOdds or more.
func (p *rangeProbe) raise(i int, v float64) {
	if v >= p.ref[i]+stallLogOdds {
		p.ref[i], p.rose[i] = v, p.images
	}
}

// observe records one image's confidences.
func (p *rangeProbe) observe(row []float32) {
	p.images++
	var total float64
	top, second := -1, -1
	for j, v := range row {
		total += float64(v)
		switch {
		case top < 0 || v > row[top]:
			top, second = j, top
		case second < 0 || v > row[second]:
			second = j
		}
	}
	if total > 1+1e-3 {
		p.overOne = true
	}
	if second < 0 {
		return
	}
	for c, v := range row {
		by := top
		if c == top {
			by = second
		}
		if d := math.Log(max(float64(v), smallest)) - math.Log(max(float64(row[by]), smallest)); d > p.lead[c] {
			p.lead[c], p.leadBy[c] = d, int32(by)
			p.raise(c, d)
		}
	}
	if !p.pairs {
		return
	}
	for j, v := range row {
		p.logs[j] = math.Log(max(float64(v), smallest))
	}
	k := p.k
	p.moments(row)
	for c := range k {
		lc, g := p.logs[c], p.gap[c*k:(c+1)*k]
		for j, lj := range p.logs {
			if d := float32(lc - lj); d > g[j] {
				g[j] = d
				p.raise(k+c*k+j, float64(d))
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
	if p.overOne || p.k < 2 {
		return nil
	}
	// For outputs that sum to at most 1, p_c <= p_c/(p_c + p_j) for any
	// other class j, and p_c/p_j <= exp(lead) for the strongest j of
	// every image seen, so p_c <= 1/(1 + exp(-lead)).
	if r := p.rankBound(c, threshold); r != nil {
		return r
	}
	u := &Unreachable{Kind: UnreachableBounded, Basis: BasisLead, Ceiling: 1 / (1 + math.Exp(-p.lead[c])), Partner: int(p.leadBy[c]), PartnerGap: p.lead[c], Images: p.images}
	rose := p.rose[c]
	if p.pairs {
		// For softmax outputs p_c = 1/(1 + Σ_j exp(z_j - z_c)), and
		// z_j - z_c >= -gap[c][j] in every image seen: a tighter cap
		// when one class ties with c.
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
		if ceiling := 1 / (1 + sum); ceiling < u.Ceiling {
			u.Ceiling, u.Partner, u.PartnerGap, u.Basis = ceiling, partner, float64(g[partner]), BasisPair
			rose = p.rose[k+c*k+partner]
		}
	}
	if u.Partner < 0 || logOdds(threshold)-logOdds(u.Ceiling) < farLogOdds || logOdds(u.Ceiling)-logOdds(best) > atCeilingLogOdds {
		return nil
	}
	// A class still creeping up to a ceiling that has not moved in the
	// second half of the run is stopped by it all the same.
	if !still && rose > p.images/2 {
		return nil
	}
	return u
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

// minMoment is the least confidence of a row that enters the moments: the
// logarithm of an underflowed softmax is no longer its logit.
const minMoment = 1e-30

// moments adds the row's centred log-confidences, in p.logs, to the sums.
func (p *rangeProbe) moments(row []float32) {
	var mean float64
	for j, v := range row {
		if v < minMoment {
			return
		}
		mean += p.logs[j]
	}
	mean /= float64(p.k)
	k := p.k
	p.nY++
	for i := range k {
		yi := p.logs[i] - mean
		p.sumY[i] += yi
		row := p.sumYY[i*k : (i+1)*k]
		for j := range k {
			row[j] += yi * (p.logs[j] - mean)
		}
	}
}

// rankBound returns class c's bound when the centred log-confidences of the
// scored images span fewer than K-1 dimensions: every input's logits then
// lie in that affine space (the span of a linear layer narrower than K-1
// that feeds the softmax), and the class's softmax over the whole space,
// a concave maximisation, bounds it for any input. It returns nil when the
// space is full, the bound is not below the threshold, or the maximisation
// does not settle.
func (p *rangeProbe) rankBound(c int, threshold float64) *Unreachable {
	if !p.pairs || p.nY < probeMinImages {
		return nil
	}
	if !p.spanDone {
		p.basis, p.mean = p.span()
		p.spanDone = true
	}
	basis, mean := p.basis, p.mean
	r := len(basis)
	if r == 0 || r >= p.k-1 {
		return nil
	}
	k := p.k
	a := make([]float64, r)
	y := make([]float64, k)
	at := func(a []float64) {
		copy(y, mean)
		for d, v := range basis {
			for j := range k {
				y[j] += a[d] * v[j]
			}
		}
	}
	// f is the class's log-odds at a; q the other classes' softmax.
	q := make([]float64, k)
	f := func(a []float64) float64 {
		at(a)
		mx := math.Inf(-1)
		for j, v := range y {
			if j != c {
				mx = max(mx, v)
			}
		}
		var s float64
		for j, v := range y {
			q[j] = 0
			if j != c {
				q[j] = math.Exp(v - mx)
				s += q[j]
			}
		}
		for j := range q {
			q[j] /= s
		}
		return y[c] - mx - math.Log(s)
	}
	goal := logOdds(threshold)
	cur, step := f(a), 1.0
	g, next := make([]float64, r), make([]float64, r)
	for range 5000 {
		if cur >= goal {
			return nil
		}
		var norm float64
		for d, v := range basis {
			g[d] = v[c]
			for j := range k {
				g[d] -= q[j] * v[j]
			}
			norm += g[d] * g[d]
		}
		if math.Sqrt(norm) < 1e-9 {
			ceiling := 1 / (1 + math.Exp(-cur))
			if ceiling >= threshold {
				return nil
			}
			return &Unreachable{Kind: UnreachableBounded, Basis: BasisRank, Rank: r, Ceiling: ceiling, Partner: -1, Images: p.images}
		}
		for {
			for d := range a {
				next[d] = a[d] + step*g[d]
			}
			if v := f(next); v > cur {
				cur = v
				copy(a, next)
				step *= 2
				break
			}
			if step /= 2; step < 1e-12 {
				// Converged as far as float64 can tell.
				ceiling := 1 / (1 + math.Exp(-cur))
				if ceiling >= threshold {
					return nil
				}
				return &Unreachable{Kind: UnreachableBounded, Basis: BasisRank, Rank: r, Ceiling: ceiling, Partner: -1, Images: p.images}
			}
		}
		// f recomputed q at next; keep it in step with a.
		f(a)
	}
	return nil
}

// span returns an orthonormal basis of the centred log-confidences' space
// and their mean: the eigenvectors of their covariance whose eigenvalues
// rise above rounding (float32 confidences keep logarithms to about 1e-7).
func (p *rangeProbe) span() (basis [][]float64, mean []float64) {
	k, n := p.k, float64(p.nY)
	mean = make([]float64, k)
	for i := range k {
		mean[i] = p.sumY[i] / n
	}
	cov := make([]float64, k*k)
	for i := range k {
		for j := range k {
			cov[i*k+j] = p.sumYY[i*k+j]/n - mean[i]*mean[j]
		}
	}
	vals, vecs := jacobiEigen(cov, k)
	top := 0.0
	for _, v := range vals {
		top = max(top, v)
	}
	for i, v := range vals {
		if v > 1e-9*top && v > 1e-10 {
			basis = append(basis, vecs[i])
		}
	}
	return basis, mean
}

// jacobiEigen returns the eigenvalues and eigenvectors of the symmetric n×n
// matrix a (row-major; destroyed) by cyclic Jacobi rotations, ample for the
// few dozen classes the analysis covers.
func jacobiEigen(a []float64, n int) ([]float64, [][]float64) {
	v := make([]float64, n*n)
	for i := range n {
		v[i*n+i] = 1
	}
	for range 100 {
		var off float64
		for i := range n {
			for j := i + 1; j < n; j++ {
				off += a[i*n+j] * a[i*n+j]
			}
		}
		if off < 1e-30 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				cs := 1 / math.Sqrt(t*t+1)
				sn := t * cs
				for k := range n {
					akp, akq := a[k*n+p], a[k*n+q]
					a[k*n+p], a[k*n+q] = cs*akp-sn*akq, sn*akp+cs*akq
				}
				for k := range n {
					apk, aqk := a[p*n+k], a[q*n+k]
					a[p*n+k], a[q*n+k] = cs*apk-sn*aqk, sn*apk+cs*aqk
				}
				for k := range n {
					vkp, vkq := v[k*n+p], v[k*n+q]
					v[k*n+p], v[k*n+q] = cs*vkp-sn*vkq, sn*vkp+cs*vkq
				}
			}
		}
	}
	vals := make([]float64, n)
	vecs := make([][]float64, n)
	for i := range n {
		vals[i] = a[i*n+i]
		vecs[i] = make([]float64, n)
		for k := range n {
			vecs[i][k] = v[k*n+i]
		}
	}
	return vals, vecs
}
