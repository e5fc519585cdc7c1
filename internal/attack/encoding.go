package attack

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/fooltest/fooltest/internal/cppn"
)

// genome is one candidate image in an encoding's compact form: 8-bit pixels
// for the direct encoding, a network for the CPPN encoding. A genome is
// immutable once it has been scored, so archive cells, climbers and
// generations share it; refs counts the archive cells and climbers that hold
// it, and a genome nobody holds goes back to its encoding's pool.
type genome struct {
	enc  encoding
	pix  []uint8
	net  *cppn.Genome
	view *view
	refs int32
}

// encoding turns genomes into canonical images. Methods that draw random
// numbers run on the search goroutine only, which keeps runs reproducible;
// render may run on any goroutine, one call per worker index at a time.
type encoding interface {
	// name is EncodingDirect or EncodingCPPN.
	name() string
	// random returns a new random genome, the search's starting point.
	random(rng *rand.Rand) *genome
	// child returns a genome to hold a child of parent, its genes not
	// yet set, for mutateInto.
	child(parent *genome) *genome
	// mutateInto sets g to parent changed by the paper's mutation. It
	// may run on any goroutine: it reads parent and writes only g, so
	// children can be bred in parallel, each with its own random source.
	mutateInto(rng *rand.Rand, parent, g *genome)
	// render writes g's canonical image into dst using worker's scratch.
	render(g *genome, dst []float32, worker int) error
	// image returns g's finished image: planar C×H×W bytes, the canonical
	// values rounded as images are written, in a new slice. It may run on
	// any goroutine.
	image(g *genome) ([]uint8, error)
	// release returns a genome nobody holds to the pool.
	release(g *genome)
}

// mutate returns a child of parent changed by its encoding's paper
// mutation, on the search goroutine.
func mutate(enc encoding, rng *rand.Rand, parent *genome) *genome {
	g := enc.child(parent)
	enc.mutateInto(rng, parent, g)
	return g
}

// hold and drop count references to genomes held beyond their generation.
func hold(g *genome) { g.refs++ }

func drop(g *genome) {
	if g == nil {
		return
	}
	if g.refs--; g.refs <= 0 {
		g.enc.release(g)
	}
}

// byteToUnit maps an 8-bit gene to its canonical value exactly as an 8-bit
// PNG of the image reads back, so reported images score what was scored.
var byteToUnit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// toByte rounds a value in [0,1] to the nearest 8-bit gene.
func toByte(v float64) uint8 {
	return uint8(min(255, max(0, math.Round(v*255))))
}

// unitsToBytes writes toByte of every value of src into dst, several times
// faster: the search converts whole CPPN images into direct parents while
// the scorer waits. For a float32 v, v*255 is exact in float64 and so is
// adding 0.5, so truncating v*255+0.5 rounds half away from zero on [0,1]
// exactly as math.Round does (TestUnitsToBytes).
func unitsToBytes(dst []uint8, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		x := float64(v)*255 + 0.5
		switch {
		case x >= 255:
			dst[i] = 255
		case x >= 0:
			dst[i] = uint8(x)
		default:
			// Below zero, and NaN, which toByte also maps to 0.
			dst[i] = 0
		}
	}
}

// direct is the direct encoding: one 8-bit gene per pixel and channel.
// Genes are stored as bytes rather than the paper's continuous values so that
// a thousand ImageNet elites fit in 150 MB and the images written as 8-bit
// PNGs are exactly the ones that were scored.
type direct struct {
	c, h, w, n int
	// skip is -1/ln(1-p) for the paper's per-gene mutation probability
	// p = 0.1: it turns an exponential draw into the geometric gap to the
	// next mutated gene, so that unmutated genes cost nothing.
	skip float64
	pool bytePool
	// lut maps genes to the scorer's input values, per channel, when the
	// search renders in the model's input format.
	lut [][256]float32
	// out is the mapping behind lut, for the vector kernels.
	out *affine
}

// setOutput makes render write out's mapping of canonical values.
func (d *direct) setOutput(out *affine) {
	d.lut, d.out = nil, out
	if out == nil {
		return
	}
	d.lut = make([][256]float32, d.c)
	for ch := range d.c {
		d.lut[ch] = byteToUnit
		out.apply(d.lut[ch][:], ch)
	}
}

