package classifier

import (
	"cmp"
	"slices"

	"github.com/fooltest/fooltest/internal/inputrange"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// InputRange is the range of input values a model's graph quantizes its
// image input to (a QuantizeLinear, as int8 exports calibrate it on
// preprocessed training images), in the model input's own values, and how
// well the preprocessing's values fill it.
type InputRange struct {
	// Lo and Hi bound the range, per model channel.
	Lo []float64 `json:"lo"`
	Hi []float64 `json:"hi"`
	// Via names the operators from the input to the quantizer.
	Via string `json:"via"`
	// Fit is the overlap of the preprocessing's values (every canonical
	// pixel from 0 to 1) with the range over their union, averaged over
	// the channels: 1 when they coincide, 0 when disjoint.
	Fit float64 `json:"fit"`
	// Suggested are, when Fit is below MinFit, the presets that fit at
	// least GoodFit, best first; empty otherwise. Several often do: the
	// ImageNet and CIFAR-10 statistics give nearly the same range.
	Suggested []PresetFit `json:"suggested,omitempty"`
}

// PresetFit is a preset and how well its values fill a range.
type PresetFit struct {
	Preset string  `json:"preset"`
	Fit    float64 `json:"fit"`
}

// A preprocessing whose values fit the quantizer's range below MinFit,
// where a preset fits it at least GoodFit, is most likely not the model's.
// On MobileNetV2 int8 (range -2.13 to 2.63) the CIFAR-10 statistics fit
// 0.94, ImageNet's 0.93, pm1 0.42, raw01 0.21 and raw255 0.01: the check
// tells one scale from another, not one dataset's statistics from
// another's.
const (
	MinFit  = 0.5
	GoodFit = 0.8
)

// Mismatch reports whether the preprocessing most likely is not the
// model's.
func (r *InputRange) Mismatch() bool { return r != nil && len(r.Suggested) > 0 }

// rangeCheck compares the preprocessing with the range the graph m
// quantizes the input to, if any.
func (c *Classifier) rangeCheck(m *onnxcheck.Model) *InputRange {
	l := inputrange.Layout{Rank: len(c.in.dims), ChannelAxis: -1, Channels: c.in.c}
	switch c.in.layout {
	case NCHW:
		l.ChannelAxis = 1
	case NHWC:
		l.ChannelAxis = 3
	}
	r := inputrange.Find(m, c.in.name, l)
	if r == nil {
		return nil
	}
	fit := func(n Normalization) (float64, bool) {
		mul, add, err := n.perChannel(c.in.c)
		if err != nil {
			return 0, false
		}
		lo, hi := make([]float64, c.in.c), make([]float64, c.in.c)
		for ch := range lo {
			v0, v1 := float64(add[ch]), float64(mul[ch]+add[ch])
			lo[ch], hi[ch] = min(v0, v1), max(v0, v1)
		}
		return r.Fit(lo, hi), true
	}
	own, _ := fit(c.norm)
	out := &InputRange{Lo: r.Lo, Hi: r.Hi, Via: r.Via, Fit: own}
	if own >= MinFit {
		return out
	}
	for _, name := range PresetNames {
		if f, ok := fit(presets[name]); ok && f >= GoodFit {
			out.Suggested = append(out.Suggested, PresetFit{name, f})
		}
	}
	slices.SortStableFunc(out.Suggested, func(a, b PresetFit) int { return cmp.Compare(b.Fit, a.Fit) })
	return out
}

// RangeString describes the range: one interval, or one per channel.
func (r *InputRange) RangeString() string {
	return (&inputrange.Range{Lo: r.Lo, Hi: r.Hi}).String()
}
