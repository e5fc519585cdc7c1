package attack

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
)

func knob(name string, def float64) float64 {
	if v := os.Getenv("FT_" + name); v != "" {
		f, _ := strconv.ParseFloat(v, 64)
		return f
	}
	return def
}

// rect is a patch proposal: an axis-aligned rectangle painted with one colour.
type rect struct {
	x0, y0, rw, rh int
	col            [3]uint8
}

// complement returns r painted with the opposite corner of the colour cube.
func (r rect) complement() rect {
	for ch := range r.col {
		r.col[ch] = 255 - r.col[ch]
	}
	return r
}

// Kinds of proposals.
const (
	kindSeed = iota
	kindPatch
	kindAnti
	kindMerge
	kindCPPN
)

// proposal records how a child was made, to judge it once scored.
type proposal struct {
	kind int
	r    rect
}

// climber is one class's hill climb.
type climber struct {
	// tries counts the class's proposals (it sets the patch size), fails
	// those since the last success (it lowers the class's priority).
	tries, fails int
	// base is the cell's margin when the generation was bred: a proposal
	// succeeds when it beats it.
	base float64
	// anti is the complement of the last patch, to try next when that
	// patch failed alone; merge lists improving patches of the last
	// generation still to be combined.
	anti    rect
	hasAnti bool
	merge   []rect
	// net is the best CPPN found for the class, the parent of its CPPN
	// proposals; held.
	net       *genome
	netConf   float32
	netOthers float64
}

// climb is fooltest's default search.
type climb struct {
	e       *engine
	d       *direct
	cp      *cppnEncoding
	cl      []climber
	seeded  bool
	useDir  bool
	useCPPN bool
	// props[i] says how child i of the current generation was made.
	props []proposal
	// active lists the cells climbing in the next generation, and slots
	// how many proposals each gets.
	active, slots []int
	order         []int
	// encRate is each encoding's recent success rate, for sharing the
	// budget in EncodingBoth.
	encRate  [2]float64
	lastEnc  int
	scratch  []float32
	tmpPlane []float32
	imp      []improvement
}

type improvement struct {
	gain float64
	r    rect
}

func newClimb(e *engine) algorithm {
	c := &climb{e: e, d: e.direct, cp: e.cppn, cl: make([]climber, len(e.arch.cells))}
	c.useDir = e.cfg.Encoding != EncodingCPPN
	c.useCPPN = e.cfg.Encoding != EncodingDirect
	c.encRate = [2]float64{0.1, 0.1}
	return c
}

func (c *climb) seeds() int {
	k := len(c.e.arch.cells)
	if k <= 10 {
		return int(knob("SEEDS", 20))
	}
	return c.e.roundBatch(int(knob("SEEDSPERCLASS", 0.5) * float64(k)))
}

func (c *climb) breed(g *generation) {
	rng := c.e.rng
	c.props = c.props[:0]
	if !c.seeded {
		c.seeded = true
		for i := range c.seeds() {
			if c.useCPPN && (!c.useDir || i%2 == 1) {
				g.add(c.cp.random(rng), -1)
			} else {
				g.add(c.blocks(rng), -1)
			}
			c.props = append(c.props, proposal{kind: kindSeed})
		}
		return
	}
	c.schedule()
	useCPPN := c.useCPPN
	if c.useDir && c.useCPPN {
		// Share the budget by recent success rates, so that each
		// model gets more of the encoding that works on it.
		useCPPN = rng.Float64()*(c.encRate[0]+c.encRate[1]) >= c.encRate[0]
	}
	c.lastEnc = 0
	if useCPPN {
		c.lastEnc = 1
	}
	for j, i := range c.active {
		cl := &c.cl[i]
		cell := &c.e.arch.cells[i]
		cl.base = margin(cell.conf, cell.others)
		n := c.slots[j]
		if useCPPN {
			for range n {
				g.add(c.cppnChild(rng, i), i)
				c.props = append(c.props, proposal{kind: kindCPPN})
			}
			cl.tries += n
			continue
		}
		parent := c.directParent(i)
		if len(cl.merge) > 0 && n > 1 {
			child := c.d.clone(parent)
			for _, r := range cl.merge {
				c.apply(child, r)
			}
			g.add(child, i)
			c.props = append(c.props, proposal{kind: kindMerge})
			n--
		}
		cl.merge = cl.merge[:0]
		for n > 0 {
			if q := knob("DPOST", 0); q > 0 && !cl.hasAnti && rng.Float64() < q {
				v := newView()
				v.mutate(rng, c.e.c, c.e.h, c.e.w)
				c.scratch = grow(c.scratch, c.d.n)
				c.d.render(parent, c.scratch, 0)
				c.tmpPlane = grow(c.tmpPlane, c.e.h*c.e.w)
				v.apply(c.scratch, c.tmpPlane, c.e.c, c.e.h, c.e.w)
				child := c.d.alloc()
				for j, x := range c.scratch {
					child.pix[j] = toByte(float64(x))
				}
				g.add(child, i)
				c.props = append(c.props, proposal{kind: kindMerge})
				n--
				continue
			}
			var r rect
			kind := kindPatch
			if cl.hasAnti {
				r, kind = cl.anti, kindAnti
				cl.hasAnti = false
			} else {
				r = c.randRect(rng, c.area(cl.tries))
				cl.tries++
			}
			child := c.d.clone(parent)
			c.apply(child, r)
			g.add(child, i)
			c.props = append(c.props, proposal{kind: kind, r: r})
			n--
			// In batches, a patch and its complement go together.
			if kind == kindPatch && n > 0 {
				child := c.d.clone(parent)
				c.apply(child, r.complement())
				g.add(child, i)
				c.props = append(c.props, proposal{kind: kindAnti, r: r.complement()})
				n--
			}
		}
		if parent != c.e.arch.cells[i].elite {
			c.d.release(parent)
		}
	}
	if gen := int(knob("GEN", 0)); gen > 0 && useCPPN {
		// MAP-Elites children from uniformly drawn parents fill the
		// generation: they keep raising every class's best.
		for len(g.genomes) < gen {
			j := rng.IntN(len(c.cl))
			src := c.cl[j].net
			var x *genome
			if src == nil {
				x = c.cp.random(rng)
			} else {
				net := src.net.Clone()
				net.Mutate(rng, c.cp.rates)
				x = c.cp.withNet(net)
			}
			g.add(x, -1)
			c.props = append(c.props, proposal{kind: kindSeed})
		}
	}
}

