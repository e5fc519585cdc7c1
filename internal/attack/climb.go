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

// climber is one class's hill climb.
type climber struct {
	tries, succ int
	// fails counts proposals since the last success.
	fails int
	// last is the last patch proposed; anti is set when it failed and its
	// complement is still to be tried.
	last rect
	anti bool
	// net is the best CPPN found for the class, the parent of its CPPN
	// proposals; held.
	net *genome
	// netConf orders net against new CPPN images for this class.
	netConf     float32
	netOthers   float64
	active      bool
	stalled     bool
	sigma       float64
	mtype       int
	lastWeights bool
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
	turn    int
	// active lists the cells climbing now.
	active           []int
	order            []int
	ties, ups, downs int
	mtry, msucc      [2]int
}

func newClimb(e *engine) algorithm {
	c := &climb{e: e, d: e.direct, cp: e.cppn, cl: make([]climber, len(e.arch.cells))}
	c.useDir = e.cfg.Encoding != EncodingCPPN
	c.useCPPN = e.cfg.Encoding != EncodingDirect
	return c
}

func (c *climb) seeds() int {
	n := int(knob("SEEDS", 20))
	if k := len(c.e.arch.cells); k > 10 {
		n = int(knob("SEEDSPERCLASS", 0.5) * float64(k))
	}
	return c.e.roundBatch(n)
}

func (c *climb) breed(g *generation) {
	rng := c.e.rng
	if !c.seeded {
		c.seeded = true
		n := c.seeds()
		for i := range n {
			if c.useCPPN && (!c.useDir || i%2 == 1) {
				g.add(c.cp.random(rng), -1)
				continue
			}
			g.add(c.blocks(rng), -1)
		}
		return
	}
	c.schedule()
	cppnGen := c.useCPPN && (!c.useDir || float64(c.turn%10) >= 10*knob("DIRFRAC", 0.5))
	c.turn++
	late := knob("LATE", 2)
	for _, i := range c.active {
		if cppnGen && !(c.useDir && float64(c.e.arch.cells[i].conf) >= late) {
			g.add(c.cppnChild(rng, i), i)
		} else {
			g.add(c.patchChild(rng, i), i)
		}
		c.cl[i].tries++
	}
}

// schedule picks the cells that climb in the next generation.
func (c *climb) schedule() {
	arch := c.e.arch
	maxActive := int(knob("ACTIVE", 64))
	maxActive = max(c.e.batch, maxActive/c.e.batch*c.e.batch)
	stall := int(knob("STALL", 1e9))
	c.active = c.active[:0]
	c.order = c.order[:0]
	for i := range arch.cells {
		cl := &c.cl[i]
		if arch.cells[i].reached {
			continue
		}
		if cl.fails >= stall {
			cl.stalled = true
			cl.fails = 0
		}
		c.order = append(c.order, i)
	}
	// Closest to the threshold first: each of those needs the fewest
	// evaluations to count as fooled. Classes that stalled go last.
	slices.SortStableFunc(c.order, func(a, b int) int {
		sa, sb := c.cl[a].stalled, c.cl[b].stalled
		if sa != sb {
			if sa {
				return 1
			}
			return -1
		}
		pen := knob("PEN", 0)
		ma := margin(arch.cells[a].conf, arch.cells[a].others) - pen*float64(c.cl[a].fails)
		mb := margin(arch.cells[b].conf, arch.cells[b].others) - pen*float64(c.cl[b].fails)
		switch {
		case ma > mb:
			return -1
		case ma < mb:
			return 1
		}
		return 0
	})
	if len(c.order) > maxActive {
		c.order = c.order[:maxActive]
	}
	c.active = append(c.active, c.order...)
}

// blocks draws a seed image: random rectangles of random vertex colours on
// black.
func (c *climb) blocks(rng *rand.Rand) *genome {
	switch knob("SEEDKIND", 0) {
	case 1:
		return c.d.random(rng)
	case 2:
		x := c.d.alloc()
		d := c.d
		for ch := range d.c {
			for xx := range d.w {
				v := uint8(rng.IntN(2) * 255)
				for y := range d.h {
					x.pix[ch*d.h*d.w+y*d.w+xx] = v
				}
			}
		}
		return x
	}
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
	P := int(knob("PERIOD", 0))
	if P == 0 {
		P = max(d.h, d.w) * 2
	}
	for ch := range d.c {
		v := r.col[ch]
		for ty := r.y0 % P; ty < d.h; ty += P {
			for tx := r.x0 % P; tx < d.w; tx += P {
				for y := ty; y < min(d.h, ty+r.rh); y++ {
					row := g.pix[ch*d.h*d.w+y*d.w:]
					for x := tx; x < min(d.w, tx+r.rw); x++ {
						row[x] = v
					}
				}
			}
		}
	}
}

