package attack

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
	pops []int
	// parents[i] is encoding i's archive; the engine's own when there is
	// only one encoding.
	parents []*archive
	turn    int
}

func newPaper(e *engine) *paper {
	p := &paper{e: e}
	switch e.cfg.Encoding {
	case EncodingDirect:
		p.encs = []encoding{e.direct}
	case EncodingCPPN:
		p.encs = []encoding{e.cppn}
	default:
		p.encs = []encoding{e.direct, e.cppn}
	}
	for _, enc := range p.encs {
		// Generations are rounded to whole batches so that no scorer
		// batch is padded; with the usual batch sizes (powers of two up
		// to 64) 200 and 400 stay within 16%.
		p.pops = append(p.pops, e.roundBatch(paperPop(enc.name(), e.c, e.h, e.w)))
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
	for range p.pops[i] {
		if len(arch.occupied) == 0 {
			// The first generation is random, as in the paper.
			g.add(enc.random(rng), -1)
			continue
		}
		parent := arch.cells[arch.occupied[rng.IntN(len(arch.occupied))]].elite
		g.add(enc.mutate(rng, parent), -1)
	}
	p.turn++
}

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
