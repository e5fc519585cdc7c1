package ceiling

import (
	"math"
	"slices"

	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// A layer normalization maps each vector x of H values along its last axis
// to γ∘u + β, u = (x − mean(x)) / √(var(x) + ε): u has mean 0 and
// ‖u‖² = H·var/(var + ε) < H, so it lies in the ball of radius √H within
// the hyperplane of mean 0, and that set is convex. The head of a
// transformer classifier averages such vectors over its tokens or selects
// one, both of which stay in the set, and then applies the affine map to
// the class scores: z = W(γ∘u + β) + b = (W·diag γ)u + (Wβ + b), an affine
// map of a vector of the set. Over that set, as over a box, a class's
// log-odds under a softmax are concave and Ceilings bounds them.
//
// float32 computes the normalization inexactly, and a bound must hold for
// what the runtime computes. ONNX Runtime's LayerNormalization (into which
// it fuses the decomposed form too) takes the variance as E[x²] − E[x]² in
// float32, which loses about (H+2)·2⁻²⁴·(4κ² + 2) of var + ε to
// cancellation, where κ is |mean(x)| / √(var + ε), and the mean it
// subtracts is off by about (H+2)·2⁻²⁴·(κ + 1)·√(var + ε). The margins
// below cover vectors with κ up to normKappa. On the two public
// transformers measured (docs/measurements.md), κ stayed below 0.22 over
// 5,000 random inputs and below 1 when a 20,000-evaluation search sought
// to raise it; an input nearly constant along the normalized axis, with
// its mean far from 0, could exceed it, and there float32's variance
// cancels and no bound from the weights alone holds. A bound here assumes
// the normalization that well conditioned.
const normKappa = 8

// maxPoolRounding bounds the relative float32 rounding that averaging over
// tokens and the scale and shift add to each value of the affine map's
// input: a float32 sum of n terms is off by at most about n·2⁻²⁴ times their
// magnitudes, so this covers averages of up to 4096 tokens.
const maxPoolRounding = 0x1p-12

// normalized follows value, the affine map's input, back to a layer
// normalization, through the operators that average its vectors over other
// axes or select some of them, and the reshapes between; it then folds the
// normalization's scale and shift into the affine map read into l and sets
// l.Op, l.Radius and the margins. It reports whether value is such a
// normalization's output.
func (l *Layer) normalized(m *onnxcheck.Model, value string) bool {
	if l.conv {
		// A 1×1 Conv reads the channel axis, which the reshapes below
		// do not keep track of.
		return false
	}
	// chain lists the nodes from the affine map's input back to the
	// normalization's output.
	var chain []*onnxcheck.Node
	for range 64 {
		n := m.Producer(value)
		if n == nil || len(n.Inputs) == 0 || !tokenOps[n.Op] || !copies(n) {
			break
		}
		chain = append(chain, n)
		value = n.Inputs[0]
	}
	slices.Reverse(chain)
	ranks, ok := chainRanks(m, chain, l.gemm)
	if !ok {
		return false
	}
	ln, ok := readNorm(m, value, ranks[0])
	if !ok {
		return false
	}
	if !keepsVectors(m, chain, ranks, ln.width) || (ln.width != 0 && ln.width != l.H) {
		return false
	}
	return l.fold(ln)
}

// tokenOps are the operators that may lie between a normalization and the
// affine map: averages over other axes than the normalized one, selections
// of some of its vectors, and reshapes.
var tokenOps = map[string]bool{
	"Identity": true, "Dropout": true, "ReduceMean": true, "GlobalAveragePool": true,
	"Gather": true, "Slice": true, "Squeeze": true, "Unsqueeze": true,
	"Transpose": true, "Reshape": true, "Flatten": true,
}

// norm is what readNorm found of a layer normalization.
type norm struct {
	// op names the form, for people.
	op string
	// width is the number of values normalized together, where the
	// scale or shift shows it; 0 where neither does.
	width int
	// gamma and beta are the scale and shift: one value, or width.
	gamma, beta []float32
}

// readNorm reads the layer normalization that computes value over its last
// axis: the LayerNormalization operator, or its decomposed form (see
// readDecomposed). rank is the rank of value where known, else -1.
func readNorm(m *onnxcheck.Model, value string, rank int) (norm, bool) {
	n := m.Producer(value)
	if n == nil {
		return norm{}, false
	}
	if n.Op == "LayerNormalization" {
		if len(n.Inputs) < 2 || len(n.Outputs) == 0 || n.Outputs[0] != value {
			return norm{}, false
		}
		// From axis on, every axis is normalized together: only the
		// last one alone gives vectors along one axis.
		if a, ok := n.Int("axis"); ok && a != -1 && (rank < 0 || a != int64(rank-1)) {
			return norm{}, false
		}
		eps := float32(1e-5)
		if v, ok := n.Float("epsilon"); ok {
			eps = v
		}
		if !(eps >= 0) {
			return norm{}, false
		}
		ln := norm{op: "LayerNormalization"}
		var ok bool
		if ln.gamma, ok = affineConst(m, n.Inputs[1], &ln.width); !ok {
			return norm{}, false
		}
		if len(n.Inputs) > 2 && n.Inputs[2] != "" {
			if ln.beta, ok = affineConst(m, n.Inputs[2], &ln.width); !ok {
				return norm{}, false
			}
		}
		return ln, true
	}
	return readDecomposed(m, value, rank)
}

// readDecomposed reads the layer normalization that exporters write without
// the operator: d = x − ReduceMean(x), then d / Sqrt(ReduceMean(d²) + ε)
// (d² a Pow by 2 or d·d, the division a Div or a Mul by a Reciprocal), both
// means over the last axis only, then a Mul by the scale and an Add of the
// shift, either of which may be absent.
func readDecomposed(m *onnxcheck.Model, value string, rank int) (norm, bool) {
	ln := norm{op: "decomposed LayerNormalization"}
	n := m.Producer(value)
	if n != nil && n.Op == "Add" {
		if x, c, ok := constOperand(m, n, &ln.width); ok {
			ln.beta, n = c, m.Producer(x)
		}
	}
	if n != nil && n.Op == "Mul" {
		if x, c, ok := constOperand(m, n, &ln.width); ok {
			ln.gamma, n = c, m.Producer(x)
		}
	}
	if n == nil || len(n.Inputs) != 2 {
		return norm{}, false
	}
	d, s := n.Inputs[0], ""
	switch n.Op {
	case "Div":
		s = n.Inputs[1]
	case "Mul":
		// d · Reciprocal(s), in either order.
		for i := range 2 {
			if r := m.Producer(n.Inputs[i]); r != nil && r.Op == "Reciprocal" && len(r.Inputs) == 1 {
				d, s = n.Inputs[1-i], r.Inputs[0]
				break
			}
		}
	}
	if s == "" {
		return norm{}, false
	}
	// s = Sqrt(var + ε), ε ≥ 0, or Sqrt(var).
	sq := m.Producer(s)
	if sq == nil || sq.Op != "Sqrt" || len(sq.Inputs) != 1 {
		return norm{}, false
	}
	variance := sq.Inputs[0]
	if a := m.Producer(variance); a != nil && a.Op == "Add" {
		x, eps, ok := constOperand(m, a, nil)
		if !ok || len(eps) != 1 || !(eps[0] >= 0) {
			return norm{}, false
		}
		variance = x
	}
	// var = ReduceMean(d²) over the last axis.
	sqd, ok := lastAxisMean(m, variance, rank)
	if !ok {
		return norm{}, false
	}
	p := m.Producer(sqd)
	if p == nil || len(p.Inputs) != 2 || p.Inputs[0] != d {
		return norm{}, false
	}
	switch p.Op {
	case "Pow":
		if !isTwo(m, p.Inputs[1]) {
			return norm{}, false
		}
	case "Mul":
		if p.Inputs[1] != d {
			return norm{}, false
		}
	default:
		return norm{}, false
	}
	// d = x − ReduceMean(x) over the last axis.
	sub := m.Producer(d)
	if sub == nil || sub.Op != "Sub" || len(sub.Inputs) != 2 {
		return norm{}, false
	}
	x, ok := lastAxisMean(m, sub.Inputs[1], rank)
	if !ok || x != sub.Inputs[0] {
		return norm{}, false
	}
	return ln, true
}

// lastAxisMean reports whether value is a ReduceMean over the last axis
// only that keeps it (so that it broadcasts back), of a tensor of rank rank
// (-1 where unknown), and returns its input.
func lastAxisMean(m *onnxcheck.Model, value string, rank int) (string, bool) {
	n := m.Producer(value)
	if n == nil || n.Op != "ReduceMean" || len(n.Inputs) == 0 {
		return "", false
	}
	if k, ok := n.Int("keepdims"); ok && k != 1 {
		return "", false
	}
	axes, ok := intList(m, n, "axes", 1)
	if !ok || len(axes) != 1 || (axes[0] != -1 && (rank < 0 || axes[0] != int64(rank-1))) {
		return "", false
	}
	return n.Inputs[0], true
}

// isTwo reports whether value is a constant 2 (float or integer).
func isTwo(m *onnxcheck.Model, value string) bool {
	if _, v, ok := m.Floats(value, 1); ok {
		return len(v) == 1 && v[0] == 2
	}
	_, v, ok := m.Ints64(value, 1)
	return ok && len(v) == 1 && v[0] == 2
}

// constOperand returns, when one input of the two-input node n is a float
// constant that broadcasts along the last axis only (all but its last
// dimension 1), the other input and the constant's values. Where width is
// not nil, a constant of more than one value sets *width, and must agree
// with a width already set.
func constOperand(m *onnxcheck.Model, n *onnxcheck.Node, width *int) (string, []float32, bool) {
	if len(n.Inputs) != 2 {
		return "", nil, false
	}
	for i := range 2 {
		if _, _, ok := m.Floats(n.Inputs[i], maxWeights); !ok {
			continue
		}
		if _, _, both := m.Floats(n.Inputs[1-i], maxWeights); both {
			return "", nil, false
		}
		c, ok := affineConst(m, n.Inputs[i], width)
		return n.Inputs[1-i], c, ok
	}
	return "", nil, false
}

// affineConst reads a normalization's scale or shift: a float constant that
// broadcasts along the last axis only. A constant of more than one value
// sets *width (where width is not nil), and must agree with a width
// already set.
func affineConst(m *onnxcheck.Model, value string, width *int) ([]float32, bool) {
	dims, v, ok := m.Floats(value, maxWeights)
	if !ok || len(v) == 0 {
		return nil, false
	}
	for _, d := range dims[:max(0, len(dims)-1)] {
		if d != 1 {
			return nil, false
		}
	}
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, false
		}
	}
	if len(v) > 1 && width != nil {
		if *width != 0 && *width != len(v) {
			return nil, false
		}
		*width = len(v)
	}
	return v, true
}

