package report

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"testing"
)

// TestEncodePNG checks that fooltest's PNG encoder round-trips through
// image/png for every image type it draws, including sub-images, whose
// rows do not start at the buffer's start.
func TestEncodePNG(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fill := func(pix []byte) {
		for i := range pix {
			pix[i] = byte(r.Uint32())
		}
	}
	gray := image.NewGray(image.Rect(0, 0, 37, 5))
	fill(gray.Pix)
	nrgba := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	fill(nrgba.Pix)
	rgba := image.NewRGBA(image.Rect(0, 0, 20, 30))
	fill(rgba.Pix)
	tests := []struct {
		name string
		img  image.Image
	}{
		{"gray", gray},
		{"NRGBA noise", nrgba},
		{"RGBA", rgba},
		{"gray sub-image", gray.SubImage(image.Rect(3, 1, 30, 4))},
		{"NRGBA sub-image", nrgba.SubImage(image.Rect(5, 7, 40, 41))},
		{"one pixel", gray.SubImage(image.Rect(2, 2, 3, 3))},
		{"paletted goes to image/png", image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := encodePNG(&buf, tt.img); err != nil {
				t.Fatal(err)
			}
			back, err := png.Decode(&buf)
			if err != nil {
				t.Fatal(err)
			}
			b := tt.img.Bounds()
			if back.Bounds().Size() != b.Size() {
				t.Fatalf("decoded %v, want size %v", back.Bounds(), b.Size())
			}
			for y := range b.Dy() {
				for x := range b.Dx() {
					r0, g0, b0, _ := tt.img.At(b.Min.X+x, b.Min.Y+y).RGBA()
					r1, g1, b1, _ := back.At(x, y).RGBA()
					// Alpha is dropped, so compare the opaque colour: NRGBA
					// noise has random alpha, and its RGB is what is kept.
					if n, ok := tt.img.(*image.NRGBA); ok {
						c := n.NRGBAAt(b.Min.X+x, b.Min.Y+y)
						r0, g0, b0 = uint32(c.R)*0x101, uint32(c.G)*0x101, uint32(c.B)*0x101
					}
					if rgba, ok := tt.img.(*image.RGBA); ok {
						c := rgba.RGBAAt(b.Min.X+x, b.Min.Y+y)
						r0, g0, b0 = uint32(c.R)*0x101, uint32(c.G)*0x101, uint32(c.B)*0x101
					}
					if r0 != r1 || g0 != g1 || b0 != b1 {
						t.Fatalf("pixel (%d,%d) is %d,%d,%d, want %d,%d,%d", x, y, r1, g1, b1, r0, g0, b0)
					}
				}
			}
		})
	}
}

// TestEncodeImagePNG checks the encoder of canonical planar images against
// the pixels, for gray and RGB, at model size and upscaled.
func TestEncodeImagePNG(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	tests := []struct {
		c, h, w, ky, kx int
	}{
		{1, 28, 28, 4, 4},
		{3, 32, 32, 4, 4},
		{3, 7, 300, 1, 1},
		{1, 1, 1, 3, 3},
		{3, 224, 224, 1, 1},
		// A strip, stretched in height alone.
		{1, 1, 256, 32, 4},
		{3, 2, 64, 16, 2},
	}
	for _, tt := range tests {
		m := &Image{C: tt.c, H: tt.h, W: tt.w, Pix: make([]byte, tt.c*tt.h*tt.w)}
		for i := range m.Pix {
			m.Pix[i] = byte(r.Uint32())
		}
		var buf bytes.Buffer
		if err := encodeImagePNG(&buf, m, tt.ky, tt.kx); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != tt.w*tt.kx || b.Dy() != tt.h*tt.ky {
			t.Fatalf("%+v: decoded %v", tt, b)
		}
		plane := tt.h * tt.w
		for y := range tt.h * tt.ky {
			for x := range tt.w * tt.kx {
				i := (y/tt.ky)*tt.w + x/tt.kx
				want := [3]uint32{uint32(m.Pix[i]), uint32(m.Pix[i]), uint32(m.Pix[i])}
				if tt.c == 3 {
					want = [3]uint32{uint32(m.Pix[i]), uint32(m.Pix[plane+i]), uint32(m.Pix[2*plane+i])}
				}
				r, g, b, _ := img.At(x, y).RGBA()
				if got := [3]uint32{r >> 8, g >> 8, b >> 8}; got != want {
					t.Fatalf("%+v: pixel (%d,%d) is %v, want %v", tt, x, y, got, want)
				}
			}
		}
	}
	if err := encodeImagePNG(io.Discard, &Image{C: 3, H: 2, W: 2, Pix: make([]byte, 5)}, 1, 1); err == nil {
		t.Error("an image with too few values was encoded")
	}
}

// TestReadImage: an image written by the images format reads back exactly,
// gray and RGB, and a PNG of another size is refused.
func TestReadImage(t *testing.T) {
	for _, c := range []int{1, 3} {
		// A strip of one row (a 1-D signal) comes back too.
		for _, hw := range [][2]int{{28, 20}, {1, 256}} {
			m := &Image{C: c, H: hw[0], W: hw[1], Pix: make([]uint8, c*hw[0]*hw[1])}
			for i := range m.Pix {
				m.Pix[i] = uint8(i * 7)
			}
			ky, kx := upscaleFactors(m.H, m.W)
			if m.H*ky < minStripSide || m.W*kx < minStripSide {
				t.Fatalf("%d×%d drawn at %d×%d", m.H, m.W, m.H*ky, m.W*kx)
			}
			var buf bytes.Buffer
			if err := encodeImagePNG(&buf, m, ky, kx); err != nil {
				t.Fatal(err)
			}
			got, err := readImage(buf.Bytes(), c, m.H, m.W)
			if err != nil {
				t.Fatalf("%d channels, %d×%d: %v", c, m.H, m.W, err)
			}
			if !bytes.Equal(got.Pix, m.Pix) {
				t.Errorf("%d channels, %d×%d: pixels differ after reading back", c, m.H, m.W)
			}
			if _, err := readImage(buf.Bytes(), c, m.W, m.H); err == nil {
				t.Errorf("%d channels: a PNG of %d×%d was read as %d×%d", c, m.H, m.W, m.W, m.H)
			}
		}
	}
	if _, err := readImage([]byte("not a png"), 1, 4, 4); err == nil {
		t.Error("a file that is no PNG was read")
	}
}

// BenchmarkReadImageNet reads back an ImageNet-sized class image, as a
// merge does for each class's winning image.
func BenchmarkReadImageNet(b *testing.B) {
	m := &Image{C: 3, H: 224, W: 224, Pix: make([]uint8, 3*224*224)}
	for i := range m.Pix {
		m.Pix[i] = uint8(i * 7)
	}
	var buf bytes.Buffer
	ky, kx := upscaleFactors(m.H, m.W)
	if err := encodeImagePNG(&buf, m, ky, kx); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := readImage(buf.Bytes(), m.C, m.H, m.W); err != nil {
			b.Fatal(err)
		}
	}
}
