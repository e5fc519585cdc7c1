package cppn

import "errors"

// The Renderer compiles a genome into a small program before evaluating it.
// Compilation is linear in the genome's size, which is nothing next to the
// per-pixel work, and lets evaluation skip everything that does not need to
// run per pixel:
//
//   - nodes that feed no output are dropped;
//   - nodes whose inputs are all constant (only the bias, say) are folded to
//     a scalar;
//   - nodes that depend on x alone, or on y alone, are evaluated once per
//     column or per row instead of once per pixel. Splitting an input link
//     creates such nodes, so evolved genomes have many of them;
//   - nodes that depend on d alone are evaluated on one quadrant of the grid
//     and mirrored, since the grid is symmetric about both axes; about 40%
//     of the per-pixel nodes of the benchmark genomes are such radial nodes,
//     and this cut full-resolution renders by a quarter;
//   - only the remaining nodes get planes, and a plane is reused once its
//     last reader has run, so the working set stays in cache.

// domain is what a node's value varies with: a set of the inputs x, y and d
// it depends on. Combining inputs ORs their domains; any two make it vary
// over the whole plane.
type domain uint8

const (
	domConst  domain = 0
	domX      domain = 1
	domY      domain = 2
	domRadial domain = 4
)

// full reports whether values of domain d vary over the whole plane.
func (d domain) full() bool { return d&(d-1) != 0 }

// inputDomain returns the domain of input node v.
func inputDomain(v int) domain {
	switch v {
	case inputX:
		return domX
	case inputY:
		return domY
	case inputD:
		return domRadial
	}
	return domConst
}

// vecStep computes a vector (one value per column or per row, or one per
// pixel of the top-left quadrant) once per render: c plus the weighted term
// vectors, then the activation unless noAct. Vectors live in Renderer.vec;
// term.src is an offset there.
type vecStep struct {
	dst, n int32
	c      float32
	act    activation
	noAct  bool
	t0, t1 int32
}

// planeStep computes a node's plane for each tile: col[y] + row[x] plus the
// weighted term planes, then the activation unless noAct. row and col are
// offsets of vectors in Renderer.vec that carry the node's x-only and y-only
// inputs and its constant; term.src is a plane slot (slotD for the d input).
// A step with mirror >= 0 instead unfolds the quadrant vector at that offset
// into the plane.
type planeStep struct {
	slot     int32
	act      activation
	noAct    bool
	row, col int32
	t0, t1   int32
	mirror   int32
}

// term is one weighted input of a step.
type term struct {
	src int32
	w   float32
}

// slotD is the plane slot of the d input; node planes use slots from 1.
const slotD = 0

// errCycle reports a genome whose links form a cycle.
var errCycle = errors.New("links form a cycle")

