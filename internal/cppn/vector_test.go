package cppn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// vectorData returns n values spread over [-lo, lo], with the values where
// the kernels branch, clamp or round planted among them: signed zeros, the
// ends of unit's and clip's ranges, exp's clamps and halfway points of
// roundings.
func vectorData(rng *rand.Rand, n int, lo float32) []float32 {
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 3, -3, 0.5, -0.5, 87, -87, 88, -88, 100, -100,
		math.Pi / 2, -math.Pi / 2, 1.0 / 24, 11.0 / 12, 1e-30, -1e-30}
	v := make([]float32, n)
	for i := range v {
		if rng.IntN(4) == 0 {
			v[i] = special[rng.IntN(len(special))]
		} else {
			v[i] = (2*rng.Float32() - 1) * lo
		}
	}
	return v
}

// TestVectorKernels checks that every loop with a vector kernel gives the
// same bits over a whole slice (vector prefix, scalar tail) as one value at
// a time (scalar only): renders must not depend on how fooltest was built.
func TestVectorKernels(t *testing.T) {
	if !vectorised {
		t.Skip("built without GOEXPERIMENT=simd on amd64, or the CPU lacks AVX2: no vector kernels to check")
	}
	const n = 1003 // a scalar tail after the vectors
	rng := rand.New(rand.NewPCG(7, 8))
	same := func(t *testing.T, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("value %d: vector %v (%#08x), scalar %v (%#08x)", i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	// each runs f over whole slices and over one index at a time.
	each := func(t *testing.T, outs int, ins [][]float32, f func(lo, hi int, ins, outs [][]float32)) {
		t.Helper()
		whole, single := make([][]float32, outs), make([][]float32, outs)
		for j := range outs {
			whole[j], single[j] = make([]float32, n), make([]float32, n)
		}
		f(0, n, ins, whole)
		for i := range n {
			f(i, i+1, ins, single)
		}
		for j := range outs {
			same(t, whole[j], single[j])
		}
	}
	sub := func(s [][]float32, lo, hi int) [][]float32 {
		r := make([][]float32, len(s))
		for i := range s {
			r[i] = s[i][lo:hi]
		}
		return r
	}
	for _, a := range []activation{actSin, actSigmoid, actGaussian, actClip} {
		t.Run(a.String(), func(t *testing.T) {
			in := vectorData(rng, n, 40)
			each(t, 1, [][]float32{in}, func(lo, hi int, ins, outs [][]float32) {
				copy(outs[0][lo:hi], ins[0][lo:hi])
				activate(a, outs[0][lo:hi])
			})
		})
	}
	t.Run("exp", func(t *testing.T) {
		in := vectorData(rng, n, 120)
		each(t, 1, [][]float32{in}, func(lo, hi int, ins, outs [][]float32) {
			copy(outs[0][lo:hi], ins[0][lo:hi])
			expPlane(outs[0][lo:hi])
		})
	})
	t.Run("hsl", func(t *testing.T) {
		ins := [][]float32{vectorData(rng, n, 1.2), vectorData(rng, n, 1.2), vectorData(rng, n, 1.2)}
		each(t, 3, ins, func(lo, hi int, ins, outs [][]float32) {
			i, o := sub(ins, lo, hi), sub(outs, lo, hi)
			hslToRGB(i[0], i[1], i[2], o[0], o[1], o[2])
		})
	})
	t.Run("unit", func(t *testing.T) {
		each(t, 1, [][]float32{vectorData(rng, n, 1.2)}, func(lo, hi int, ins, outs [][]float32) {
			out := outs[0][lo:hi]
			for i := unitVec(ins[0][lo:hi], out); i < len(out); i++ {
				out[i] = unit(ins[0][lo+i])
			}
		})
	})
	srcs := func(ins [][]float32, lo, hi int, w []float32) []weighted {
		var s []weighted
		for j, p := range ins {
			s = append(s, weighted{s: p[lo:hi], w: w[j]})
		}
		return s
	}
	for terms := range 6 {
		w := vectorData(rng, terms, 10)
		c := 10 * (2*rng.Float32() - 1)
		ins := make([][]float32, terms)
		for j := range ins {
			ins[j] = vectorData(rng, n, 1)
		}
		t.Run("setTerms", func(t *testing.T) {
			each(t, 1, ins, func(lo, hi int, ins, outs [][]float32) {
				setTerms(outs[0][lo:hi], c, srcs(ins, lo, hi, w))
			})
		})
		t.Run("addTerms", func(t *testing.T) {
			base := vectorData(rng, n, 30)
			each(t, 1, ins, func(lo, hi int, ins, outs [][]float32) {
				copy(outs[0][lo:hi], base[lo:hi])
				addTerms(outs[0][lo:hi], srcs(ins, lo, hi, w))
			})
		})
	}
	t.Run("rows", func(t *testing.T) {
		cy, w0, w1 := rng.Float32()*20-10, rng.Float32()*20-10, rng.Float32()*20-10
		ins := [][]float32{vectorData(rng, n, 10), vectorData(rng, n, 1), vectorData(rng, n, 1)}
		each(t, 3, ins, func(lo, hi int, ins, outs [][]float32) {
			i, o := sub(ins, lo, hi), sub(outs, lo, hi)
			for x := rowVec(o[0], cy, i[0]); x < hi-lo; x++ {
				o[0][x] = cy + i[0][x]
			}
			for x := row1Vec(o[1], cy, i[0], w0, i[1]); x < hi-lo; x++ {
				o[1][x] = cy + i[0][x] + w0*i[1][x]
			}
			for x := row2Vec(o[2], cy, i[0], w0, i[1], w1, i[2]); x < hi-lo; x++ {
				o[2][x] = cy + i[0][x] + w0*i[1][x] + w1*i[2][x]
			}
		})
	})
	t.Run("lerp", func(t *testing.T) {
		f := []float32{rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32(), rng.Float32()}
		ins := [][]float32{vectorData(rng, n, 1), vectorData(rng, n, 1)}
		each(t, 7, ins, func(lo, hi int, ins, outs [][]float32) {
			i, o := sub(ins, lo, hi), sub(outs, lo, hi)
			m := hi - lo
			lerp1(i[0], i[1], o[0], f[0])
			rows := make([]float32, 4*m)
			lerp2(i[0], i[1], rows[:2*m], f[1:3])
			copy(o[1], rows[:m])
			copy(o[2], rows[m:2*m])
			lerp4(i[0], i[1], rows, f[3:7])
			for r := range 4 {
				copy(o[3+r], rows[r*m:(r+1)*m])
			}
		})
	})
	t.Run("resample", func(t *testing.T) {
		// Upsampling factors of 4 and 2, and near 1 where groups of 8
		// columns reach past 8 sources and fall back to scalar.
		for _, sz := range [][2]int{{224, 56}, {224, 112}, {28, 14}, {100, 37}, {9, 8}, {61, 60}, {7, 3}} {
			r, err := NewRenderer(sz[0], sz[0], 1, Options{RenderSize: sz[1]})
			if err != nil {
				t.Fatal(err)
			}
			src := vectorData(rng, sz[1], 1)
			got, want := make([]float32, sz[0]), make([]float32, sz[0])
			r.resampleVec(src, got)
			r.resampleRow(src, want)
			same(t, got, want)
		}
	})
}