// intList returns n's integer list named attr, or, where n has no such
// attribute, its constant input number input (opset 13 and later move axes
// there). A list that is absent both ways is empty; one given by a value
// that is not a constant is not ok.
func intList(m *onnxcheck.Model, n *onnxcheck.Node, attr string, input int) ([]int64, bool) {
	if v, ok := n.Ints(attr); ok {
		return v, true
	}
	if len(n.Inputs) <= input || n.Inputs[input] == "" {
		return nil, true
	}
	_, v, ok := m.Ints64(n.Inputs[input], 64)
	return v, ok
}

// chainRanks returns the rank of each value along chain: ranks[0] is the
// normalization's output, ranks[i+1] the output of chain[i], -1 where the
// graph does not show it. A Gemm's input has rank 2, a Transpose's
// permutation and a Reshape's constant shape give ranks, and each node's
// rank follows from its neighbour's where the node's constants say how much
// it changes it. Ranks that disagree (a graph that could not run) are not
// ok.
func chainRanks(m *onnxcheck.Model, chain []*onnxcheck.Node, gemm bool) ([]int, bool) {
	ranks := make([]int, len(chain)+1)
	for i := range ranks {
		ranks[i] = -1
	}
	ok := true
	set := func(i, r int) {
		switch {
		case r < 0 || r > 64:
			ok = false
		case ranks[i] < 0:
			ranks[i] = r
		case ranks[i] != r:
			ok = false
		}
	}
	if gemm {
		set(len(chain), 2)
	}
	for i, n := range chain {
		switch n.Op {
		case "Transpose":
			if perm, has := n.Ints("perm"); has {
				set(i, len(perm))
				set(i+1, len(perm))
			}
		case "Reshape":
			if len(n.Inputs) != 2 {
				break
			}
			if dims, has := m.ConstDims(n.Inputs[1]); has && len(dims) == 1 {
				set(i+1, int(dims[0]))
			}
		case "Flatten":
			set(i+1, 2)
		}
	}
	// Each pass carries what is known one node further each way.
	for range len(chain) + 1 {
		for i, n := range chain {
			d, known := rankChange(m, n)
			switch {
			case !known:
			case ranks[i] >= 0:
				set(i+1, ranks[i]+d)
			case ranks[i+1] >= 0:
				set(i, ranks[i+1]-d)
			}
		}
	}
	return ranks, ok
}

