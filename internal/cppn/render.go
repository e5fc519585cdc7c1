package cppn

import (
	"fmt"
	"math"
)

// ColorMode says how a three-output genome's outputs become RGB.
type ColorMode uint8

const (
	// ColorHSL reads the outputs as hue, lightness and saturation, in that
	// order, and converts them to RGB, as the paper's ImageNet runs did.
	// It is the default because it reproduces the paper's images: a
	// single lightness output carries most of the pattern, so shapes stay
	// coherent across channels, and saturation lets the network choose
	// between gray and vivid regions instead of mixing three unrelated
	// patterns.
	ColorHSL ColorMode = iota
	// ColorRGB uses the three outputs directly as red, green and blue.
	ColorRGB
)

// String names the colour mode.
func (m ColorMode) String() string {
	switch m {
	case ColorHSL:
		return "hsl"
	case ColorRGB:
		return "rgb"
	}
	return fmt.Sprintf("ColorMode(%d)", uint8(m))
}

// Options configure a Renderer. The zero value renders at full resolution in
// HSL.
type Options struct {
	// RenderSize is the internal resolution of the longer image side; the
	// shorter side keeps the aspect ratio. The network is evaluated on
	// that grid and bilinearly upsampled to the output size. 0, or a size
	// at least the output's, evaluates every pixel.
	//
	// 56 for a 224×224 model costs a sixteenth of the network evaluations
	// and, with upsampling, about an eighth of the render time. Detail
	// finer than the grid is lost, which narrows the images the search can
	// reach but never misreports one: the classifier scores exactly the
	// image Render returns.
	RenderSize int
	// Color applies to three-channel renderers only.
	Color ColorMode
}

// Renderer evaluates genomes into canonical images: planar C×H×W float32 in
// [0, 1], the layout attack.Scorer takes. It evaluates the network node by
// node over whole rows and planes of pixels, not pixel by pixel, and reuses
// its buffers, so Render does not allocate once it has seen a genome of the
// largest size so far.
//
// A Renderer is not safe for concurrent use; create one per goroutine.
type Renderer struct {
	w, h, channels int
	// lw×lh is the internal grid; n = lw*lh values per plane. Its top-left
	// quadrant, middle row and column included, is qw×qh = qn values.
	lw, lh, n  int
	qw, qh, qn int
	color      ColorMode

	// d is the distance input over the internal grid. x and y are vectors
	// at the front of vec; the bias is folded into constants.
	d []float32
	// vec holds every vector: x coordinates at xOff, y coordinates at
	// yOff, zero vectors at zeroX and zeroY, d over the quadrant at dqOff
	// (these fixedLen values are set once), then the per-column, per-row
	// and per-quadrant vectors of one render.
	vec                             []float32
	xOff, yOff, zeroX, zeroY, dqOff int32
	fixedLen, vecLen                int
	// Planes are evaluated a tile of whole rows at a time so that every
	// plane a step touches stays in cache. tiles holds nslots-1 planes of
	// tileLen values; slot s >= 1 starts at (s-1)*tileLen.
	tileRows, tileLen int
	tiles             []float32
	nslots            int32

	// The compiled program (see compile.go).
	vecSteps   []vecStep
	planeSteps []planeStep
	terms      []term
	srcs       []weighted

	// Upsampling, used only when the internal grid is smaller: lo holds
	// the finished internal image, tmp one channel after the horizontal
	// pass, cols and rows the runs of output columns and rows that share
	// their two source pixels, and fx and fy the weight of the second
	// source pixel per output column and row.
	lo, tmp    []float32
	cols, rows []span
	fx, fy     []float32
	// hx is every output column's taps, and hgroups plans the vector
	// kernel's horizontal pass (see hgroup) when there are vector kernels.
	hx      []tap
	hgroups []hgroup

	// Compilation scratch, indexed by node.
	inStart  []int32 // incoming links of node v: inLinks[inStart[v]:inStart[v+1]]
	inLinks  []int32
	cursor   []int32
	state    []uint8
	dom      []domain
	constVal []float32
	lastUse  []int32
	slot     []int32
	vecOff   []int32
	// Compilation scratch, per program.
	ord   []int32
	stack []int32
	free  []int32
}

// tileTarget is the number of pixels per tile: 8 KiB per plane, so a step's
// destination and a few source planes fit in a 32 KiB L1 cache.
const tileTarget = 2048

// tap is one output pixel's bilinear source along one axis.
type tap struct {
	i0, i1 int32
	f      float32
}

// weighted is a resolved term: a source slice and its weight.
type weighted struct {
	s []float32
	w float32
}

