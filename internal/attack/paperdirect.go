package attack

import "math/rand/v2"

// paperDirect is the paper's direct encoding: one 8-bit gene per pixel and
// channel, as the direct encoding, but for colour models the three planes
// hold hue, lightness and saturation, which render converts to RGB (then
// rounds to the 8-bit grid, so that the PNG of an image scores what was
// scored). Gray models render their genes as they are. Its children come
// from pairs of parents through SBX crossover (crossPair) and the paper's
// polynomial mutation.
type paperDirect struct {
	// d holds the geometry, the mutation and the mapping to the scorer's
	// input format, shared with the default algorithm's direct encoding.
	d   *direct
	hls bool
	// crossRate is the probability that a pair of parents is crossed:
	// sbxRate, unless a paperVariant says otherwise.
	crossRate float64
	pool      bytePool
	// rgb holds one genome of RGB bytes per worker, for HLS renders.
	rgb []*genome
}

func newPaperDirect(d *direct, workers int) *paperDirect {
	p := &paperDirect{d: d, hls: d.c == 3, crossRate: sbxRate}
	if p.hls {
		p.rgb = make([]*genome, max(1, workers))
	}
	return p
}

func (p *paperDirect) name() string { return EncodingDirect }

func (p *paperDirect) alloc() *genome { return p.pool.get(p, p.d.n) }

func (p *paperDirect) release(g *genome) { p.pool.put(g) }

// random draws uniform noise in every gene: in HLS for colour models, as
// the paper's code does.
func (p *paperDirect) random(rng *rand.Rand) *genome {
	g := p.alloc()
	fillNoise(rng, g.pix)
	return g
}

func (p *paperDirect) child(*genome) *genome { return p.alloc() }

// mutateInto applies the paper's polynomial mutation, as the direct
// encoding does.
func (p *paperDirect) mutateInto(rng *rand.Rand, parent, g *genome) {
	p.d.mutateInto(rng, parent, g)
}

// crossPair breeds two children x and y from parents a and b as the paper's
// code does: SBX with probability sbxRate, else copies of the parents in
// random order; then each child is mutated.
// y may be nil, for a generation of odd size: the second child is then
// bred and dropped, so that the random stream stays the same.
func (p *paperDirect) crossPair(rng *rand.Rand, a, b, x, y *genome) {
	if y == nil {
		// Rare (odd generation units), so allocating is fine, and
		// safe on any worker where the pool is not.
		y = &genome{pix: make([]uint8, p.d.n)}
	}
	switch {
	case rng.Float64() < p.crossRate:
		crossBytes(rng, a.pix, b.pix, x.pix, y.pix)
	case rng.IntN(2) == 0:
		copy(x.pix, a.pix)
		copy(y.pix, b.pix)
	default:
		copy(x.pix, b.pix)
		copy(y.pix, a.pix)
	}
	// Mutation in place: mutateInto copies its parent first, which for
	// the child itself changes nothing.
	p.d.mutateInto(rng, x, x)
	p.d.mutateInto(rng, y, y)
}

// toRGB writes the RGB bytes of g's HLS genes into rgb.
func (p *paperDirect) toRGB(g *genome, rgb []uint8) {
	hw := p.d.h * p.d.w
	hp, lp, sp := g.pix[:hw], g.pix[hw:2*hw], g.pix[2*hw:3*hw]
	for i := range hw {
		r, gr, b := hlsToRGB(byteToUnit64(hp[i]), byteToUnit64(lp[i]), byteToUnit64(sp[i]))
		rgb[i], rgb[hw+i], rgb[2*hw+i] = toByte(r), toByte(gr), toByte(b)
	}
}

func (p *paperDirect) render(g *genome, dst []float32, worker int) error {
	if !p.hls {
		return p.d.render(g, dst, worker)
	}
	rgb := p.rgb[worker]
	if rgb == nil {
		rgb = &genome{pix: make([]uint8, p.d.n)}
		p.rgb[worker] = rgb
	}
	p.toRGB(g, rgb.pix)
	return p.d.render(rgb, dst, worker)
}

// image is the genome's RGB bytes: the genes themselves, or the HLS genes
// converted as the search scored them.
func (p *paperDirect) image(g *genome) ([]uint8, error) {
	if !p.hls {
		return p.d.image(g)
	}
	rgb := make([]uint8, p.d.n)
	p.toRGB(g, rgb)
	return rgb, nil
}