// rankChange returns how much n changes its input's rank, where its
// constants show it.
func rankChange(m *onnxcheck.Model, n *onnxcheck.Node) (int, bool) {
	switch n.Op {
	case "Identity", "Dropout", "GlobalAveragePool", "Slice", "Transpose":
		return 0, true
	case "ReduceMean":
		if k, ok := n.Int("keepdims"); ok && k == 0 {
			axes, ok := intList(m, n, "axes", 1)
			return -len(axes), ok && len(axes) > 0
		}
		return 0, true
	case "Gather":
		if len(n.Inputs) != 2 {
			return 0, false
		}
		dims, ok := m.ConstDims(n.Inputs[1])
		return len(dims) - 1, ok
	case "Squeeze", "Unsqueeze":
		axes, ok := intList(m, n, "axes", 1)
		if !ok || len(axes) == 0 {
			return 0, false
		}
		if n.Op == "Squeeze" {
			return -len(axes), true
		}
		return len(axes), true
	}
	return 0, false
}

// keepsVectors reports whether every value along chain, and so the affine
// map's input, holds whole normalized vectors (or averages of them), each
// with its values in their order: along the last axis of the affine map's
// input, or as consecutive runs of width values where width (if known)
// equals the map's input size, as reshapes leave them.
//
// It follows where the normalized axis is, as its distance e from the last
// axis: averages and selections must leave that axis alone, and a
// transpose moves it. A reshape keeps the values' order, so where the
// normalized axis is last, or every axis after it has one value (as a
// global average pool leaves them), whole vectors stay consecutive runs
// through reshapes; the last axis holds whole vectors again where a
// reshape's last dimension is width.
func keepsVectors(m *onnxcheck.Model, chain []*onnxcheck.Node, ranks []int, width int) bool {
	// e is 0: the normalization's axis is the last one; runs: the
	// vectors are consecutive runs, their axis no longer followed; ones:
	// every axis after the normalized one has one value.
	e, runs, ones := 0, false, false
	for i, n := range chain {
		r := ranks[i]
		if runs && !reshapeOps[n.Op] && n.Op != "Identity" && n.Op != "Dropout" {
			return false
		}
		switch n.Op {
		case "Identity", "Dropout":
		case "ReduceMean":
			axes, ok := intList(m, n, "axes", 1)
			if !ok {
				return false
			}
			if len(axes) == 0 {
				// No axes: every axis, unless asked to do nothing.
				if v, _ := n.Int("noop_with_empty_axes"); v != 1 {
					return false
				}
				continue
			}
			offs, ok := offsets(axes, r)
			if !ok || slices.Contains(offs, e) {
				return false
			}
			if k, ok := n.Int("keepdims"); ok && k == 0 {
				e -= countBelow(offs, e)
			} else if countBelow(offs, e) == e {
				ones = true
			}
		case "GlobalAveragePool":
			// It averages every axis after the second, and keeps
			// each with one value.
			if r < 3 || r-1-e != 1 {
				return false
			}
			ones = true
		case "Gather":
			a, _ := n.Int("axis")
			offs, ok := offsets([]int64{a}, r)
			d, known := rankChange(m, n)
			if !ok || !known || offs[0] == e {
				return false
			}
			if offs[0] < e {
				e += d
				// Indices of rank 1 or more add axes of any size.
				ones = ones && d < 0
			}
		case "Slice":
			// A slice of an axis of one value keeps one value, or
			// none.
			axes, ok := sliceAxes(m, n)
			if !ok {
				return false
			}
			if offs, ok := offsets(axes, r); !ok || slices.Contains(offs, e) {
				return false
			}
		case "Squeeze", "Unsqueeze":
			// Either keeps the axes after the normalized one that
			// have more than one value.
			axes, ok := intList(m, n, "axes", 1)
			if !ok {
				return false
			}
			if runs {
				continue
			}
			if len(axes) > 0 {
				if moved, ok := reshapedAxis(n.Op, axes, r, e); ok {
					e = moved
					continue
				}
			}
			// A Squeeze of every axis of one value, or of axes the
			// rank does not place: the values keep their order.
			if e != 0 && !ones {
				return false
			}
			runs, e = true, 0
		case "Reshape", "Flatten":
			if !runs && e != 0 && !ones {
				return false
			}
			runs, e = true, 0
			if n.Op == "Reshape" && width > 0 && len(n.Inputs) == 2 {
				if _, shape, ok := m.Ints64(n.Inputs[1], 64); ok && len(shape) > 0 && shape[len(shape)-1] == int64(width) {
					runs, e = false, 0
				}
			}
		case "Transpose":
			if r < 0 {
				return false
			}
			perm, ok := n.Ints("perm")
			if !ok {
				perm = make([]int64, r)
				for j := range perm {
					perm[j] = int64(r - 1 - j)
				}
			}
			at := slices.Index(perm, int64(r-1-e))
			if len(perm) != r || at < 0 {
				return false
			}
			e, ones = r-1-at, false
		default:
			return false
		}
		ones = ones || e == 0
	}
	// Runs of whole vectors are the affine map's rows only where they are
	// as long as a row.
	return e == 0 && (!runs || width > 0)
}

