// Package ceiling reads from a classifier's graph the highest confidence each
// class can reach, whatever the input, when the class scores are an affine
// map (Gemm, MatMul and Add, or a 1×1 Conv on a 1×1 map) of a bounded
// layer: a Tanh, Sigmoid, HardSigmoid, Softsign, Clip, or a clamp by Min
// and Max with constants (as converters from TensorFlow write one),
// possibly followed by pooling, ReLU and reshapes; float casts after the
// scores, and clamps of the scores that never bind, are allowed. Every
// value of such a layer lies in a box [Lo, Hi], and over
// that box the class's confidence has a maximum that the layer's weights
// determine. A class whose maximum lies below the threshold cannot be
// fooled, however long the search runs.
//
// The head of transformer classifiers is read too: a layer normalization
// (the LayerNormalization operator, or the ReduceMean, Sub, Pow, Sqrt and
// Div that exporters write for it) and its scale and shift, possibly
// averaged over tokens or with one token selected, then the Gemm or MatMul
// (see norm.go). Each normalized vector has mean 0 and a norm below √H,
// and so has every average of them: over that set, too, a class's
// confidence has a maximum the weights determine.
//
// The search itself stays black-box: this reads the model file only to
// explain, in the reports, why a class was not fooled.
package ceiling

import (
	"fmt"
	"math"

	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// Applied says what the classifier does to the model's output to get
// confidences.
type Applied int

const (
	// AsIs: the output's values are the confidences (probabilities or
	// sigmoid scores).
	AsIs Applied = iota
	// SoftmaxApplied: the classifier applies a softmax (logits).
	SoftmaxApplied
	// SigmoidApplied: the classifier applies a sigmoid to each class's
	// value (logits of independent classes).
	SigmoidApplied
)

// scores is how the confidences follow from z, the affine map's output.
type scores int

const (
	softmaxOf scores = iota // softmax(z)
	sigmoidOf               // sigmoid(z_c)
	rawOf                   // z_c as it is
)

// maxWeights bounds the affine map's weights that Find decodes (64 MiB of
// float32): ImageNet classifiers have a few million.
const maxWeights = 16 << 20

// Layer is a bounded layer and the affine map from it to the class scores.
type Layer struct {
	// Op is the bounded operator; for a box, each of its H values lies
	// in [Lo, Hi] by the time it reaches the affine map.
	Op     string
	Lo, Hi float64
	// Radius is, for a layer normalization, the most that the norm of a
	// normalized vector can be (√H, and a margin for float rounding),
	// whose values have mean 0; the box is then unused, and w and b hold
	// the affine map of the normalized vector, the normalization's scale
	// and shift folded in. 0 for a box.
	Radius float64
	// normErrs are, for a layer normalization, how far float32 can move
	// each score from the exact map of the ball (see normalized).
	normErrs []float64
	// K is the number of classes, H the affine map's input size.
	K, H   int
	w      []float32 // K×H, row-major: z = w·h + b
	b      []float64
	scores scores
	// gemm says the affine map is a Gemm, whose output is always [N, K].
	gemm bool
	// conv says the affine map is a 1×1 Conv.
	conv bool
	// clampLo and clampHi are the constant clamps of the scores, which
	// must not bind anywhere in the box (±Inf for none).
	clampLo, clampHi float64
	// castRel and castAbs bound what the float casts after the scores
	// can add to a confidence by rounding: castRel times its magnitude,
	// plus castAbs.
	castRel, castAbs float64
}

// castRounding is, for each float element type of ONNX (TensorProto's
// numbering) that a Cast may convert the scores to, the most its rounding
// to nearest can change a value relative to the value's magnitude: half
// a unit in the last place, less than 2^-p for p significand bits. A cast
// to double changes nothing that float32 arithmetic computed.
var castRounding = map[int64]float64{
	onnxcheck.TypeFloat:    0x1p-24,
	onnxcheck.TypeFloat16:  0x1p-11,
	onnxcheck.TypeBFloat16: 0x1p-8,
	onnxcheck.TypeDouble:   0,
}

// castAbsolute covers the subnormals of every float type in castRounding,
// whose spacing float16's 2^-24 bounds.
const castAbsolute = 0x1p-24

// skipCasts follows the output back through copies and float casts, as
// float16 exports and their float32 wrappers add them, and records what
// the casts' rounding may add to the scores. A cast to any other type
// ends the walk, and Find then finds no layer.
func (l *Layer) skipCasts(m *onnxcheck.Model, value string) string {
	for range 64 {
		value = skip(m, value, passThrough)
		n := m.Producer(value)
		if n == nil || n.Op != "Cast" || len(n.Inputs) == 0 {
			return value
		}
		to, _ := n.Int("to")
		rel, ok := castRounding[to]
		if !ok {
			return value
		}
		l.castRel = (1+l.castRel)*(1+rel) - 1
		l.castAbs = l.castAbs*(1+rel) + castAbsolute
		value = n.Inputs[0]
	}
	return value
}

// passThrough are operators that move values without changing them.
var passThrough = map[string]bool{
	"Identity": true, "Reshape": true, "Flatten": true, "Squeeze": true,
	"Unsqueeze": true, "Dropout": true,
}

// Find returns the bounded layer whose affine map computes the class
// scores of output, a model output of k classes, or nil when the graph does
// not end that way or its weights cannot be read (external data, another
// type, too many).
func Find(m *onnxcheck.Model, output string, k int, applied Applied) *Layer {
	if m == nil || k < 1 {
		return nil
	}
	l := &Layer{K: k, clampLo: math.Inf(-1), clampHi: math.Inf(1)}
	name := l.skipCasts(m, output)
	n := m.Producer(name)
	// An explicit axis 1 is the class axis only of a [N, K] value, which
	// a Gemm always gives and a MatMul of a higher-rank input does not.
	axis1 := false
	if n != nil && (n.Op == "Softmax" || n.Op == "LogSoftmax") {
		a, ok := n.Int("axis")
		axis1 = ok && a == 1
	}
	switch {
	case applied == AsIs && n != nil && n.Op == "Softmax" && classAxis(n):
		l.scores, name = softmaxOf, n.Inputs[0]
	case applied == AsIs && n != nil && n.Op == "Sigmoid":
		l.scores, name = sigmoidOf, n.Inputs[0]
	case applied == SoftmaxApplied && n != nil && n.Op == "LogSoftmax" && classAxis(n):
		l.scores, name = softmaxOf, n.Inputs[0]
	case applied == SoftmaxApplied:
		l.scores = softmaxOf
	case applied == SigmoidApplied:
		l.scores = sigmoidOf
	default:
		l.scores = rawOf
	}
	softmaxNode := n != nil && (n.Op == "Softmax" || n.Op == "LogSoftmax")
	name, reshaped := l.tail(m, name)
	h, ok := l.affine(m, name)
	switch {
	case !ok, axis1 && l.scores == softmaxOf && !l.gemm:
		return nil
	case l.conv && softmaxNode:
		// Which axis of the Conv's output a Softmax normalises depends
		// on the reshapes before it.
		return nil
	case reshaped && !l.conv:
		// A reshape between a Gemm or MatMul and the scores could
		// regroup the classes.
		return nil
	}
	// A Conv's weights give K channels at each position, and the output
	// has K values per image (k): every operator between them keeps each
	// image's values, so the Conv's output has one position, where it is
	// the affine map.
	if !l.bound(m, h) && !l.normalized(m, h) {
		return nil
	}
	if !l.clampsIdle() {
		return nil
	}
	return l
}

// reshapes are the operators that may lie between a Conv's output and the
// scores: they regroup values without changing them.
var reshapes = map[string]bool{
	"Reshape": true, "Flatten": true, "Squeeze": true, "Transpose": true,
}

// tail follows value back from the scores to the node that should be the
// affine map, through copies, reshapes and constant clamps (recorded in l),
// and reports whether it passed a reshape.
func (l *Layer) tail(m *onnxcheck.Model, value string) (string, bool) {
	reshaped := false
	for range 64 {
		value = skip(m, value, map[string]bool{"Identity": true, "Dropout": true})
		n := m.Producer(value)
		if n == nil || len(n.Inputs) == 0 {
			return value, reshaped
		}
		if x, c, ok := clampOf(m, n); ok {
			if n.Op == "Min" {
				l.clampHi = min(l.clampHi, c)
			} else {
				l.clampLo = max(l.clampLo, c)
			}
			value = x
			continue
		}
		if !reshapes[n.Op] {
			return value, reshaped
		}
		// The batch must stay first: the classifier reads K values per
		// image of the output.
		if perm, ok := n.Ints("perm"); n.Op == "Transpose" && (!ok || len(perm) == 0 || perm[0] != 0) {
			return value, reshaped
		}
		reshaped = true
		value = n.Inputs[0]
	}
	return value, reshaped
}

// clampOf reports whether n is a Min or Max of one value and one constant
// scalar, and returns the value's name and the constant.
func clampOf(m *onnxcheck.Model, n *onnxcheck.Node) (string, float64, bool) {
	if (n.Op != "Min" && n.Op != "Max") || len(n.Inputs) != 2 {
		return "", 0, false
	}
	for i := range 2 {
		_, v, ok := m.Floats(n.Inputs[i], 1)
		if !ok || len(v) != 1 || math.IsNaN(float64(v[0])) {
			continue
		}
		if _, _, both := m.Floats(n.Inputs[1-i], 1); both {
			return "", 0, false
		}
		return n.Inputs[1-i], float64(v[0]), true
	}
	return "", 0, false
}

// clampsIdle reports whether the clamps of the scores leave every score the
// affine map can give over the box unchanged, so that the ceilings of the
// unclamped map hold. (A clamp that binds could lift a class by cutting its
// rivals down.)
func (l *Layer) clampsIdle() bool {
	if math.IsInf(l.clampLo, -1) && math.IsInf(l.clampHi, 1) {
		return true
	}
	row := make([]float64, l.H)
	for c := range l.K {
		for i, w := range l.w[c*l.H : (c+1)*l.H] {
			row[i] = float64(w)
		}
		// Both sets are symmetric about their centre: the least score
		// is as far below it as the greatest is above.
		centre := l.b[c]
		for _, w := range row {
			centre += w * (l.Lo + l.Hi) / 2
		}
		reach := l.linMax(row, nil) - (centre - l.b[c])
		lo, hi := centre-reach, centre+reach
		// A margin for float32 sums.
		slack := 1e-3 * (1 + max(math.Abs(lo), math.Abs(hi)))
		if lo-slack < l.clampLo || hi+slack > l.clampHi {
			return false
		}
	}
	return true
}

// classAxis reports whether a Softmax or LogSoftmax node n normalises over
// the class axis of a [N, K] value: its default or an explicit 1 or -1.
func classAxis(n *onnxcheck.Node) bool {
	if len(n.Inputs) == 0 {
		return false
	}
	a, ok := n.Int("axis")
	return !ok || a == 1 || a == -1
}

// skip follows value back through the operators in ops.
func skip(m *onnxcheck.Model, value string, ops map[string]bool) string {
	// Each step moves to an earlier node; a crafted cycle ends here.
	for range 64 {
		n := m.Producer(value)
		if n == nil || !ops[n.Op] || len(n.Inputs) == 0 || !copies(n) {
			return value
		}
		value = n.Inputs[0]
	}
	return value
}

// copies reports whether a node among the pass-through operators passes its
// input's values on unchanged: a Dropout given a training_mode input may
// drop and rescale them.
func copies(n *onnxcheck.Node) bool {
	return n.Op != "Dropout" || len(n.Inputs) < 3 || n.Inputs[2] == ""
}

// affine reads the affine map that computes value (Gemm, MatMul and Add, or
// MatMul) into l, and returns the name of its input.
func (l *Layer) affine(m *onnxcheck.Model, value string) (string, bool) {
	n := m.Producer(value)
	if n == nil {
		return "", false
	}
	switch n.Op {
	case "Gemm":
		if len(n.Inputs) < 2 {
			return "", false
		}
		if t, _ := n.Int("transA"); t != 0 {
			return "", false
		}
		transB, _ := n.Int("transB")
		alpha, beta := float32(1), float32(1)
		if v, ok := n.Float("alpha"); ok {
			alpha = v
		}
		if v, ok := n.Float("beta"); ok {
			beta = v
		}
		if !l.weights(m, n.Inputs[1], transB != 0, alpha) {
			return "", false
		}
		l.b = make([]float64, l.K)
		if len(n.Inputs) > 2 && n.Inputs[2] != "" && !l.bias(m, n.Inputs[2], beta) {
			return "", false
		}
		l.gemm = true
		return n.Inputs[0], true
	case "Add":
		if len(n.Inputs) != 2 {
			return "", false
		}
		for i := range 2 {
			mm := m.Producer(skip(m, n.Inputs[1-i], map[string]bool{"Identity": true}))
			if mm == nil || mm.Op != "MatMul" || len(mm.Inputs) != 2 {
				continue
			}
			if !l.weights(m, mm.Inputs[1], false, 1) {
				return "", false
			}
			l.b = make([]float64, l.K)
			if !l.bias(m, n.Inputs[i], 1) {
				return "", false
			}
			return mm.Inputs[0], true
		}
	case "MatMul":
		if len(n.Inputs) != 2 || !l.weights(m, n.Inputs[1], false, 1) {
			return "", false
		}
		l.b = make([]float64, l.K)
		return n.Inputs[0], true
	case "Conv":
		// A 1×1 convolution of one group is the affine map of each
		// position's channels; Find accepts it only where its output is
		// reshaped to [N, K], which leaves one position.
		if len(n.Inputs) < 2 {
			return "", false
		}
		if g, ok := n.Int("group"); ok && g != 1 {
			return "", false
		}
		if ks, ok := n.Ints("kernel_shape"); ok && (len(ks) != 2 || ks[0] != 1 || ks[1] != 1) {
			return "", false
		}
		if pads, ok := n.Ints("pads"); ok {
			for _, p := range pads {
				if p != 0 {
					return "", false
				}
			}
		}
		if ap, ok := n.String("auto_pad"); ok && ap != "" && ap != "NOTSET" && ap != "VALID" {
			return "", false
		}
		dims, _, ok := m.Floats(n.Inputs[1], maxWeights)
		if !ok || len(dims) != 4 || dims[2] != 1 || dims[3] != 1 {
			return "", false
		}
		if !l.weightsOf(m, n.Inputs[1], []int64{dims[0], dims[1]}, true, 1) {
			return "", false
		}
		l.b = make([]float64, l.K)
		if len(n.Inputs) > 2 && n.Inputs[2] != "" && !l.bias(m, n.Inputs[2], 1) {
			return "", false
		}
		l.conv = true
		return n.Inputs[0], true
	}
	return "", false
}

// weights reads the constant matrix value, H×K (K×H when trans), scaled by
// alpha, into l.w as K×H.
func (l *Layer) weights(m *onnxcheck.Model, value string, trans bool, alpha float32) bool {
	return l.weightsOf(m, value, nil, trans, alpha)
}

// weightsOf is weights, reading value's data as a matrix of the given dims
// (nil: its own, which must be a matrix).
func (l *Layer) weightsOf(m *onnxcheck.Model, value string, as []int64, trans bool, alpha float32) bool {
	dims, v, ok := m.Floats(value, maxWeights)
	if as != nil {
		dims = as
	}
	if !ok || len(dims) != 2 || int64(len(v)) != dims[0]*dims[1] {
		return false
	}
	rows, cols := int(dims[0]), int(dims[1])
	h, k := rows, cols
	if trans {
		h, k = cols, rows
	}
	if k != l.K || h < 1 {
		return false
	}
	l.H = h
	l.w = make([]float32, k*h)
	for r := range rows {
		for c := range cols {
			x := alpha * v[r*cols+c]
			if trans {
				l.w[r*h+c] = x
			} else {
				l.w[c*h+r] = x
			}
		}
	}
	for _, x := range l.w {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// bias adds the constant value, scaled by beta, to l.b: one value for every
// class, or one per class ([K], [1, K]).
func (l *Layer) bias(m *onnxcheck.Model, value string, beta float32) bool {
	dims, v, ok := m.Floats(value, l.K)
	if !ok {
		return false
	}
	for _, d := range dims[:max(0, len(dims)-1)] {
		if d != 1 {
			return false
		}
	}
	switch len(v) {
	case 1:
		for i := range l.b {
			l.b[i] += float64(beta * v[0])
		}
	case l.K:
		for i := range l.b {
			l.b[i] += float64(beta * v[i])
		}
	default:
		return false
	}
	for _, x := range l.b {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// bound follows the affine map's input back to a bounded operator, through
// reshapes, pooling and ReLU, and sets l.Op, l.Lo and l.Hi.
func (l *Layer) bound(m *onnxcheck.Model, value string) bool {
	// after lists, nearest the affine map first, what the ops between
	// the bounded operator and the map do to the box.
	var after []func(lo, hi float64) (float64, float64)
	for range 64 {
		n := m.Producer(value)
		if n == nil || len(n.Inputs) == 0 {
			return false
		}
		lo, hi, src := sourceBox(m, n)
		if src {
			for i := len(after) - 1; i >= 0; i-- {
				lo, hi = after[i](lo, hi)
			}
			if !(lo <= hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
				return false
			}
			l.Op, l.Lo, l.Hi = n.Op, lo, hi
			if n.Op == "Min" || n.Op == "Max" {
				l.Op = "Min/Max clamp"
			}
			return true
		}
		switch n.Op {
		case "Identity", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Dropout",
			"GlobalAveragePool", "GlobalMaxPool", "MaxPool", "ReduceMean", "ReduceMax":
			// Copies, means and maxima of values in a box stay in it.
			if !copies(n) {
				return false
			}
		case "AveragePool":
			if p, _ := n.Int("count_include_pad"); p != 0 {
				// Padding counts as zeros in the mean.
				after = append(after, func(lo, hi float64) (float64, float64) { return min(lo, 0), max(hi, 0) })
			}
		case "Relu":
			after = append(after, func(lo, hi float64) (float64, float64) { return max(lo, 0), max(hi, 0) })
		default:
			return false
		}
		value = n.Inputs[0]
	}
	return false
}

// sourceBox returns the box of n's output when n is a bounded operator.
func sourceBox(m *onnxcheck.Model, n *onnxcheck.Node) (lo, hi float64, ok bool) {
	switch n.Op {
	case "Min", "Max":
		lo, hi = clampBox(m, n, 8)
		ok = !math.IsInf(lo, 0) && !math.IsInf(hi, 0)
		return lo, hi, ok
	case "Tanh", "Softsign":
		return -1, 1, true
	case "Sigmoid", "HardSigmoid":
		return 0, 1, true
	case "Clip":
		lo, hi = math.Inf(-1), math.Inf(1)
		if v, ok := n.Float("min"); ok {
			lo = float64(v)
		}
		if v, ok := n.Float("max"); ok {
			hi = float64(v)
		}
		// From opset 11 the bounds are inputs, and scalars.
		for i, p := range []*float64{&lo, &hi} {
			if len(n.Inputs) <= i+1 || n.Inputs[i+1] == "" {
				continue
			}
			_, v, ok := m.Floats(n.Inputs[i+1], 1)
			if !ok || len(v) != 1 {
				return 0, 0, false
			}
			*p = float64(v[0])
		}
		ok = !math.IsInf(lo, 0) && !math.IsInf(hi, 0) && !math.IsNaN(lo) && !math.IsNaN(hi) && lo <= hi
		return lo, hi, ok
	}
	return 0, 0, false
}

// clampBox returns the range of n's output when n is a chain of constant
// clamps (Min, Max) and ReLUs, followed back at most depth nodes: Max(Min(x,
// 1), -1) lies in [-1, 1], Min(Relu(x), 6) in [0, 6]. Ends it cannot bound
// are (-Inf, +Inf).
func clampBox(m *onnxcheck.Model, n *onnxcheck.Node, depth int) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	if n == nil || depth == 0 || len(n.Inputs) == 0 {
		return lo, hi
	}
	if n.Op == "Relu" {
		lo, hi = clampBox(m, m.Producer(n.Inputs[0]), depth-1)
		return max(lo, 0), max(hi, 0)
	}
	x, c, ok := clampOf(m, n)
	if !ok {
		if n.Op == "Min" || n.Op == "Max" {
			return lo, hi
		}
		if l, h, ok := sourceBox(m, n); ok {
			return l, h
		}
		return lo, hi
	}
	lo, hi = clampBox(m, m.Producer(x), depth-1)
	if n.Op == "Min" {
		return min(lo, c), min(hi, c)
	}
	return max(lo, c), max(hi, c)
}

// String says what the layer is, for people.
func (l *Layer) String() string {
	if l.Radius > 0 {
		return fmt.Sprintf("%s layer of %d values, with mean 0 and norm below %s before its scale and shift", l.Op, l.H, num(math.Sqrt(float64(l.H))))
	}
	return fmt.Sprintf("%s layer of %d values in [%s, %s]", l.Op, l.H, num(l.Lo), num(l.Hi))
}

func num(v float64) string { return fmt.Sprintf("%.4g", v) }
