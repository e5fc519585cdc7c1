package classifier

import (
	"cmp"
	"math"
	"slices"

	"github.com/fooltest/fooltest/internal/inputrange"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// Kinds of InputRange.
const (
	// RangeQuantizer: the graph quantizes its image input (a
	// QuantizeLinear, as int8 exports calibrate it on preprocessed
	// training images), and Lo and Hi are the range of input values its
	// levels span.
	RangeQuantizer = "quantizer"
	// RangeScaling: the graph scales its input with constants first (a
	// Keras Rescaling layer, normalisation in the graph) and has no
	// quantizer; Lo and Hi are the values its first other layer gets
	// with the preprocessing, which should look like normalised images
	// (inputrange.Plausible).
	RangeScaling = "scaling"
)

// InputRange is what a model's graph says about the input values it was
// built for, and whether the preprocessing gives such values.
type InputRange struct {
	// Kind is RangeQuantizer or RangeScaling.
	Kind string `json:"kind"`
	// Lo and Hi bound, per model channel, the quantizer's range, or the
	// values the first layer after the scaling gets with this
	// preprocessing.
	Lo []float64 `json:"lo"`
	Hi []float64 `json:"hi"`
	// Via names the operators from the input on; Next, for scaling, is
	// the layer the scaled values go to.
	Via  string `json:"via"`
	Next string `json:"next,omitempty"`
	// Fit is, for a quantizer, the overlap of the preprocessing's values
	// (every canonical pixel from 0 to 1) with the range over their
	// union, averaged over the channels: 1 when they coincide, 0 when
	// disjoint. For scaling it is 1 when the first layer's values look
	// like normalised images, 0 when not.
	Fit float64 `json:"fit"`
	// Suggested are, when Fit is below MinFit, the presets that fit at
	// least GoodFit, best first; empty otherwise. Several often do: the
	// ImageNet and CIFAR-10 statistics give nearly the same range.
	Suggested []PresetFit `json:"suggested,omitempty"`
}

// PresetFit is a preset and how well its values fill a range; for scaling,
// Lo and Hi are the values the first layer gets with it.
type PresetFit struct {
	Preset string    `json:"preset"`
	Fit    float64   `json:"fit"`
	Lo     []float64 `json:"lo,omitempty"`
	Hi     []float64 `json:"hi,omitempty"`
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

// rangeCheck compares the preprocessing with what the graph m says about
// its input, if anything.
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
	// fit says how n's values (canonical pixels from 0 to 1) suit r,
	// with, for scaling, the values the first layer gets.
	fit := func(n Normalization) (f float64, lo, hi []float64, ok bool) {
		mul, add, err := n.perChannel(c.in.c)
		if err != nil {
			return 0, nil, nil, false
		}
		lo, hi = make([]float64, c.in.c), make([]float64, c.in.c)
		for ch := range lo {
			v0, v1 := float64(add[ch]), float64(mul[ch]+add[ch])
			lo[ch], hi[ch] = min(v0, v1), max(v0, v1)
		}
		if r.Kind == inputrange.Quantizer {
			return r.Fit(lo, hi), nil, nil, true
		}
		lo, hi = r.Values(lo, hi)
		if inputrange.Plausible(lo, hi) && !(perChannel(r.B) && perChannel(add)) {
			return 1, lo, hi, true
		}
		// A graph that subtracts each channel's mean itself (Keras's
		// Normalization layer, after its Rescaling) would have it
		// subtracted twice: caffe's values reached its first layer at
		// [-3.9, 0.47], plausible numbers, and wrong.
		return 0, lo, hi, true
	}
	own, lo, hi, _ := fit(c.norm)
	out := &InputRange{Kind: RangeQuantizer, Lo: r.Lo, Hi: r.Hi, Via: r.Via, Fit: own}
	if r.Kind == inputrange.Scaling {
		out.Kind, out.Lo, out.Hi, out.Next = RangeScaling, lo, hi, r.Next
	}
	if own >= MinFit {
		return out
	}
	for _, name := range PresetNames {
		if f, plo, phi, ok := fit(presets[name]); ok && f >= GoodFit {
			out.Suggested = append(out.Suggested, PresetFit{name, f, plo, phi})
		}
	}
	slices.SortStableFunc(out.Suggested, func(a, b PresetFit) int { return cmp.Compare(b.Fit, a.Fit) })
	// Fits a few hundredths apart say nothing between the statistics of
	// two datasets (MobileNetV2's quantizer: cifar10 94%, imagenet 93%);
	// the number of classes does: the dataset's own comes first.
	if i := slices.IndexFunc(out.Suggested, func(p PresetFit) bool { return p.Preset == datasetPreset(c.out.k) }); i > 0 && out.Suggested[0].Fit-out.Suggested[i].Fit < nearFit {
		p := out.Suggested[i]
		copy(out.Suggested[1:i+1], out.Suggested[:i])
		out.Suggested[0] = p
	}
	return out
}

// perChannel reports whether the shifts differ between channels by more
// than float32 rounding: a per-channel mean, as normalisation subtracts.
func perChannel[T float32 | float64](b []T) bool {
	for _, v := range b {
		if math.Abs(float64(v-b[0])) > 1e-4*max(1, math.Abs(float64(b[0]))) {
			return true
		}
	}
	return false
}

// nearFit is how close two presets' fits are for the number of classes to
// order them.
const nearFit = 0.03

// datasetPreset is the preset of the dataset whose number of classes a
// model of k classes has: CIFAR's 10 or 100, and ImageNet's for the rest.
// A model of another count (a 15-class plant-disease MobileNetV3) is most
// often fine-tuned from an ImageNet backbone and keeps its statistics;
// CIFAR's are used on CIFAR.
func datasetPreset(k int) string {
	switch k {
	case 10, 100:
		return "cifar10"
	}
	return "imagenet"
}

// RangeString describes the range: one interval, or one per channel.
func (r *InputRange) RangeString() string { return Interval(r.Lo, r.Hi) }

// Interval describes per-channel bounds: one interval when the channels
// agree, else one per channel.
func Interval(lo, hi []float64) string {
	return (&inputrange.Range{Lo: lo, Hi: hi}).String()
}
