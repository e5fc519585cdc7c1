package attack

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/fooltest/fooltest/internal/cppn"
)

// Tuning of the default search; the package README and docs/search.md
// have the measurements behind each value.
const (
	// fewSeeds random images start a search over at most maxClimbers
	// classes; with more classes, seedsPerClass per class.
	fewSeeds      = 20
	seedsPerClass = 0.5
	// seedConf bounds the confidences (K per image) that the seed
	// generation holds, to 64 MiB: half an image per class would be 20 GB
	// with 100,000 classes, and as many evaluations before the first
	// climb. Models of up to 5,792 classes keep their half per class.
	seedConf = 16 << 20
	// maxClimbers bounds the classes climbing at once. Models with more
	// classes than this are searched as "many classes" (below).
	maxClimbers = 64
	// With many classes, only classes at candidate confidence or above
	// climb, and MAP-Elites lineages (see lineage) fill each generation
	// up to manyGen: climbing converts near misses cheaply, while the
	// lineages find new near misses across all classes. Below 64
	// candidates the climbs leave slots to the lineages, which is why
	// candidate is low: on MobileNetV2 at 30,000 evaluations, 0.8 left
	// the climbers short of 64 for the whole run.
	candidate = 0.6
	manyGen   = 128
	// With many classes, the candidates climb in the order of their
	// expected rate of conversion: the class's recent margin gain per
	// proposal over the margin it still lacks. The gain per proposal is
	// a decayed average (rateDecay per proposal) that starts from
	// priorRate as if priorWeight proposals had made it, so that a new
	// candidate gets a few tries and a class whose climb stalled drops
	// behind until its margin rises again (lineages can still raise it).
	// Set once at 30,000 evaluations; on search version 3 at 150,000
	// (seed 1), decays of 0.9 and 0.98 both lost 45 classes, priors of
	// 0.2 and 0.05 lost 34 and 16 (docs/measurements.md, "activations,
	// the endgame, the rate order and the climbers' share over time").
	rateDecay   = 0.95
	priorRate   = 0.1
	priorWeight = 5
	// A search focused on part of its targets (a shard of fooltest run
	// --shard) also climbs the other targets' candidates, at othersRate
	// times their expected rate: each shard finds near misses for every
	// class, and a class's own shard converts only a fraction of its
	// classes, so most of those conversions add to the merged result.
	// On MobileNetV2, 4 shards of 7,500 evaluations merged fooled 85
	// classes with 0.5 (90 with 1) against 63 climbing their own alone;
	// on search version 3, 4 shards of 90,000 (seed 1) 544 with 0.5,
	// 543 with 1 and 503 with 0 (docs/measurements.md, "how a shard
	// divides its climbs").
	othersRate = 0.5
	// maxSlots bounds one class's proposals per generation when a
	// generation is widened to fill whole batches. The classes left last
	// then take more, smaller steps: on mnist-8 (both encodings, median
	// of 15 seeds) 452 evaluations with 4, against 501, 544 and 565 with
	// 6, 8 and 16. The price is batches left partly empty (padding, not
	// evaluations) once fewer than unit/maxSlots classes climb.
	maxSlots = 4
	// With both encodings, few-class climbs on colour images (CIFAR-10)
	// differ from those on gray ones (MNIST), measured on the three
	// CIFAR-10 models of docs/measurements.md ("Colour climbs"); on
	// cifar10-resnet8-lawrence they cut the median of 15 seeds from 2,573
	// evaluations to 884:
	//   - stepRate of their patches add or subtract stepSize per channel
	//     (Square Attack's step) instead of painting a colour-cube
	//     corner: those reach the mid-tones that natural classes such as
	//     deer need, and from 0.9 to 0.99 succeed twice as often
	//     (stepSize is on the 0..255 scale of direct genes);
	//   - copyRate of them copy a rectangle of the elite elsewhere in
	//     it, which can repeat a feature that a pooling classifier then
	//     counts twice;
	//   - no complement follows each patch, and a class gets at most
	//     colourSlots proposals per generation: more distinct, more
	//     sequential steps;
	//   - the colourSeeds seed images are all CPPNs, whose smooth colour
	//     fields start the classes nearer and give steps mid-tones to
	//     work on.
	// On MNIST, at 0.9999, the same changes cost (additive steps, CPPN
	// seeds), so gray images keep the search above; so does the direct
	// encoding, whose seeds are patches on black: there the steps cost
	// cifar10-keras-anshaj and cifar10-tutorial-refrain7 a quarter to a
	// half more evaluations.
	stepRate    = 0.8
	copyRate    = 0.1
	stepSize    = 64
	colourSlots = 2
	colourSeeds = 40
	// startArea is the image fraction a patch covers at first; it halves
	// on the square-attack schedule (patchSchedule).
	startArea = 0.15
	// Few-class climbs on gray images (MNIST) start from graySeeds patch
	// seeds, no CPPNs, with patches of grayArea at first: over 15 seeds
	// this lowered the median on all eight MNIST models measured (on
	// mnist-20px-norm from 577 evaluations to 446, on mnist-zoo8 from 452
	// to 382), where CPPN seeds, 20 seeds and a start of 0.15 had been
	// set on two of them (docs/measurements.md, "Gray climbs").
	graySeeds = 40
	grayArea  = 0.1
	// seedRects patches of seedArea each make a direct seed image.
	seedRects = 20
	seedArea  = 0.1
	// viewRate is the share of a class's own CPPN proposals that change
	// the view (shift, mirror, colour curve) rather than the network.
	viewRate = 0.5
	// nudgeRate is, with many classes, the share of a class's own network
	// proposals that move one weight by a Gaussian step of nudgeSigma
	// instead of applying the paper's mutation. (On MNIST, where climbs
	// go to 0.9999, nudges made CPPN searches slower.)
	nudgeRate  = 0.5
	nudgeSigma = 1.0
	// With many classes, tileRate of the own proposals of a class at
	// tileFrom or above add a tile patch (see tilePatch): a step of
	// stepSize on a rectangle of tileArea times the tile at first,
	// halving on patchSchedule as the class's patches add up. Network
	// and view moves make the CPPN's pattern; near the threshold the
	// steps reach values the pattern cannot, and on MobileNetV2 they
	// fooled 396 classes in 150,000 evaluations against 321 without
	// (docs/measurements.md, "Tile patches").
	tileFrom = 0.9
	tileRate = 0.5
	tileArea = 0.1
	// With many classes, the last endgame share of the budget (of
	// MaxEvals, or of the time to the context's deadline, whichever is
	// spent first) goes to the climbs alone, up to endClimbers classes
	// at once: a near miss that a lineage finds then has too little
	// budget left to be converted, while the candidates already found
	// convert at the climbs' rate. On MobileNetV2 at 150,000 evaluations
	// this fooled 433, 394 and 397 classes against 410, 386 and 385
	// (seeds 1 to 3); the last 10%, 40% and 60% of the budget gave 415,
	// 412 and 378, and 256 climbers in the last 20% gave 412
	// (docs/measurements.md, "Endgame"). On search version 3 (seed 1,
	// 483 classes) the last 15% and 25% gave 477 and 470, and 96
	// climbers 480.
	endgame     = 0.2
	endClimbers = 128
	// A lineage that failed lineageFails times in a row restarts from a
	// class's parent; with probability poolRate that class is one just
	// below the climbing range, from poolFrom to candidate, so that
	// exploration feeds the climbers. Candidates left waiting for one of
	// the maxClimbers slots are not drawn: on MobileNetV2 int8, drawing
	// them as well led at 60,000 and 100,000 evaluations and was level at
	// 150,000 (a mean of −2.8 classes over six seeds, −47 to +38;
	// docs/measurements.md, "lineage restarts, two children per lineage
	// and the endgame's candidates"). Restarts after 20 failures fooled
	// a mean of 460.7 classes at 150,000 evaluations over six seeds,
	// after 40, 448.0 over two, against version 3's 473.6 over ten; after
	// 5, 448 on seed 1 (483) ("Lineage restarts after 20 and 40
	// failures").
	lineageFails = 10
	poolRate     = 0.5
	poolFrom     = 0.3
	// A few-class patch climb that made restartTries patches, whose
	// patches are then about a 64th of the first, and whose parent's
	// margin has not risen in its last staleAfter proposals, starts over
	// from a black image with its patch schedule reset. The class's elite
	// stays in the archive, and the climb returns to it once the new
	// climb passes it. Climbs that paint 0 and 1 can end in an image that
	// no patch improves: on mnist-flat-ls, class 1 stalled near 0.9990
	// on dense images in 7 of 10 seeds, where the climbs that fooled it
	// had drawn a sparse stroke (a white-box gradient ascent from 20
	// random images stalled too, at 0.9994). With restarts every class
	// of mnist-flat-ls and every reachable one of mnist-nhwc-wuhan-sm
	// was fooled in all 10 seeds, and searches whose climbs never stall
	// are unchanged (docs/measurements.md, "Restarts").
	//
	// A class that climbs alone holds the whole search up,
	// so once its climb has not improved in staleAfter proposals it
	// restarts at once, without waiting for restartTries patches, from a
	// new seed image at its 1st, 3rd, ... restart and from black at the
	// others. On frenz86-mnist, whose class 8 is trapped at an all-black
	// image (no single pixel raises its margin there), the median of 45
	// seeds fell from 2,883 evaluations to 1,305 and the seeds trapped
	// past 5,000 from 22 to 3; of the 19 MNIST rows only it and
	// ram6ces-mnist changed at 15 seeds, both faster. Seed images alone
	// left mnist-flat-ls's class 1, which needs a sparse stroke drawn
	// from black, unfooled in one seed of 45 (docs/measurements.md,
	// "gray climbs against the two GitHub stragglers, again").
	staleAfter   = 300
	restartTries = 2000
	// With many classes, a climb on its elite at tileFrom or above whose
	// cell gained nothing in manyStale of its own proposals restarts from
	// the class's runner-up: the best image for it, at manyAlt or above,
	// that a lineage (or a seed) made and that did not become its parent,
	// so a different line of search from the stalled elite's. The cell
	// keeps its elite; the restarted climb returns to it once it passes
	// it, or after manyStale proposals without a gain of its own (from a
	// newer runner-up if there is one). Stalled classes between 0.9 and
	// 0.99 took 35% to 42% of the climbs' proposals, 255 each, where the
	// classes that converted needed a median of 35 to 58. On MobileNetV2
	// int8 at 150,000 evaluations this fooled 449, 444, 407, 458, 431, 429
	// and 422 classes against 421, 416, 406, 434, 457, 411 and 444 (seeds
	// 1 to 7, mean +1.7%, within a seed's noise); restarts after 100
	// proposals from runner-ups at 0.6 or above, further from the elite,
	// gave 416, 428 and 378 (docs/measurements.md, "restarts for stalled
	// many-class climbs").
	manyStale = 150
	manyAlt   = 0.9
	// mixRate is the share of CPPN proposals that, with few classes,
	// start from a random class's parent instead of the class's own,
	// which lets climbs escape local optima the way MAP-Elites does.
	mixRate = 0.3
)

