package attack

import (
	"math"
	"math/rand/v2"
	"slices"
)

// view is a global transform applied after a CPPN is rendered: a tiling, a
// circular shift, a mirror, and an affine colour change per channel (gain,
// offset, and a contrast shared by the channels). Affine colour costs a
// multiply and an add per value, where curves such as gamma would cost more
// than the classifier's own input handling.
// Classifiers are sensitive to where a pattern sits and to its colour
// balance, and these moves change either at once while keeping the pattern,
// so near the threshold they succeed several times more often than
// mutations of the network.
type view struct {
	// tile > 1 renders the network at 1/tile of the image's size and
	// repeats it tile×tile times. Classifiers that pool over the whole
	// image add up the evidence of every copy, and the copies carry
	// texture at up to tile times the CPPN's render resolution.
	tile   int
	dx, dy int
	flip   bool
	gain   [3]float32
	offset [3]float32
	// contrast scales values about 0.5 after gain and offset.
	contrast float32
}

func newView() *view { return &view{tile: 1, gain: [3]float32{1, 1, 1}, contrast: 1} }

// tiles are the tilings views choose from, when they tile at all. Read
// only: Go has no constant arrays. 2×2 tilings hold most of the classes a
// many-class search fools and 8×8 ones about 10 in 400 on MobileNetV2, yet
// adding 8 to 1, 2 and 4 fooled 4.7% more classes in 150,000 evaluations
// (mean of 8 seeds; docs/measurements.md, "a finer tiling").
var tiles = [...]int{1, 2, 4, 8}

// minTileSide is the least side, in pixels, of the tiles views draw: on small
// images the finest tilings are left out, since a one-pixel tile is a flat
// colour whatever the network.
const minTileSide = 2

// usableTiles returns how many tilings, a prefix of tiles, views of h×w
// images draw from.
func usableTiles(h, w int) int {
	n := 0
	for _, k := range tiles {
		if tileSize(min(h, w), k) >= minTileSide {
			n++
		}
	}
	return max(1, n)
}

// logUniform draws from [1/r, r] uniformly in log scale.
func logUniform(rng *rand.Rand, r float64) float32 {
	return float32(math.Exp((2*rng.Float64() - 1) * math.Log(r)))
}

// mutate changes one part of v; the tiling only if tile.
func (v *view) mutate(rng *rand.Rand, c, h, w int, tile bool) {
	n := 5
	if tile {
		n++
	}
	switch rng.IntN(n) {
	case 5:
		v.tile = tiles[rng.IntN(usableTiles(h, w))]
	case 0:
		v.dx = (v.dx + rng.IntN(w)) % w
		v.dy = (v.dy + rng.IntN(h)) % h
	case 1:
		v.flip = !v.flip
	case 2:
		ch := rng.IntN(c)
		v.gain[ch] = min(4, max(0.25, v.gain[ch]*logUniform(rng, 1.3)))
	case 3:
		ch := rng.IntN(c)
		v.offset[ch] = min(1, max(-1, v.offset[ch]+float32(rng.Float64()-0.5)*0.3))
	default:
		v.contrast = min(4, max(0.25, v.contrast*logUniform(rng, 1.5)))
	}
}

// apply transforms img (planar c×h×w) in place, then maps it by out (nil
// for canonical values); tmp holds one image. A nil view only maps. Shifts
// and mirrors place a copy of img exactly as a single tile would be placed.
func (v *view) apply(img, tmp []float32, c, h, w int, out *affine) {
	hw := h * w
	if v != nil && (v.dx != 0 || v.dy != 0 || v.flip) {
		copy(tmp, img[:c*hw])
		v.applyTiled(img, tmp, c, h, w, h, w, out)
		return
	}
	for ch := range c {
		v.colour(img[ch*hw:(ch+1)*hw], ch, out)
	}
}

// colour applies channel ch's colour change to the values in p, rounds them
// to the byte grid (see toGrid), then applies out's mapping (nil for
// canonical values). A nil view changes no colour.
func (v *view) colour(p []float32, ch int, out *affine) {
	if v != nil {
		// x -> clamp(0.5 + (gain*x + offset - 0.5)*contrast), as a*x + b.
		a := v.gain[ch] * v.contrast
		b := 0.5 + (v.offset[ch]-0.5)*v.contrast
		if a != 1 || b != 0 {
			for i := clampVec(p, a, b); i < len(p); i++ {
				p[i] = min(1, max(0, a*p[i]+b))
			}
		}
	}
	toGrid(p)
	out.apply(p, ch)
}

// toGrid rounds every value of p to the byte grid, float32(q)/255 for the
// nearest q in 0..255, as a direct gene's value. Every CPPN render passes
// through it before it is scored, so the 8-bit image written for a class
// (cppnEncoding.image) is exactly what the classifier scored. Without it,
// rounding the scored float render to bytes moved quantised models' outputs
// enough to matter: on MobileNetV2 int8, 73 of 155 classes reported at 0.99
// or more scored below 0.99 from their written images.
func toGrid(p []float32) {
	for i := gridVec(p); i < len(p); i++ {
		q := min(255, max(0, p[i]*255))
		p[i] = float32(math.RoundToEven(float64(q))) / 255
	}
}

// applyTiled writes into img (planar c×h×w) the view of small, the network
// rendered at hs×ws: the periodic tiling of small, shifted, mirrored and
// recoloured, then mapped by out (nil for canonical values). Colour changes
// and out act on small (in place) before it is tiled, and the tiling is
// made of row copies, so a tiled view costs less than an untiled one.
func (v *view) applyTiled(img, small []float32, c, hs, ws, h, w int, out *affine) {
	for ch := range c {
		s := small[ch*hs*ws : (ch+1)*hs*ws]
		v.colour(s, ch, out)
		p := img[ch*h*w : (ch+1)*h*w]
		for y := range min(h, hs) {
			src := s[(y+v.dy)%hs*ws:][:ws]
			dst := p[y*w : (y+1)*w]
			n := copy(dst, src[v.dx%ws:])
			for n < w {
				n += copy(dst[n:], src)
			}
			if v.flip {
				slices.Reverse(dst)
			}
		}
		// Output rows repeat with the tile's period: copy the rows made
		// so far after themselves, doubling them each time, which takes
		// a few large copies rather than one per row.
		for n := min(h, hs) * w; n < h*w; {
			n += copy(p[n:], p[:n])
		}
	}
}