// NewRenderer returns a Renderer for w×h images with 1 (gray) or 3 (colour)
// channels.
func NewRenderer(w, h, channels int, opt Options) (*Renderer, error) {
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("cppn: renderer size %d×%d: must be positive", w, h)
	}
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("cppn: renderer with %d channels: need 1 or 3", channels)
	}
	if opt.RenderSize < 0 {
		return nil, fmt.Errorf("cppn: render size %d: must be 0 or positive", opt.RenderSize)
	}
	if opt.Color != ColorHSL && opt.Color != ColorRGB {
		return nil, fmt.Errorf("cppn: unknown colour mode %v", opt.Color)
	}
	r := &Renderer{w: w, h: h, channels: channels, lw: w, lh: h, color: opt.Color}
	if long := max(w, h); opt.RenderSize > 0 && opt.RenderSize < long {
		r.lw = max(1, int(math.Round(float64(w*opt.RenderSize)/float64(long))))
		r.lh = max(1, int(math.Round(float64(h*opt.RenderSize)/float64(long))))
	}
	r.n = r.lw * r.lh
	r.qw, r.qh = (r.lw+1)/2, (r.lh+1)/2
	r.qn = r.qw * r.qh
	r.tileRows = max(1, min(r.lh, tileTarget/r.lw))
	r.tileLen = r.tileRows * r.lw

	lw, lh := int32(r.lw), int32(r.lh)
	r.xOff, r.yOff, r.zeroX, r.zeroY, r.dqOff = 0, lw, lw+lh, 2*lw+lh, 2*(lw+lh)
	r.fixedLen = int(r.dqOff) + r.qn
	r.vec = make([]float32, r.fixedLen)
	for i := range r.lw {
		r.vec[int(r.xOff)+i] = float32(coord(i, r.lw))
	}
	for i := range r.lh {
		r.vec[int(r.yOff)+i] = float32(coord(i, r.lh))
	}
	r.d = make([]float32, r.n)
	for py := range r.lh {
		y := coord(py, r.lh)
		for px := range r.lw {
			x := coord(px, r.lw)
			// Dividing by sqrt(2) puts d in [0, 1] like the other
			// inputs' magnitudes, so the shared weight range means
			// the same for all of them.
			r.d[py*r.lw+px] = float32(math.Sqrt((x*x + y*y) / 2))
		}
	}
	for qy := range r.qh {
		copy(r.vec[int(r.dqOff)+qy*r.qw:][:r.qw], r.d[qy*r.lw:])
	}
	if r.lw != w || r.lh != h {
		r.lo = make([]float32, channels*r.n)
		r.tmp = make([]float32, r.lh*w)
		r.hx = taps(w, r.lw)
		r.cols, r.fx = spans(r.hx)
		if vectorised {
			r.hgroups = hgroups(r.hx, r.lw)
		}
		r.rows, r.fy = spans(taps(h, r.lh))
	}
	return r, nil
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

// Vectorised reports whether renders use AVX2 vector kernels: fooltest built
// with GOEXPERIMENT=simd for amd64, on a CPU with AVX2. Without them renders
// are the same, bit for bit, and take 3 to 5 times as long
// (BenchmarkRender224).
func Vectorised() bool { return vectorised }

// Shape returns the output image shape: channels, height and width.
func (r *Renderer) Shape() (c, h, w int) { return r.channels, r.h, r.w }

// InternalSize returns the grid the network is evaluated on before
// upsampling; it equals the output size at full resolution.
func (r *Renderer) InternalSize() (w, h int) { return r.lw, r.lh }

// Render writes g's image into dst, which must hold channels×h×w values.
// Each output node's value v in [-1, 1] becomes (v+1)/2, clamped to [0, 1];
// for colour in HSL mode those are hue, lightness and saturation. Render
// only reads g, so renderers in several goroutines may share a genome.
func (r *Renderer) Render(g *Genome, dst []float32) error {
	if g.outputs != r.channels {
		return fmt.Errorf("cppn: render a %d-output genome with a %d-channel renderer", g.outputs, r.channels)
	}
	if want := r.channels * r.h * r.w; len(dst) != want {
		return fmt.Errorf("cppn: render into %d values: need %d", len(dst), want)
	}
	if err := r.compile(g); err != nil {
		return fmt.Errorf("cppn: render: %w", err)
	}
	for _, s := range r.vecSteps {
		out := r.vec[s.dst : s.dst+s.n]
		r.srcs = r.srcs[:0]
		for _, t := range r.terms[s.t0:s.t1] {
			r.srcs = append(r.srcs, weighted{s: r.vec[t.src : t.src+s.n], w: t.w})
		}
		setTerms(out, s.c, r.srcs)
		if !s.noAct {
			activate(s.act, out)
		}
	}
	img := dst
	if r.lo != nil {
		img = r.lo
	}
	for y0 := 0; y0 < r.lh; y0 += r.tileRows {
		y1 := min(r.lh, y0+r.tileRows)
		for _, s := range r.planeSteps {
			r.runPlane(s, y0, y1)
		}
		r.finish(img, y0, y1)
	}
	if r.lo != nil {
		for c := range r.channels {
			r.upsample(r.lo[c*r.n:(c+1)*r.n], dst[c*r.w*r.h:(c+1)*r.w*r.h])
		}
	}
	return nil
}