// Kinds of children, recorded to judge them once scored.
const (
	kindExplore = iota // seed or MAP-Elites child
	kindPatch          // a new patch on the class's elite
	kindAnti           // the complement of a patch
	kindMerge          // the elite plus last generation's other improving patches
	kindCPPN           // a CPPN proposal for the class
)

type proposal struct {
	kind int
	r    rect
	// lin is 1 + the lineage of a kindExplore child, 0 for none.
	lin int
}

// climber is one class's hill climb.
type climber struct {
	// tries counts the class's patches; it sets the patch size.
	tries int
	// base is the cell's margin when the generation was bred: patches
	// that beat it improved on the elite they were made from.
	base float64
	// anti is the complement of the last patch, to try next when that
	// patch was tried alone and failed; merge lists last generation's
	// improving patches other than the best, to add to the elite.
	anti    rect
	hasAnti bool
	merge   []rect
	// net is the best CPPN image found for the class (held): the parent
	// of its CPPN proposals. netConf and netOthers rank it as cells do.
	net       *genome
	netConf   float32
	netOthers float64
	// tilePatches counts the class's tile patches; it sets their size.
	tilePatches int
	// stale counts the proposals since the climb's parent last improved.
	stale int
	// fresh is, after a restart, the climb's own parent (held), and
	// freshM its margin; nil while the class climbs on its elite.
	fresh  *genome
	freshM float64
	// restarted counts the climb's restarts.
	restarted int
	// alt is, with many classes, the class's runner-up (held; see
	// manyStale), and altConf and altOthers rank it.
	alt       *genome
	altConf   float32
	altOthers float64
	// freshConf is the fresh parent's confidence (many classes).
	freshConf float32
	// gain and tried are the decayed sums of the margin the class's cell
	// gained while it climbed and of the proposals made for it (many
	// classes).
	gain, tried float64
}

