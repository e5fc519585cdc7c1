//go:build goexperiment.simd && amd64

package cppn

import (
	"math"
	"simd/archsimd"
)

// Vector kernels for the render's hot loops, built with GOEXPERIMENT=simd on
// amd64 and used where the CPU has AVX2. Each one processes the longest
// prefix that is a whole number of 8-value vectors and returns its length;
// the scalar loop that calls it finishes the rest. They perform the same
// float32 operations in the same order as the scalar code (no fused
// multiply-adds, min and max with the scalar code's handling of signed
// zeros), so a render is bit for bit the same with or without them
// (TestVectorKernels).

// vectorised reports whether the vector kernels run.
var vectorised = archsimd.X86.AVX2()

type f8 = archsimd.Float32x8

func splat(v float32) f8 { return archsimd.BroadcastFloat32x8(v) }

func load(s []float32) f8 { return archsimd.LoadFloat32x8Slice(s) }

// vecLen is how many leading values of an n-value loop the kernels take.
func vecLen(n int) int {
	if !vectorised {
		return 0
	}
	return n &^ 7
}

// neg flips the sign bit, as unary minus does.
func neg(x f8) f8 {
	return x.AsInt32x8().Xor(archsimd.BroadcastInt32x8(math.MinInt32)).AsFloat32x8()
}

// unit8 is unit: 0.5v + 0.5 clamped to [0, 1]. zero.Max(u) returns u when
// both are zeros, keeping unit's -0 for -0.
func unit8(v f8) f8 {
	half := splat(0.5)
	return splat(0).Max(v.Mul(half).Add(half)).Min(splat(1))
}

func unitVec(src, dst []float32) int {
	n := vecLen(len(dst))
	src = src[:len(dst)]
	for i := 0; i < n; i += 8 {
		unit8(load(src[i:])).StoreSlice(dst[i:])
	}
	return n
}

func hslToRGBVec(hp, lp, sp, red, green, blue []float32) int {
	n := vecLen(len(red))
	one, twelve := splat(1), splat(12)
	for i := 0; i < n; i += 8 {
		h, l, s := unit8(load(hp[i:])), unit8(load(lp[i:])), unit8(load(sp[i:]))
		a := s.Mul(l.Min(one.Sub(l)))
		h12 := twelve.Mul(h)
		hslChannel8(h12, l, a).StoreSlice(red[i:])
		hslChannel8(splat(8).Add(h12), l, a).StoreSlice(green[i:])
		hslChannel8(splat(4).Add(h12), l, a).StoreSlice(blue[i:])
	}
	return n
}

// hslChannel8 is hslChannel with z = n + h12 given.
func hslChannel8(z, l, a f8) f8 {
	magic := splat(roundMagic32)
	z = z.Sub(splat(12).Mul(z.Mul(splat(1.0 / 12)).Add(magic).Sub(magic)))
	tri := z.AsInt32x8().And(archsimd.BroadcastInt32x8(math.MaxInt32)).AsFloat32x8()
	return l.Sub(a.Mul(splat(-1).Max(splat(1).Min(tri.Sub(splat(3))))))
}

// exp8 is expPlane's body.
func exp8(x f8) f8 {
	magic := splat(roundMagic32)
	x = x.Max(splat(-87)).Min(splat(88))
	t := x.Mul(splat(math.Log2E)).Add(magic)
	n := t.AsInt32x8().Sub(magic.AsInt32x8())
	k := t.Sub(magic)
	r := x.Sub(k.Mul(splat(ln2Hi))).Sub(k.Mul(splat(ln2Lo)))
	p := splat(1.0 / 720).Add(r.Mul(splat(1.0 / 5040)))
	p = splat(1.0 / 120).Add(r.Mul(p))
	p = splat(1.0 / 24).Add(r.Mul(p))
	p = splat(1.0 / 6).Add(r.Mul(p))
	p = splat(1.0 / 2).Add(r.Mul(p))
	p = splat(1).Add(r.Mul(p))
	p = splat(1).Add(r.Mul(p))
	return p.Mul(n.Add(archsimd.BroadcastInt32x8(127)).ShiftAllLeft(23).AsFloat32x8())
}

