package cppn

import (
	"math"
	"testing"
)

func TestFastMathErrorBounds(t *testing.T) {
	// The bounds documented in fastmath.go, checked on a dense sweep of
	// float32 inputs (what the renderer feeds) plus the large-argument
	// range the reduction must survive.
	tests := []struct {
		name   string
		fast   func(float32) float32
		ref    func(float64) float64
		lo, hi float64
		bound  float64
	}{
		{"sin", actSin.fast, math.Sin, -50, 50, 2e-7},
		{"sin large", actSin.fast, math.Sin, -1e4, 1e4, 2e-7},
		{"sigmoid", actSigmoid.fast, actSigmoid.eval, -100, 100, 1.5e-7},
		{"gaussian", actGaussian.fast, actGaussian.eval, -12, 12, 1e-7},
		{"clip", actClip.fast, actClip.eval, -10, 10, 6e-8},
		{"exp", expOne, math.Exp, -100, 0, 1e-7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			const n = 1 << 20
			worst, at := 0.0, 0.0
			for i := range n + 1 {
				x := float32(tc.lo + (tc.hi-tc.lo)*float64(i)/n)
				if e := math.Abs(float64(tc.fast(x)) - tc.ref(float64(x))); e > worst || math.IsNaN(e) {
					worst, at = e, float64(x)
				}
			}
			t.Logf("max error %.3g at %v", worst, at)
			if !(worst <= tc.bound) {
				t.Errorf("max error %.3g at %v, bound %.3g", worst, at, tc.bound)
			}
		})
	}
}

func expOne(x float32) float32 {
	b := []float32{x}
	expPlane(b)
	return b[0]
}

func TestFastMathSpecialPoints(t *testing.T) {
	tests := []struct {
		name string
		got  float32
		want float32
	}{
		{"sin 0", actSin.fast(0), 0},
		{"sin π/2", actSin.fast(math.Pi / 2), 1},
		{"sin -π/2", actSin.fast(-math.Pi / 2), -1},
		{"sin 3π/2", actSin.fast(3 * math.Pi / 2), -1},
		{"sin 100π+π/2", actSin.fast(100*math.Pi + math.Pi/2), 1},
		{"sigmoid 0", actSigmoid.fast(0), 0},
		{"sigmoid +huge", actSigmoid.fast(1e6), 1},
		{"sigmoid -huge", actSigmoid.fast(-1e6), -1},
		{"gaussian 0", actGaussian.fast(0), 1},
		{"gaussian huge", actGaussian.fast(1e3), 0},
		{"clip inside", actClip.fast(1.5), 0.5},
		{"clip above", actClip.fast(4), 1},
		{"clip below", actClip.fast(-4), -1},
		{"exp 0", expOne(0), 1},
		{"exp 88", expOne(88), float32(math.Exp(88))},
		{"exp huge", expOne(1e9), float32(math.Exp(88))},
	}
	for _, tc := range tests {
		if math.Abs(float64(tc.got-tc.want)) > 3e-7*max(1, math.Abs(float64(tc.want))) {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

func TestActivateMatchesReference(t *testing.T) {
	// The plane loop for each activation must apply that activation,
	// within the fast-math bound.
	buf := make([]float32, 4001)
	for a := range numActivations {
		for i := range buf {
			buf[i] = float32(i-2000) / 97
		}
		activate(a, buf)
		for i, got := range buf {
			x := float64(float32(i-2000) / 97)
			if want := a.eval(x); math.Abs(float64(got)-want) > 2e-7 {
				t.Fatalf("%v(%v): plane %v, want %v", a, x, got, want)
			}
		}
	}
}