// lineage is a (1+1) search that fills "many classes" generations with
// CPPN children: it follows each child that takes any cell, so it drifts
// from class to class wherever the archive improves, and restarts from a
// class's parent after lineageFails failures in a row. With the restart
// pool, they fooled more ImageNet classes than MAP-Elites children of
// uniformly drawn parents (docs/measurements.md has the numbers).
type lineage struct {
	parent *genome
	fails  int
}

// climb is fooltest's default search: per-class hill climbs on the classes
// nearest the threshold, every child also offered to every class's cell.
type climb struct {
	e  *engine
	d  *direct
	cp *cppnEncoding
	cl []climber
	// focus lists the cells the search works on (see Config.Focus); nil
	// for every cell.
	focus []int
	many  bool
	// end says that the current generation is bred in the endgame (see
	// endgame).
	end    bool
	seeded bool
	// seedDir and seedCPPN say which encodings draw the seed images
	// (alternately when both do); climbCPPN, whether the climbs and
	// lineages after them are CPPN proposals rather than direct patches.
	seedDir, seedCPPN, climbCPPN bool
	// colour marks few-class climbs on colour images with both
	// encodings: CPPN seeds, then steps and copies besides painted
	// patches (see stepRate). slotCap bounds a class's proposals per
	// generation, and seeds is the number of seed images. area0 is the
	// image fraction of a class's first patches.
	colour  bool
	slotCap int
	// restarts says whether stalled climbs start over (see staleAfter).
	restarts bool
	// manyRestarts says whether stalled many-class climbs restart from
	// their runner-ups (see manyStale).
	manyRestarts bool
	seeds        int
	area0        float64
	// props[i] says how child i of the current generation was made.
	props []proposal
	// active lists the classes climbing in the next generation and slots
	// how many proposals each gets.
	active, slots []int
	// pool lists the classes a lineage restart prefers (see poolRate).
	pool     []int
	lineages []lineage
	imp      []improvement
	scratch  []float32
}

