package attack

import (
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/cppn"
)

// TestViewApply checks each part of a view on a 1×2×3 image whose pixels
// are 0.0, 0.1, ..., 0.5 in row-major order.
func TestViewApply(t *testing.T) {
	base := func() *view { return newView() }
	tests := []struct {
		name string
		v    func() *view
		want []float32
	}{
		{"identity", base, []float32{0, 0.1, 0.2, 0.3, 0.4, 0.5}},
		{"shift right by one column", func() *view { v := base(); v.dx = 1; return v }, []float32{0.1, 0.2, 0, 0.4, 0.5, 0.3}},
		{"shift down by one row", func() *view { v := base(); v.dy = 1; return v }, []float32{0.3, 0.4, 0.5, 0, 0.1, 0.2}},
		{"mirror", func() *view { v := base(); v.flip = true; return v }, []float32{0.2, 0.1, 0, 0.5, 0.4, 0.3}},
		{"shift then mirror", func() *view { v := base(); v.dx, v.flip = 1, true; return v }, []float32{0, 0.2, 0.1, 0.3, 0.5, 0.4}},
		{"gain clamps at 1", func() *view { v := base(); v.gain[0] = 4; return v }, []float32{0, 0.4, 0.8, 1, 1, 1}},
		{"offset clamps at 0", func() *view { v := base(); v.offset[0] = -0.25; return v }, []float32{0, 0, 0, 0.05, 0.15, 0.25}},
		{"contrast 2 about 0.5", func() *view { v := base(); v.contrast = 2; return v }, []float32{0, 0, 0, 0.1, 0.3, 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := []float32{0, 0.1, 0.2, 0.3, 0.4, 0.5}
			v := tc.v()
			v.apply(img, make([]float32, 6), 1, 2, 3, nil)
			// Views end on the byte grid (toGrid): each value is a level
			// of it, and the level nearest its exact value or, where float32
			// rounding put that value at a level's edge, the next.
			for i, x := range img {
				if g := float32(toByte(float64(x))) / 255; g != x {
					t.Fatalf("value %d is %v, off the byte grid (%v)", i, x, g)
				}
				if math.Abs(float64(x-tc.want[i])) > 0.5/255+1e-6 {
					t.Fatalf("got %v, want %v on the byte grid", img, tc.want)
				}
			}
			if got := v.identity(); got != (tc.name == "identity") {
				t.Errorf("identity() = %v", got)
			}
		})
	}
}

// TestColourThenMap checks that colouring with the mapping to model inputs
// gives, bit for bit, what colouring alone and then mapping give: the
// search scores the first and reports images made the second way.
func TestColourThenMap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 1))
	out := newAffine([]float32{1 / 0.229, 1 / 0.224, 1 / 0.225}, []float32{-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225})
	for i := range 50 {
		v := newView()
		if i > 0 {
			for range 3 {
				v.mutate(rng, 3, 8, 8, false)
			}
		}
		for ch := range 3 {
			p := make([]float32, 64)
			for j := range p {
				p[j] = rng.Float32()
			}
			want := slices.Clone(p)
			v.colour(want, ch, nil)
			out.apply(want, ch)
			v.colour(p, ch, out)
			if !slices.Equal(p, want) {
				t.Fatalf("view %d, channel %d: colour with the mapping gives %v, colour then mapping %v", i, ch, p[:4], want[:4])
			}
		}
	}
}

// TestViewTiled checks applyTiled against its definition, pixel by pixel:
// output (y, x) is the colour change of the tile's pixel
// ((y+dy) mod hs, (x'+dx) mod ws), where x' mirrors x when flipped; tiles
// that do not divide the image are cut at its edge.
func TestViewTiled(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	sizes := []struct{ hs, ws, h, w int }{
		{2, 2, 4, 4},
		{3, 2, 7, 5}, // tiles cut at both edges
		{4, 4, 4, 4}, // one tile
		{5, 3, 6, 16},
	}
	for _, sz := range sizes {
		for trial := range 50 {
			v := newView()
			v.tile = 2
			for range trial % 6 {
				v.mutate(rng, 3, sz.h, sz.w, false)
			}
			small := make([]float32, 3*sz.hs*sz.ws)
			for i := range small {
				small[i] = rng.Float32()
			}
			want := make([]float32, 3*sz.h*sz.w)
			for ch := range 3 {
				a := v.gain[ch] * v.contrast
				b := 0.5 + (v.offset[ch]-0.5)*v.contrast
				for y := range sz.h {
					for x := range sz.w {
						xs := x
						if v.flip {
							xs = sz.w - 1 - x
						}
						s := small[ch*sz.hs*sz.ws+(y+v.dy)%sz.hs*sz.ws+(xs+v.dx)%sz.ws]
						// Coloured, then rounded to the byte grid.
						px := []float32{min(1, max(0, a*s+b))}
						toGrid(px)
						want[ch*sz.h*sz.w+y*sz.w+x] = px[0]
					}
				}
			}
			got := make([]float32, len(want))
			v.applyTiled(got, small, 3, sz.hs, sz.ws, sz.h, sz.w, nil)
			for i := range got {
				if math.Abs(float64(got[i]-want[i])) > 1e-6 {
					t.Fatalf("%+v, view %+v: pixel %d is %v, want %v", sz, *v, i, got[i], want[i])
				}
			}
		}
	}
}

