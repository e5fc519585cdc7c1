// Upsampling: the bilinear map from the internal render size to the
// output size, planned once per renderer.

package cppn

// tap is one output pixel's bilinear source along one axis.
type tap struct {
	i0, i1 int32
	f      float32
}

// coord maps pixel i of n to [-1, 1], corners included: the first and last
// pixels sit at -1 and 1 whatever the resolution, so an internal grid and the
// output grid span the same square. The right half mirrors the left exactly,
// bit for bit, which is what lets radial nodes be evaluated on one quadrant.
func coord(i, n int) float64 {
	switch {
	case 2*i == n-1:
		return 0
	case 2*i > n-1:
		return -coord(n-1-i, n)
	}
	return -1 + 2*float64(i)/float64(n-1)
}

// taps returns the bilinear sources for an axis of n output pixels read from
// m internal ones. Positions align the end pixels (as coord does) and are
// computed in integers, so output pixels that fall exactly on an internal
// pixel copy it without rounding.
func taps(n, m int) []tap {
	t := make([]tap, n)
	if n == 1 || m == 1 {
		return t
	}
	for i := range t {
		num := i * (m - 1)
		i0 := num / (n - 1)
		rem := num % (n - 1)
		i1 := min(i0+1, m-1)
		t[i] = tap{i0: int32(i0), i1: int32(i1), f: float32(rem) / float32(n-1)}
	}
	return t
}

// hgroup plans 8 consecutive output columns of the horizontal upsampling
// pass for a vector kernel: when their sources all lie among the 8 source
// columns from base, one load and two permutations (by i0 and i1, relative to
// base) gather them. base is -1 where they do not.
type hgroup struct {
	base   int32
	i0, i1 [8]uint32
}

// hgroups plans the whole groups of 8 columns among taps, for source rows of
// m values.
func hgroups(taps []tap, m int) []hgroup {
	g := make([]hgroup, len(taps)/8)
	for k := range g {
		t := taps[8*k : 8*k+8]
		// Near the row's end, load the last 8 sources.
		base := min(t[0].i0, int32(m-8))
		g[k].base = base
		if base < 0 || t[7].i1-base >= 8 {
			g[k].base = -1
			continue
		}
		for j, tp := range t {
			g[k].i0[j], g[k].i1[j] = uint32(tp.i0-base), uint32(tp.i1-base)
		}
	}
	return g
}

// span is a run of output pixels along one axis, lo to hi-1, that all
// interpolate between source pixels i0 and i1.
type span struct{ i0, i1, lo, hi int32 }

// spans groups taps into spans, in order, and returns each tap's weight.
func spans(t []tap) ([]span, []float32) {
	var s []span
	f := make([]float32, len(t))
	for i, tp := range t {
		f[i] = tp.f
		if n := len(s); n > 0 && s[n-1].i0 == tp.i0 && s[n-1].i1 == tp.i1 {
			s[n-1].hi++
			continue
		}
		s = append(s, span{i0: tp.i0, i1: tp.i1, lo: int32(i), hi: int32(i + 1)})
	}
	return s, f
}

// upsample bilinearly resizes one internal-size channel src into one
// output-size channel dst: a horizontal pass into tmp, then a vertical one,
// each computing a + f*(b-a) from the two nearest source values a and b.
// Both passes walk spans of outputs that share their sources, so that a
// source value or row is loaded once per span rather than once per output,
// and write several rows per pass over their sources. The Go compiler does
// not vectorise, so stores bound the scalar vertical pass; these loops keep
// the other work per store small. With vector kernels (simd.go), whole rows
// of the vertical pass go 8 values at a time and the horizontal pass
// gathers 8 outputs with two permutations.
func (r *Renderer) upsample(src, dst []float32) {
	w, lw := r.w, r.lw
	y := 0
	if vectorised {
		for ; y < r.lh; y++ {
			r.resampleVec(src[y*lw:][:lw], r.tmp[y*w:][:w])
		}
	}
	for ; y+4 <= r.lh; y += 4 {
		r.resample4(src[y*lw:][:4*lw], r.tmp[y*w:][:4*w])
	}
	for ; y < r.lh; y++ {
		r.resampleRow(src[y*lw:][:lw], r.tmp[y*w:][:w])
	}
	for _, sp := range r.rows {
		a := r.tmp[int(sp.i0)*w:][:w]
		b := r.tmp[int(sp.i1)*w:][:w]
		for y, hi := int(sp.lo), int(sp.hi); y < hi; {
			f := r.fy[y]
			if f == 0 {
				// A row on a source row copies it exactly.
				copy(dst[y*w:][:w], a)
				y++
				continue
			}
			k := 1
			for k < 4 && y+k < hi && r.fy[y+k] != 0 {
				k++
			}
			out := dst[y*w:][:k*w]
			switch k {
			case 4:
				lerp4(a, b, out, r.fy[y:y+4])
			case 3:
				lerp2(a, b, out[:2*w], r.fy[y:y+2])
				lerp1(a, b, out[2*w:], r.fy[y+2])
			case 2:
				lerp2(a, b, out, r.fy[y:y+2])
			default:
				lerp1(a, b, out, f)
			}
			y += k
		}
	}
}