type improvement struct {
	gain float64
	r    rect
}

func newClimb(e *engine) algorithm {
	// A search focused on part of the targets is sized by that part: its
	// climbers and seeds are those of a model with as many classes.
	c := &climb{e: e, d: e.direct, cp: e.cppn, cl: make([]climber, len(e.arch.cells))}
	if e.cfg.inFocus != nil {
		c.focus = e.cfg.focus
	}
	// The mode follows the model's class count, not the targets': an
	// image's confidence spreads over all of a model's classes, and on a
	// 1000-class network the few-class climbs find little to climb for
	// any number of targets. On MobileNetV2 int8 (8,000 evaluations, seed
	// 1), a shard of 1/16 (63 classes) fooled 39 classes with the
	// many-class search and 2 with the few-class one; 10 targets at
	// 10,000 evaluations, 1 (two more above 0.94) against none above 0.17
	// (docs/measurements.md, "The search's mode").
	c.many = e.k > maxClimbers
	switch e.cfg.Encoding {
	case EncodingDirect:
		c.seedDir = true
	case EncodingCPPN:
		c.seedCPPN, c.climbCPPN = true, true
	default:
		// Both encodings: each regime climbs with the encoding that
		// fooled the most classes per evaluation on every model
		// measured (docs/measurements.md, "Default search"). With few
		// classes (MNIST, CIFAR-10), patches on the class's elite,
		// which may be a rendered CPPN: half the seeds are CPPNs,
		// which start some classes nearer the threshold (colour and
		// gray images change the seeds below). With many
		// (ImageNet), CPPNs alone: direct patches there fooled a
		// fraction as many. Sharing generations by each encoding's
		// recent success split MNIST runs evenly, where CPPN climbs
		// need several times as many evaluations, and cost MobileNetV2
		// a fifth of the classes fooled in 30,000 evaluations.
		c.seedDir, c.seedCPPN = !c.many, true
		c.climbCPPN = c.many
	}
	c.slotCap, c.seeds, c.area0 = maxSlots, fewSeeds, startArea
	if c.colour = !c.many && c.seedCPPN && !c.climbCPPN && e.c == 3; c.colour {
		c.seedDir, c.seeds, c.slotCap = false, colourSeeds, colourSlots
	}
	if !c.many && !c.climbCPPN && e.c == 1 {
		// Gray patch climbs, with either encoding setting: the same
		// search, bit for bit.
		c.seedDir, c.seedCPPN = true, false
		c.seeds, c.area0 = graySeeds, grayArea
	}
	c.restarts = !c.many && !c.climbCPPN && !c.colour && !e.cfg.noRestarts
	c.manyRestarts = c.many && c.climbCPPN && !e.cfg.noRestarts
	if c.many && c.climbCPPN {
		// Many-class lineages find new near misses by changing their
		// networks' structure, and networks that grow faster find
		// more: on MobileNetV2 int8 at 150,000 evaluations, deleting
		// links and nodes at half the paper's rates fooled a mean of
		// 453.1 classes over seeds 1 to 7 against 434.3, and adding
		// them at 0.7 rather than 0.5 as well, 479.0. On seed 1,
		// additions at 0.6 and 0.9 lost 63 and 58 classes against
		// 0.7 (0.8 was level), links or nodes alone at 0.5 42 and 55,
		// seed networks grown by 4 or 12 mutations 36 and 45 against
		// version 2, halving every structural rate 100, raising them
		// all by half 34, and other weight rates 45 and 75; the
		// paper's rates in the climbs alone lost 20 a seed over seeds
		// 1 to 3 (docs/measurements.md, "links and nodes added at
		// 0.7", "networks that grow faster" and "rates, climb moves
		// and lineage restarts screened").
		c.cp.rates = cppn.GrowingRates()
	}
	return c
}

