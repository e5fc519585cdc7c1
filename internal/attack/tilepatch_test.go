package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTilePatchRepeats checks that a tile patch changes every copy of the
// tile alike, by its step, inside its rectangle only, and that results
// render a patched image exactly as it was scored.
func TestTilePatchRepeats(t *testing.T) {
	const c, h, w = 3, 224, 224
	e, err := newCPPN(c, h, w, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 1))
	for _, k := range tiles {
		t.Run(string(rune('0'+k)), func(t *testing.T) {
			g := e.random(rng)
			g.view = newView()
			g.view.tile = k
			g.view.dx, g.view.dy = 3, 11
			p := e.addTilePatch(rng, g, 0.1)
			if p.net != g.net || p.view != g.view || p.patches == nil || p.patches.prev != nil {
				t.Fatal("the child does not share its parent's network and view, or lacks its one patch")
			}
			before, after := make([]float32, c*h*w), make([]float32, c*h*w)
			if err := e.render(g, before, 0); err != nil {
				t.Fatal(err)
			}
			if err := e.render(p, after, 0); err != nil {
				t.Fatal(err)
			}
			tp := p.patches
			side := h / k
			changed := 0
			for i := range after {
				ch, y, x := i/(h*w), i/w%h, i%w
				// The pixel's place in the unshifted tile.
				ty, tx := (y+g.view.dy)%side, (x+g.view.dx)%side
				in := tx >= tp.x0 && tx < tp.x0+tp.rw && ty >= tp.y0 && ty < tp.y0+tp.rh
				want, tol := before[i], 1e-6
				if in {
					// Both renders end on the byte grid, each rounded
					// from the unrounded render: one level apart at most.
					want, tol = float32(min(1, max(0, float64(before[i])+float64(tp.step[ch])))), 1.0/255+1e-6
				}
				if math.Abs(float64(after[i]-want)) > tol {
					t.Fatalf("pixel (%d,%d,%d), inside the patch %v: got %v, want %v", ch, y, x, in, after[i], want)
				}
				if after[i] != before[i] {
					changed++
				}
			}
			if changed == 0 {
				t.Fatal("the patch changed no pixel")
			}
			want := make([]uint8, len(after))
			unitsToBytes(want, after)
			if got, err := e.image(p); err != nil || !slices.Equal(got, want) {
				t.Errorf("image() differs from the scored render rounded to bytes (%v)", err)
			}
		})
	}
}

// TestTilePatchesAccumulate checks that patches add up oldest first and
// that their sum saturates at ±1, so that steps against a saturated delta
// take effect at once.
func TestTilePatchesAccumulate(t *testing.T) {
	const c, h, w = 1, 8, 8
	e, err := newCPPN(c, h, w, 1)
	if err != nil {
		t.Fatal(err)
	}
	cv := e.canvases[0]
	var list *tilePatch
	for i := range 20 {
		s := float32(stepSize / 255.0)
		if i >= 10 {
			s = -s
		}
		list = &tilePatch{prev: list, x0: 2, y0: 3, rw: 2, rh: 1, step: [3]float32{s}}
	}
	// Ten steps up saturate the delta at +1; ten down from there pass -1
	// and saturate again. Without the bound the delta would end at 0.
	want := float32(1)
	for range 10 {
		want = max(-1, want-stepSize/255.0)
	}
	img := make([]float32, h*w)
	for i := range img {
		img[i] = 0.5
	}
	cv.applyPatches(img, list, c, h, w)
	for i, v := range img {
		y, x := i/w, i%w
		exp := float32(0.5)
		if y == 3 && (x == 2 || x == 3) {
			exp = min(1, max(0, 0.5+want))
		}
		if math.Abs(float64(v-exp)) > 1e-6 {
			t.Fatalf("pixel (%d,%d) = %v, want %v", y, x, v, exp)
		}
	}
}

// TestTilePatchesFollowTheTile checks that children keep their parent's
// tile patches through network moves and view moves that keep the tiling,
// and drop them when the tiling changes, since patches are drawn in one
// tile's space.
func TestTilePatchesFollowTheTile(t *testing.T) {
	e, err := newCPPN(3, 32, 32, 1)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 2))
	g := e.random(rng)
	g.view = newView()
	g.view.tile = 2
	g = e.addTilePatch(rng, g, 0.1)
	if m := mutate(e, rng, g); m.patches != g.patches {
		t.Error("a mutation of the network dropped the patches")
	}
	if n := e.nudge(rng, g, 1); n.patches != g.patches {
		t.Error("a nudge dropped the patches")
	}
	kept, dropped := 0, 0
	for range 200 {
		r := e.reframe(rng, g, true)
		switch {
		case r.view.tile == g.view.tile && r.patches == g.patches:
			kept++
		case r.view.tile != g.view.tile && r.patches == nil:
			dropped++
		default:
			t.Fatalf("tiling %d → %d, patches %p → %p", g.view.tile, r.view.tile, g.patches, r.patches)
		}
	}
	if kept == 0 || dropped == 0 {
		t.Fatalf("200 view moves kept the patches %d times and dropped them %d times; want both", kept, dropped)
	}
}
