// Colour: node values to [0,1] channels, and HSL to RGB.

package cppn

import "math"

// unit maps a node value in [-1, 1] to [0, 1], clamping the last bit of
// float error (or a future activation's overshoot).
func unit(v float32) float32 {
	u := 0.5*v + 0.5
	if u < 0 {
		return 0
	}
	if u > 1 {
		return 1
	}
	return u
}

// hslToRGB converts node values in [-1, 1] read as hue, lightness and
// saturation planes into red, green and blue planes in [0, 1]; hue 0 and 1
// are both red. It is the standard conversion in the form of CSS Color 4,
// channel = l - a·clamp(min(k-3, 9-k), -1, 1) with k = (n + 12h) mod 12,
// a = s·min(l, 1-l) and n = 0, 8, 4 for red, green and blue, rewritten
// without branches (see hslChannel) because noisy images make every branch
// a coin toss.
func hslToRGB(hp, lp, sp, red, green, blue []float32) {
	n := len(red)
	hp, lp, sp, green, blue = hp[:n], lp[:n], sp[:n], green[:n], blue[:n]
	for i := hslToRGBVec(hp, lp, sp, red, green, blue); i < n; i++ {
		h, l, s := unit(hp[i]), unit(lp[i]), unit(sp[i])
		a := s * min(l, 1-l)
		h12 := 12 * h
		red[i] = hslChannel(0, h12, l, a)
		green[i] = hslChannel(8, h12, l, a)
		blue[i] = hslChannel(4, h12, l, a)
	}
}

// hslChannel evaluates one channel of hslToRGB. With k in [0, 12),
// min(k-3, 9-k) = 3 - |k-6| = tri(k) - 3, where tri is the distance to the
// nearest multiple of 12, so the modulo becomes a rounding.
func hslChannel(n, h12, l, a float32) float32 {
	z := n + h12
	z -= 12 * ((z*(1.0/12) + roundMagic32) - roundMagic32)
	tri := math.Float32frombits(math.Float32bits(z) &^ (1 << 31))
	return l - a*max(-1, min(1, tri-3))
}