// schedule picks the cells that climb in the next generation and how many
// proposals each gets.
func (c *climb) schedule() {
	arch := c.e.arch
	maxActive := int(knob("ACTIVE", 64))
	c.order = c.order[:0]
	cand := float32(knob("CANDMIN", 0))
	for i := range arch.cells {
		if !arch.cells[i].reached && arch.cells[i].conf >= cand {
			c.order = append(c.order, i)
		}
	}
	pen := knob("PEN", 0)
	prio := func(i int) float64 {
		return margin(arch.cells[i].conf, arch.cells[i].others) - pen*float64(c.cl[i].fails)
	}
	// Closest to the threshold first: each of those needs the fewest
	// evaluations to count as fooled.
	slices.SortStableFunc(c.order, func(a, b int) int {
		pa, pb := prio(a), prio(b)
		switch {
		case pa > pb:
			return -1
		case pa < pb:
			return 1
		}
		return 0
	})
	if len(c.order) > maxActive {
		c.order = c.order[:maxActive]
	}
	c.active = append(c.active[:0], c.order...)
	c.slots = grow(c.slots, len(c.active))
	for j := range c.slots {
		c.slots[j] = 1
	}
	if knob("FILL", 1) == 0 {
		return
	}
	// Fill whole batches: the extra slots go to the classes furthest from
	// the threshold, which hold the run up, up to mmax each.
	b := c.e.batch
	total := (len(c.active) + b - 1) / b * b
	mmax := int(knob("MMAX", 16))
	for extra, j := total-len(c.active), len(c.active)-1; extra > 0; j-- {
		if j < 0 {
			j = len(c.active) - 1
			if c.slots[j] >= mmax {
				break
			}
		}
		if c.slots[j] < mmax {
			c.slots[j]++
			extra--
		}
	}
}

// blocks draws a seed image: random rectangles of random vertex colours on
// black.
func (c *climb) blocks(rng *rand.Rand) *genome {
	x := c.d.alloc()
	clear(x.pix)
	for range int(knob("SEEDRECTS", 20)) {
		c.apply(x, c.randRect(rng, knob("SEEDAREA", 0.1)))
	}
	return x
}

func (c *climb) randRect(rng *rand.Rand, area float64) rect {
	d := c.d
	A := area * float64(d.h*d.w)
	r := math.Exp((rng.Float64()*2 - 1) * math.Ln2)
	rw := max(1, min(d.w, int(math.Round(math.Sqrt(A*r)))))
	rh := max(1, min(d.h, int(math.Round(A/float64(rw)))))
	x0, y0 := rng.IntN(d.w-rw+1), rng.IntN(d.h-rh+1)
	var col [3]uint8
	bits := rng.Uint32()
	for ch := range d.c {
		if bits>>ch&1 == 1 {
			col[ch] = 255
		}
	}
	return rect{x0: x0, y0: y0, rw: rw, rh: rh, col: col}
}

func (c *climb) apply(g *genome, r rect) {
	d := c.d
	for ch := range d.c {
		v := r.col[ch]
		for y := r.y0; y < r.y0+r.rh; y++ {
			row := g.pix[ch*d.h*d.w+y*d.w:]
			for x := r.x0; x < r.x0+r.rw; x++ {
				row[x] = v
			}
		}
	}
}