// compile turns g into r.vecSteps and r.planeSteps and sizes r.vec and
// r.tiles for them. It allocates only when g is larger than any genome seen
// before.
func (r *Renderer) compile(g *Genome) error {
	nn := g.numNodes()
	r.inStart = grow(r.inStart, nn+1)
	r.inLinks = grow(r.inLinks, len(g.links))
	r.cursor = grow(r.cursor, nn)
	r.state = grow(r.state, nn)
	r.dom = grow(r.dom, nn)
	r.constVal = grow(r.constVal, nn)
	r.lastUse = grow(r.lastUse, nn)
	r.slot = grow(r.slot, nn)
	r.vecOff = grow(r.vecOff, nn)
	clear(r.inStart)
	clear(r.state)

	// Incoming links grouped by target (counting sort).
	for _, l := range g.links {
		r.inStart[l.to+1]++
	}
	for v := range nn {
		r.inStart[v+1] += r.inStart[v]
	}
	copy(r.cursor, r.inStart[:nn])
	for i, l := range g.links {
		r.inLinks[r.cursor[l.to]] = int32(i)
		r.cursor[l.to]++
	}

	if err := r.order(g); err != nil {
		return err
	}

	// Domains, constants, and each plane's last reader.
	for v := range numInputs {
		r.dom[v] = inputDomain(v)
	}
	for k, v := range r.ord {
		c, dom := 0.0, domConst
		for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
			u, w := g.links[li].from, g.weights[li]
			switch {
			case u == inputBias:
				c += w
			case r.dom[u] == domConst:
				c += w * float64(r.constVal[u])
			default:
				dom |= r.dom[u]
			}
		}
		r.dom[v] = dom
		if dom == domConst {
			r.constVal[v] = g.acts[v-numInputs].fast(float32(c))
		}
		// Only per-pixel nodes read planes.
		if dom.full() {
			for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
				r.lastUse[g.links[li].from] = int32(k)
			}
		}
		r.lastUse[v] = -1
		r.slot[v] = -1
	}

	// Emit steps. Vectors after the fixed ones are handed out in order;
	// planes come from a free list.
	r.vecSteps, r.planeSteps, r.terms, r.free = r.vecSteps[:0], r.planeSteps[:0], r.terms[:0], r.free[:0]
	r.vecLen = r.fixedLen
	r.nslots = slotD + 1
	for k, v := range r.ord {
		act := g.acts[v-numInputs]
		out := g.isOutput(v)
		switch dom := r.dom[v]; dom {
		case domConst:
			if out {
				// A plane of the constant, so finish sees only planes.
				col := r.newVec(r.lh, r.constVal[v], act, true, domY, v, g)
				r.emitPlane(v, act, true, r.zeroX, col, int32(len(r.terms)))
			}
		case domX, domY:
			n := r.lw
			if dom == domY {
				n = r.lh
			}
			vec := r.newVec(n, r.constPart(g, v), act, false, dom, v, g)
			r.vecOff[v] = vec
			if out {
				row, col := r.zeroX, r.zeroY
				if dom == domX {
					row = vec
				} else {
					col = vec
				}
				r.emitPlane(v, act, true, row, col, int32(len(r.terms)))
			}
		case domRadial:
			r.vecOff[v] = r.newVec(r.qn, r.constPart(g, v), act, false, dom, v, g)
			if out {
				r.emitMirror(v)
			}
		default:
			// The x-only inputs sum into one row vector, the y-only
			// inputs and constant into one column vector; only the rest
			// are read per pixel.
			row, col := r.zeroX, r.zeroY
			if r.hasInput(g, v, domX) {
				row = r.newVec(r.lw, 0, act, true, domX, v, g)
			}
			if c := r.constPart(g, v); c != 0 || r.hasInput(g, v, domY) {
				col = r.newVec(r.lh, c, act, true, domY, v, g)
			}
			// Radial inputs are unfolded into planes the first time a
			// per-pixel node reads them.
			for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
				if u := g.links[li].from; u >= numInputs && r.dom[u] == domRadial && r.slot[u] < 0 {
					r.emitMirror(u)
				}
			}
			t0 := int32(len(r.terms))
			for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
				u, w := g.links[li].from, g.weights[li]
				switch {
				case u == inputD:
					r.terms = append(r.terms, term{src: slotD, w: float32(w)})
				case u >= numInputs && r.slot[u] >= 0:
					r.terms = append(r.terms, term{src: r.slot[u], w: float32(w)})
				}
			}
			r.emitPlane(v, act, false, row, col, t0)
			// Release planes read for the last time only now, so that
			// a node never writes the plane it reads.
			for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
				if u := g.links[li].from; u >= numInputs && r.slot[u] >= 0 && r.lastUse[u] == int32(k) {
					r.free = append(r.free, r.slot[u])
				}
			}
		}
	}

	if len(r.vec) < r.vecLen {
		// The fixed vectors at the front must survive the move.
		v := make([]float32, r.vecLen, r.vecLen+r.vecLen/2)
		copy(v, r.vec[:r.fixedLen])
		r.vec = v
	}
	r.tiles = grow(r.tiles, int(r.nslots-1)*r.tileLen)
	return nil
}

