package attack

import (
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
	// patches lists a CPPN image's tile patches, newest first; nil for
	// none. A view with another tiling drops them.
	patches *tilePatch
	refs    int32
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
// rounded to the byte grid, which is toByte of cppn's mutation without its four
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