func newDirect(c, h, w int) *direct {
	const rate = 0.1
	return &direct{c: c, h: h, w: w, n: c * h * w, skip: -1 / math.Log1p(-rate)}
}

func (d *direct) name() string { return EncodingDirect }

// bytePool keeps the byte genomes nobody holds, for the next alloc: a
// search breeds and drops thousands of them per second. It is used on the
// search goroutine only.
type bytePool []*genome

// get returns a pooled genome, or a new one of n genes for enc.
func (p *bytePool) get(enc encoding, n int) *genome {
	if k := len(*p); k > 0 {
		g := (*p)[k-1]
		*p = (*p)[:k-1]
		g.refs = 0
		return g
	}
	return &genome{enc: enc, pix: make([]uint8, n)}
}

// put returns g to the pool.
func (p *bytePool) put(g *genome) { *p = append(*p, g) }

// alloc returns a genome with unspecified genes.
func (d *direct) alloc() *genome { return d.pool.get(d, d.n) }

func (d *direct) release(g *genome) { d.pool.put(g) }

// clone returns a copy of parent's genes.
func (d *direct) clone(parent *genome) *genome {
	g := d.alloc()
	copy(g.pix, parent.pix)
	return g
}

// random draws uniform noise, the paper's starting images.
func (d *direct) random(rng *rand.Rand) *genome {
	g := d.alloc()
	fillNoise(rng, g.pix)
	return g
}

// fillNoise sets every byte uniformly at random, eight per draw.
func fillNoise(rng *rand.Rand, pix []uint8) {
	for i := 0; i < len(pix); i += 8 {
		v := rng.Uint64()
		for j := i; j < min(i+8, len(pix)); j++ {
			pix[j] = uint8(v)
			v >>= 8
		}
	}
}

func (d *direct) child(*genome) *genome { return d.alloc() }

// mutateInto applies polynomial mutation (index 15) to each gene with
// probability 0.1.
func (d *direct) mutateInto(rng *rand.Rand, parent, g *genome) {
	copy(g.pix, parent.pix)
	steps := byteSteps()
	for i := d.nextGap(rng); i < d.n; i += 1 + d.nextGap(rng) {
		g.pix[i] = uint8(min(255, max(0, int(g.pix[i])+steps.draw(rng.Float64()))))
	}
}

// stepTable turns a uniform draw into a byte gene's polynomial-mutation
// step, round(255·delta): the paper's mutation on [0,1], clamped, and
// rounded to the byte grid, which is toByte(cppn.Poly(...)) without its four
// square roots. Breeding the paper's direct children is a serial pause
// between the scorer's runs, and on MNIST models the roots were most of it.
type stepTable struct {
	// step holds the step of every draw in [b, b+1)/len(step), or noStep
	// where the step changes within that bucket.
	step [1 << 16]int16
}

const noStep = math.MinInt16

// byteSteps is built once: about 130,000 evaluations of the step.
var byteSteps = sync.OnceValue(func() *stepTable {
	t := new(stepTable)
	n := float64(len(t.step))
	for b := range t.step {
		lo := exactStep(float64(b) / n)
		hi := exactStep(math.Nextafter(float64(b+1)/n, 0))
		t.step[b] = noStep
		if lo == hi {
			// The step is nondecreasing in the draw, so it is lo
			// throughout the bucket.
			t.step[b] = int16(lo)
		}
	}
	return t
})

func (t *stepTable) draw(r float64) int {
	if s := t.step[int(r*float64(len(t.step)))]; s != noStep {
		return int(s)
	}
	return exactStep(r)
}

func exactStep(r float64) int {
	return int(math.Round(255 * cppn.PolynomialDeltaAt(r, cppn.PaperEta)))
}

// nextGap draws how many genes to skip before the next mutated one: a
// geometric variable with success probability rate.
func (d *direct) nextGap(rng *rand.Rand) int {
	gap := rng.ExpFloat64() * d.skip
	if gap > float64(d.n) {
		return d.n
	}
	return int(gap)
}

func (d *direct) render(g *genome, dst []float32, _ int) error {
	if d.lut == nil {
		unpack(dst, g.pix, &byteToUnit, nil, 0)
		return nil
	}
	hw := d.h * d.w
	for ch := range d.c {
		unpack(dst[ch*hw:(ch+1)*hw], g.pix[ch*hw:(ch+1)*hw], &d.lut[ch], d.out, ch)
	}
	return nil
}