// order sets r.ord to the nodes the outputs depend on, each after its
// inputs, by depth-first post-order over incoming links from each output.
func (r *Renderer) order(g *Genome) error {
	const (
		unseen = iota
		open
		done
	)
	r.ord = r.ord[:0]
	for o := range g.outputs {
		v := int32(numInputs + o)
		r.state[v] = open
		r.cursor[v] = r.inStart[v]
		r.stack = append(r.stack[:0], v)
		for len(r.stack) > 0 {
			v := r.stack[len(r.stack)-1]
			if r.cursor[v] == r.inStart[v+1] {
				r.stack = r.stack[:len(r.stack)-1]
				r.state[v] = done
				r.ord = append(r.ord, v)
				continue
			}
			u := g.links[r.inLinks[r.cursor[v]]].from
			r.cursor[v]++
			if u < numInputs || r.state[u] == done {
				continue
			}
			if r.state[u] == open {
				return errCycle
			}
			r.state[u] = open
			r.cursor[u] = r.inStart[u]
			r.stack = append(r.stack, u)
		}
	}
	return nil
}

// hasInput reports whether node v reads a node of domain dom.
func (r *Renderer) hasInput(g *Genome, v int32, dom domain) bool {
	for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
		if r.dom[g.links[li].from] == dom {
			return true
		}
	}
	return false
}

// constPart returns the weighted sum of node v's constant inputs.
func (r *Renderer) constPart(g *Genome, v int32) float32 {
	c := 0.0
	for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
		u, w := g.links[li].from, g.weights[li]
		if u == inputBias {
			c += w
		} else if r.dom[u] == domConst {
			c += w * float64(r.constVal[u])
		}
	}
	return float32(c)
}

// newVec reserves a vector of n values and emits the step computing it:
// c plus node v's inputs of domain dom, then act unless noAct. It returns
// the vector's offset. For a constant node there are no such inputs, so the
// vector is just c.
func (r *Renderer) newVec(n int, c float32, act activation, noAct bool, dom domain, v int32, g *Genome) int32 {
	off := int32(r.vecLen)
	r.vecLen += n
	s := vecStep{dst: off, n: int32(n), c: c, act: act, noAct: noAct, t0: int32(len(r.terms))}
	for _, li := range r.inLinks[r.inStart[v]:r.inStart[v+1]] {
		u, w := g.links[li].from, g.weights[li]
		switch {
		case r.dom[u] != dom:
		case u == inputX:
			r.terms = append(r.terms, term{src: r.xOff, w: float32(w)})
		case u == inputY:
			r.terms = append(r.terms, term{src: r.yOff, w: float32(w)})
		case u == inputD:
			r.terms = append(r.terms, term{src: r.dqOff, w: float32(w)})
		default:
			r.terms = append(r.terms, term{src: r.vecOff[u], w: float32(w)})
		}
	}
	s.t1 = int32(len(r.terms))
	r.vecSteps = append(r.vecSteps, s)
	return off
}

// emitPlane gives node v a plane slot and emits its plane step, whose terms
// are r.terms[t0:].
func (r *Renderer) emitPlane(v int32, act activation, noAct bool, row, col, t0 int32) {
	r.planeSteps = append(r.planeSteps, planeStep{
		slot: r.newSlot(v), act: act, noAct: noAct,
		row: row, col: col, t0: t0, t1: int32(len(r.terms)), mirror: -1,
	})
}

// emitMirror gives radial node v a plane slot and emits the step that
// unfolds its quadrant into it.
func (r *Renderer) emitMirror(v int32) {
	r.planeSteps = append(r.planeSteps, planeStep{slot: r.newSlot(v), noAct: true, mirror: r.vecOff[v]})
}

// newSlot assigns node v a free plane slot.
func (r *Renderer) newSlot(v int32) int32 {
	var s int32
	if n := len(r.free); n > 0 {
		s, r.free = r.free[n-1], r.free[:n-1]
	} else {
		s = r.nslots
		r.nslots++
	}
	r.slot[v] = s
	return s
}

// grow returns s resized to n, reallocating only when its capacity is short.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/2)
}
