package attack

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"github.com/fooltest/fooltest/internal/cppn"
)

// cppnEncoding is the indirect encoding: one CPPN per image, 1 output for
// gray models and 3 (hue, lightness, saturation, as in the paper) for colour.
type cppnEncoding struct {
	c, h, w int
	opts    cppn.Options
	rates   cppn.MutationRates
	// canvases holds one canvas per worker; they are not safe for
	// concurrent use. plain renders canonical images on the search
	// goroutine when canvases render in the scorer's input format.
	canvases []*canvas
	plain    *canvas
	// finished holds canvases that render results' images, on any
	// goroutine, after the search.
	finished sync.Pool
}

// canvas renders CPPN images with their views: a Renderer for the model's
// size, one per tiling for the tile's size (made when first needed), and
// scratch planes.
type canvas struct {
	opts  cppn.Options
	full  *cppn.Renderer
	tiled [len(tiles)]*cppn.Renderer
	small []float32
	tmp   []float32
	// delta and stack are applyPatches' scratch.
	delta []float32
	stack []*tilePatch
	// out maps canonical values to the scorer's input format; nil for
	// canonical images.
	out *affine
}

// setOutput makes the search's renders write out's mapping of canonical
// values; image still renders canonical images.
func (e *cppnEncoding) setOutput(out *affine) {
	for _, cv := range e.canvases {
		cv.out = out
	}
}

// tileSize returns the side of a tile when n pixels are tiled k times; tiles
// that do not divide n evenly are cut at the image's edge.
func tileSize(n, k int) int { return (n + k - 1) / k }

func (e *cppnEncoding) newCanvas() (*canvas, error) {
	cv := &canvas{opts: e.opts}
	var err error
	if cv.full, err = cppn.NewRenderer(e.w, e.h, e.c, e.opts); err != nil {
		return nil, err
	}
	return cv, nil
}

// tiler returns the renderer of one tile when images of h×w are tiled k
// times. A tile is rendered at its own size (at the CPPN's internal
// resolution at most), not cut out of a full-size render: tiling makes
// images cheaper to render.
func (cv *canvas) tiler(k, c, h, w int) (*cppn.Renderer, error) {
	i := slices.Index(tiles[:], k)
	if i < 0 {
		return nil, fmt.Errorf("tiling %d is not one of %v", k, tiles)
	}
	if cv.tiled[i] == nil {
		ws, hs := tileSize(w, k), tileSize(h, k)
		o := cv.opts
		o.RenderSize = cppnRenderSize(hs, ws)
		r, err := cppn.NewRenderer(ws, hs, c, o)
		if err != nil {
			return nil, err
		}
		cv.tiled[i] = r
	}
	return cv.tiled[i], nil
}

// render writes g's image into dst.
func (cv *canvas) render(g *genome, dst []float32, c, h, w int) error {
	v := g.view
	if v != nil && v.tile > 1 {
		r, err := cv.tiler(v.tile, c, h, w)
		if err != nil {
			return err
		}
		_, hs, ws := r.Shape()
		cv.small = slices.Grow(cv.small[:0], c*hs*ws)[:c*hs*ws]
		if err := r.Render(g.net, cv.small); err != nil {
			return err
		}
		cv.applyPatches(cv.small, g.patches, c, hs, ws)
		v.applyTiled(dst, cv.small, c, hs, ws, h, w, cv.out)
		return nil
	}
	if err := cv.full.Render(g.net, dst); err != nil {
		return err
	}
	cv.applyPatches(dst, g.patches, c, h, w)
	cv.tmp = slices.Grow(cv.tmp[:0], c*h*w)[:c*h*w]
	v.apply(dst, cv.tmp, c, h, w, cv.out)
	return nil
}

// cppnRenderSize is the internal resolution of CPPN renders. CPPN images are
// smooth, so evaluating the network on a 56×56 grid and upsampling costs a
// sixteenth of a full 224×224 evaluation and leaves the image nearly the
// same; small models are rendered at full resolution.
func cppnRenderSize(h, w int) int {
	long := max(h, w)
	if long <= 64 {
		return 0
	}
	return max(56, (long+3)/4)
}