// unpack writes lut's value of every byte of pix to dst; lut is byteToUnit
// mapped by channel ch of out (nil for none), which vector kernels compute
// instead.
func unpack(dst []float32, pix []uint8, lut *[256]float32, out *affine, ch int) {
	var i int
	if out == nil {
		i = unpackVec(dst, pix, false, 1, 0)
	} else {
		i = unpackVec(dst, pix, true, out.mul[ch], out.add[ch])
	}
	dst = dst[:len(pix)]
	for ; i < len(pix); i++ {
		dst[i] = lut[pix[i]]
	}
}

// image returns the genes themselves: a direct genome is its image.
func (d *direct) image(g *genome) ([]uint8, error) { return slices.Clone(g.pix[:d.n]), nil }

// cppnEncoding is the indirect encoding: one CPPN per image, 1 output for
// gray models and 3 (hue, lightness, saturation, as in the paper) for colour.
type cppnEncoding struct {
	c, h, w int
	opts    cppn.Options
	rates   cppn.MutationRates
	// canvases holds one canvas per worker; they are not safe for
	// concurrent use. plain renders canonical images on the search
	// goroutine when canvases render in the scorer's input format.
	canvases []*canvas
	plain    *canvas
	// finished holds canvases that render results' images, on any
	// goroutine, after the search.
	finished sync.Pool
}

// canvas renders CPPN images with their views: a Renderer for the model's
// size, one per tiling for the tile's size (made when first needed), and
// scratch planes.
type canvas struct {
	opts  cppn.Options
	full  *cppn.Renderer
	tiled [len(tiles)]*cppn.Renderer
	small []float32
	tmp   []float32
	// out maps canonical values to the scorer's input format; nil for
	// canonical images.
	out *affine
}

// setOutput makes the search's renders write out's mapping of canonical
// values; image still renders canonical images.
func (e *cppnEncoding) setOutput(out *affine) {
	for _, cv := range e.canvases {
		cv.out = out
	}
}

// tileSize returns the side of a tile when n pixels are tiled k times; tiles
// that do not divide n evenly are cut at the image's edge.
func tileSize(n, k int) int { return (n + k - 1) / k }

func (e *cppnEncoding) newCanvas() (*canvas, error) {
	cv := &canvas{opts: e.opts}
	var err error
	if cv.full, err = cppn.NewRenderer(e.w, e.h, e.c, e.opts); err != nil {
		return nil, err
	}
	return cv, nil
}

// tiler returns the renderer of one tile when images of h×w are tiled k
// times. A tile is rendered at its own size (at the CPPN's internal
// resolution at most), not cut out of a full-size render: tiling makes
// images cheaper to render.
func (cv *canvas) tiler(k, c, h, w int) (*cppn.Renderer, error) {
	i := slices.Index(tiles[:], k)
	if i < 0 {
		return nil, fmt.Errorf("tiling %d is not one of %v", k, tiles)
	}
	if cv.tiled[i] == nil {
		ws, hs := tileSize(w, k), tileSize(h, k)
		o := cv.opts
		o.RenderSize = cppnRenderSize(hs, ws)
		r, err := cppn.NewRenderer(ws, hs, c, o)
		if err != nil {
			return nil, err
		}
		cv.tiled[i] = r
	}
	return cv.tiled[i], nil
}

// render writes g's image into dst.
func (cv *canvas) render(g *genome, dst []float32, c, h, w int) error {
	v := g.view
	if v != nil && v.tile > 1 {
		r, err := cv.tiler(v.tile, c, h, w)
		if err != nil {
			return err
		}
		_, hs, ws := r.Shape()
		cv.small = slices.Grow(cv.small[:0], c*hs*ws)[:c*hs*ws]
		if err := r.Render(g.net, cv.small); err != nil {
			return err
		}
		v.applyTiled(dst, cv.small, c, hs, ws, h, w, cv.out)
		return nil
	}
	if err := cv.full.Render(g.net, dst); err != nil {
		return err
	}
	cv.tmp = slices.Grow(cv.tmp[:0], c*h*w)[:c*h*w]
	v.apply(dst, cv.tmp, c, h, w, cv.out)
	return nil
}