// plane returns the first m values of slot s for the tile starting at row
// y0.
func (r *Renderer) plane(s int32, y0, m int) []float32 {
	if s == slotD {
		o := y0 * r.lw
		return r.d[o : o+m : o+m]
	}
	o := int(s-1) * r.tileLen
	return r.tiles[o : o+m : o+m]
}

// runPlane evaluates plane step s over rows y0 to y1.
func (r *Renderer) runPlane(s planeStep, y0, y1 int) {
	lw, m := r.lw, (y1-y0)*r.lw
	out := r.plane(s.slot, y0, m)
	if s.mirror >= 0 {
		q := r.vec[s.mirror:][:r.qn]
		for y := y0; y < y1; y++ {
			qy := min(y, r.lh-1-y)
			src := q[qy*r.qw:][:r.qw]
			d := out[(y-y0)*lw:][:lw]
			copy(d, src)
			for x := r.qw; x < lw; x++ {
				d[x] = src[lw-1-x]
			}
		}
		return
	}
	r.srcs = r.srcs[:0]
	for _, t := range r.terms[s.t0:s.t1] {
		r.srcs = append(r.srcs, weighted{s: r.plane(t.src, y0, m), w: t.w})
	}
	row := r.vec[s.row : int(s.row)+lw]
	col := r.vec[int(s.col)+y0 : int(s.col)+y1]
	// The first two planes are fused into the pass that lays down the
	// row and column vectors; the rest add two per pass.
	first := r.srcs[:min(2, len(r.srcs))]
	for j, cy := range col {
		o := j * lw
		d := out[o : o+lw]
		row := row[:len(d)]
		switch len(first) {
		case 0:
			for x := rowVec(d, cy, row); x < len(d); x++ {
				d[x] = cy + row[x]
			}
		case 1:
			s0, w0 := first[0].s[o:][:len(d)], first[0].w
			for x := row1Vec(d, cy, row, w0, s0); x < len(d); x++ {
				d[x] = cy + row[x] + w0*s0[x]
			}
		default:
			s0, w0 := first[0].s[o:][:len(d)], first[0].w
			s1, w1 := first[1].s[o:][:len(d)], first[1].w
			for x := row2Vec(d, cy, row, w0, s0, w1, s1); x < len(d); x++ {
				d[x] = cy + row[x] + w0*s0[x] + w1*s1[x]
			}
		}
	}
	addTerms(out, r.srcs[len(first):])
	if !s.noAct {
		activate(s.act, out)
	}
}

// setTerms sets dst to c plus the weighted sum of srcs, each at least as
// long as dst.
func setTerms(dst []float32, c float32, srcs []weighted) {
	n := len(dst)
	switch len(srcs) {
	case 0:
		for i := fillVec(dst, c); i < n; i++ {
			dst[i] = c
		}
		return
	case 1:
		s, w := srcs[0].s[:n], srcs[0].w
		for i := axpcVec(dst, c, w, s); i < n; i++ {
			dst[i] = c + w*s[i]
		}
		return
	}
	s0, w0 := srcs[0].s[:n], srcs[0].w
	s1, w1 := srcs[1].s[:n], srcs[1].w
	for i := axpc2Vec(dst, c, w0, s0, w1, s1); i < n; i++ {
		dst[i] = c + w0*s0[i] + w1*s1[i]
	}
	addTerms(dst, srcs[2:])
}

// addTerms adds the weighted sum of srcs to dst, two sources per pass to
// halve the loads and stores of dst.
func addTerms(dst []float32, srcs []weighted) {
	n := len(dst)
	for ; len(srcs) >= 2; srcs = srcs[2:] {
		s0, w0 := srcs[0].s[:n], srcs[0].w
		s1, w1 := srcs[1].s[:n], srcs[1].w
		for i := add2Vec(dst, w0, s0, w1, s1); i < n; i++ {
			dst[i] += w0*s0[i] + w1*s1[i]
		}
	}
	if len(srcs) == 1 {
		s, w := srcs[0].s[:n], srcs[0].w
		for i := addVec(dst, w, s); i < n; i++ {
			dst[i] += w * s[i]
		}
	}
}

// finish maps the output planes of rows y0 to y1 to pixel values in img
// (channels planes of the internal size).
func (r *Renderer) finish(img []float32, y0, y1 int) {
	n, o, m := r.n, y0*r.lw, (y1-y0)*r.lw
	if r.channels == 3 && r.color == ColorHSL {
		hslToRGB(r.plane(r.slot[NumInputs], y0, m), r.plane(r.slot[NumInputs+1], y0, m), r.plane(r.slot[NumInputs+2], y0, m),
			img[o:o+m], img[n+o:n+o+m], img[2*n+o:2*n+o+m])
		return
	}
	for c := range r.channels {
		p := r.plane(r.slot[NumInputs+c], y0, m)
		out := img[c*n+o : c*n+o+m]
		for i := unitVec(p, out); i < len(p); i++ {
			out[i] = unit(p[i])
		}
	}
}

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