// reshapeOps are the operators that keep the order of a tensor's values.
var reshapeOps = map[string]bool{"Reshape": true, "Flatten": true, "Squeeze": true, "Unsqueeze": true}

// reshapedAxis returns the normalized axis's distance from the last axis
// after a Squeeze or Unsqueeze of axes on a tensor of rank r (-1 where
// unknown) whose normalized axis is e from the last.
func reshapedAxis(op string, axes []int64, r, e int) (int, bool) {
	if op == "Squeeze" {
		offs, ok := offsets(axes, r)
		if !ok || slices.Contains(offs, e) {
			return 0, false
		}
		return e - countBelow(offs, e), true
	}
	// Unsqueeze's axes are positions in its output.
	out := -1
	if r >= 0 {
		out = r + len(axes)
	}
	offs, ok := offsets(axes, out)
	if !ok {
		return 0, false
	}
	// The normalized axis is the e-th kept axis from the end.
	kept := -1
	for off := 0; ; off++ {
		if off > e+len(axes) {
			return 0, false
		}
		if !slices.Contains(offs, off) {
			kept++
			if kept == e {
				return off, true
			}
		}
	}
}

// sliceAxes returns the axes a Slice cuts: its axes input or attribute, or,
// where it has neither, the first as many as it has starts.
func sliceAxes(m *onnxcheck.Model, n *onnxcheck.Node) ([]int64, bool) {
	if len(n.Inputs) == 1 {
		// Opset 9 and before: attributes.
		if axes, ok := n.Ints("axes"); ok {
			return axes, true
		}
		starts, ok := n.Ints("starts")
		return firstAxes(len(starts)), ok
	}
	if len(n.Inputs) < 3 {
		return nil, false
	}
	if len(n.Inputs) > 3 && n.Inputs[3] != "" {
		_, axes, ok := m.Ints64(n.Inputs[3], 64)
		return axes, ok
	}
	dims, ok := m.ConstDims(n.Inputs[1])
	if !ok || len(dims) != 1 {
		return nil, false
	}
	return firstAxes(int(dims[0])), true
}