func expVec(buf []float32) int {
	n := vecLen(len(buf))
	for i := 0; i < n; i += 8 {
		exp8(load(buf[i:])).StoreSlice(buf[i:])
	}
	return n
}

func gaussianVec(buf []float32) int {
	n := vecLen(len(buf))
	for i := 0; i < n; i += 8 {
		x := load(buf[i:])
		exp8(neg(x).Mul(x)).StoreSlice(buf[i:])
	}
	return n
}

func sigmoidVec(buf []float32) int {
	n := vecLen(len(buf))
	one := splat(1)
	for i := 0; i < n; i += 8 {
		e := exp8(neg(load(buf[i:])))
		one.Sub(e).Div(one.Add(e)).StoreSlice(buf[i:])
	}
	return n
}

// clipVec is activate's clip: x.Min(3) keeps a -0, and so does Max(-3).
func clipVec(buf []float32) int {
	n := vecLen(len(buf))
	lo, hi, third := splat(-3), splat(3), splat(1.0/3)
	for i := 0; i < n; i += 8 {
		load(buf[i:]).Min(hi).Max(lo).Mul(third).StoreSlice(buf[i:])
	}
	return n
}

func sinVec(buf []float32) int {
	n := vecLen(len(buf))
	magic := splat(roundMagic32)
	for i := 0; i < n; i += 8 {
		x := load(buf[i:])
		t := x.Mul(splat(1 / math.Pi)).Add(magic)
		q := t.Sub(magic)
		r := x.Sub(q.Mul(splat(piA))).Sub(q.Mul(splat(piB))).Sub(q.Mul(splat(piC)))
		r2 := r.Mul(r)
		p := splat(1.0 / 362880).Add(r2.Mul(splat(-1.0 / 39916800)))
		p = splat(-1.0 / 5040).Add(r2.Mul(p))
		p = splat(1.0 / 120).Add(r2.Mul(p))
		p = splat(-1.0 / 6).Add(r2.Mul(p))
		s := r.Add(r.Mul(r2).Mul(p))
		s.AsInt32x8().Xor(t.AsInt32x8().ShiftAllLeft(31)).AsFloat32x8().StoreSlice(buf[i:])
	}
	return n
}

// fillVec sets dst to c.
func fillVec(dst []float32, c float32) int {
	n := vecLen(len(dst))
	v := splat(c)
	for i := 0; i < n; i += 8 {
		v.StoreSlice(dst[i:])
	}
	return n
}

// axpcVec sets dst to c + w*s.
func axpcVec(dst []float32, c, w float32, s []float32) int {
	n := vecLen(len(dst))
	cv, wv := splat(c), splat(w)
	for i := 0; i < n; i += 8 {
		cv.Add(wv.Mul(load(s[i:]))).StoreSlice(dst[i:])
	}
	return n
}

// axpc2Vec sets dst to c + w0*s0 + w1*s1.
func axpc2Vec(dst []float32, c, w0 float32, s0 []float32, w1 float32, s1 []float32) int {
	n := vecLen(len(dst))
	cv, w0v, w1v := splat(c), splat(w0), splat(w1)
	for i := 0; i < n; i += 8 {
		cv.Add(w0v.Mul(load(s0[i:]))).Add(w1v.Mul(load(s1[i:]))).StoreSlice(dst[i:])
	}
	return n
}

// addVec adds w*s to dst.
func addVec(dst []float32, w float32, s []float32) int {
	n := vecLen(len(dst))
	wv := splat(w)
	for i := 0; i < n; i += 8 {
		load(dst[i:]).Add(wv.Mul(load(s[i:]))).StoreSlice(dst[i:])
	}
	return n
}

// add2Vec adds w0*s0 + w1*s1 to dst.
func add2Vec(dst []float32, w0 float32, s0 []float32, w1 float32, s1 []float32) int {
	n := vecLen(len(dst))
	w0v, w1v := splat(w0), splat(w1)
	for i := 0; i < n; i += 8 {
		load(dst[i:]).Add(w0v.Mul(load(s0[i:])).Add(w1v.Mul(load(s1[i:])))).StoreSlice(dst[i:])
	}
	return n
}

