package classifier

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/fooltest/fooltest/internal/fault"
)

// Normalization maps a canonical pixel x in [0,1] of channel c to the model's
// input value (Scale*x - Mean[c]) / Std[c]. Mean and Std hold one value, or
// one per channel, in the model's channel order.
type Normalization struct {
	Scale float32
	Mean  []float32
	Std   []float32
	// BGR says that a three-channel model takes its channels in the order
	// blue, green, red (Caffe, OpenCV): the model's channel c is canonical
	// channel 2-c. Canonical images, and the images reports write, stay
	// RGB. One-channel models ignore it.
	BGR bool
}

// presets are the preprocessing conventions users name.
var presets = map[string]Normalization{
	"raw01":  {Scale: 1, Mean: []float32{0}, Std: []float32{1}},
	"raw255": {Scale: 255, Mean: []float32{0}, Std: []float32{1}},
	"pm1":    {Scale: 1, Mean: []float32{0.5}, Std: []float32{0.5}},
	"mnist":  {Scale: 1, Mean: []float32{0.1307}, Std: []float32{0.3081}},
	// The CIFAR-10 statistics most training scripts copy.
	"cifar10":  {Scale: 1, Mean: []float32{0.4914, 0.4822, 0.4465}, Std: []float32{0.2023, 0.1994, 0.2010}},
	"imagenet": {Scale: 1, Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}},
	// Caffe's ImageNet models and Keras applications' "caffe" mode (VGG,
	// ResNet50): BGR pixels of 0..255 less the ImageNet means, in B, G, R
	// order.
	"caffe": {Scale: 255, Mean: []float32{103.939, 116.779, 123.68}, Std: []float32{1}, BGR: true},
}

// PresetNames lists the preset names in a stable order.
var PresetNames = []string{"raw01", "raw255", "pm1", "mnist", "cifar10", "imagenet", "caffe"}

// Preset returns the normalization for a preset name.
func Preset(name string) (Normalization, error) {
	n, ok := presets[name]
	if !ok {
		return Normalization{}, fault.Invalidf("", "unknown preset %q: use one of %s", name, strings.Join(PresetNames, ", "))
	}
	return n, nil
}

// PresetName returns the name of the preset whose values n has, or "custom".
func PresetName(n Normalization) string {
	for _, name := range PresetNames {
		if p := presets[name]; p.String() == n.String() {
			return name
		}
	}
	return "custom"
}

// Preprocessing runs in float32, so the values it takes must survive the
// conversion: smaller magnitudes than MinMagnitude become 0 or subnormal
// (lost precision, and 1/std overflows), larger ones than MaxMagnitude come too
// close to overflowing once multiplied out.
const (
	// MinMagnitude is the smallest nonzero magnitude a preprocessing value
	// may have: the smallest normal float32, about 1.18e-38.
	MinMagnitude = 0x1p-126
	// MaxMagnitude is the largest magnitude a mean or std may have.
	MaxMagnitude = 3e38
	// maxScale bounds the scale: inputs scaled by more are no image format.
	maxScale = 1e6
)

// CheckScale validates an input scale S: positive, at most 1e6, and a normal
// float32, since 1e-300 would become 0.
func CheckScale(s float64) error {
	if !(s >= MinMagnitude) || s > maxScale {
		if s < 0 {
			// Inverted pixels (white digits on black for a model
			// trained on black on white) are a negative std's job.
			return fault.Invalidf(SettingPreprocessing, "input scale %v: give a positive number from 1.2e-38 to 1e6; for inverted pixels (1 - x) keep the scale and pass --mean 1 --std -1", s)
		}
		return fault.Invalidf(SettingPreprocessing, "input scale %v: give a positive number from 1.2e-38 to 1e6", s)
	}
	return nil
}