func firstAxes(n int) []int64 {
	axes := make([]int64, n)
	for i := range axes {
		axes[i] = int64(i)
	}
	return axes
}

// offsets returns each of axes as its distance from the last axis of a
// tensor of rank r (-1 where unknown: then only negative axes can be
// placed), refusing axes out of range and repeated ones.
func offsets(axes []int64, r int) ([]int, bool) {
	offs := make([]int, len(axes))
	for i, a := range axes {
		switch {
		case a < 0 && (r < 0 || -a <= int64(r)):
			offs[i] = int(-a - 1)
		case a >= 0 && r >= 0 && a < int64(r):
			offs[i] = r - 1 - int(a)
		default:
			return nil, false
		}
		if slices.Contains(offs[:i], offs[i]) {
			return nil, false
		}
	}
	return offs, true
}

// countBelow returns how many of offs are below e: the axes after the
// normalized one.
func countBelow(offs []int, e int) int {
	n := 0
	for _, o := range offs {
		if o < e {
			n++
		}
	}
	return n
}

// fold turns l's affine map of the normalization's output into one of the
// normalized vector u, z = (W·diag γ)u + (Wβ + b), and sets the ball's
// radius and the float32 margins of each score.
func (l *Layer) fold(ln norm) bool {
	at := func(v []float32, i int, none float64) float64 {
		switch len(v) {
		case 0:
			return none
		case 1:
			return float64(v[0])
		}
		return float64(v[i])
	}
	for _, v := range [][]float32{ln.gamma, ln.beta} {
		if len(v) > 1 && len(v) != l.H {
			return false
		}
	}
	h := float64(l.H)
	// The exact set's radius is √H; the margins follow the package's
	// comment on normKappa.
	rounding := (h + 2) * 0x1p-24
	l.Radius = math.Sqrt(h) * (1 + rounding*(4*normKappa*normKappa+2) + 0x1p-21)
	meanTol := 2 * rounding * (normKappa + 1)
	l.normErrs = make([]float64, l.K)
	for j := range l.K {
		row := l.w[j*l.H : (j+1)*l.H]
		var shift, shiftAbs, scaledSq, scaledSum float64
		for i, w := range row {
			g, b := at(ln.gamma, i, 1), at(ln.beta, i, 0)
			shift += float64(w) * b
			shiftAbs += math.Abs(float64(w) * b)
			scaledSq += float64(w) * g * float64(w) * g
			scaledSum += float64(w) * g
			row[i] = float32(float64(w) * g)
		}
		scaled := math.Sqrt(scaledSq)
		// The float32 Gemm and the averages' and the scale's rounding
		// act on values of magnitude |b| + Σ|w·β| + ‖w∘γ‖·‖u‖; a mean
		// of u off 0 by meanTol moves the score by meanTol·Σ w·γ; the
		// folded weights' own rounding by 2⁻²⁴·‖w∘γ‖·‖u‖.
		norm := l.Radius + meanTol*math.Sqrt(h)
		mag := math.Abs(l.b[j]) + shiftAbs + scaled*norm
		l.normErrs[j] = (rounding+maxPoolRounding)*mag + meanTol*math.Abs(scaledSum) + 0x1p-23*scaled*norm + 1e-6
		l.b[j] += shift
		if math.IsNaN(l.normErrs[j]) || math.IsInf(l.normErrs[j], 0) || math.IsInf(l.b[j], 0) {
			return false
		}
	}
	for _, w := range l.w {
		if math.IsInf(float64(w), 0) {
			return false
		}
	}
	l.Op = ln.op
	return true
}