// rowVec sets d to cy + row.
func rowVec(d []float32, cy float32, row []float32) int {
	n := vecLen(len(d))
	c := splat(cy)
	for i := 0; i < n; i += 8 {
		c.Add(load(row[i:])).StoreSlice(d[i:])
	}
	return n
}

// row1Vec sets d to cy + row + w0*s0.
func row1Vec(d []float32, cy float32, row []float32, w0 float32, s0 []float32) int {
	n := vecLen(len(d))
	c, w0v := splat(cy), splat(w0)
	for i := 0; i < n; i += 8 {
		c.Add(load(row[i:])).Add(w0v.Mul(load(s0[i:]))).StoreSlice(d[i:])
	}
	return n
}

// row2Vec sets d to cy + row + w0*s0 + w1*s1.
func row2Vec(d []float32, cy float32, row []float32, w0 float32, s0 []float32, w1 float32, s1 []float32) int {
	n := vecLen(len(d))
	c, w0v, w1v := splat(cy), splat(w0), splat(w1)
	for i := 0; i < n; i += 8 {
		c.Add(load(row[i:])).Add(w0v.Mul(load(s0[i:]))).Add(w1v.Mul(load(s1[i:]))).StoreSlice(d[i:])
	}
	return n
}

// lerpVec writes a + f*(b-a) to out.
func lerpVec(a, b, out []float32, f float32) int {
	n := vecLen(len(a))
	fv := splat(f)
	for i := 0; i < n; i += 8 {
		av := load(a[i:])
		av.Add(fv.Mul(load(b[i:]).Sub(av))).StoreSlice(out[i:])
	}
	return n
}

// lerp2Vec writes a + f0*(b-a) to o0 and a + f1*(b-a) to o1.
func lerp2Vec(a, b, o0, o1 []float32, f0, f1 float32) int {
	n := vecLen(len(a))
	f0v, f1v := splat(f0), splat(f1)
	for i := 0; i < n; i += 8 {
		av := load(a[i:])
		d := load(b[i:]).Sub(av)
		av.Add(f0v.Mul(d)).StoreSlice(o0[i:])
		av.Add(f1v.Mul(d)).StoreSlice(o1[i:])
	}
	return n
}

// lerp4Vec is lerp2Vec for four rows.
func lerp4Vec(a, b, o0, o1, o2, o3 []float32, f0, f1, f2, f3 float32) int {
	n := vecLen(len(a))
	f0v, f1v, f2v, f3v := splat(f0), splat(f1), splat(f2), splat(f3)
	for i := 0; i < n; i += 8 {
		av := load(a[i:])
		d := load(b[i:]).Sub(av)
		av.Add(f0v.Mul(d)).StoreSlice(o0[i:])
		av.Add(f1v.Mul(d)).StoreSlice(o1[i:])
		av.Add(f2v.Mul(d)).StoreSlice(o2[i:])
		av.Add(f3v.Mul(d)).StoreSlice(o3[i:])
	}
	return n
}

// resampleVec is resampleRow with the planned groups of r.hgroups: each
// output is a + f*(b-a) from its two sources a and b, as in resampleRow.
func (r *Renderer) resampleVec(s, t []float32) {
	t = t[:len(r.hx)]
	x := 0
	for k := range r.hgroups {
		g := &r.hgroups[k]
		if g.base < 0 {
			resampleTaps(s, t[x:x+8], r.hx[x:x+8])
		} else {
			v := load(s[g.base:])
			a := v.Permute(archsimd.LoadUint32x8(&g.i0))
			b := v.Permute(archsimd.LoadUint32x8(&g.i1))
			a.Add(load(r.fx[x:]).Mul(b.Sub(a))).StoreSlice(t[x:])
		}
		x += 8
	}
	resampleTaps(s, t[x:], r.hx[x:])
}

// resampleTaps writes the outputs of taps from source row s to t.
func resampleTaps(s, t []float32, taps []tap) {
	t = t[:len(taps)]
	for x, tp := range taps {
		a := s[tp.i0]
		t[x] = a + tp.f*(s[tp.i1]-a)
	}
}
