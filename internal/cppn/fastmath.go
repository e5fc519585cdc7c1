package cppn

import "math"

// Fast float32 activation math for the Renderer. The standard library's Sin,
// Exp and Tanh handle every corner of float64 (huge arguments, NaN,
// subnormals) and are several times slower; a render evaluates one per node
// per pixel, so they would dominate. The versions here assume what the renderer
// guarantees: finite arguments of modest size (|p| <= 10 × fan-in, since
// every input and node value lies in [-1, 1] and every weight in [-10, 10]).
//
// They stay in float32 from load to store on purpose, not only to halve
// memory traffic: on amd64 the float32->float64 conversion (CVTSS2SD) merges
// into its destination register, and in a loop that false dependency chains
// every element's whole polynomial to the previous element's, which made a
// float64 version three times slower.
//
// Maximum absolute error against the float64 standard library at the same
// float32 argument (tests check each bound, sin up to |p| = 1e4):
//
//	sin        2e-7    (Cody–Waite reduction by π, degree-11 Taylor on [-π/2, π/2])
//	exp(-p²)   1e-7    (degree-7 Taylor of e^r, |r| <= ln2/2, times 2^n)
//	tanh(p/2)  1.5e-7  ((1-e)/(1+e) with the same e = e^-p)
//	clip/3     6e-8    (float32 rounding only)
//
// That is a few float32 ulps, far below the 1/255 step of an 8-bit image, so
// fast and exact renders look the same; the float32 sums feeding each node
// cost as much precision as the approximations.

// roundMagic32 is 1.5·2^23: adding it to a float32 of magnitude below 2^22
// rounds it to an integer held in the low mantissa bits; since it is even,
// the lowest bit is the integer's parity.
const roundMagic32 = 0x1.8p23

// π split for Cody–Waite reduction: piA and piB have few enough mantissa
// bits that q·piA and q·piB are exact for |q| < 2^12, so x - qπ loses no
// precision for |x| up to about 1.3e4.
const (
	piA = 3.140625
	piB = 9.67502593994140625e-4
	piC = 1.509957990978376432e-7
)

// ln 2 split likewise: k·ln2Hi is exact for |k| < 2^15.
const (
	ln2Hi = 0.693359375
	ln2Lo = -2.12194440e-4
)

// activate applies a to every value of buf in place, with the fast math.
// Each activation is a tight loop over the plane; the switch runs once per
// plane, not per value.
func activate(a activation, buf []float32) {
	switch a {
	case actSin:
		sinPlane(buf)
	case actSigmoid:
		// tanh(x/2) = (1-e)/(1+e) with e = e^-x; expPlane's clamp keeps e
		// finite, and at the clamp the ratio is already ±1 in float32.
		buf = buf[sigmoidVec(buf):]
		for i, x := range buf {
			buf[i] = -x
		}
		expPlane(buf)
		for i, e := range buf {
			buf[i] = (1 - e) / (1 + e)
		}
	case actGaussian:
		buf = buf[gaussianVec(buf):]
		for i, x := range buf {
			buf[i] = -x * x
		}
		expPlane(buf)
	default:
		buf = buf[clipVec(buf):]
		for i, x := range buf {
			// Plain comparisons: the min and max builtins must also
			// order NaN and signed zeros, which costs more and cannot
			// happen here.
			if x > 3 {
				x = 3
			} else if x < -3 {
				x = -3
			}
			buf[i] = x * (1.0 / 3)
		}
	}
}

// fast applies a to one value exactly as activate does to a plane, for
// nodes the renderer folds to constants.
func (a activation) fast(x float32) float32 {
	b := [1]float32{x}
	activate(a, b[:])
	return b[0]
}

// sinPlane replaces every x in buf with sin(x). The body is written out
// rather than calling a helper because the Go inliner rejects a helper this
// size, and a call per value costs about a fifth of the time.
func sinPlane(buf []float32) {
	buf = buf[sinVec(buf):]
	for i, x := range buf {
		// q = round(x/π), r = x - qπ in [-π/2, π/2], sin x = (-1)^q sin r.
		t := x*(1/math.Pi) + roundMagic32
		q := t - roundMagic32
		r := x - q*piA - q*piB - q*piC
		r2 := r * r
		s := r + r*r2*(-1.0/6+r2*(1.0/120+r2*(-1.0/5040+r2*(1.0/362880+r2*(-1.0/39916800)))))
		buf[i] = math.Float32frombits(math.Float32bits(s) ^ math.Float32bits(t)<<31)
	}
}

// expPlane replaces every x in buf with e^x, x clamped to [-87, 88] so
// that 2^n stays a normal float32; below the clamp e^x is under 2e-38.
func expPlane(buf []float32) {
	buf = buf[expVec(buf):]
	for i, x := range buf {
		if x < -87 {
			x = -87
		} else if x > 88 {
			x = 88
		}
		// e^x = 2^n e^r with n = round(x/ln2) and |r| <= ln2/2.
		t := x*math.Log2E + roundMagic32
		n := int32(math.Float32bits(t) - math.Float32bits(roundMagic32))
		k := t - roundMagic32
		r := x - k*ln2Hi - k*ln2Lo
		p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
		buf[i] = p * math.Float32frombits(uint32(n+127)<<23)
	}
}
