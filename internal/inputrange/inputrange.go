// Package inputrange reads from a classifier's graph the range of input
// values the model was built for, where the graph states one: a
// QuantizeLinear that quantizes the image input, as int8 exports have it,
// with a scale and zero point calibrated on preprocessed training images.
// Copies, transposes, float casts and affine steps with constants (Mul,
// Div, Add, Sub: normalisation inside the graph) may come first. A
// preprocessing whose values fill little of that range, or overflow it,
// feeds the model inputs unlike those it was calibrated on: the check that
// colour models otherwise lack (package digits covers digit models).
//
// Like package ceiling, it reads the model file only to explain and check
// the run's settings; the search stays black-box.
package inputrange

import (
	"fmt"
	"math"
	"strings"

	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// Range is what the graph says about its input values: the range its
// quantizer represents, or only the scaling it applies first.
type Range struct {
	// Kind says which: Quantizer or Scaling.
	Kind Kind
	// Lo and Hi are, for a Quantizer, the input values per model channel
	// that map to its lowest and highest level.
	Lo, Hi []float64
	// A and B are, for Scaling, the affine map per model channel, A·x + B,
	// that the graph applies to its input before Next, the first operator
	// that is not a copy or an affine step with a constant.
	A, B []float64
	Next string
	// Via names the operators from the input on, the quantizer last:
	// "QuantizeLinear", or "Transpose, Div, QuantizeLinear".
	Via string
}

// Kind is what a Range holds.
type Kind int

const (
	// Quantizer: a QuantizeLinear of the input, whose levels span the
	// values the model was calibrated for.
	Quantizer Kind = iota
	// Scaling: affine steps with constants (a Keras Rescaling layer,
	// normalisation in the graph) and no quantizer. They state no range,
	// but a preprocessing that leaves the first layer values spanning a
	// few thousandths, or hundreds, is far from what the model saw in
	// training (see Plausible).
	Scaling
)

// Layout says how the input holds its channels: Rank axes, the channel
// axis at ChannelAxis (-1 for none: gray images without a channel axis,
// flattened images), Channels of them.
type Layout struct {
	Rank, ChannelAxis, Channels int
}

// maxSteps bounds the walk from the input; each step moves to a later node,
// and a crafted graph cannot make the walk longer.
const maxSteps = 32

// Find returns the range that the graph's first quantizer gives the model
// input named input, or, without a quantizer, the scaling that the graph
// applies first; nil when the graph does not begin with either.
func Find(m *onnxcheck.Model, input string, l Layout) *Range {
	if m == nil || l.Channels < 1 {
		return nil
	}
	// The value at each step is a[c]*x + b[c] for input x of channel c.
	a, b := make([]float64, l.Channels), make([]float64, l.Channels)
	for c := range a {
		a[c] = 1
	}
	rank, axis := l.Rank, l.ChannelAxis
	value := input
	var via []string
	scaled := false
	for range maxSteps {
		cs := m.Consumers(value)
		if len(cs) != 1 || len(cs[0].Outputs) == 0 || len(cs[0].Inputs) == 0 {
			return nil
		}
		n := cs[0]
		via = append(via, n.Op)
		switch n.Op {
		case "Identity":
		case "Cast":
			if to, _ := n.Int("to"); !floatType(to) {
				return nil
			}
		case "Transpose":
			if axis, rank = transposed(n, axis, rank); rank < 0 {
				return nil
			}
		case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
			// Values stay; where the channels are is no longer known.
			axis, rank = -1, -1
		case "Mul", "Div", "Add", "Sub":
			if !affine(m, n, value, a, b, axis, rank) {
				return nil
			}
			scaled = true
		case "QuantizeLinear":
			r := quantizer(m, n, value, a, b)
			if r != nil {
				r.Via = strings.Join(via, ", ")
			}
			return r
		default:
			if !scaled {
				return nil
			}
			return &Range{Kind: Scaling, A: a, B: b, Next: n.Op, Via: strings.Join(via[:len(via)-1], ", ")}
		}
		value = n.Outputs[0]
	}
	return nil
}

// Plausible bounds the values a first layer gets from normalised images:
// every channel's values span from MinSpan to MaxSpan and stay within
// ±MaxValue. Common conventions give spans of 1 ([0, 1]), 2 ([-1, 1]) and
// about 4.5 (ImageNet's statistics); a Keras Rescaling(1/255) layer fed
// pixels in [0, 1] gives 0.004.
const (
	MinSpan  = 0.25
	MaxSpan  = 20
	MaxValue = 30
)

// Values returns what Scaling r makes of input values lo[c]..hi[c]: the
// values the first layer gets, per channel.
func (r *Range) Values(lo, hi []float64) (outLo, outHi []float64) {
	outLo, outHi = make([]float64, len(r.A)), make([]float64, len(r.A))
	for c := range r.A {
		if c >= len(lo) || c >= len(hi) {
			break
		}
		v0, v1 := r.A[c]*lo[c]+r.B[c], r.A[c]*hi[c]+r.B[c]
		outLo[c], outHi[c] = min(v0, v1), max(v0, v1)
	}
	return outLo, outHi
}

// Plausible reports whether first-layer values lo[c]..hi[c] look like
// normalised images (see MinSpan).
func Plausible(lo, hi []float64) bool {
	for c := range lo {
		span := hi[c] - lo[c]
		if !(span >= MinSpan && span <= MaxSpan) || math.Abs(lo[c]) > MaxValue || math.Abs(hi[c]) > MaxValue {
			return false
		}
	}
	return len(lo) > 0
}

// floatType reports whether TensorProto element type t is a float type.
func floatType(t int64) bool {
	switch t {
	case onnxcheck.TypeFloat, onnxcheck.TypeFloat16, onnxcheck.TypeDouble, onnxcheck.TypeBFloat16:
		return true
	}
	return false
}

// transposed returns where a Transpose n moves channel axis axis of a
// value of the given rank; rank -1 when the permutation does not fit.
func transposed(n *onnxcheck.Node, axis, rank int) (int, int) {
	perm, ok := n.Ints("perm")
	if !ok {
		return -1, -1
	}
	if len(perm) == 0 {
		// The default reverses the axes.
		if rank < 0 {
			return -1, -1
		}
		if axis < 0 {
			return -1, rank
		}
		return rank - 1 - axis, rank
	}
	if rank >= 0 && len(perm) != rank {
		return -1, -1
	}
	newAxis := -1
	for i, p := range perm {
		if int(p) == axis && axis >= 0 {
			newAxis = i
		}
	}
	return newAxis, len(perm)
}

// affine composes an elementwise Mul, Div, Add or Sub of the value with a
// constant into a and b. The constant is one number, or one per channel
// along the channel axis. It returns false for anything else.
func affine(m *onnxcheck.Model, n *onnxcheck.Node, value string, a, b []float64, axis, rank int) bool {
	if len(n.Inputs) != 2 {
		return false
	}
	first := n.Inputs[0] == value
	other := n.Inputs[1]
	if !first {
		other = n.Inputs[0]
	}
	if n.Inputs[0] == n.Inputs[1] {
		return false
	}
	k, ok := perChannel(m, other, len(a), axis, rank)
	if !ok {
		return false
	}
	for c := range a {
		v := k[c]
		switch {
		case n.Op == "Mul":
			a[c], b[c] = a[c]*v, b[c]*v
		case n.Op == "Div" && first && v != 0:
			a[c], b[c] = a[c]/v, b[c]/v
		case n.Op == "Add":
			b[c] += v
		case n.Op == "Sub" && first:
			b[c] -= v
		case n.Op == "Sub":
			a[c], b[c] = -a[c], v-b[c]
		default:
			// A constant divided by the value is not affine.
			return false
		}
		if math.IsInf(a[c], 0) || math.IsNaN(a[c]) || math.IsInf(b[c], 0) || math.IsNaN(b[c]) || a[c] == 0 {
			return false
		}
	}
	return true
}

// perChannel returns constant value's number for each of c channels: one
// number for all, or c numbers along the channel axis of a value of the
// given rank (the constant's axes aligned to the value's last ones, as
// broadcasting aligns them).
func perChannel(m *onnxcheck.Model, value string, c, axis, rank int) ([]float64, bool) {
	dims, vals, ok := m.HalfFloats(value, 64)
	if !ok || len(vals) == 0 {
		return nil, false
	}
	out := make([]float64, c)
	if len(vals) == 1 {
		for i := range out {
			out[i] = float64(vals[0])
		}
		return out, true
	}
	if len(vals) != c || axis < 0 || rank < 0 || len(dims) > rank {
		return nil, false
	}
	for i, d := range dims {
		want := int64(1)
		if rank-len(dims)+i == axis {
			want = int64(c)
		}
		if d != want {
			return nil, false
		}
	}
	for i, v := range vals {
		out[i] = float64(v)
	}
	return out, true
}

// quantizer returns the input range that QuantizeLinear n, reading the
// value a*x + b, represents: one scale and one zero point for the whole
// tensor (per-axis quantizers are not read).
func quantizer(m *onnxcheck.Model, n *onnxcheck.Node, value string, a, b []float64) *Range {
	if n.Inputs[0] != value || len(n.Inputs) < 2 {
		return nil
	}
	_, scale, ok := m.HalfFloats(n.Inputs[1], 1)
	if !ok || len(scale) != 1 || !(scale[0] > 0) || math.IsInf(float64(scale[0]), 0) {
		return nil
	}
	zp, elem := int64(0), onnxcheck.TypeUint8
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		if zp, elem, ok = m.Int8(n.Inputs[2]); !ok {
			return nil
		}
	} else if t, set := n.Int("output_dtype"); set {
		elem = int(t)
	}
	var qmin, qmax int64
	switch elem {
	case onnxcheck.TypeUint8:
		qmin, qmax = 0, 255
	case onnxcheck.TypeInt8:
		qmin, qmax = -128, 127
	default:
		return nil
	}
	s := float64(scale[0])
	ylo, yhi := float64(qmin-zp)*s, float64(qmax-zp)*s
	r := &Range{Kind: Quantizer, Lo: make([]float64, len(a)), Hi: make([]float64, len(a))}
	for c := range a {
		x0, x1 := (ylo-b[c])/a[c], (yhi-b[c])/a[c]
		r.Lo[c], r.Hi[c] = min(x0, x1), max(x0, x1)
	}
	return r
}