// classes is the number of classes the search works on.
func (c *climb) classes() int {
	if c.focus != nil {
		return len(c.focus)
	}
	return len(c.cl)
}

// draw returns a uniformly drawn class the search works on.
func (c *climb) draw(rng *rand.Rand) int {
	if c.focus != nil {
		return c.focus[rng.IntN(len(c.focus))]
	}
	return rng.IntN(len(c.cl))
}

func (c *climb) breed(g *generation) {
	rng := c.e.rng
	c.props = c.props[:0]
	if !c.seeded {
		c.seeded = true
		n := c.seeds
		if c.many {
			n = int(seedsPerClass * float64(c.classes()))
			n = c.e.roundUnit(min(n, max(manyGen, seedConf/c.e.k)))
		}
		for i := range n {
			if c.seedCPPN && (!c.seedDir || i%2 == 1) {
				g.add(c.cppnSeed(rng), -1)
			} else {
				g.add(c.blocks(rng), -1)
			}
			c.props = append(c.props, proposal{kind: kindExplore})
		}
		return
	}
	useCPPN := c.climbCPPN
	c.end = c.many && c.e.spent() >= 1-endgame
	c.schedule()
	for j, i := range c.active {
		cell := &c.e.arch.cells[i]
		c.cl[i].base = margin(cell.conf, cell.others)
		if cl := &c.cl[i]; cl.fresh != nil {
			// A restarted climb that caught up with the elite made it
			// (or matched it), so the class climbs on its elite again.
			if cl.freshM >= cl.base {
				drop(cl.fresh)
				cl.fresh = nil
			} else {
				cl.base = cl.freshM
			}
		}
		if c.many {
			cl := &c.cl[i]
			d := math.Pow(rateDecay, float64(c.slots[j]))
			cl.gain, cl.tried = cl.gain*d, cl.tried*d+float64(c.slots[j])
		}
		if useCPPN {
			for range c.slots[j] {
				g.add(c.cppnChild(rng, i), i)
				c.props = append(c.props, proposal{kind: kindCPPN})
			}
		} else {
			c.patchChildren(rng, g, i, c.slots[j])
		}
	}
	if c.many {
		// Lineages (CPPN) or MAP-Elites children of uniformly drawn
		// parents (direct) fill the generation; in the endgame only to
		// a whole unit, unless no class climbs.
		n := c.e.roundUnit(manyGen)
		if u := c.e.unit; c.end && len(g.genomes) > 0 {
			n = (len(g.genomes) + u - 1) / u * u
		}
		for l := 0; len(g.genomes) < n; l++ {
			if useCPPN {
				g.add(c.lineageChild(rng, l), -1)
				c.props = append(c.props, proposal{kind: kindExplore, lin: l + 1})
				continue
			}
			g.add(c.explore(rng, false), -1)
			c.props = append(c.props, proposal{kind: kindExplore})
		}
	}
}

