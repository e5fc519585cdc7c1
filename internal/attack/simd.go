//go:build goexperiment.simd && amd64

package attack

import (
	"simd/archsimd"

	"github.com/fooltest/fooltest/internal/cppn"
)

// Vector kernels for the colour changes and input mapping of CPPN images,
// built with GOEXPERIMENT=simd on amd64 and used where the CPU has AVX2.
// Like internal/cppn's, each takes the longest whole-vector prefix of its
// loop and returns its length, and performs the scalar loop's float32
// operations in the same order, so images are bit for bit the same with or
// without them (TestColourKernels). They run where the renderer's do
// (cppn.Vectorised), and take the prefix cppn.VectorLen gives.

// affineVec sets p to p*mul + add.
func affineVec(p []float32, mul, add float32) int {
	n := cppn.VectorLen(len(p))
	m, a := archsimd.BroadcastFloat32x8(mul), archsimd.BroadcastFloat32x8(add)
	for i := 0; i < n; i += 8 {
		archsimd.LoadFloat32x8Slice(p[i:]).Mul(m).Add(a).StoreSlice(p[i:])
	}
	return n
}

// clampVec sets p to min(1, max(0, a*p + b)). y.Max(zero) returns +0 for
// y = -0, as the max builtin does.
func clampVec(p []float32, a, b float32) int {
	n := cppn.VectorLen(len(p))
	av, bv := archsimd.BroadcastFloat32x8(a), archsimd.BroadcastFloat32x8(b)
	zero, one := archsimd.BroadcastFloat32x8(0), archsimd.BroadcastFloat32x8(1)
	for i := 0; i < n; i += 8 {
		av.Mul(archsimd.LoadFloat32x8Slice(p[i:])).Add(bv).Max(zero).Min(one).StoreSlice(p[i:])
	}
	return n
}

// gridVec sets p to RoundToEven(min(255, max(0, p*255)))/255: toGrid's
// rounding to the byte grid.
func gridVec(p []float32) int {
	n := cppn.VectorLen(len(p))
	zero, top := archsimd.BroadcastFloat32x8(0), archsimd.BroadcastFloat32x8(255)
	for i := 0; i < n; i += 8 {
		archsimd.LoadFloat32x8Slice(p[i:]).Mul(top).Max(zero).Min(top).RoundToEven().Div(top).StoreSlice(p[i:])
	}
	return n
}

// unpackVec writes the canonical value float32(v)/255 of every byte v of
// pix to dst, then, when mapped, that times mul plus add: the values of
// direct's lookup tables, computed rather than looked up.
func unpackVec(dst []float32, pix []uint8, mapped bool, mul, add float32) int {
	if !cppn.Vectorised() {
		return 0
	}
	n := len(pix)
	dst = dst[:n]
	d := archsimd.BroadcastFloat32x8(255)
	m, a := archsimd.BroadcastFloat32x8(mul), archsimd.BroadcastFloat32x8(add)
	i := 0
	// Each step loads 16 bytes and converts the first 8.
	for ; i+16 <= n; i += 8 {
		v := archsimd.LoadUint8x16Slice(pix[i:]).ExtendLo8ToUint32().AsInt32x8().ConvertToFloat32().Div(d)
		if mapped {
			v = v.Mul(m).Add(a)
		}
		v.StoreSlice(dst[i:])
	}
	return i
}
