package cppn

import (
	"fmt"
	"math"
)

// Options configure a Renderer. The zero value renders at full resolution.
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
	r := &Renderer{w: w, h: h, channels: channels, lw: w, lh: h}
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

// Vectorised reports whether renders use AVX2 vector kernels: fooltest built
// with GOEXPERIMENT=simd for amd64, on a CPU with AVX2. Without them renders
// are the same, bit for bit, and take 3 to 5 times as long
// (BenchmarkRender224).
func Vectorised() bool { return vectorised }

// VectorLen is how many leading values of an n-value loop a vector kernel
// takes: the whole 8-value vectors when Vectorised, else none. The search's
// own kernels use it too, so that one check decides for every kernel.
func VectorLen(n int) int { return vecLen(n) }

// Shape returns the output image shape: channels, height and width.
func (r *Renderer) Shape() (c, h, w int) { return r.channels, r.h, r.w }

// Render writes g's image into dst, which must hold channels×h×w values.
// Each output node's value v in [-1, 1] becomes (v+1)/2, clamped to [0, 1].
// For colour those are hue, lightness and saturation, converted to RGB, as
// the paper's ImageNet runs did: a single lightness output carries most of
// the pattern, so shapes stay coherent across channels, and saturation lets
// the network choose between gray and vivid regions instead of mixing three
// unrelated patterns. Render only reads g, so renderers in several
// goroutines may share a genome.
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
	if r.channels == 3 {
		hslToRGB(r.plane(r.slot[numInputs], y0, m), r.plane(r.slot[numInputs+1], y0, m), r.plane(r.slot[numInputs+2], y0, m),
			img[o:o+m], img[n+o:n+o+m], img[2*n+o:2*n+o+m])
		return
	}
	for c := range r.channels {
		p := r.plane(r.slot[numInputs+c], y0, m)
		out := img[c*n+o : c*n+o+m]
		for i := unitVec(p, out); i < len(p); i++ {
			out[i] = unit(p[i])
		}
	}
}
