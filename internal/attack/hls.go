package attack

import "math"

// The paper's code evolves colour images in the direct encoding as hue,
// lightness and saturation planes (HLS, the double-hexcone model of Python's
// colorsys) and converts them to RGB for the classifier. A mutation of one
// gene then changes a pixel's hue, lightness or saturation alone, not one
// primary colour.

// hlsToRGB converts hue, lightness and saturation in [0, 1] to red, green and
// blue in [0, 1]; hue 0 and 1 are both red.
func hlsToRGB(h, l, s float64) (r, g, b float64) {
	if s == 0 {
		return l, l, l
	}
	var m2 float64
	if l <= 0.5 {
		m2 = l * (1 + s)
	} else {
		m2 = l + s - l*s
	}
	m1 := 2*l - m2
	return hueChannel(m1, m2, h+1.0/3), hueChannel(m1, m2, h), hueChannel(m1, m2, h-1.0/3)
}

func hueChannel(m1, m2, h float64) float64 {
	h -= math.Floor(h)
	switch {
	case h < 1.0/6:
		return m1 + (m2-m1)*h*6
	case h < 0.5:
		return m2
	case h < 2.0/3:
		return m1 + (m2-m1)*(2.0/3-h)*6
	}
	return m1
}