// resampleRow resamples one source row s horizontally into t.
func (r *Renderer) resampleRow(s, t []float32) {
	for _, sp := range r.cols {
		a := s[sp.i0]
		d := s[sp.i1] - a
		o := t[sp.lo:sp.hi]
		f := r.fx[sp.lo:sp.hi]
		f = f[:len(o)]
		for x, fx := range f {
			o[x] = a + fx*d
		}
	}
}

// resample4 is resampleRow for four consecutive source rows in s, written
// to four rows in t: spans hold a handful of outputs, so looping over each
// span once for four rows quarters the loop overhead per output.
func (r *Renderer) resample4(s, t []float32) {
	lw, w := r.lw, r.w
	s0, s1, s2, s3 := s[:lw], s[lw:2*lw], s[2*lw:3*lw], s[3*lw:4*lw]
	t0, t1, t2, t3 := t[:w], t[w:2*w], t[2*w:3*w], t[3*w:4*w]
	for _, sp := range r.cols {
		i0, i1 := sp.i0, sp.i1
		a0, a1, a2, a3 := s0[i0], s1[i0], s2[i0], s3[i0]
		d0, d1, d2, d3 := s0[i1]-a0, s1[i1]-a1, s2[i1]-a2, s3[i1]-a3
		f := r.fx[sp.lo:sp.hi]
		o0, o1, o2, o3 := t0[sp.lo:sp.hi], t1[sp.lo:sp.hi], t2[sp.lo:sp.hi], t3[sp.lo:sp.hi]
		o0, o1, o2, o3 = o0[:len(f)], o1[:len(f)], o2[:len(f)], o3[:len(f)]
		for x, fx := range f {
			o0[x] = a0 + fx*d0
			o1[x] = a1 + fx*d1
			o2[x] = a2 + fx*d2
			o3[x] = a3 + fx*d3
		}
	}
}

// lerp1 writes the row a + f*(b-a) to out.
func lerp1(a, b, out []float32, f float32) {
	b, out = b[:len(a)], out[:len(a)]
	for x := lerpVec(a, b, out, f); x < len(a); x++ {
		av := a[x]
		out[x] = av + f*(b[x]-av)
	}
}

// lerp2 writes the rows a + f[j]*(b-a) for j = 0, 1 one after the other to
// out, reading a and b once.
func lerp2(a, b, out []float32, f []float32) {
	n := len(a)
	f0, f1 := f[0], f[1]
	b, o0, o1 := b[:n], out[:n], out[n:][:n]
	for x := lerp2Vec(a, b, o0, o1, f0, f1); x < n; x++ {
		av := a[x]
		d := b[x] - av
		o0[x] = av + f0*d
		o1[x] = av + f1*d
	}
}

// lerp4 is lerp2 for four rows.
func lerp4(a, b, out []float32, f []float32) {
	n := len(a)
	f0, f1, f2, f3 := f[0], f[1], f[2], f[3]
	b, o0, o1, o2, o3 := b[:n], out[:n], out[n:][:n], out[2*n:][:n], out[3*n:][:n]
	for x := lerp4Vec(a, b, o0, o1, o2, o3, f0, f1, f2, f3); x < n; x++ {
		av := a[x]
		d := b[x] - av
		o0[x] = av + f0*d
		o1[x] = av + f1*d
		o2[x] = av + f2*d
		o3[x] = av + f3*d
	}
}
