package report

import (
	"bytes"
	"fmt"
	"image"
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
	// The sizes come from a report.json, which may be crafted: they are
	// checked before anything is allocated for them, as a model of
	// 65535×65535 pixels would take gigabytes to hold and more to decode.
	if err := (&Image{C: c, H: h, W: w}).checkSize(); err != nil {
		return nil, err
	}
	// Each side is bounded first, so that no product below overflows.
	if h > maxReadPixels || w > maxReadPixels || h*w > maxReadPixels {
		return nil, fmt.Errorf("the model's image is %d×%d, over the %d pixels fooltest reads back", w, h, maxReadPixels)
	}
	ky, kx := upscaleFactors(h, w)
	if drawn := int64(w*kx) * int64(h*ky); drawn > maxReadPixels {
		return nil, fmt.Errorf("fooltest draws a %d×%d image at %d×%d, %d pixels, over the %d it reads back", w, h, w*kx, h*ky, drawn, maxReadPixels)
	}
	// The header is checked before decoding: a crafted one could claim
	// an image of gigabytes.
	cfg, err := png.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if cfg.Width != w*kx || cfg.Height != h*ky {
		return nil, fmt.Errorf("image is %d×%d, but fooltest draws a %d×%d image at %d×%d", cfg.Width, cfg.Height, w, h, w*kx, h*ky)
	}
	// fooltest writes an 8-bit gray PNG for a model of one channel and an
	// 8-bit RGB one for three; another (RGB for a gray model, 16 bits, a
	// palette) would be converted into pixels the model never saw.
	if want := map[int]color.Model{1: color.GrayModel, 3: color.RGBAModel}[c]; cfg.ColorModel != want {
		return nil, fmt.Errorf("image is not the 8-bit %s PNG fooltest draws for a model of %d %s", map[int]string{1: "gray", 3: "RGB"}[c], c, map[int]string{1: "channel", 3: "channels"}[c])
	}
	out := &Image{C: c, H: h, W: w, Pix: make([]uint8, c*h*w)}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	plane := h * w
	// The PNGs fooltest writes decode to these two: their pixels are read
	// straight from the buffer, as At returned each as an interface value,
	// an allocation a pixel that took half of a merge's reading of its
	// images.
	switch m := img.(type) {
	case *image.Gray:
		if c == 1 {
			for y := range h {
				row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y*ky):]
				for x := range w {
					out.Pix[y*w+x] = row[x*kx]
				}
			}
			return out, nil
		}
	case *image.RGBA:
		if c == 3 {
			for y := range h {
				row := m.Pix[m.PixOffset(b.Min.X, b.Min.Y+y*ky):]
				for x := range w {
					i, p := y*w+x, 4*x*kx
					out.Pix[i], out.Pix[plane+i], out.Pix[2*plane+i] = row[p], row[p+1], row[p+2]
				}
			}
			return out, nil
		}
	}
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
