package cppn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// upsampleRef is the plain bilinear resample upsample must reproduce bit for
// bit: every output pixel from its own taps, the horizontal pass over all
// source rows first.
func upsampleRef(src []float32, lw, lh, w, h int) []float32 {
	col, row := taps(w, lw), taps(h, lh)
	tmp := make([]float32, lh*w)
	for y := range lh {
		s := src[y*lw : (y+1)*lw]
		for x, tp := range col {
			a := s[tp.i0]
			tmp[y*w+x] = a + tp.f*(s[tp.i1]-a)
		}
	}
	dst := make([]float32, w*h)
	for y, tp := range row {
		for x := range w {
			a := tmp[int(tp.i0)*w+x]
			if tp.f == 0 {
				dst[y*w+x] = a
				continue
			}
			b := tmp[int(tp.i1)*w+x]
			dst[y*w+x] = a + tp.f*(b-a)
		}
	}
	return dst
}

// TestUpsampleMatchesReference compares upsample with upsampleRef on random
// channels, for the integer factors 2, 4 and 8 (where the output's n-1 is a
// multiple of the grid's), the sizes the search uses (224 from 56, whose taps
// never repeat) and odd and degenerate sizes.
func TestUpsampleMatchesReference(t *testing.T) {
	tests := []struct {
		w, h, size int
		lw, lh     int
	}{
		{29, 29, 15, 15, 15},   // ×2
		{221, 221, 56, 56, 56}, // ×4
		{57, 57, 8, 8, 8},      // ×8
		{113, 225, 29, 15, 29}, // ×8 across, ×8 down
		{224, 224, 56, 56, 56}, // the ImageNet default
		{224, 224, 112, 112, 112},
		{32, 32, 16, 16, 16},
		{100, 37, 13, 13, 5},
		{23, 41, 17, 10, 17},
		{3, 224, 200, 3, 200}, // one axis at full size
		{300, 5, 60, 60, 1},   // one grid row
		{28, 28, 1, 1, 1},
	}
	rng := rand.New(rand.NewPCG(9, 10))
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%dx%d_from_%dx%d", tc.w, tc.h, tc.lw, tc.lh), func(t *testing.T) {
			r, err := NewRenderer(tc.w, tc.h, 1, Options{RenderSize: tc.size})
			if err != nil {
				t.Fatal(err)
			}
			if lw, lh := r.internalSize(); lw != tc.lw || lh != tc.lh {
				t.Fatalf("internal size %d×%d, want %d×%d", lw, lh, tc.lw, tc.lh)
			}
			src := make([]float32, tc.lw*tc.lh)
			for i := range src {
				src[i] = rng.Float32()
			}
			// Values the search's images hold at their extremes.
			src[0] = 0
			src[len(src)-1] = 1
			if len(src) > 2 {
				src[len(src)/2] = float32(math.Copysign(0, -1))
			}
			want := upsampleRef(src, tc.lw, tc.lh, tc.w, tc.h)
			got := make([]float32, tc.w*tc.h)
			for i := range got {
				got[i] = float32(math.NaN())
			}
			r.upsample(src, got)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("pixel (%d, %d): %v, want %v", i%tc.w, i/tc.w, got[i], want[i])
				}
			}
		})
	}
}

// BenchmarkUpsample times one channel from 56×56 to 224×224.
func BenchmarkUpsample(b *testing.B) {
	r, err := NewRenderer(224, 224, 1, Options{RenderSize: 56})
	if err != nil {
		b.Fatal(err)
	}
	src := make([]float32, 56*56)
	for i := range src {
		src[i] = float32(i%97) / 97
	}
	dst := make([]float32, 224*224)
	for b.Loop() {
		r.upsample(src, dst)
	}
}
