package report

import (
	"bytes"
	"fmt"

	"image/color"
	"image/png"
)

// readImage decodes a class image that the images format wrote (a PNG of a
// c×h×w image scaled up by the integer factor the writer chose) back into
// the Image it was drawn from, so that a merged result (fooltest merge) can
// be written in every format again. Scaling up is nearest neighbour, so the
// top-left pixel of each block is the original, and quantized pixels come
// back exactly.
func readImage(data []byte, c, h, w int) (*Image, error) {
	out := &Image{C: c, H: h, W: w, Pix: make([]uint8, max(0, c*h*w))}
	if err := out.validate(); err != nil {
		return nil, err
	}
	// The header is checked before decoding: a crafted one could claim
	// an image of gigabytes.
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	ky, kx := upscaleFactors(h, w)
	if cfg.Width != w*kx || cfg.Height != h*ky {
		return nil, fmt.Errorf("image is %d×%d, but fooltest draws a %d×%d image at %d×%d", cfg.Width, cfg.Height, w, h, w*kx, h*ky)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	plane := h * w
	for y := range h {
		for x := range w {
			px := img.At(b.Min.X+x*kx, b.Min.Y+y*ky)
			if c == 1 {
				out.Pix[y*w+x] = color.GrayModel.Convert(px).(color.Gray).Y
				continue
			}
			r, g, bl, _ := px.RGBA()
			i := y*w + x
			out.Pix[i], out.Pix[plane+i], out.Pix[2*plane+i] = uint8(r>>8), uint8(g>>8), uint8(bl>>8)
		}
	}
	return out, nil
}