// TestViewMutate checks that view mutations reach every part of a view and
// keep each in its range, and change the tiling only when allowed to.
func TestViewMutate(t *testing.T) {
	for _, tile := range []bool{false, true} {
		t.Run(fmt.Sprintf("tile=%v", tile), func(t *testing.T) { testViewMutate(t, tile) })
	}
}

func testViewMutate(t *testing.T, tile bool) {
	rng := rand.New(rand.NewPCG(1, 1))
	v := newView()
	var shifted, flipped, gained, offset, contrasted bool
	tilings := map[int]bool{}
	for range 2000 {
		before := *v
		v.mutate(rng, 3, 8, 16, tile)
		tilings[v.tile] = true
		shifted = shifted || v.dx != before.dx || v.dy != before.dy
		flipped = flipped || v.flip != before.flip
		gained = gained || v.gain != before.gain
		offset = offset || v.offset != before.offset
		contrasted = contrasted || v.contrast != before.contrast
		if v.dx < 0 || v.dx >= 16 || v.dy < 0 || v.dy >= 8 {
			t.Fatalf("shift (%d,%d) outside 16×8", v.dx, v.dy)
		}
		vals := append(v.gain[:], v.contrast)
		if slices.Min(vals) < 0.25 || slices.Max(vals) > 4 {
			t.Fatalf("gains and contrast %v outside [0.25, 4]", vals)
		}
		if slices.Min(v.offset[:]) < -1 || slices.Max(v.offset[:]) > 1 {
			t.Fatalf("offsets %v outside [-1, 1]", v.offset)
		}
	}
	if !shifted || !flipped || !gained || !offset || !contrasted {
		t.Errorf("parts changed: shift %v mirror %v gain %v offset %v contrast %v", shifted, flipped, gained, offset, contrasted)
	}
	want := map[int]bool{1: true}
	if tile {
		// 8×8 tiles of an 8-pixel side would be flat colours.
		want = map[int]bool{1: true, 2: true, 4: true}
	}
	if !maps.Equal(tilings, want) {
		t.Errorf("tilings seen %v, want %v", tilings, want)
	}
}

// TestUsableTiles checks which tilings views draw on images of each size:
// all of them on ImageNet-sized images, none whose tiles would be narrower
// than minTileSide, and at least the untiled view on any image.
func TestUsableTiles(t *testing.T) {
	for _, tc := range []struct{ h, w, want int }{
		{224, 224, 4},
		{30, 30, 4},
		{8, 16, 3},
		{16, 8, 3},
		{3, 3, 2},
		{1, 1, 1},
	} {
		if got := usableTiles(tc.h, tc.w); got != tc.want {
			t.Errorf("usableTiles(%d, %d) = %d (%v), want %d", tc.h, tc.w, got, tiles[:got], tc.want)
		}
	}
	rng := rand.New(rand.NewPCG(2, 2))
	seen := map[int]bool{}
	v := newView()
	for range 2000 {
		v.mutate(rng, 3, 224, 224, true)
		seen[v.tile] = true
	}
	if want := map[int]bool{1: true, 2: true, 4: true, 8: true}; !maps.Equal(seen, want) {
		t.Errorf("tilings seen on 224×224 images %v, want %v", seen, want)
	}
}

