// Package photo turns natural images into the canonical planar RGB the
// classifier scores, for the developer tools and the tests that feed real
// photos to real models: decoding (JPEG, PNG), a bilinear scale and a crop.
// It is not the product's preprocessing, which starts from canonical images.
package photo

import (
	"image"
	"image/color"
	_ "image/jpeg" // photos
	_ "image/png"  // benchsearch -dump's images
	"math"
	"os"
)

// Decode reads the JPEG or PNG image at path.
func Decode(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// Centre scales the short side to 256/224 of h and takes the centred crop.
func Centre(img image.Image, h, w int, mirror bool) []float32 {
	b := img.Bounds()
	scale := float64(h) * 256 / 224 / float64(min(b.Dx(), b.Dy()))
	nw, nh := int(math.Round(float64(b.Dx())*scale)), int(math.Round(float64(b.Dy())*scale))
	return Crop(img, scale, (nw-w)/2, (nh-h)/2, h, w, mirror)
}

// Crop samples the h×w window at (x0, y0) of img scaled by scale
// (bilinear), optionally mirrored, as planar RGB in [0,1] over white.
func Crop(img image.Image, scale float64, x0, y0, h, w int, mirror bool) []float32 {
	b := img.Bounds()
	sw, sh := b.Dx(), b.Dy()
	out := make([]float32, 3*h*w)
	at := func(x, y int) [3]float64 {
		x, y = min(max(x, 0), sw-1), min(max(y, 0), sh-1)
		c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
		al := float64(c.A) / 65535
		return [3]float64{
			float64(c.R)/65535*al + 1 - al,
			float64(c.G)/65535*al + 1 - al,
			float64(c.B)/65535*al + 1 - al,
		}
	}
	for y := range h {
		for x := range w {
			sx := x
			if mirror {
				sx = w - 1 - x
			}
			fx := (float64(sx+x0)+0.5)/scale - 0.5
			fy := (float64(y+y0)+0.5)/scale - 0.5
			ix, iy := int(math.Floor(fx)), int(math.Floor(fy))
			ax, ay := fx-float64(ix), fy-float64(iy)
			p00, p10, p01, p11 := at(ix, iy), at(ix+1, iy), at(ix, iy+1), at(ix+1, iy+1)
			for ch := range 3 {
				v := (p00[ch]*(1-ax)+p10[ch]*ax)*(1-ay) + (p01[ch]*(1-ax)+p11[ch]*ax)*ay
				out[ch*h*w+y*w+x] = float32(v)
			}
		}
	}
	return out
}
