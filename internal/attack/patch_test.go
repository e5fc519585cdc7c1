package attack

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPatchOps checks the three patch operations against a direct reading
// of their definitions: painting sets the rectangle to the colour, a step
// moves each channel by stepSize towards the colour's corner, saturating,
// and a copy leaves the rectangle holding what the source rectangle held
// before, however the two overlap.
func TestPatchOps(t *testing.T) {
	const c, h, w = 3, 9, 11
	cl := &climb{d: newDirect(c, h, w)}
	rng := rand.New(rand.NewPCG(5, 5))
	for n := range 2000 {
		before := make([]uint8, c*h*w)
		for i := range before {
			before[i] = uint8(rng.IntN(256))
		}
		r := cl.randRect(rng, 0.05+0.4*rng.Float64())
		r.op = uint8(n % 3)
		r.sx, r.sy = rng.IntN(w-r.rw+1), rng.IntN(h-r.rh+1)
		if n%7 == 0 { // overlapping neighbours
			r.sx, r.sy = max(0, min(w-r.rw, r.x0+rng.IntN(3)-1)), max(0, min(h-r.rh, r.y0+rng.IntN(3)-1))
		}
		g := &genome{pix: slices.Clone(before)}
		cl.apply(g, r)
		for ch := range c {
			for y := range h {
				for x := range w {
					i := (ch*h+y)*w + x
					want := before[i]
					if x >= r.x0 && x < r.x0+r.rw && y >= r.y0 && y < r.y0+r.rh {
						switch r.op {
						case opPaint:
							want = r.col[ch]
						case opStep:
							if r.col[ch] == 255 {
								want = uint8(min(255, int(want)+stepSize))
							} else {
								want = uint8(max(0, int(want)-stepSize))
							}
						case opCopy:
							want = before[(ch*h+r.sy+y-r.y0)*w+r.sx+x-r.x0]
						}
					}
					if g.pix[i] != want {
						t.Fatalf("op %d, rect %+v: pixel (%d,%d,%d) = %d, want %d", r.op, r, ch, y, x, g.pix[i], want)
					}
				}
			}
		}
		if r.op == opStep {
			// The complement steps the other way.
			back := &genome{pix: slices.Clone(g.pix)}
			cl.apply(back, r.complement())
			for i, v := range back.pix {
				if v != before[i] && before[i] >= stepSize && before[i] <= 255-stepSize {
					t.Fatalf("a step and its complement moved pixel %d from %d to %d", i, before[i], v)
				}
			}
		}
	}
}

// TestColourProposals checks the few-class climbs' proposals with both
// encodings: on colour images mostly steps, some copies and paints, no
// complements, at most colourSlots per class; on gray images painted
// patches, each followed by its complement. The direct encoding climbs as
// on gray images whatever the channels.
func TestColourProposals(t *testing.T) {
	for _, enc := range []string{EncodingBoth, EncodingDirect} {
		e := &engine{arch: newArchive([]int{0, 1}), c: 3, h: 16, w: 16, k: 2, unit: 64, direct: newDirect(3, 16, 16)}
		e.cfg.Encoding = enc
		if c := newClimb(e).(*climb); c.colour != (enc == EncodingBoth) || c.seedDir != (enc == EncodingDirect) {
			t.Errorf("%s on colour images: colour climbs %v, direct seeds %v", enc, c.colour, c.seedDir)
		}
	}
	for _, ch := range []int{1, 3} {
		e := &engine{arch: newArchive([]int{0, 1}), c: ch, h: 16, w: 16, k: 2, batch: 1, unit: 64, direct: newDirect(ch, 16, 16)}
		e.cfg.Encoding = EncodingBoth
		rng := rand.New(rand.NewPCG(9, 9))
		c := newClimb(e).(*climb)
		if c.colour != (ch == 3) {
			t.Fatalf("%d channels: colour %v", ch, c.colour)
		}
		seed := c.blocks(rng)
		e.arch.put(0, seed, 0.5, 0.5, nil, 1)
		counts := map[[2]int]int{}
		for range 500 {
			var g generation
			c.props = c.props[:0]
			c.patchChildren(rng, &g, 0, c.slotCap)
			for _, p := range c.props {
				counts[[2]int{p.kind, int(p.r.op)}]++
			}
			for _, x := range g.genomes {
				hold(x)
				drop(x)
			}
		}
		if ch == 1 {
			if c.slotCap != maxSlots || counts[[2]int{kindAnti, opPaint}] != counts[[2]int{kindPatch, opPaint}] || len(counts) != 2 {
				t.Errorf("gray: slots %d, proposals %v: want %d, patch/complement pairs", c.slotCap, counts, maxSlots)
			}
			continue
		}
		total := 500 * colourSlots
		steps, copies, paints := counts[[2]int{kindPatch, opStep}], counts[[2]int{kindPatch, opCopy}], counts[[2]int{kindPatch, opPaint}]
		if c.slotCap != colourSlots || steps+copies+paints != total {
			t.Fatalf("colour: slots %d, proposals %v: want %d patches and nothing else", c.slotCap, counts, total)
		}
		// Binomial bounds at about 5 standard deviations.
		if steps < total*7/10 || steps > total*9/10 || copies < total/20 || copies > total*3/20 || paints < total/20 || paints > total*3/20 {
			t.Errorf("colour: %d steps, %d copies, %d paints of %d: want about %v, %v and the rest", steps, copies, paints, total, stepRate, copyRate)
		}
	}
}
