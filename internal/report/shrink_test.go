package report

import (
	"image"
	"math/rand/v2"
	"testing"
)

// refShrink is shrink as defined: each output pixel is the rounded mean of
// its f×f block, channel by channel.
func refShrink(m *Image, f int) image.Image {
	w, h := m.W/f, m.H/f
	plane := m.H * m.W
	n := f * f
	avg := func(c, x, y int) uint8 {
		sum := 0
		for dy := range f {
			row := c*plane + (y*f+dy)*m.W + x*f
			for dx := range f {
				sum += int(m.Pix[row+dx])
			}
		}
		return uint8((sum + n/2) / n)
	}
	if m.C == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			for x := range w {
				g.Pix[y*g.Stride+x] = avg(0, x, y)
			}
		}
		return g
	}
	rgb := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			o := y*rgb.Stride + 4*x
			rgb.Pix[o], rgb.Pix[o+1], rgb.Pix[o+2], rgb.Pix[o+3] = avg(0, x, y), avg(1, x, y), avg(2, x, y), 0xff
		}
	}
	return rgb
}

// TestShrink checks shrink against refShrink on noise, gray and RGB, with
// sides that are not multiples of f.
func TestShrink(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range []struct{ c, h, w, f int }{{3, 224, 224, 2}, {1, 300, 257, 3}, {3, 130, 500, 4}, {1, 256, 256, 2}} {
		m := &Image{C: c.c, H: c.h, W: c.w, Pix: make([]byte, c.c*c.h*c.w)}
		for i := range m.Pix {
			m.Pix[i] = byte(r.Uint32())
		}
		a, b := refShrink(m, c.f), shrink(m, c.f)
		var pa, pb []byte
		switch x := a.(type) {
		case *image.Gray:
			pa = x.Pix
			pb = b.(*image.Gray).Pix
		case *image.RGBA:
			pa = x.Pix
			pb = b.(*image.RGBA).Pix
		}
		if string(pa) != string(pb) {
			t.Fatalf("%+v differs", c)
		}
	}
}