// explore returns a MAP-Elites child: a mutation of a uniformly drawn
// focus class's parent.
func (c *climb) explore(rng *rand.Rand, useCPPN bool) *genome {
	j := c.draw(rng)
	if useCPPN {
		src := c.cl[j].net
		if src == nil {
			return c.cp.random(rng)
		}
		return mutate(c.cp, rng, src)
	}
	parent := c.directParent(j)
	if parent == nil {
		return c.blocks(rng)
	}
	child := c.d.clone(parent)
	c.release(parent, j)
	c.apply(child, c.randRect(rng, c.area(c.cl[j].tries)))
	return child
}

// lineageChild returns the next child of lineage l, restarting the lineage
// first if it failed lineageFails times in a row.
func (c *climb) lineageChild(rng *rand.Rand, l int) *genome {
	for len(c.lineages) <= l {
		c.lineages = append(c.lineages, lineage{})
	}
	ln := &c.lineages[l]
	if ln.parent == nil || ln.fails >= lineageFails {
		j := c.draw(rng)
		if len(c.pool) > 0 && rng.Float64() < poolRate {
			j = c.pool[rng.IntN(len(c.pool))]
		}
		drop(ln.parent)
		ln.parent, ln.fails = c.cl[j].net, 0
		if ln.parent == nil {
			return c.cp.random(rng)
		}
		hold(ln.parent)
	}
	return mutate(c.cp, rng, ln.parent)
}

// cppnSeed draws a random CPPN to start from. With many classes it is
// tiled 2×2, 4×4 or 8×8: on MobileNetV2 with 1000 classes, tiled starts
// fooled 1.8 times as many classes in 60,000 evaluations (untiled images
// remain one view move away).
func (c *climb) cppnSeed(rng *rand.Rand) *genome {
	g := c.cp.random(rng)
	if n := usableTiles(c.e.h, c.e.w); c.many && n > 1 {
		g.view = newView()
		g.view.tile = tiles[1+rng.IntN(n-1)]
	}
	return g
}

// seedImage draws one more seed image of the kind the search starts from:
// a CPPN when its seeds are CPPNs alone (colour climbs), else patches on
// black.
func (c *climb) seedImage(rng *rand.Rand) *genome {
	if c.seedCPPN && !c.seedDir {
		return c.cppnSeed(rng)
	}
	return c.blocks(rng)
}

// release returns a converted parent from directParent to the pool.
func (c *climb) release(parent *genome, i int) {
	if parent != c.e.arch.cells[i].elite && parent != c.cl[i].fresh {
		c.d.release(parent)
	}
}

// cppnChild returns a CPPN proposal for class i: a change of view or a
// mutation of the class's parent network.
func (c *climb) cppnChild(rng *rand.Rand, i int) *genome {
	src, own := c.cl[i].net, true
	conf := c.e.arch.cells[i].conf
	if f := c.cl[i].fresh; f != nil && c.many {
		src, conf = f, c.cl[i].freshConf
	}
	if !c.many && rng.Float64() < mixRate {
		if j := rng.IntN(len(c.cl)); c.cl[j].net != nil {
			src, own = c.cl[j].net, false
		}
	}
	if src == nil {
		return c.cp.random(rng)
	}
	if c.many && own && float64(conf) >= tileFrom && rng.Float64() < tileRate {
		cl := &c.cl[i]
		a := scheduledArea(tileArea, cl.tilePatches)
		cl.tilePatches++
		return c.cp.addTilePatch(rng, src, a)
	}
	if own && rng.Float64() < viewRate {
		return c.cp.reframe(rng, src, c.many)
	}
	if c.many && own && rng.Float64() < nudgeRate {
		return c.cp.nudge(rng, src, nudgeSigma)
	}
	return mutate(c.cp, rng, src)
}

