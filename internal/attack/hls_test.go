package attack

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHLSRoundTrip converts random colours RGB -> HLS -> RGB and HLS ->
// RGB -> HLS: both must come back within float rounding, the second where
// hue and saturation are defined (not gray, lightness in (0, 1)).
func TestHLSRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const eps = 1e-9
	for range 100000 {
		r, g, b := rng.Float64(), rng.Float64(), rng.Float64()
		h, l, s := rgbToHLS(r, g, b)
		if h < 0 || h >= 1 || l < 0 || l > 1 || s < 0 || s > 1 {
			t.Fatalf("rgb %v %v %v: hls %v %v %v out of range", r, g, b, h, l, s)
		}
		r2, g2, b2 := hlsToRGB(h, l, s)
		if math.Abs(r-r2) > eps || math.Abs(g-g2) > eps || math.Abs(b-b2) > eps {
			t.Fatalf("rgb %v %v %v -> hls %v %v %v -> rgb %v %v %v", r, g, b, h, l, s, r2, g2, b2)
		}
	}
	for range 100000 {
		h, l, s := rng.Float64(), 0.01+0.98*rng.Float64(), 0.01+0.99*rng.Float64()
		r, g, b := hlsToRGB(h, l, s)
		h2, l2, s2 := rgbToHLS(r, g, b)
		dh := math.Abs(h - h2)
		dh = min(dh, 1-dh)
		if dh > 1e-7 || math.Abs(l-l2) > eps || math.Abs(s-s2) > 1e-7 {
			t.Fatalf("hls %v %v %v -> rgb %v %v %v -> hls %v %v %v", h, l, s, r, g, b, h2, l2, s2)
		}
	}
}

// TestHLSKnownColours pins the conversion to colours everyone knows,
// in case both directions were wrong the same way.
func TestHLSKnownColours(t *testing.T) {
	for _, tc := range []struct{ h, l, s, r, g, b float64 }{
		{0, 0.5, 1, 1, 0, 0},
		{1.0 / 3, 0.5, 1, 0, 1, 0},
		{2.0 / 3, 0.5, 1, 0, 0, 1},
		{1.0 / 6, 0.5, 1, 1, 1, 0},
		{0.5, 0.25, 1, 0, 0.5, 0.5},
		{0.3, 0.7, 0, 0.7, 0.7, 0.7},
		{0, 1, 1, 1, 1, 1},
		{0.9, 0, 1, 0, 0, 0},
	} {
		r, g, b := hlsToRGB(tc.h, tc.l, tc.s)
		if math.Abs(r-tc.r) > 1e-12 || math.Abs(g-tc.g) > 1e-12 || math.Abs(b-tc.b) > 1e-12 {
			t.Errorf("hls %v %v %v: rgb %v %v %v, want %v %v %v", tc.h, tc.l, tc.s, r, g, b, tc.r, tc.g, tc.b)
		}
	}
}

// TestPaperDirectHLS: the paper's direct encoding renders a colour genome's
// HLS planes as the RGB bytes of the conversion, and gray genomes as they
// are.
func TestPaperDirectHLS(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	p := newPaperDirect(newDirect(3, 4, 5), 1)
	g := p.random(rng)
	img, err := p.image(g)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, len(img))
	if err := p.render(g, dst, 0); err != nil {
		t.Fatal(err)
	}
	hw := 20
	for i := range hw {
		r, gr, b := hlsToRGB(float64(g.pix[i])/255, float64(g.pix[hw+i])/255, float64(g.pix[2*hw+i])/255)
		for ch, v := range []float64{r, gr, b} {
			want := toByte(v)
			if img[ch*hw+i] != want || dst[ch*hw+i] != float32(want)/255 {
				t.Fatalf("pixel %d channel %d: image %v, render %v, want %v", i, ch, img[ch*hw+i], dst[ch*hw+i], want)
			}
		}
	}
	gray := newPaperDirect(newDirect(1, 4, 5), 1)
	g = gray.random(rng)
	grayImg, err := gray.image(g)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range grayImg {
		if v != g.pix[i] {
			t.Fatalf("gray pixel %d: %v, want %v", i, v, g.pix[i])
		}
	}
}

// rgbToHLS is hlsToRGB's inverse on colours: grays get hue and saturation 0.
func rgbToHLS(r, g, b float64) (h, l, s float64) {
	hi, lo := max(r, g, b), min(r, g, b)
	l = (hi + lo) / 2
	if hi == lo {
		return 0, l, 0
	}
	d := hi - lo
	if l <= 0.5 {
		s = d / (hi + lo)
	} else {
		s = d / (2 - hi - lo)
	}
	rc, gc, bc := (hi-r)/d, (hi-g)/d, (hi-b)/d
	switch hi {
	case r:
		h = bc - gc
	case g:
		h = 2 + rc - bc
	default:
		h = 4 + gc - rc
	}
	h /= 6
	h -= math.Floor(h)
	return h, l, s
}
