package ceiling

import "math"

// Work bounds the multiply-adds one call of Ceilings spends on ascents, a
// few tenths of a second of one core: each step of a class's ascent costs
// about 3·K·H, so a 1000-class model with a 1280-wide layer (a float
// MobileNetV2, whose ReLU6 is a Clip) gets about 80 steps in all, where a
// 10-class model with a 64-wide layer gets millions. Each class's ascent
// gets an even share of what the classes before it left.
const Work = 1 << 28

// Ceilings returns, for each of classes, an upper bound on the class's
// confidence over every value the layer can take, and so over every input.
// With a softmax the maximum has no closed form; each class's bound comes
// from a projected gradient ascent over the layer's values (the box, or the
// normalized vectors' ball) and the concave function's linear upper bound
// at each step, and the ascent stops once the bound is below goal (the
// class cannot reach it) or one of the values reaches goal (no bound below
// goal exists). A bound at or above goal is therefore only
// an upper bound, not the class's maximum. A goal of 1 or more runs each
// ascent until it converges (or Work runs out).
func (l *Layer) Ceilings(classes []int, goal float64) []float64 {
	out := make([]float64, len(classes))
	// Weights near float32's range can overflow the sums to ±Inf, and
	// Inf - Inf is NaN: such a bound proves nothing.
	defer func() {
		for i, v := range out {
			if math.IsNaN(v) {
				out[i] = math.Inf(1)
			}
			out[i] += math.Abs(out[i])*l.castRel + l.castAbs
		}
	}()
	errs := l.errs()
	if l.scores != softmaxOf {
		for i, c := range classes {
			row := make([]float64, l.H)
			for i, x := range l.w[c*l.H : (c+1)*l.H] {
				row[i] = float64(x)
			}
			z := l.b[c] + l.linMax(row, nil) + errs[c]
			out[i] = z
			if l.scores == sigmoidOf {
				out[i] = sigmoid(z)
			}
		}
		return out
	}
	budget := Work
	s := newSoftmaxBound(l)
	for i, c := range classes {
		u := s.onePass(c)
		if l.K > 1 && (goal >= 1 || sigmoid(u) >= goal) {
			g := math.Inf(1)
			if goal < 1 {
				g = logOdds(goal)
			}
			// An even share of what is left: the first classes'
			// ascents, run to convergence, would otherwise leave the
			// last ones their one-pass bounds.
			var spent int
			u, spent = s.ascend(c, u, g, budget/(len(classes)-i))
			budget -= spent
		}
		// The log-odds move by at most the class's own error and the
		// largest of the others'.
		others := 0.0
		for j, e := range errs {
			if j != c {
				others = max(others, e)
			}
		}
		out[i] = sigmoid(u + errs[c] + others)
	}
	return out
}

// errs returns, for each class j, how far the model's own float32
// arithmetic can move its score z_j from the exact value that the bounds
// are computed for (in float64, from the same float32 weights): a float32
// sum of n terms is off by at most about n·2⁻²⁴ times the sum of the terms'
// magnitudes, here at most |b_j| + Σ_i |w_ji|·max(|Lo|, |Hi|), and the
// runtime sums in an order of its own. A little more covers the rounding
// of the confidence itself.
func (l *Layer) errs() []float64 {
	if l.Radius > 0 {
		return l.normErrs
	}
	e := make([]float64, l.K)
	m := max(math.Abs(l.Lo), math.Abs(l.Hi))
	for j := range e {
		s := math.Abs(l.b[j])
		for _, x := range l.w[j*l.H : (j+1)*l.H] {
			s += math.Abs(float64(x)) * m
		}
		e[j] = float64(l.H+2)*0x1p-24*s + 1e-6
	}
	return e
}

// linMax returns the maximum of v·h over the layer's values, and writes a
// maximising point into at when it is not nil: over the box, a vertex;
// over a normalization's vectors (mean 0, norm at most Radius), Radius
// times the unit vector along v less its mean, as the mean of v adds
// nothing to v·h there.
func (l *Layer) linMax(v []float64, at []float64) float64 {
	if l.Radius > 0 {
		mean, norm := centred(v)
		for i := range at {
			at[i] = 0
			if norm > 0 {
				at[i] = l.Radius * (v[i] - mean) / norm
			}
		}
		return l.Radius * norm
	}
	var s float64
	for i, x := range v {
		e := l.Hi
		if x < 0 {
			e = l.Lo
		}
		s += x * e
		if at != nil {
			at[i] = e
		}
	}
	return s
}

// centred returns the mean of v and the norm of v less its mean.
func centred(v []float64) (mean, norm float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		norm += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(norm)
}

// gap returns the most that g·(x − h) reaches over the layer's values x:
// by concavity, how far above its value at h a function with gradient g
// at h can rise. h need not be one of the values.
func (l *Layer) gap(g, h []float64) float64 {
	if l.Radius > 0 {
		var gh float64
		for i, gi := range g {
			gh += gi * h[i]
		}
		return l.linMax(g, nil) - gh
	}
	gap := 0.0
	for i, gi := range g {
		gap += max(gi*(l.Lo-h[i]), gi*(l.Hi-h[i]))
	}
	return gap
}