func (c *climb) after(g *generation) {
	k := c.e.k
	for i := range g.scored {
		if l := c.props[i].lin; l > 0 {
			ln := &c.lineages[l-1]
			if g.cells[i] > 0 {
				hold(g.genomes[i])
				drop(ln.parent)
				ln.parent, ln.fails = g.genomes[i], 0
			} else {
				ln.fails++
			}
		}
		if x := g.genomes[i]; x.net != nil {
			c.offerParent(x, g.conf[i*k:(i+1)*k], int(g.want[i]))
		}
	}
	if c.many {
		// What each climber's cell gained, from its own proposals or
		// any other image, since the generation was bred.
		for _, i := range c.active {
			cell := &c.e.arch.cells[i]
			if c.cl[i].fresh != nil {
				// A restarted climb's gain is its own parent's (see
				// trackMany).
				continue
			}
			if d := margin(cell.conf, cell.others) - c.cl[i].base; d > 0 && !math.IsInf(d, 0) {
				c.cl[i].gain += d
			}
		}
	}
	for start := 0; start < g.scored; {
		w := g.want[start]
		end := start + 1
		for end < g.scored && g.want[end] == w {
			end++
		}
		if w >= 0 {
			c.judge(g, int(w), start, end)
		}
		start = end
	}
}

// offerParent lets CPPN image x (confidences row) compete to be every class's
// CPPN parent, as cells do. A class's own proposal also wins an exact tie, so
// that its climb drifts across the plateaus of quantized models' outputs.
func (c *climb) offerParent(x *genome, row []float32, want int) {
	total := rowTotal(row)
	for j, t := range c.e.arch.targets {
		cl := &c.cl[j]
		p := row[t]
		if cl.net != nil && p < cl.netConf {
			if c.manyRestarts && want < 0 && p >= manyAlt {
				c.offerAlt(cl, x, p, othersOf(row, t, total))
			}
			continue
		}
		o := othersOf(row, t, total)
		if cl.net != nil && p == cl.netConf && (o > cl.netOthers || o == cl.netOthers && j != want) {
			if c.manyRestarts && want < 0 && p >= manyAlt {
				c.offerAlt(cl, x, p, o)
			}
			continue
		}
		hold(x)
		drop(cl.net)
		cl.net, cl.netConf, cl.netOthers = x, p, o
	}
}

// judge updates class w's climb from its proposals start..end-1: the
// improving patches besides the best are merged next time, and a lone
// failed patch has its complement tried.
func (c *climb) judge(g *generation, w, start, end int) {
	cl := &c.cl[w]
	k, t := c.e.k, c.e.arch.targets[w]
	c.imp = c.imp[:0]
	// best and at are the best margin above the parent's and its proposal
	// (-1 for none), over every proposal of a restarted climb, which moves
	// to it (see track); a climb on its elite scans only its patches, and
	// track does not read them.
	best, at := cl.base, -1
	success := false
	for i := start; i < end; i++ {
		success = success || g.took[i]
		p := c.props[i]
		patch := p.kind == kindPatch || p.kind == kindAnti
		if !patch && cl.fresh == nil {
			continue
		}
		row := g.conf[i*k : (i+1)*k]
		// othersOf as the archive computes it, so that a patch that
		// leaves the elite's confidences unchanged gains exactly 0.
		m := margin(row[t], othersOf(row, t, rowTotal(row)))
		if m > best {
			best, at = m, i
		}
		if gain := m - cl.base; patch && gain > 0 {
			c.imp = append(c.imp, improvement{gain, p.r})
		}
	}
	if c.restarts {
		c.track(g, w, start, end, best, at)
	}
	if c.manyRestarts {
		c.trackMany(g, w, start, end, best, at)
	}
	if cl.fresh != nil {
		success = len(c.imp) > 0
	}
	if end-start == 1 && c.props[start].kind == kindPatch && c.props[start].r.op != opCopy && !success {
		cl.anti, cl.hasAnti = c.props[start].r.complement(), true
	}
	if len(c.imp) < 2 {
		return
	}
	slices.SortFunc(c.imp, func(a, b improvement) int {
		switch {
		case a.gain > b.gain:
			return -1
		case a.gain < b.gain:
			return 1
		}
		return 0
	})
	// The best is the elite now. The others go on top of it, larger
	// gains last so that they win where patches overlap.
	for j := len(c.imp) - 1; j >= 1; j-- {
		cl.merge = append(cl.merge, c.imp[j].r)
	}
}

