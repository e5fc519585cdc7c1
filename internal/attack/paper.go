package attack

import (
	"math"
	"math/rand/v2"
)

// paperPop returns the paper's children per generation for an encoding:
// 200 for MNIST-sized images, and for large colour (ImageNet-sized) images
// 400 with the CPPN encoding and 200 with the direct one.
func paperPop(enc string, c, h, w int) int {
	if c == 3 && h*w > 64*64 && enc == EncodingCPPN {
		return 400
	}
	return 200
}

// paper is MAP-Elites over classes as Nguyen, Yosinski & Clune ran it: each
// generation mutates parents drawn uniformly from the occupied cells, and
// every child competes for every cell. With both encodings, generations
// alternate between them and each keeps its own archive of parents (so
// neither starves the other), while the engine's archive keeps the best of
// both.
type paper struct {
	e    *engine
	encs []encoding
	// pd is the paper's direct encoding, bred in pairs with crossover;
	// nil without the direct encoding.
	pd   *paperDirect
	pops []int
	// parents[i] is encoding i's archive; the engine's own when there is
	// only one encoding.
	parents []*archive
	turn    int
	// from and seeds hold each child's parent and random seed while a
	// generation is bred; srcs and rngs are each worker's random source.
	from  []*genome
	seeds []uint64
	srcs  []*rand.PCG
	rngs  []*rand.Rand
	// breeds decides whether mutations run on one worker or all.
	breeds spread
	// occ holds the occupied focus cells while a generation is bred,
	// when the search has a Focus.
	occ []int32
}

func newPaper(e *engine) *paper {
	p := &paper{e: e}
	if e.cfg.Encoding != EncodingCPPN {
		p.pd = newPaperDirect(e.direct, e.workers)
		if v := e.cfg.paperVariant; v != nil {
			p.pd = v.apply(p.pd)
		}
	}
	switch e.cfg.Encoding {
	case EncodingDirect:
		p.encs = []encoding{p.pd}
	case EncodingCPPN:
		p.encs = []encoding{e.cppn}
	default:
		p.encs = []encoding{p.pd, e.cppn}
	}
	for _, enc := range p.encs {
		// Generations are rounded to whole generation units so that no
		// scorer batch that divides the unit is padded; 200 and 400
		// round to 192 and 384.
		pop := paperPop(enc.name(), e.c, e.h, e.w)
		if v := e.cfg.paperVariant; v != nil && v.pop > 0 && enc == encoding(p.pd) {
			pop = v.pop
		}
		p.pops = append(p.pops, e.roundUnit(pop))
		if len(p.encs) == 1 {
			p.parents = append(p.parents, e.arch)
		} else {
			p.parents = append(p.parents, newArchive(e.cfg.targets))
		}
	}
	return p
}

func (p *paper) breed(g *generation) {
	i := p.turn % len(p.encs)
	enc, arch, rng := p.encs[i], p.parents[i], p.e.rng
	p.turn++
	if len(arch.occupied) == 0 {
		// The first generation is random, as in the paper.
		for range p.pops[i] {
			g.add(enc.random(rng), -1)
		}
		return
	}
	// Parents and random streams are drawn here, in order; the
	// mutations, which cost the most, run on every worker. Each child
	// has its own stream, so the result does not depend on which worker
	// bred it.
	occ := p.parentCells(arch)
	if enc == encoding(p.pd) {
		p.breedPairs(g, arch, occ, p.pops[i])
		return
	}
	p.from, p.seeds = p.from[:0], p.seeds[:0]
	for range p.pops[i] {
		parent := arch.cells[occ[rng.IntN(len(occ))]].elite
		p.from = append(p.from, parent)
		p.seeds = append(p.seeds, rng.Uint64())
		g.add(enc.child(parent), -1)
	}
	p.growRngs()
	// mutateInto cannot fail.
	_ = p.e.parallel(&p.breeds, len(p.from), func(w, j int) error {
		p.srcs[w].Seed(p.seeds[j], childStream)
		enc.mutateInto(p.rngs[w], p.from[j], g.genomes[j])
		return nil
	})
}

// breedPairs breeds n direct children as the paper's code does: each pair
// of parents is drawn uniformly and independently from the occupied cells
// and gives two children (crossPair), so a generation of n children has
// n/2 pairs; an odd n keeps one child of the last pair.
func (p *paper) breedPairs(g *generation, arch *archive, occ []int32, n int) {
	rng := p.e.rng
	p.from, p.seeds = p.from[:0], p.seeds[:0]
	for j := 0; j < n; j += 2 {
		a := arch.cells[occ[rng.IntN(len(occ))]].elite
		b := arch.cells[occ[rng.IntN(len(occ))]].elite
		p.from = append(p.from, a, b)
		p.seeds = append(p.seeds, rng.Uint64())
		g.add(p.pd.child(a), -1)
		if j+1 < n {
			g.add(p.pd.child(b), -1)
		}
	}
	p.growRngs()
	// crossPair cannot fail.
	_ = p.e.parallel(&p.breeds, len(p.seeds), func(w, j int) error {
		p.srcs[w].Seed(p.seeds[j], childStream)
		var y *genome
		if 2*j+1 < n {
			y = g.genomes[len(g.genomes)-n+2*j+1]
		}
		p.pd.crossPair(p.rngs[w], p.from[2*j], p.from[2*j+1], g.genomes[len(g.genomes)-n+2*j], y)
		return nil
	})
}

// growRngs makes one random source per worker.
func (p *paper) growRngs() {
	for len(p.rngs) < p.e.workers {
		src := rand.NewPCG(0, 0)
		p.srcs = append(p.srcs, src)
		p.rngs = append(p.rngs, rand.New(src))
	}
}

// parentCells returns the cells parents are drawn from: the occupied ones,
// of the focus classes only when the search has a Focus (all occupied
// cells while none of those is).
func (p *paper) parentCells(arch *archive) []int32 {
	in := p.e.cfg.inFocus
	if in == nil {
		return arch.occupied
	}
	p.occ = p.occ[:0]
	for _, i := range arch.occupied {
		if in[i] {
			p.occ = append(p.occ, i)
		}
	}
	if len(p.occ) == 0 {
		return arch.occupied
	}
	return p.occ
}

// childStream is the second half of every child's PCG seed; the first is
// drawn from the search's random source.
const childStream = 0x6368696c64 // "child"

func (p *paper) after(g *generation) {
	if len(p.encs) == 1 {
		return
	}
	arch := p.parents[(p.turn-1)%len(p.encs)]
	k := p.e.k
	for i := range g.scored {
		arch.offer(g.genomes[i], g.conf[i*k:(i+1)*k], 0, -1)
	}
}

// paperVariant changes the paper's direct encoding, to measure what each of
// its settings is worth; zero fields keep the paper's values.
type paperVariant struct {
	// pop is the children per generation.
	pop int
	// noCross turns crossover off; crossRate, when positive, sets its
	// probability.
	noCross   bool
	crossRate float64
	// mutationRate, when positive, sets the per-gene mutation
	// probability.
	mutationRate float64
	// noHLS evolves colour images as RGB.
	noHLS bool
}

func (v *paperVariant) apply(p *paperDirect) *paperDirect {
	if v.noCross {
		p.crossRate = 0
	} else if v.crossRate > 0 {
		p.crossRate = v.crossRate
	}
	if v.mutationRate > 0 {
		d := *p.d
		d.pool = nil
		d.skip = -1 / math.Log1p(-v.mutationRate)
		p.d = &d
	}
	if v.noHLS {
		p.hls = false
	}
	return p
}