func newCPPN(c, h, w, workers int) (*cppnEncoding, error) {
	e := &cppnEncoding{c: c, h: h, w: w, rates: cppn.PaperRates()}
	e.opts = cppn.Options{RenderSize: cppnRenderSize(h, w)}
	for range max(1, workers) {
		cv, err := e.newCanvas()
		if err != nil {
			return nil, fmt.Errorf("attack: cppn encoding: %w", err)
		}
		e.canvases = append(e.canvases, cv)
	}
	return e, nil
}

func (e *cppnEncoding) name() string { return EncodingCPPN }

func (e *cppnEncoding) random(rng *rand.Rand) *genome {
	net, err := cppn.New(rng, e.c)
	if err != nil {
		// e.c is 1 or 3, checked by Run.
		panic(err)
	}
	return &genome{enc: e, net: net}
}

func (e *cppnEncoding) child(*genome) *genome { return &genome{enc: e} }

func (e *cppnEncoding) mutateInto(rng *rand.Rand, parent, g *genome) {
	g.net = parent.net.Clone()
	g.net.Mutate(rng, e.rates)
	g.view, g.patches = parent.view, parent.patches
}

// nudge returns a child of parent with one network weight moved by a
// Gaussian step of sigma (clamped to the weight range), its structure and
// view kept. Near the threshold, the paper's mutation (structural changes in
// most children) mostly overshoots; a single small step improves the class
// far more often.
func (e *cppnEncoding) nudge(rng *rand.Rand, parent *genome, sigma float64) *genome {
	net := parent.net.Clone()
	if n := net.NumWeights(); n > 0 {
		i := rng.IntN(n)
		net.SetWeight(i, net.Weight(i)+sigma*rng.NormFloat64())
	}
	return &genome{enc: e, net: net, view: parent.view, patches: parent.patches}
}

// reframe returns a child of parent that shares its network and changes its
// view, its tiling too if tile: networks are never changed once scored, so
// sharing is safe.
func (e *cppnEncoding) reframe(rng *rand.Rand, parent *genome, tile bool) *genome {
	v := newView()
	if parent.view != nil {
		*v = *parent.view
	}
	v.mutate(rng, e.c, e.h, e.w, tile)
	g := &genome{enc: e, net: parent.net, view: v}
	if parent.view == nil && v.tile == 1 || parent.view != nil && parent.view.tile == v.tile {
		// Tile patches are drawn in the space of one tile.
		g.patches = parent.patches
	}
	return g
}

func (e *cppnEncoding) render(g *genome, dst []float32, worker int) error {
	if err := e.canvases[worker].render(g, dst, e.c, e.h, e.w); err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	return nil
}

// canonical renders g's canonical image into dst on the search goroutine.
func (e *cppnEncoding) canonical(g *genome, dst []float32) error {
	cv := e.canvases[0]
	if cv.out != nil {
		if e.plain == nil {
			var err error
			if e.plain, err = e.newCanvas(); err != nil {
				return fmt.Errorf("attack: %w", err)
			}
		}
		cv = e.plain
	}
	if err := cv.render(g, dst, e.c, e.h, e.w); err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	return nil
}

// image renders g on a canvas of the finished-image pool, which results'
// images share across goroutines, as bytes: the render is on the byte grid
// already (see toGrid), so the bytes are exactly what was scored.
func (e *cppnEncoding) image(g *genome) ([]uint8, error) {
	cv, _ := e.finished.Get().(*canvas)
	if cv == nil {
		var err error
		if cv, err = e.newCanvas(); err != nil {
			return nil, fmt.Errorf("attack: %w", err)
		}
	}
	defer e.finished.Put(cv)
	img := make([]float32, e.c*e.h*e.w)
	if err := cv.render(g, img, e.c, e.h, e.w); err != nil {
		return nil, fmt.Errorf("attack: rendering an image: %w", err)
	}
	out := make([]uint8, len(img))
	unitsToBytes(out, img)
	return out, nil
}

// release leaves CPPN genomes to the garbage collector: they are small, and
// Clone allocates anyway.
func (e *cppnEncoding) release(*genome) {}