// track counts class w's proposals start..end-1 towards a restart, and
// moves a restarted climb to its best child, at, when that improved on its
// parent (margin best; at is -1 when none did).
func (c *climb) track(g *generation, w, start, end int, best float64, at int) {
	cl := &c.cl[w]
	if cl.fresh == nil {
		cell := &c.e.arch.cells[w]
		if margin(cell.conf, cell.others) > cl.base {
			cl.stale = 0
		} else {
			cl.stale += end - start
		}
		return
	}
	if at < 0 {
		cl.stale += end - start
		return
	}
	cl.stale = 0
	hold(g.genomes[at])
	drop(cl.fresh)
	cl.fresh, cl.freshM = g.genomes[at], best
}

// maybeRestart starts class i's climb over when it stalled: after
// restartTries patches, or at once when the class climbs alone, which holds
// the search up by itself (see staleAfter).
func (c *climb) maybeRestart(i int) {
	cl := &c.cl[i]
	if !c.restarts || cl.stale < staleAfter {
		return
	}
	switch {
	case cl.tries >= restartTries:
		c.restart(i, false)
	case len(c.active) == 1:
		c.restart(i, true)
	}
}

// restart starts class i's climb over from a black image (see staleAfter),
// or, at the 1st, 3rd, ... restart of a class that climbs alone, from a new
// seed image (see staleAfter).
func (c *climb) restart(i int, lone bool) {
	cl := &c.cl[i]
	drop(cl.fresh)
	cl.restarted++
	if lone && cl.restarted%2 == 1 {
		cl.fresh = c.blocks(c.e.rng)
	} else {
		cl.fresh = c.d.alloc()
		clear(cl.fresh.pix)
	}
	hold(cl.fresh)
	cl.freshM, cl.base = math.Inf(-1), math.Inf(-1)
	cl.stale, cl.tries = 0, 0
	cl.merge, cl.hasAnti = cl.merge[:0], false
}

// offerAlt lets lineage image x (confidence p, others o) compete to be
// climber cl's runner-up.
func (c *climb) offerAlt(cl *climber, x *genome, p float32, o float64) {
	if cl.alt != nil && (p < cl.altConf || p == cl.altConf && o >= cl.altOthers) {
		return
	}
	hold(x)
	drop(cl.alt)
	cl.alt, cl.altConf, cl.altOthers = x, p, o
}

// trackMany counts many-class climber w's proposals start..end-1 towards a
// restart, moves a restarted climb to its best child at (margin best) when
// that improved on its parent, and restarts a climb that stalled: one on
// its elite at tileFrom or above from its runner-up, a restarted one from
// a newer runner-up or else back on its elite.
func (c *climb) trackMany(g *generation, w, start, end int, best float64, at int) {
	cl := &c.cl[w]
	k, t := c.e.k, c.e.arch.targets[w]
	cell := &c.e.arch.cells[w]
	if cl.fresh == nil {
		if margin(cell.conf, cell.others) > cl.base {
			cl.stale = 0
		} else {
			cl.stale += end - start
		}
		if cl.stale < manyStale || float64(cell.conf) < tileFrom || cl.alt == nil {
			return
		}
		c.restartMany(w)
		return
	}
	if at >= 0 {
		cl.gain += best - cl.base
		cl.stale = 0
		hold(g.genomes[at])
		drop(cl.fresh)
		cl.fresh, cl.freshM, cl.freshConf = g.genomes[at], best, g.conf[at*k+t]
		return
	}
	cl.stale += end - start
	if cl.stale < manyStale {
		return
	}
	if cl.alt != nil {
		c.restartMany(w)
		return
	}
	drop(cl.fresh)
	cl.fresh, cl.stale = nil, 0
}

// restartMany moves many-class climber w onto its runner-up.
func (c *climb) restartMany(w int) {
	cl := &c.cl[w]
	drop(cl.fresh)
	cl.fresh, cl.freshConf, cl.freshM = cl.alt, cl.altConf, margin(cl.altConf, cl.altOthers)
	cl.alt = nil
	cl.stale, cl.restarted = 0, cl.restarted+1
	cl.gain, cl.tried, cl.tilePatches = 0, 0, 0
}
