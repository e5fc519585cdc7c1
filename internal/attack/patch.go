// Patches: the direct encoding's climbs change rectangles of a parent's
// pixels, their sizes drawn from a schedule.

package attack

import (
	"math"
	"math/rand/v2"
	"slices"
)

// patchSchedule lists the proposal counts at which a class's patch area
// halves, as in Square Attack (Andriushchenko et al., 2020).
var patchSchedule = [...]int{10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000}

// Operations a patch applies to its rectangle.
const (
	// opPaint paints it with the colour-cube corner col.
	opPaint = iota
	// opStep adds stepSize to each channel whose col is 255 and
	// subtracts it from the others, saturating.
	opStep
	// opCopy copies the same-sized rectangle at (sx, sy) onto it.
	opCopy
)

// rect is a patch proposal: an axis-aligned rectangle and what to do to it,
// by default painting it with one corner of the colour cube.
type rect struct {
	x0, y0, rw, rh int
	col            [3]uint8
	op             uint8
	sx, sy         int
}

// complement returns r painted with the opposite corner of the colour cube,
// or stepping each channel the other way.
func (r rect) complement() rect {
	for ch := range r.col {
		r.col[ch] = 255 - r.col[ch]
	}
	return r
}

// blocks draws a direct seed image: random patches on black.
func (c *climb) blocks(rng *rand.Rand) *genome {
	x := c.d.alloc()
	clear(x.pix)
	for range seedRects {
		c.apply(x, c.randRect(rng, seedArea))
	}
	return x
}

// randRect draws a patch of about area times the image, with an aspect ratio
// between 1:2 and 2:1 and a random corner of the colour cube (0 or 1 for
// gray).
func (c *climb) randRect(rng *rand.Rand, area float64) rect {
	d := c.d
	var r rect
	r.x0, r.y0, r.rw, r.rh = randBox(rng, area, d.h, d.w)
	bits := rng.Uint32()
	for ch := range d.c {
		if bits>>ch&1 == 1 {
			r.col[ch] = 255
		}
	}
	return r
}

// randBox draws a rectangle of about area times h×w pixels, with an aspect
// ratio between 1:2 and 2:1, inside the h×w image.
func randBox(rng *rand.Rand, area float64, h, w int) (x0, y0, rw, rh int) {
	a := area * float64(h*w)
	ratio := math.Exp((rng.Float64()*2 - 1) * math.Ln2)
	rw = max(1, min(w, int(math.Round(math.Sqrt(a*ratio)))))
	rh = max(1, min(h, int(math.Round(a/float64(rw)))))
	return rng.IntN(w - rw + 1), rng.IntN(h - rh + 1), rw, rh
}

// vary turns patch r, on a colour image, into a step or a copy at the rates
// stepRate and copyRate.
func (c *climb) vary(rng *rand.Rand, r *rect) {
	switch u := rng.Float64(); {
	case u < stepRate:
		r.op = opStep
	case u < stepRate+copyRate:
		r.op = opCopy
		r.sx, r.sy = rng.IntN(c.d.w-r.rw+1), rng.IntN(c.d.h-r.rh+1)
	}
}

func (c *climb) apply(g *genome, r rect) {
	d := c.d
	switch r.op {
	case opStep:
		for ch := range d.c {
			up := r.col[ch] == 255
			for y := r.y0; y < r.y0+r.rh; y++ {
				row := g.pix[ch*d.h*d.w+y*d.w+r.x0:][:r.rw]
				for x, v := range row {
					if up {
						row[x] = uint8(min(255, int(v)+stepSize))
					} else {
						row[x] = uint8(max(0, int(v)-stepSize))
					}
				}
			}
		}
		return
	case opCopy:
		for ch := range d.c {
			plane := g.pix[ch*d.h*d.w:][:d.h*d.w]
			// Rows go in the order that reads each source row before it
			// is overwritten where the rectangles overlap; copy handles
			// overlap within a row.
			for i := range r.rh {
				y := i
				if r.y0 > r.sy {
					y = r.rh - 1 - i
				}
				copy(plane[(r.y0+y)*d.w+r.x0:][:r.rw], plane[(r.sy+y)*d.w+r.sx:][:r.rw])
			}
		}
		return
	}
	for ch := range d.c {
		v := r.col[ch]
		for y := r.y0; y < r.y0+r.rh; y++ {
			row := g.pix[ch*d.h*d.w+y*d.w+r.x0:][:r.rw]
			for x := range row {
				row[x] = v
			}
		}
	}
}

// area is the image fraction of the next patch after n patches.
func (c *climb) area(n int) float64 { return scheduledArea(c.area0, n) }

// scheduledArea is the area of a patch after n patches that started at a0,
// halved at each count of patchSchedule.
func scheduledArea(a0 float64, n int) float64 {
	a := a0
	for _, at := range patchSchedule {
		if n >= at {
			a /= 2
		}
	}
	return a
}

// directParent returns the parent of class i's patches: after a restart
// the climb's own, else cell i's elite as a direct genome, rendering a CPPN
// elite to 8 bits; nil for an empty cell. Pass the result to release.
func (c *climb) directParent(i int) *genome {
	if p := c.cl[i].fresh; p != nil {
		return p
	}
	el := c.e.arch.cells[i].elite
	if el == nil || el.pix != nil {
		return el
	}
	x := c.d.alloc()
	c.scratch = slices.Grow(c.scratch[:0], c.d.n)[:c.d.n]
	// A CPPN render cannot fail once the genome was rendered for scoring.
	_ = c.cp.canonical(el, c.scratch)
	unitsToBytes(x.pix, c.scratch)
	return x
}

// patchChildren adds n patch proposals for class i: first the merge of last
// generation's improving patches or a pending complement, then new patches,
// outside colour climbs each followed by its complement when there is room.
func (c *climb) patchChildren(rng *rand.Rand, g *generation, i, n int) {
	cl := &c.cl[i]
	c.maybeRestart(i)
	if c.e.arch.cells[i].conf == 0 {
		// No image scored so far gave class i any confidence: a softmax
		// underflows to exactly 0 once a class trails the leader by about
		// 104 in logits, and a patch on an image the class reads as 0
		// almost always reads as 0 too. The climb has nothing to follow,
		// so its proposals are new seed images until one gives the class
		// some confidence. On a public MNIST model whose logits span 10^5
		// (ram6ces/mnist) this cut the median from 5,701 evaluations to
		// 197; models whose classes never read exactly 0 (every other
		// model measured) search as before, bit for bit.
		for ; n > 0; n-- {
			g.add(c.seedImage(rng), i)
			c.props = append(c.props, proposal{kind: kindExplore})
		}
		return
	}
	parent := c.directParent(i)
	defer c.release(parent, i)
	add := func(kind int, rs ...rect) {
		child := c.d.clone(parent)
		for _, r := range rs {
			c.apply(child, r)
		}
		g.add(child, i)
		c.props = append(c.props, proposal{kind: kind, r: rs[0]})
		n--
	}
	if len(cl.merge) > 0 && n > 1 {
		add(kindMerge, cl.merge...)
	}
	cl.merge = cl.merge[:0]
	if cl.hasAnti {
		add(kindAnti, cl.anti)
		cl.hasAnti = false
	}
	for n > 0 {
		r := c.randRect(rng, c.area(cl.tries))
		if c.colour {
			c.vary(rng, &r)
		}
		cl.tries++
		add(kindPatch, r)
		if n > 0 && !c.colour {
			add(kindAnti, r.complement())
		}
	}
}