// project moves x to the nearest of the layer's values: into the box, or
// onto the mean-zero hyperplane and then into the ball.
func (l *Layer) project(x []float64) {
	if l.Radius == 0 {
		for i := range x {
			x[i] = min(l.Hi, max(l.Lo, x[i]))
		}
		return
	}
	mean, norm := centred(x)
	scale := 1.0
	if norm > l.Radius {
		scale = l.Radius / norm
	}
	for i := range x {
		x[i] = (x[i] - mean) * scale
	}
}

// softmaxBound holds the work space of the softmax bounds of one layer.
type softmaxBound struct {
	l *Layer
	// colSum is Σ_j w_j and bSum Σ_j b_j, for the one-pass bound.
	colSum  []float64
	bSum    float64
	v, h    []float64
	next, g []float64
	z, q    []float64
}

func newSoftmaxBound(l *Layer) *softmaxBound {
	s := &softmaxBound{l: l, colSum: make([]float64, l.H), v: make([]float64, l.H),
		h: make([]float64, l.H), next: make([]float64, l.H), g: make([]float64, l.H),
		z: make([]float64, l.K), q: make([]float64, l.K)}
	for j := range l.K {
		for i, x := range l.w[j*l.H : (j+1)*l.H] {
			s.colSum[i] += float64(x)
		}
		s.bSum += l.b[j]
	}
	return s
}

// onePass returns an upper bound on class c's log-odds from one pass over
// the weights: the log-sum-exp of the other K-1 logits is at least their
// mean plus log(K-1), which leaves a linear function to maximise over the
// layer's values. It also leaves the maximising point in s.h, where the
// ascent starts.
func (s *softmaxBound) onePass(c int) float64 {
	l := s.l
	if l.K == 1 {
		return math.Inf(1)
	}
	n := float64(l.K - 1)
	wc := l.w[c*l.H : (c+1)*l.H]
	for i := range s.v {
		s.v[i] = float64(wc[i]) - (s.colSum[i]-float64(wc[i]))/n
	}
	return l.b[c] - (s.bSum-l.b[c])/n - math.Log(n) + l.linMax(s.v, s.h)
}

// f returns class c's log-odds at h, z_c less the log-sum-exp of the other
// logits, and leaves the other classes' softmax in s.q.
func (s *softmaxBound) f(c int, h []float64) float64 {
	l := s.l
	mx := math.Inf(-1)
	for j := range l.K {
		z := l.b[j]
		for i, x := range l.w[j*l.H : (j+1)*l.H] {
			z += float64(x) * h[i]
		}
		s.z[j] = z
		if j != c {
			mx = max(mx, z)
		}
	}
	var sum float64
	for j, z := range s.z {
		s.q[j] = 0
		if j != c {
			s.q[j] = math.Exp(z - mx)
			sum += s.q[j]
		}
	}
	for j := range s.q {
		s.q[j] /= sum
	}
	return s.z[c] - mx - math.Log(sum)
}

// ascend improves upper, an upper bound on class c's log-odds, by projected
// gradient ascent from s.h over the layer's values, for at most budget
// multiply-adds,
// until the bound is below goal or a point reaches it (goal is in log-odds;
// +Inf ascends until the ascent converges).
// The log-odds are concave in h, so at every point h with gradient g they
// are at most f(h) + max over the values x of g·(x - h): an upper bound that
// meets the maximum where the ascent converges. It returns the least bound
// found, and the multiply-adds spent.
func (s *softmaxBound) ascend(c int, upper, goal float64, budget int) (float64, int) {
	l := s.l
	per := 2 * l.K * l.H
	// The value at the start costs half a step: a share of the budget
	// too small for it and one step leaves the bound as it is, where
	// evaluating it for each of 1000 classes of a wide layer would cost
	// seconds.
	if budget < per+per/2 {
		return upper, 0
	}
	spent := per / 2
	cur := s.f(c, s.h)
	step := 1.0
	for spent+per <= budget && cur < goal && (math.IsInf(goal, 1) || upper >= goal) {
		// Gradient: w_c - Σ_j q_j w_j.
		wc := l.w[c*l.H : (c+1)*l.H]
		for i := range s.g {
			s.g[i] = float64(wc[i])
		}
		for j, qj := range s.q {
			if qj == 0 {
				continue
			}
			for i, x := range l.w[j*l.H : (j+1)*l.H] {
				s.g[i] -= qj * float64(x)
			}
		}
		spent += per
		gap := l.gap(s.g, s.h)
		upper = min(upper, cur+gap)
		if gap < 1e-9 {
			break
		}
		// Backtracking: halve the step until the projected point
		// improves, then try a longer one next time.
		moved := false
		for step > 1e-12 && spent+per/2 <= budget {
			for i := range s.next {
				s.next[i] = s.h[i] + step*s.g[i]
			}
			l.project(s.next)
			v := s.f(c, s.next)
			spent += per / 2
			if v > cur {
				cur, moved = v, true
				s.h, s.next = s.next, s.h
				step *= 2
				break
			}
			step /= 2
		}
		if !moved {
			break
		}
	}
	return upper, spent
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// logOdds is log(p/(1-p)), finite for p in [0, 1].
func logOdds(p float64) float64 {
	p = min(max(p, 1e-300), 1-1e-16)
	return math.Log(p) - math.Log1p(-p)
}
