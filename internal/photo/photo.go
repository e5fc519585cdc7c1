// Package photo turns natural images into the canonical planar images the
// classifier scores: decoding (JPEG, PNG), a bilinear scale and a crop. It
// serves fooltest inspect --image, which shows how a model classifies a
// user's photo, and the developer tools and tests that feed real photos to
// real models. The model's preprocessing starts from the canonical image.
package photo

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // photos
	_ "image/png"  // photos, and benchsearch -dump's images
	"math"
	"os"
	"syscall"
)

// ErrNotRegular is Decode's error for a path that is not a regular file:
// a FIFO, a device or a directory.
var ErrNotRegular = errors.New("not a regular file")

// MaxPixels bounds the images Decode takes: a compressed file of a few
// kilobytes can declare a size that takes gigabytes to decode.
const MaxPixels = 64 << 20

// ErrTooLarge is wrapped by Decode's error for an image of more than
// MaxPixels pixels.
var ErrTooLarge = errors.New("image too large")

// Decode reads the JPEG or PNG image at path, refusing one of more than
// MaxPixels pixels before decoding it. It reads only regular files, and
// opening a FIFO does not block.
func Decode(path string) (image.Image, error) {
	// Opening a FIFO for reading would wait for a writer, for ever.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, ErrNotRegular
	}
	cfg, _, err := image.DecodeConfig(f)
	if err != nil {
		return nil, err
	}
	if int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fmt.Errorf("%w: %d×%d pixels, more than %d", ErrTooLarge, cfg.Width, cfg.Height, MaxPixels)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return nil, fmt.Errorf("image has no pixels (%d×%d)", cfg.Width, cfg.Height)
	}
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	img, _, err := image.Decode(f)
	return img, err
}

// Fit scales img so that its short side spans the h×w window and returns
// the centred window as a canonical image of c channels (1: luma, 3: RGB),
// planar, in [0,1], transparent pixels over white.
func Fit(img image.Image, c, h, w int) []float32 {
	b := img.Bounds()
	scale := max(float64(h)/float64(b.Dy()), float64(w)/float64(b.Dx()))
	nw, nh := int(math.Round(float64(b.Dx())*scale)), int(math.Round(float64(b.Dy())*scale))
	rgb := Crop(img, scale, (nw-w)/2, (nh-h)/2, h, w, false)
	if c == 3 {
		return rgb
	}
	gray := make([]float32, c*h*w)
	for i := range h * w {
		// ITU-R BT.601 luma, as image/color's gray conversion.
		v := 0.299*rgb[i] + 0.587*rgb[h*w+i] + 0.114*rgb[2*h*w+i]
		for ch := range c {
			gray[ch*h*w+i] = v
		}
	}
	return gray
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
	pixel := func(x, y int) [3]float64 {
		c := color.NRGBA64Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.NRGBA64)
		al := float64(c.A) / 65535
		return [3]float64{
			float64(c.R)/65535*al + 1 - al,
			float64(c.G)/65535*al + 1 - al,
			float64(c.B)/65535*al + 1 - al,
		}
	}
	// Each output pixel reads four source pixels through an interface
	// and a colour conversion. When the window has more pixels than a
	// quarter of the source (a small photo scaled up to a large model's
	// input), converting every source pixel once is far cheaper.
	var src [][3]float64
	if sw*sh <= 4*h*w {
		src = make([][3]float64, sw*sh)
		for y := range sh {
			for x := range sw {
				src[y*sw+x] = pixel(x, y)
			}
		}
	}
	at := func(x, y int) [3]float64 {
		x, y = min(max(x, 0), sw-1), min(max(y, 0), sh-1)
		if src != nil {
			return src[y*sw+x]
		}
		return pixel(x, y)
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
