package attack

import (
	"math"
)

// Kinds of Unreachable.
const (
	// UnreachableDead: no image the search scored gave the class more
	// than a trace of confidence (but more than none), and it stopped
	// rising.
	UnreachableDead = "dead"
	// UnreachableBounded: the model's outputs vary in fewer dimensions
	// than its classes allow, and nowhere in that space does the class's
	// softmax reach the threshold.
	UnreachableBounded = "bounded"
)

// Unreachable says why a class that was not fooled looks impossible to fool
// on this model, from the outputs of the images the search scored.
//
// For UnreachableBounded the centred log-confidences of every scored image
// (the logits less their mean, for softmax outputs) span Rank dimensions,
// fewer than K-1: a linear layer narrower than the classes feeds the
// softmax, so every input's logits lie in that affine space, and over the
// whole space the class's softmax never exceeds Ceiling. That holds for any
// input, provided the scored images spanned the space. UnreachableDead is
// weaker evidence: no scored image gave the class more than Ceiling.
//
// Bounds from the largest observed ratios of a class's confidence to the
// other classes' were tried and dropped: a search stuck at a local optimum
// sees ratios that are local too: on a model where one seed of five fooled
// a class within 13,045 evaluations, three of the other four marked it.
type Unreachable struct {
	// Kind is UnreachableDead or UnreachableBounded.
	Kind string
	// Ceiling is the highest confidence the class can have, for
	// UnreachableBounded; its best confidence, for UnreachableDead.
	Ceiling float64
	// Rank is the dimension of the outputs' space, for
	// UnreachableBounded.
	Rank int
	// Images is how many images the evidence comes from.
	Images int64
}

// Limits of the unreachable-class analysis.
const (
	// probePairsMax is the most classes whose outputs' covariance is
	// kept: K² operations per image, a few microseconds at 64 classes.
	// Larger models get only the dead-class check.
	probePairsMax = 64
	// probeMinImages is the fewest scored images from which a class is
	// judged.
	probeMinImages = 2000
	// deadConfidence is the best confidence below which a class counts as
	// dead, on a model of at most deadShare/deadConfidence classes.
	deadConfidence = 1e-4
	// deadShare is the fraction of the even share 1/K below which a class
	// counts as dead on a model of more classes: there 1e-4 is near or
	// above 1/K (4.6e-5 with 21,843 classes), the confidence of an output
	// that is merely unsure, not dead. A tenth is what deadConfidence is
	// of 1/K at 1000 classes, the most it was measured on.
	deadShare = 0.1
	// stallLogOdds is the rise in log-odds over the second half of the
	// run below which a class counts as no longer improving.
	stallLogOdds = 0.05
)

// rangeProbe records, from every scored image, what the unreachable-class
// analysis needs: the first two moments of the centred log-confidences,
// and whether every row summed to at most 1 (softmax outputs).
type rangeProbe struct {
	k      int
	images int64
	// moments is set when the model has at most probePairsMax classes.
	moments bool
	// patterns is set when the search scores CPPN images. On a model of
	// many classes, direct images (patches and noise) leave most classes
	// near nothing: on a float MobileNetV2, 30,000 of them left nine
	// classes under 1e-4 that a short pattern search raised to 0.002 to
	// 0.047. There, only a search that scored patterns judges a class
	// dead.
	patterns bool
	logs     []float64
	// targets is how many classes the search had to try: after fewer
	// evaluations than these, most were never tried, and none is judged
	// (the gate's rule of one evaluation per target class).
	targets int
	// sumY and sumYY are the sums of y and y·yᵀ over the nY images whose
	// confidences are all above minMoment, where y is the image's
	// log-confidences less their mean.
	sumY, sumYY []float64
	nY          int64
	// basis and mean are span's result, computed once spanDone.
	basis    [][]float64
	mean     []float64
	spanDone bool
	// overOne is set once a row summed to more than 1 (sigmoid scores):
	// then log-confidences are not logits.
	overOne bool
}

func newRangeProbe(k, targets int, patterns bool) *rangeProbe {
	p := &rangeProbe{k: k, targets: targets, moments: k <= probePairsMax, patterns: patterns}
	if p.moments {
		p.logs = make([]float64, k)
		p.sumY, p.sumYY = make([]float64, k), make([]float64, k*k)
	}
	return p
}

// observe records one image's confidences.
func (p *rangeProbe) observe(row []float32) {
	p.images++
	if !p.moments {
		return
	}
	var total float64
	for _, v := range row {
		total += float64(v)
	}
	if total > 1+1e-3 {
		p.overOne = true
	}
	// The outputs' space is fixed, so a sample of the images spans it:
	// every image at first, then one in momentEvery. Over 200,000 images
	// that costs about 60 ns per image with 10 classes and 300 ns with 64
	// (BenchmarkRangeProbe), against 14 µs per image for the smallest
	// MNIST model measured here.
	if p.images > momentAll && p.images%momentEvery != 0 {
		return
	}
	for j, v := range row {
		p.logs[j] = math.Log(max(float64(v), 1e-45))
	}
	p.addMoments(row)
}

// momentAll images enter the moments, and after them one in momentEvery.
const (
	momentAll   = 4096
	momentEvery = 16
)

// judge returns why class c, not fooled, looks unreachable, or nil: best is
// its best confidence, history its improvements, evals the run's
// evaluations and threshold the goal.
func (p *rangeProbe) judge(c int, best float64, history []Point, evals int64, threshold float64) *Unreachable {
	if p.images < max(probeMinImages, int64(p.targets)) || best >= threshold {
		return nil
	}
	// A best of exactly 0 is no evidence: a softmax underflows to 0 once
	// a class trails the leader by about 104 in logits, which says nothing
	// about how far a search could raise it. On a model whose logits span
	// 10^5, the paper's search left 8 classes at 0 in 100,000 evaluations,
	// all of which the default search then fooled.
	if best > 0 && best < p.deadBelow() && stalled(best, history, evals) && (p.moments || p.patterns) {
		return &Unreachable{Kind: UnreachableDead, Ceiling: best, Images: p.images}
	}
	if p.overOne || p.k < 3 {
		return nil
	}
	return p.rankBound(c, threshold)
}

// deadBelow is the best confidence below which a class counts as dead:
// deadConfidence, or deadShare of the even share 1/K on a model of more
// classes.
func (p *rangeProbe) deadBelow() float64 {
	return min(deadConfidence, deadShare/float64(p.k))
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

// addMoments adds the row's centred log-confidences, in p.logs, to the
// sums.
func (p *rangeProbe) addMoments(row []float32) {
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
	if !p.moments || p.nY < probeMinImages {
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
			return &Unreachable{Kind: UnreachableBounded, Rank: r, Ceiling: ceiling, Images: p.images}
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
				return &Unreachable{Kind: UnreachableBounded, Rank: r, Ceiling: ceiling, Images: p.images}
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
