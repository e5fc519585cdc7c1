package report

import (
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/fooltest/fooltest/internal/panics"
)

// imagesDir is the folder, inside the report directory, of the per-class
// images.
const imagesDir = "images"

// minImageSide is the smallest side, in pixels, an image in images/ is
// upscaled to, so that 28×28 or 32×32 inputs are visible in a browser.
const minImageSide = 112

// maxImageSide caps the upscaling of images with an extreme aspect ratio.
const maxImageSide = 1024

// maxSlugLen bounds the label part of a file name.
const maxSlugLen = 40

// slugOf turns an untrusted label into a file name part: lowercase ASCII
// letters and digits, with every other run of characters turned into one
// '-', no leading or trailing '-', at most 40 characters, and "class" when
// nothing is left. It can never contain a path separator or "..".
func slugOf(label string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(label) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			sep := dash && b.Len() > 0
			if n := b.Len() + 1; n > maxSlugLen || sep && n+1 > maxSlugLen {
				break
			}
			if sep {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	s := b.String()
	if s == "" {
		return "class"
	}
	return s
}

// imageName returns the file name of class c's image: "<index>-<slug>.png".
// The index keeps names unique when labels repeat or slug alike.
func imageName(c *Class) string {
	return strconv.Itoa(c.Index) + "-" + slugOf(c.Label) + ".png"
}

// maxUnfooledImages is how many of the classes that were not fooled get an
// image in images/ and report.html: those that came closest, by
// confidence. Every fooled class gets one. A class that was not fooled has
// only a near miss to show, and with 100,000 classes an image for each
// would cost minutes and gigabytes for nothing; the confidences of all
// classes are in report.json.
const maxUnfooledImages = 100

// ShownClasses returns the classes that images/ and report.html show, in
// ByConfidence order: every fooled class, then the maxUnfooledImages
// unfooled ones of highest confidence.
func ShownClasses(res *Result) []*Class {
	var out []*Class
	unfooled := 0
	for _, c := range ByConfidence(res) {
		if !c.Fooled {
			if unfooled == maxUnfooledImages {
				continue
			}
			unfooled++
		}
		out = append(out, c)
	}
	return out
}

// prepare fills Class.Image with the path, relative to the report directory
// and with forward slashes, of the image that the images format writes:
// for the classes with pixels among the fooled ones and the
// maxUnfooledImages closest unfooled ones, when formats include images.
// Every other Class.Image is cleared, so that no report refers to an image
// that will not exist. No formats means DefaultFormats, as for Write. Write
// calls it before writing anything; a caller that needs the paths earlier
// (for annotations, say) may call it first with the same formats.
func prepare(res *Result, formats []string) {
	for i := range res.Classes {
		res.Classes[i].Image = ""
	}
	if len(formats) != 0 && !slices.Contains(formats, FormatImages) {
		return
	}
	for _, c := range ShownClasses(res) {
		if c.Pixels != nil {
			c.Image = path.Join(imagesDir, imageName(c))
		}
	}
}

// validate checks that an image's shape and pixel count agree and that it is
// gray or RGB, the two kinds fooltest draws.
func (m *Image) validate() error {
	if m == nil {
		return errors.New("no pixels")
	}
	if err := m.checkSize(); err != nil {
		return err
	}
	if len(m.Pix) != m.C*m.H*m.W {
		return fmt.Errorf("image %d×%d×%d has %d values, want %d", m.C, m.H, m.W, len(m.Pix), m.C*m.H*m.W)
	}
	return nil
}

// maxReadPixels bounds the pixels of an image read back from a report
// directory, as the model sees it and as drawn (scaled up), so that a
// crafted report.json cannot make a merge allocate without limit: 2^28
// pixels, whose decoding takes at most 1 GiB (as RGBA). Images that
// fooltest draws are far smaller: a model within the default
// --max-input-bytes has at most 2^26 values, and the tallest strip drawn
// from one, 1×3,000,000 values drawn 32 rows high, has 96,000,000 pixels.
const maxReadPixels = 1 << 28

// checkSize refuses the sizes of an image that fooltest does not draw:
// channels other than 1 or 3, or a side under 1. It reads only the sizes,
// so that sizes read from a report.json are checked before their pixels
// are allocated.
func (m *Image) checkSize() error {
	if m.C != 1 && m.C != 3 {
		return fmt.Errorf("image has %d channels; fooltest draws 1 (gray) or 3 (RGB)", m.C)
	}
	if m.H <= 0 || m.W <= 0 {
		return fmt.Errorf("image is %d×%d", m.W, m.H)
	}
	return nil
}

// upscaleFactor returns the integer factor that brings the smaller side to
// at least minImageSide, without the larger going past maxImageSide (unless
// even the unscaled image does).
func upscaleFactor(h, w int) int {
	lo, hi := min(h, w), max(h, w)
	k := (minImageSide + lo - 1) / lo
	if k*hi > maxImageSide {
		k = max(1, maxImageSide/hi)
	}
	return max(k, 1)
}

// minStripSide is the least a strip's short side is drawn at: a model of
// one-row inputs (a 1×256 heartbeat) would otherwise get images 4 pixels
// high, a line in a browser.
const minStripSide = 32

// upscaleFactors returns the integer factors of the height and the width:
// upscaleFactor's for both, but a side that it leaves under minStripSide
// (a strip far longer than high) is stretched alone to reach it.
func upscaleFactors(h, w int) (ky, kx int) {
	k := upscaleFactor(h, w)
	ky, kx = k, k
	if h*k < minStripSide {
		ky = (minStripSide + h - 1) / h
	}
	if w*k < minStripSide {
		kx = (minStripSide + w - 1) / w
	}
	return ky, kx
}

// writeWorkers is how many files are encoded and written at once. Writing a
// thousand images is bound by fsync as much as by the CPU, so this is more
// than the number of cores on small CI machines.
func writeWorkers() int { return min(16, max(8, 2*runtime.GOMAXPROCS(0))) }

// forEach runs fn(0..n-1) on writeWorkers goroutines and returns the errors
// in index order, so messages are the same from run to run. A panic of fn
// is raised again here once every worker has returned.
func forEach(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	// Workers claim indices rather than receive them: a worker that
	// panicked takes no more, and no sender waits for it.
	var next atomic.Int64
	var g panics.Group
	for range min(writeWorkers(), n) {
		g.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				errs[i] = fn(i)
			}
		})
	}
	g.Wait()
	return slices.DeleteFunc(errs, func(e error) bool { return e == nil })
}