// area is the fraction of the image a proposal repaints: it halves on the
// square-attack schedule as the class's proposals accumulate.
func (c *climb) area(i int) float64 {
	n := c.cl[i].tries
	a := knob("AREA", 0.15)
	sp := knob("SPEED", 1)
	for _, at := range []int{10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000} {
		if float64(n) >= float64(at)*sp {
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
	img := make([]float32, c.d.n)
	el.enc.render(el, img, 0)
	for j, v := range img {
		x.pix[j] = toByte(float64(v))
	}
	return x
}

func (c *climb) patchChild(rng *rand.Rand, i int) *genome {
	cl := &c.cl[i]
	parent := c.directParent(i)
	child := c.d.clone(parent)
	if parent != c.e.arch.cells[i].elite {
		c.d.release(parent)
	}
	if cl.anti && knob("ANTI", 1) > 0 {
		r := cl.last
		for ch := range r.col {
			r.col[ch] = 255 - r.col[ch]
		}
		cl.anti = false
		c.apply(child, r)
		cl.last = r
		return child
	}
	r := c.randRect(rng, c.area(i))
	if eps := knob("EPS", 0); eps > 0 {
		d := c.d
		for ch := range d.c {
			delta := int(eps * 255)
			if r.col[ch] == 0 {
				delta = -delta
			}
			for y := r.y0; y < r.y0+r.rh; y++ {
				row := child.pix[ch*d.h*d.w+y*d.w:]
				for x := r.x0; x < r.x0+r.rw; x++ {
					row[x] = uint8(max(0, min(255, int(row[x])+delta)))
				}
			}
		}
		cl.last = r
		cl.anti = false
		return child
	}
	c.apply(child, r)
	cl.last = r
	cl.anti = true
	return child
}

func (c *climb) cppnChild(rng *rand.Rand, i int) *genome {
	cl := &c.cl[i]
	if cl.net == nil {
		return c.cp.random(rng)
	}
	src := cl.net
	if mix := knob("MIX", 0); mix > 0 && rng.Float64() < mix {
		j := rng.IntN(len(c.cl))
		if c.cl[j].net != nil {
			src = c.cl[j].net
		}
	}
	net := src.net.Clone()
	cl.lastWeights = false
	if knob("MUT", 0) == 1 && rng.Float64() >= knob("STRUCT", 0.2) {
		if cl.sigma == 0 {
			cl.sigma = knob("SIGMA", 2)
		}
		n := net.NumWeights()
		pw := knob("PW", 0.3)
		hit := false
		for j := range n {
			if rng.Float64() < pw {
				net.SetWeight(j, net.Weight(j)+rng.NormFloat64()*cl.sigma)
				hit = true
			}
		}
		if !hit && n > 0 {
			j := rng.IntN(n)
			net.SetWeight(j, net.Weight(j)+rng.NormFloat64()*cl.sigma)
		}
		cl.lastWeights = true
	} else if knob("MUT", 0) == 3 && rng.Float64() < knob("PZOOM", 0.2) {
		f := math.Exp((rng.Float64()*2 - 1) * math.Ln2)
		for j := range net.NumWeights() {
			if from, _ := net.Link(j); from < 3 {
				net.SetWeight(j, net.Weight(j)*f)
			}
		}
	} else if knob("MUT", 0) == 2 {
		r := c.cp.rates
		cl.mtype = rng.IntN(2)
		if cl.mtype == 0 {
			r.AddLink, r.DeleteLink, r.AddNode, r.DeleteNode = 0, 0, 0, 0
			r.Weight = knob("WRATE", 0.1)
		} else {
			r.Weight, r.Activation = 0, 0
		}
		net.Mutate(rng, r)
		c.mtry[cl.mtype]++
	} else {
		net.Mutate(rng, c.cp.rates)
	}
	return c.cp.withNet(net)
}

func (c *climb) after(g *generation) {
	k := c.e.k
	if knob("DEBUG", 0) > 0 && c.e.evals/4000 != (c.e.evals-int64(g.scored))/4000 {
		var tr, tu, nr, nu, big int
		hist := map[int]int{}
		for j := range c.cl {
			if c.e.arch.cells[j].reached {
				tr += c.cl[j].tries
				nr++
			} else if c.cl[j].tries > 0 {
				tu += c.cl[j].tries
				nu++
				if c.cl[j].tries > 300 {
					big++
				}
				hist[int(10*c.e.arch.cells[j].conf)]++
			}
		}
		println("mut", c.mtry[0], c.msucc[0], c.mtry[1], c.msucc[1])
		println("evals", c.e.evals, "reached", nr, "tries", tr, "unreached-tried", nu, "tries", tu, ">300", big, "conf-deciles", fmtHist(hist))
	}
	for i := range g.scored {
		w := g.want[i]
		x := g.genomes[i]
		// Every CPPN image competes for every class's CPPN parent slot.
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
		if w < 0 {
			continue
		}
		cl := &c.cl[w]
		if knob("DEBUG", 0) > 1 {
			p := g.conf[i*k+c.e.arch.targets[w]]
			q := c.e.arch.cells[w].conf
			switch {
			case p == q:
				c.ties++
			case p > q:
				c.ups++
			default:
				c.downs++
			}
			if c.e.evals%2000 < int64(g.scored) && i == 0 {
				println("ties", c.ties, "ups", c.ups, "downs", c.downs)
			}
		}
		if knob("DEBUG", 0) > 0 && g.took[i] && c.e.arch.cells[w].reached && c.e.arch.cells[w].evalsAt == c.e.evals-int64(g.scored-1-i) {
			println("reached", w, "tries", cl.tries, "succ", cl.succ+1, "at", c.e.arch.cells[w].evalsAt, "start", c.e.arch.cells[w].history[0].Confidence)
		}
		if cl.lastWeights && x.net != nil {
			if x == cl.net {
				cl.sigma = min(10, cl.sigma*knob("SUP", 1.3))
			} else {
				cl.sigma = max(0.01, cl.sigma*knob("SDOWN", 0.95))
			}
		}
		if g.took[i] && x.net != nil {
			c.msucc[cl.mtype]++
			if c.msucc[0]+c.msucc[1] == 200 {
				println("mut", c.mtry[0], c.msucc[0], c.mtry[1], c.msucc[1])
			}
		}
		if g.took[i] {
			cl.succ++
			cl.fails = 0
			cl.anti = false
			cl.stalled = false
		} else {
			cl.fails++
		}
	}
}

func fmtHist(h map[int]int) string {
	s := ""
	for i := 0; i <= 10; i++ {
		s += strconv.Itoa(h[i]) + " "
	}
	return s
}