// cppnRenderSize is the internal resolution of CPPN renders. CPPN images are
// smooth, so evaluating the network on a 56×56 grid and upsampling costs a
// sixteenth of a full 224×224 evaluation and leaves the image nearly the
// same; small models are rendered at full resolution.
func cppnRenderSize(h, w int) int {
	long := max(h, w)
	if long <= 64 {
		return 0
	}
	return max(56, (long+3)/4)
}

func newCPPN(c, h, w, workers int) (*cppnEncoding, error) {
	e := &cppnEncoding{c: c, h: h, w: w, rates: cppn.PaperRates()}
	e.opts = cppn.Options{RenderSize: cppnRenderSize(h, w), Color: cppn.ColorHSL}
	for range max(1, workers) {
		cv, err := e.newCanvas()
		if err != nil {
			return nil, fmt.Errorf("attack: cppn encoding: %w", err)
		}
		e.canvases = append(e.canvases, cv)
	}
	return e, nil
}

func (e *cppnEncoding) name() string { return EncodingCPPN }

func (e *cppnEncoding) random(rng *rand.Rand) *genome {
	net, err := cppn.New(rng, e.c)
	if err != nil {
		// e.c is 1 or 3, checked by Run.
		panic(err)
	}
	return &genome{enc: e, net: net}
}

func (e *cppnEncoding) child(*genome) *genome { return &genome{enc: e} }

func (e *cppnEncoding) mutateInto(rng *rand.Rand, parent, g *genome) {
	g.net = parent.net.Clone()
	g.net.Mutate(rng, e.rates)
	g.view = parent.view
}

// nudge returns a child of parent with one network weight moved by a
// Gaussian step of sigma (clamped to the weight range), its structure and
// view kept. Near the threshold, the paper's mutation (structural changes in
// most children) mostly overshoots; a single small step improves the class
// far more often.
func (e *cppnEncoding) nudge(rng *rand.Rand, parent *genome, sigma float64) *genome {
	net := parent.net.Clone()
	if n := net.NumWeights(); n > 0 {
		i := rng.IntN(n)
		net.SetWeight(i, net.Weight(i)+sigma*rng.NormFloat64())
	}
	return &genome{enc: e, net: net, view: parent.view}
}

// reframe returns a child of parent that shares its network and changes its
// view, its tiling too if tile: networks are never changed once scored, so
// sharing is safe.
func (e *cppnEncoding) reframe(rng *rand.Rand, parent *genome, tile bool) *genome {
	v := newView()
	if parent.view != nil {
		*v = *parent.view
	}
	v.mutate(rng, e.c, e.h, e.w, tile)
	return &genome{enc: e, net: parent.net, view: v}
}

func (e *cppnEncoding) render(g *genome, dst []float32, worker int) error {
	if err := e.canvases[worker].render(g, dst, e.c, e.h, e.w); err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	return nil
}

// canonical renders g's canonical image into dst on the search goroutine.
func (e *cppnEncoding) canonical(g *genome, dst []float32) error {
	cv := e.canvases[0]
	if cv.out != nil {
		if e.plain == nil {
			var err error
			if e.plain, err = e.newCanvas(); err != nil {
				return fmt.Errorf("attack: %w", err)
			}
		}
		cv = e.plain
	}
	if err := cv.render(g, dst, e.c, e.h, e.w); err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	return nil
}

// image renders g on a canvas of the finished-image pool, which results'
// images share across goroutines, and rounds it to bytes.
func (e *cppnEncoding) image(g *genome) ([]uint8, error) {
	cv, _ := e.finished.Get().(*canvas)
	if cv == nil {
		var err error
		if cv, err = e.newCanvas(); err != nil {
			return nil, fmt.Errorf("attack: %w", err)
		}
	}
	defer e.finished.Put(cv)
	img := make([]float32, e.c*e.h*e.w)
	if err := cv.render(g, img, e.c, e.h, e.w); err != nil {
		return nil, fmt.Errorf("attack: rendering an image: %w", err)
	}
	out := make([]uint8, len(img))
	unitsToBytes(out, img)
	return out, nil
}

// release leaves CPPN genomes to the garbage collector: they are small, and
// Clone allocates anyway.
func (e *cppnEncoding) release(*genome) {}