// area is the fraction of the image a proposal repaints: it halves on the
// square-attack schedule as the class's proposals accumulate.
func (c *climb) area(n int) float64 {
	a := knob("AREA", 0.15)
	for _, at := range []int{10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000} {
		if n >= at {
			a /= 2
		}
	}
	return a
}

// directParent returns cell i's elite as a direct genome, converting a CPPN
// elite by rendering it to 8 bits.
func (c *climb) directParent(i int) *genome {
	el := c.e.arch.cells[i].elite
	if el.pix != nil {
		return el
	}
	x := c.d.alloc()
	c.scratch = grow(c.scratch, c.d.n)
	el.enc.render(el, c.scratch, 0)
	for j, v := range c.scratch {
		x.pix[j] = toByte(float64(v))
	}
	return x
}

func (c *climb) cppnChild(rng *rand.Rand, i int) *genome {
	cl := &c.cl[i]
	src := cl.net
	own := true
	if mix := knob("MIX", 0.3); mix > 0 && rng.Float64() < mix {
		if j := rng.IntN(len(c.cl)); c.cl[j].net != nil {
			src, own = c.cl[j].net, false
		}
	}
	if src == nil {
		return c.cp.random(rng)
	}
	if q := knob("POST", 0); own && q > 0 && rng.Float64() < q {
		v := newView()
		if src.view != nil {
			*v = *src.view
		}
		v.mutate(rng, c.e.c, c.e.h, c.e.w)
		// The network is shared: genomes never change once scored.
		return &genome{enc: c.cp, net: src.net, view: v}
	}
	net := src.net.Clone()
	r := c.cp.rates
	r.Weight = knob("RW", r.Weight)
	r.Activation = knob("RA", r.Activation)
	f := knob("RSF", 1)
	r.AddLink, r.DeleteLink, r.AddNode, r.DeleteNode = r.AddLink*f, r.DeleteLink*f, r.AddNode*f, r.DeleteNode*f
	r.Eta = knob("ETA", r.Eta)
	net.Mutate(rng, r)
	x := c.cp.withNet(net)
	x.view = src.view
	return x
}

func (c *climb) after(g *generation) {
	k := c.e.k
	took := 0
	for i := range g.scored {
		if g.took[i] {
			took++
		}
		x := g.genomes[i]
		w := g.want[i]
		// Every CPPN image competes to be every class's CPPN parent;
		// a class's own proposals also win ties, so that its climb
		// drifts across the plateaus of quantized models.
		if x.net != nil {
			row := g.conf[i*k : (i+1)*k]
			for j, t := range c.e.arch.targets {
				cl := &c.cl[j]
				p := row[t]
				if cl.net != nil && p < cl.netConf {
					continue
				}
				o := othersSum(row, t)
				if cl.net != nil && p == cl.netConf && o >= cl.netOthers && !(knob("NEUTRAL", 0) > 0 && int32(j) == w) {
					continue
				}
				hold(x)
				drop(cl.net)
				cl.net, cl.netConf, cl.netOthers = x, p, o
			}
		}
	}
	if len(c.active) > 0 && g.scored > 0 {
		rate := float64(took) / float64(g.scored)
		c.encRate[c.lastEnc] = 0.8*c.encRate[c.lastEnc] + 0.2*max(rate, 0.01)
	}
	// Judge each class's proposals: successes reset its failure count,
	// improving patches beyond the best are merged next time, and a lone
	// failed patch has its complement tried.
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

func (c *climb) judge(g *generation, w, start, end int) {
	cl := &c.cl[w]
	k, t := c.e.k, c.e.arch.targets[w]
	c.imp = c.imp[:0]
	success := false
	for i := start; i < end; i++ {
		if g.took[i] {
			success = true
		}
		p := c.props[i]
		if p.kind != kindPatch && p.kind != kindAnti {
			continue
		}
		row := g.conf[i*k : (i+1)*k]
		if gain := margin(row[t], othersSum(row, t)) - cl.base; gain > 0 {
			c.imp = append(c.imp, improvement{gain, p.r})
		}
	}
	if success {
		cl.fails = 0
	} else {
		cl.fails += end - start
	}
	if end-start == 1 && c.props[start].kind == kindPatch && !success {
		cl.anti, cl.hasAnti = c.props[start].r.complement(), true
	}
	if len(c.imp) >= 2 {
		slices.SortFunc(c.imp, func(a, b improvement) int {
			switch {
			case a.gain > b.gain:
				return -1
			case a.gain < b.gain:
				return 1
			}
			return 0
		})
		// The best is the elite now; the others are applied on top,
		// the larger gains last so that they win where patches overlap.
		for j := len(c.imp) - 1; j >= 1; j-- {
			cl.merge = append(cl.merge, c.imp[j].r)
		}
	}
}