// TestCPPNTiledRender checks that a tiled CPPN image repeats with the
// tile's period, and that results render it exactly as it was scored, on
// images whose side the tilings divide and on small ones they do not.
func TestCPPNTiledRender(t *testing.T) {
	for _, side := range []int{224, 30} {
		const c = 3
		h, w := side, side
		e, err := newCPPN(c, h, w, 1)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 3))
		for _, k := range tiles[1:] {
			g := e.random(rng)
			g.view = newView()
			g.view.tile = k
			g.view.dx, g.view.dy = 17, 5
			img := make([]float32, c*h*w)
			if err := e.render(g, img, 0); err != nil {
				t.Fatal(err)
			}
			p := tileSize(h, k)
			for i := range img {
				ch, y, x := i/(h*w), i/w%h, i%w
				if x+p < w && img[i] != img[ch*h*w+y*w+x+p] || y+p < h && img[i] != img[i+p*w] {
					t.Fatalf("%d×%d, tile %d: pixel (%d,%d,%d) differs from the one a period away", h, w, k, ch, y, x)
				}
			}
			want := make([]uint8, len(img))
			unitsToBytes(want, img)
			if got, err := e.image(g); err != nil || !slices.Equal(got, want) {
				t.Errorf("%d×%d, tile %d: image() differs from the scored render rounded to bytes (%v)", h, w, k, err)
			}
		}
	}
}

// TestColourKernels checks that colour changes and the input mapping give
// the same bits over a whole plane (vector prefix, scalar tail) as one value
// at a time (scalar only), so images do not depend on how fooltest was
// built.
func TestColourKernels(t *testing.T) {
	if !cppn.Vectorised() {
		t.Skip("built without GOEXPERIMENT=simd on amd64, or the CPU lacks AVX2: no vector kernels to check")
	}
	rng := rand.New(rand.NewPCG(5, 9))
	out := newAffine([]float32{1 / 0.229, 1 / 0.224, 1 / 0.225}, []float32{-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225})
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 0.5, 1e-30}
	for i := range 50 {
		v := newView()
		for range i % 5 {
			v.mutate(rng, 3, 8, 8, false)
		}
		if i%7 == 6 {
			v = nil
		}
		for _, o := range []*affine{nil, out} {
			for ch := range 3 {
				p := make([]float32, 203)
				for j := range p {
					if rng.IntN(5) == 0 {
						p[j] = special[rng.IntN(len(special))]
					} else {
						p[j] = 1.2*rng.Float32() - 0.1
					}
				}
				want := slices.Clone(p)
				v.colour(p, ch, o)
				for j := range want {
					v.colour(want[j:j+1], ch, o)
				}
				for j := range p {
					if math.Float32bits(p[j]) != math.Float32bits(want[j]) {
						t.Fatalf("view %d, channel %d, mapped %v, value %d: vector %v, scalar %v", i, ch, o != nil, j, p[j], want[j])
					}
				}
			}
		}
	}
}

// TestUnpackKernel checks that direct genes become the same input values
// computed by the vector kernel (whole slices) as looked up in direct's
// tables (one value at a time), with and without an input mapping.
func TestUnpackKernel(t *testing.T) {
	if !cppn.Vectorised() {
		t.Skip("built without GOEXPERIMENT=simd on amd64, or the CPU lacks AVX2: no vector kernels to check")
	}
	rng := rand.New(rand.NewPCG(6, 1))
	pix := make([]uint8, 3*333)
	for i := range pix {
		pix[i] = uint8(i)
		if i >= 256 {
			pix[i] = uint8(rng.IntN(256))
		}
	}
	for _, out := range []*affine{nil, newAffine([]float32{1 / 0.229, 1 / 0.224, 1 / 0.225}, []float32{-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225})} {
		d := newDirect(3, 1, 333)
		d.setOutput(out)
		g := &genome{pix: pix}
		got := make([]float32, len(pix))
		if err := d.render(g, got, 0); err != nil {
			t.Fatal(err)
		}
		for ch := range 3 {
			lut := &byteToUnit
			if out != nil {
				lut = &d.lut[ch]
			}
			for i := ch * 333; i < (ch+1)*333; i++ {
				if math.Float32bits(got[i]) != math.Float32bits(lut[pix[i]]) {
					t.Fatalf("mapped %v, value %d (gene %d): vector %v, table %v", out != nil, i, pix[i], got[i], lut[pix[i]])
				}
			}
		}
	}
}

// identity reports whether v leaves images unchanged.
func (v *view) identity() bool {
	return v == nil || *v == view{tile: 1, gain: [3]float32{1, 1, 1}, contrast: 1}
}