// Fit returns how well the input values lo[c]..hi[c] of a preprocessing
// fill the range, channel by channel: the length of their overlap over
// the length of their union (1 when they are the same, 0 when disjoint),
// averaged over the channels.
func (r *Range) Fit(lo, hi []float64) float64 {
	if len(lo) != len(r.Lo) || len(hi) != len(r.Lo) {
		return 0
	}
	var sum float64
	for c := range r.Lo {
		inter := min(hi[c], r.Hi[c]) - max(lo[c], r.Lo[c])
		union := max(hi[c], r.Hi[c]) - min(lo[c], r.Lo[c])
		if inter > 0 && union > 0 {
			sum += inter / union
		}
	}
	return sum / float64(len(r.Lo))
}

// String describes the range: one interval, or one per channel.
func (r *Range) String() string {
	same := true
	for c := range r.Lo {
		same = same && num(r.Lo[c]) == num(r.Lo[0]) && num(r.Hi[c]) == num(r.Hi[0])
	}
	if same {
		return fmt.Sprintf("[%s, %s]", num(r.Lo[0]), num(r.Hi[0]))
	}
	parts := make([]string, len(r.Lo))
	for c := range r.Lo {
		parts[c] = fmt.Sprintf("[%s, %s]", num(r.Lo[c]), num(r.Hi[c]))
	}
	return strings.Join(parts, " ")
}

func num(v float64) string { return fmt.Sprintf("%.3g", v) }
