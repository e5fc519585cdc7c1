package report

import (
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"sync"
)

// pngSignature opens every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// pngSoftware is the tEXt chunk's keyword and text in every PNG that
// writePNG writes.
const pngSoftware = "Software\x00fooltest"

// PNG filter types (PNG specification, section 9.2).
const (
	pngFilterNone  = 0
	pngFilterPaeth = 4
)

// encodePNG writes img as an 8-bit gray or RGB PNG. It is fooltest's own
// encoder for the image types fooltest draws because image/png tries five
// filters on every row, which made it most of the time of writing a
// 1000-class ImageNet report; one Paeth filter per row is a single pass and
// compresses the smooth CPPN images, and the repeated rows of upscaled
// ones, about as well. Alpha is dropped: every image fooltest draws is
// opaque. Other image types go to image/png.
func encodePNG(w io.Writer, img image.Image) error {
	b := img.Bounds()
	var (
		gray bool
		row  func(y int, dst []byte)
	)
	switch m := img.(type) {
	case *image.Gray:
		gray = true
		row = func(y int, dst []byte) {
			copy(dst, m.Pix[m.PixOffset(b.Min.X, y):])
		}
	case *image.NRGBA:
		row = func(y int, dst []byte) { dropAlpha(dst, m.Pix[m.PixOffset(b.Min.X, y):]) }
	case *image.RGBA:
		row = func(y int, dst []byte) { dropAlpha(dst, m.Pix[m.PixOffset(b.Min.X, y):]) }
	default:
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		return enc.Encode(w, img)
	}
	return writePNG(w, b.Dx(), b.Dy(), gray, func(y int, dst []byte) { row(b.Min.Y+y, dst) })
}

// encodeImagePNG writes m, scaled up by integer factors (ky of its height,
// kx of its width) with nearest neighbour, as PNG, straight from its
// planes: no intermediate image.Image is built, which for an ImageNet image
// would be 200 KB more to fill and read per file.
func encodeImagePNG(w io.Writer, m *Image, ky, kx int) error {
	if err := m.validate(); err != nil {
		return err
	}
	ky, kx = max(ky, 1), max(kx, 1)
	plane := m.H * m.W
	return writePNG(w, m.W*kx, m.H*ky, m.C == 1, func(y int, dst []byte) {
		off := (y / ky) * m.W
		if m.C == 1 {
			for x := range dst {
				dst[x] = m.Pix[off+x/kx]
			}
			return
		}
		r, g, b := m.Pix[off:off+m.W], m.Pix[plane+off:plane+off+m.W], m.Pix[2*plane+off:2*plane+off+m.W]
		for x := range len(dst) / 3 {
			i := x / kx
			dst[3*x], dst[3*x+1], dst[3*x+2] = r[i], g[i], b[i]
		}
	})
}

// dropAlpha copies the RGB of len(dst)/3 RGBA pixels of src into dst.
func dropAlpha(dst, src []byte) {
	for i, j := 0, 0; i+2 < len(dst); i, j = i+3, j+4 {
		dst[i], dst[i+1], dst[i+2] = src[j], src[j+1], src[j+2]
	}
}

// writePNG streams a w×h 8-bit gray (or RGB) PNG whose rows row fills, top
// to bottom, with w (or 3w) bytes.
func writePNG(w io.Writer, width, height int, gray bool, row func(y int, dst []byte)) error {
	if width <= 0 || height <= 0 || width > 1<<24 || height > 1<<24 {
		return fmt.Errorf("encoding PNG: invalid size %d×%d", width, height)
	}
	bpp, colorType := 3, byte(2) // truecolour
	if gray {
		bpp, colorType = 1, 0
	}
	if _, err := io.WriteString(w, pngSignature); err != nil {
		return err
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(height))
	ihdr[8], ihdr[9] = 8, colorType // bit depth; compression, filter, interlace 0
	if err := writeChunk(w, "IHDR", ihdr[:]); err != nil {
		return err
	}
	// Names the writer, so that a later run into the same folder knows
	// the file for its own (see clearUnwritten).
	if err := writeChunk(w, "tEXt", []byte(pngSoftware)); err != nil {
		return err
	}

	idat := &chunker{w: w, typ: "IDAT", buf: make([]byte, 0, 32<<10)}
	zw, _ := zlibWriters.Get().(*zlib.Writer)
	if zw == nil {
		var err error
		if zw, err = zlib.NewWriterLevel(idat, zlib.BestSpeed); err != nil {
			return err
		}
	} else {
		zw.Reset(idat)
	}
	defer zlibWriters.Put(zw)
	n := width * bpp
	// Each row is the filter byte then the filtered bytes.
	prev, cur, out := make([]byte, n), make([]byte, n), make([]byte, 1+n)
	for y := range height {
		row(y, cur)
		out[0] = pngFilterPaeth
		paeth(out[1:], cur, prev, bpp)
		if _, err := zw.Write(out); err != nil {
			return err
		}
		prev, cur = cur, prev
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := idat.flush(); err != nil {
		return err
	}
	return writeChunk(w, "IEND", nil)
}

// zlibWriters reuses compressors, each of which allocates over half a
// megabyte: more than a small image takes to compress.
var zlibWriters sync.Pool

// paeth writes the Paeth-filtered cur, given the previous row prev (zeros
// for the first row), into dst.
func paeth(dst, cur, prev []byte, bpp int) {
	for i := range bpp {
		dst[i] = cur[i] - prev[i]
	}
	// Conditional assignments in the spec's order of preference (a, then
	// b, then c) compile to conditional moves: on noise, branches on the
	// comparisons mispredict half the time.
	cur, prev = cur[:len(dst)], prev[:len(dst)]
	for i := bpp; i < len(dst); i++ {
		a, b, c := int(cur[i-bpp]), int(prev[i]), int(prev[i-bpp])
		pa, pb, pc := absInt(b-c), absInt(a-c), absInt(a+b-2*c)
		pred := c
		if pb <= pc {
			pred = b
		}
		// pa <= pb && pa <= pc, without a second branch.
		if pa <= min(pb, pc) {
			pred = a
		}
		dst[i] = cur[i] - byte(pred)
	}
}

// absInt is |x| without a branch.
func absInt(x int) int {
	m := x >> 63
	return (x ^ m) - m
}

// writeChunk writes one PNG chunk: length, type, data, CRC of type and data.
func writeChunk(w io.Writer, typ string, data []byte) error {
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(data)))
	copy(head[4:], typ)
	crc := crc32.NewIEEE()
	crc.Write(head[4:])
	crc.Write(data)
	var tail [4]byte
	binary.BigEndian.PutUint32(tail[:], crc.Sum32())
	for _, p := range [][]byte{head[:], data, tail[:]} {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// chunker cuts a stream into chunks of one type, so the compressed image is
// never held whole.
type chunker struct {
	w   io.Writer
	typ string
	buf []byte
}

func (c *chunker) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(c.buf)-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == cap(c.buf) {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunker) flush() error {
	if len(c.buf) == 0 {
		return nil
	}
	err := writeChunk(c.w, c.typ, c.buf)
	c.buf = c.buf[:0]
	return err
}