// Check reports values whose float32 preprocessing would break: a scale or
// std that is zero, subnormal or out of range, or a combination for which
// (Scale*x - Mean)/Std is not finite for some x in [0,1], or does not
// depend on x at all because Scale/Std underflows. Mean and Std may hold one
// value or one per channel.
func (n Normalization) Check() error {
	// float32 rounds 3e38 up.
	limit := float64(float32(MaxMagnitude))
	s := float64(n.Scale)
	if n.Scale == 0 {
		s = 1
	}
	if err := CheckScale(s); err != nil {
		return err
	}
	for _, v := range n.Mean {
		if !finite32(v) || (v != 0 && math.Abs(float64(v)) < MinMagnitude) || math.Abs(float64(v)) > limit {
			return fault.Invalidf(SettingPreprocessing, "input mean %v: give a finite number, 0 or of magnitude 1.2e-38 to 3e38", v)
		}
	}
	for _, v := range n.Std {
		if !finite32(v) || math.Abs(float64(v)) < MinMagnitude || math.Abs(float64(v)) > limit {
			return fault.Invalidf(SettingPreprocessing, "input std %v: give a nonzero finite number of magnitude 1.2e-38 to 3e38", v)
		}
	}
	for c := range max(len(n.Mean), len(n.Std), 1) {
		mean, std := float32(0), float32(1)
		if len(n.Mean) > 0 {
			mean = n.Mean[min(c, len(n.Mean)-1)]
		}
		if len(n.Std) > 0 {
			std = n.Std[min(c, len(n.Std)-1)]
		}
		// The same float32 operations perChannel folds the values into.
		mul, add := float32(s)/std, -mean/std
		// The input is x*mul + add, linear in x: its extremes are at x=0
		// and x=1, and MaxMagnitude leaves room for rounding in between.
		lo, hi := float64(add), float64(mul+add)
		if !finite32(mul) || !finite32(add) || !finite32(mul+add) || math.Abs(lo) > limit || math.Abs(hi) > limit {
			return fault.Invalidf(SettingPreprocessing, "input scale %v, mean %v, std %v: the model input (S*x - mean)/std overflows float32: give a larger std or a smaller scale or mean", s, mean, std)
		}
		if math.Abs(float64(mul)) < MinMagnitude {
			return fault.Invalidf(SettingPreprocessing, "input scale %v, std %v: S/std underflows float32, so the model input would not depend on the image: give a larger scale or a smaller std", s, std)
		}
	}
	return nil
}

func finite32(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// perChannel expands n to one scale, mean and std per channel, and folds them
// into x*mul + add so that preprocessing is one multiply-add per value.
func (n Normalization) perChannel(channels int) (mul, add []float32, err error) {
	if err := n.Check(); err != nil {
		return nil, nil, err
	}
	if n.Scale == 0 {
		n.Scale = 1
	}
	expand := func(name string, v []float32, def float32) ([]float32, error) {
		switch len(v) {
		case 0:
			v = []float32{def}
			fallthrough
		case 1:
			out := make([]float32, channels)
			for i := range out {
				out[i] = v[0]
			}
			return out, nil
		case channels:
			return v, nil
		}
		if channels == 1 {
			return nil, fault.Invalidf(SettingPreprocessing, "input %s has %d values but the model takes 1 channel (gray): give 1 value; the colour presets (cifar10, imagenet, caffe) do not apply to it", name, len(v))
		}
		return nil, fault.Invalidf(SettingPreprocessing, "input %s has %d values but the model takes %d channels: give 1 or %d values", name, len(v), channels, channels)
	}
	mean, err := expand("mean", n.Mean, 0)
	if err != nil {
		return nil, nil, err
	}
	std, err := expand("std", n.Std, 1)
	if err != nil {
		return nil, nil, err
	}
	if n.BGR && channels == 1 {
		// Nothing to reorder; a report of preset "custom" for it would
		// keep a baseline of the same preset from comparing.
		return nil, nil, fault.Invalidf(SettingChannelOrder, "the channel order bgr applies to colour models, but the model takes 1 channel (gray)")
	}
	mul, add = make([]float32, channels), make([]float32, channels)
	for c := range channels {
		if std[c] == 0 {
			return nil, nil, fault.Invalidf(SettingPreprocessing, "input std must not be 0")
		}
		mul[c] = n.Scale / std[c]
		add[c] = -mean[c] / std[c]
	}
	return mul, add, nil
}

// String renders n the way the flags take it.
func (n Normalization) String() string {
	f := func(v []float32) string {
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = strconv.FormatFloat(float64(x), 'g', -1, 32)
		}
		return strings.Join(s, ",")
	}
	s := fmt.Sprintf("scale=%g mean=%s std=%s", n.Scale, f(n.Mean), f(n.Std))
	if n.BGR {
		s += " channels=bgr"
	}
	return s
}
