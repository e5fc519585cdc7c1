package attack

import (
	"math"
	"math/rand/v2"
)

// view is a global transform applied after a CPPN is rendered: a circular
// shift, a mirror, and a colour curve per channel (gain, gamma, contrast).
// Classifiers are sensitive to where a pattern sits and to its colour
// balance, and these moves change either at once while keeping the pattern,
// so near the threshold they succeed several times more often than
// mutations of the network.
type view struct {
	dx, dy int
	flip   bool
	gain   [3]float32
	gamma  float32
	// contrast scales values about 0.5.
	contrast float32
}

// identity reports whether v leaves images unchanged.
func (v *view) identity() bool {
	return v == nil || *v == view{gain: [3]float32{1, 1, 1}, gamma: 1, contrast: 1}
}

func newView() *view { return &view{gain: [3]float32{1, 1, 1}, gamma: 1, contrast: 1} }

// logUniform draws from [1/r, r] uniformly in log scale.
func logUniform(rng *rand.Rand, r float64) float32 {
	return float32(math.Exp((2*rng.Float64() - 1) * math.Log(r)))
}

// mutate changes one part of v.
func (v *view) mutate(rng *rand.Rand, c, h, w int) {
	switch rng.IntN(5) {
	case 0:
		v.dx = (v.dx + rng.IntN(w)) % w
		v.dy = (v.dy + rng.IntN(h)) % h
	case 1:
		v.flip = !v.flip
	case 2:
		ch := rng.IntN(c)
		v.gain[ch] = min(4, max(0.25, v.gain[ch]*logUniform(rng, 1.3)))
	case 3:
		v.gamma = min(4, max(0.25, v.gamma*logUniform(rng, 1.6)))
	default:
		v.contrast = min(4, max(0.25, v.contrast*logUniform(rng, 1.5)))
	}
}

// apply transforms img (planar c×h×w) in place; tmp holds one plane.
func (v *view) apply(img, tmp []float32, c, h, w int) {
	hw := h * w
	for ch := range c {
		p := img[ch*hw : (ch+1)*hw]
		if v.dx != 0 || v.dy != 0 || v.flip {
			copy(tmp, p)
			for y := range h {
				sy := (y + v.dy) % h
				src := tmp[sy*w : (sy+1)*w]
				dst := p[y*w : (y+1)*w]
				for x := range w {
					sx := (x + v.dx) % w
					if v.flip {
						sx = w - 1 - sx
					}
					dst[x] = src[sx]
				}
			}
		}
		g, gm, ct := v.gain[ch], v.gamma, v.contrast
		if g == 1 && gm == 1 && ct == 1 {
			continue
		}
		for i, x := range p {
			x *= g
			if gm != 1 && x > 0 {
				x = float32(math.Pow(float64(x), float64(gm)))
			}
			x = 0.5 + (x-0.5)*ct
			p[i] = min(1, max(0, x))
		}
	}
}
