package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// writePNG writes img as a PNG file in a test folder.
func writePNG(t *testing.T, img image.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "photo.png")
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestFit scales the short side to the window and keeps the centre: a
// 40×20 photo whose middle half is red, its sides blue, becomes a 10×10
// window of red, in RGB, and a gray one of red's luma.
func TestFit(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for y := range 20 {
		for x := range 40 {
			c := color.NRGBA{0, 0, 255, 255}
			if x >= 10 && x < 30 {
				c = color.NRGBA{255, 0, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	got, err := Decode(writePNG(t, img))
	if err != nil {
		t.Fatal(err)
	}
	rgb := Fit(got, 3, 10, 10)
	for i := range 100 {
		if r, g, b := rgb[i], rgb[100+i], rgb[200+i]; r != 1 || g != 0 || b != 0 {
			t.Fatalf("pixel %d: (%v, %v, %v), want red: the crop is not the centre", i, r, g, b)
		}
	}
	gray := Fit(got, 1, 10, 10)
	for i, v := range gray {
		if v < 0.298 || v > 0.300 {
			t.Fatalf("gray pixel %d: %v, want red's luma 0.299", i, v)
		}
	}
}

// TestCropPaths: a window larger than its source (a small photo scaled up,
// read from the source converted once) samples exactly what windows of one
// pixel at the same places (read pixel by pixel through the image) do,
// transparent pixels over white included.
func TestCropPaths(t *testing.T) {
	img := image.NewNRGBA(image.Rect(3, 5, 19, 17))
	for y := 5; y < 17; y++ {
		for x := 3; x < 19; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 13), uint8(y * 29), uint8(x * y), uint8(255 - x*y%128)})
		}
	}
	const h, w, scale = 40, 50, 3.3
	big := Crop(img, scale, 2, 1, h, w, true)
	for y := range h {
		for x := range w {
			// Mirrored: output column x samples source column w-1-x.
			one := Crop(img, scale, 2+w-1-x, 1+y, 1, 1, false)
			for ch := range 3 {
				if got := big[ch*h*w+y*w+x]; got != one[ch] {
					t.Fatalf("pixel (%d, %d) channel %d: %v in the large window, %v alone", x, y, ch, got, one[ch])
				}
			}
		}
	}
}

// TestDecodeRefuses: files that are no image, and an image whose header
// declares more than MaxPixels pixels, which is refused before decoding.
func TestDecodeRefuses(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(text); err == nil {
		t.Fatal("decoded a text file")
	}
	if _, err := Decode(filepath.Join(dir, "missing.png")); err == nil {
		t.Fatal("decoded a missing file")
	}
	// A PNG signature and an IHDR chunk for 10000×10000 gray pixels, and
	// nothing else: decoding it would need 100 MB.
	ihdr := binary.BigEndian.AppendUint32(nil, 10000)
	ihdr = binary.BigEndian.AppendUint32(ihdr, 10000)
	ihdr = append(ihdr, 8, 0, 0, 0, 0)
	chunk := binary.BigEndian.AppendUint32(nil, uint32(len(ihdr)))
	typed := append([]byte("IHDR"), ihdr...)
	chunk = append(chunk, typed...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(typed))
	bomb := filepath.Join(dir, "bomb.png")
	if err := os.WriteFile(bomb, append([]byte("\x89PNG\r\n\x1a\n"), chunk...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(bomb); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("10000×10000 header: %v, want ErrTooLarge", err)
	}
}