// writeImages writes images/<index>-<slug>.png for every class that prepare
// gave an image path: the fooled classes and at most maxUnfooledImages
// others, so the count is bounded however many classes the model has. An
// image that is not written, because images/ cannot be made or its pixels
// cannot be drawn, is missing from files, and its error is returned with
// the others; WriteFiles then clears the class's path (see unlinkMissing).
// writeImages only reads res: the other formats that draw images read it
// at the same time. PNGs left in images/ by an earlier run into the same
// directory are removed: no report links them any more.
func writeImages(dir string, res *Result, files *fileList) (string, error) {
	out := filepath.Join(dir, imagesDir)
	created, err := ensureDir(out, imagesFolder)
	if err != nil {
		return "", fmt.Errorf("images: %w", err)
	}
	files.add(created...)
	b := &batch{dir: out, stop: files.stop}
	errs := forEach(len(res.Classes), func(i int) error {
		c := &res.Classes[i]
		if c.Image == "" {
			return nil
		}
		err := c.Pixels.validate()
		if err == nil {
			ky, kx := upscaleFactors(c.Pixels.H, c.Pixels.W)
			err = b.stage(filepath.Join(dir, filepath.FromSlash(c.Image)), func(w io.Writer) error {
				return encodeImagePNG(w, c.Pixels, ky, kx)
			})
		}
		if err != nil {
			return fmt.Errorf("image of class %d: %w", c.Index, err)
		}
		return nil
	})
	placed, err := b.commit(files)
	if err != nil {
		errs = append(errs, fmt.Errorf("images: %w", err))
	}
	keep := make(map[string]bool, len(placed))
	for p := range placed {
		keep[filepath.Base(p)] = true
	}
	if err := removeStale(out, keep); err != nil {
		errs = append(errs, fmt.Errorf("images: %w", err))
	}
	return out, errors.Join(errs...)
}
