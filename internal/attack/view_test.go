package attack

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
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
			v.apply(img, make([]float32, 6), 1, 2, 3)
			for i := range img {
				if math.Abs(float64(img[i]-tc.want[i])) > 1e-6 {
					t.Fatalf("got %v, want %v", img, tc.want)
				}
			}
			if got := v.identity(); got != (tc.name == "identity") {
				t.Errorf("identity() = %v", got)
			}
		})
	}
}

// TestViewMutate checks that view mutations reach every part of a view and
// keep each in its range.
func TestViewMutate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	v := newView()
	var shifted, flipped, gained, offset, contrasted bool
	for range 2000 {
		before := *v
		v.mutate(rng, 3, 8, 16)
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
}
