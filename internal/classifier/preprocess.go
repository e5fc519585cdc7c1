package classifier

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/fooltest/fooltest/internal/exitcode"
)

// Normalization maps a canonical pixel x in [0,1] of channel c to the model's
// input value (Scale*x - Mean[c]) / Std[c]. Mean and Std hold one value, or
// one per channel.
type Normalization struct {
	Scale float32
	Mean  []float32
	Std   []float32
}

// Presets are the preprocessing conventions users name with --preset.
var presets = map[string]Normalization{
	"raw01":  {Scale: 1, Mean: []float32{0}, Std: []float32{1}},
	"raw255": {Scale: 255, Mean: []float32{0}, Std: []float32{1}},
	"pm1":    {Scale: 1, Mean: []float32{0.5}, Std: []float32{0.5}},
	"mnist":  {Scale: 1, Mean: []float32{0.1307}, Std: []float32{0.3081}},
	// The CIFAR-10 statistics most training scripts copy.
	"cifar10":  {Scale: 1, Mean: []float32{0.4914, 0.4822, 0.4465}, Std: []float32{0.2023, 0.1994, 0.2010}},
	"imagenet": {Scale: 1, Mean: []float32{0.485, 0.456, 0.406}, Std: []float32{0.229, 0.224, 0.225}},
}

// PresetNames lists the valid --preset values in a stable order.
var PresetNames = []string{"raw01", "raw255", "pm1", "mnist", "cifar10", "imagenet"}

// Preset returns the normalization for a preset name.
func Preset(name string) (Normalization, error) {
	n, ok := presets[name]
	if !ok {
		return Normalization{}, exitcode.Usagef("unknown --preset %q: use one of %s", name, strings.Join(PresetNames, ", "))
	}
	return n, nil
}

// ParseFloats parses a comma-separated list of 1 or 3 finite numbers, as
// --mean and --std take them.
func ParseFloats(flag, s string) ([]float32, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 1 && len(parts) != 3 {
		return nil, exitcode.Usagef("%s %q: give one value or three comma-separated values (one per channel)", flag, s)
	}
	out := make([]float32, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 32)
		if err != nil || v != v || v > 3e38 || v < -3e38 {
			return nil, exitcode.Usagef("%s %q: %q is not a finite number", flag, s, p)
		}
		out[i] = float32(v)
	}
	return out, nil
}

// ParseShape parses --input-shape C,H,W.
func ParseShape(s string) (c, h, w int, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return 0, 0, 0, exitcode.Usagef("--input-shape %q: give C,H,W, for example 1,28,28 or 3,32,32", s)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 || n > 8192 {
			return 0, 0, 0, exitcode.Usagef("--input-shape %q: %q must be a positive integer up to 8192", s, p)
		}
		v[i] = n
	}
	if v[0] != 1 && v[0] != 3 {
		return 0, 0, 0, exitcode.Usagef("--input-shape %q: C must be 1 (gray) or 3 (RGB)", s)
	}
	return v[0], v[1], v[2], nil
}

// perChannel expands n to one scale, mean and std per channel, and folds them
// into x*mul + add so that preprocessing is one multiply-add per value.
func (n Normalization) perChannel(channels int) (mul, add []float32, err error) {
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
		return nil, exitcode.Usagef("--%s has %d values but the model takes %d channel(s): give 1 or %d values", name, len(v), channels, channels)
	}
	mean, err := expand("mean", n.Mean, 0)
	if err != nil {
		return nil, nil, err
	}
	std, err := expand("std", n.Std, 1)
	if err != nil {
		return nil, nil, err
	}
	mul, add = make([]float32, channels), make([]float32, channels)
	for c := range channels {
		if std[c] == 0 {
			return nil, nil, exitcode.Usagef("--std must not be 0")
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
	return fmt.Sprintf("scale=%g mean=%s std=%s", n.Scale, f(n.Mean), f(n.Std))
}
