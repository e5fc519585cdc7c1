package report_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// writtenDir writes a report directory of res, with its images, and
// returns it with the report read back.
func writtenDir(t *testing.T, res *report.Result) (string, *report.Result) {
	t.Helper()
	dir := t.TempDir()
	if _, err := report.WriteFiles(dir, res, []string{report.FormatJSON, report.FormatImages}, report.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	back, err := report.LoadJSON(dir)
	if err != nil || back.Classes[0].Image == "" {
		t.Fatalf("no report with images: %v", err)
	}
	return dir, back
}

// rewrite replaces dir's report.json with back, edited.
func rewrite(t *testing.T, dir string, back *report.Result) {
	t.Helper()
	b, err := json.Marshal(back)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, report.JSONFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pngHeader is a PNG that holds only a header claiming a w×h 8-bit gray
// image: a few dozen bytes that png.Decode would allocate w×h bytes for.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		body := append([]byte(typ), data...)
		b.Write(body)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(body))
	}
	ihdr := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h)
	chunk("IHDR", append(ihdr, 8, 0, 0, 0, 0))
	chunk("IEND", nil)
	return b.Bytes()
}

// sideBySideDir writes a report directory whose model's image is side×side
// (edit changes the model further) and whose first class's PNG is a
// header alone claiming that size, and reads its report.json back, which
// any such size passes.
func sideBySideDir(t *testing.T, side int, edit func(*report.Model)) (string, *report.Result) {
	t.Helper()
	dir, back := writtenDir(t, reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1}))
	back.Model.Width, back.Model.Height = side, side
	edit(&back.Model)
	rewrite(t, dir, back)
	c := &back.Classes[0]
	if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(c.Image)), pngHeader(uint32(side), uint32(side)), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := report.LoadJSON(dir)
	if err != nil {
		t.Fatalf("the report itself is one fooltest could write: %v", err)
	}
	return dir, res
}

// TestLoadImageSizeBomb: a report.json whose model claims an image of
// 20000×20000 pixels, beside a PNG whose header claims as much, is
// refused before the pixels are allocated. Its image used to be allocated
// from the report's sizes before the PNG was looked at (a shard's
// artifact claiming 65535×65535×3 made a merge allocate 12 GiB and die).
func TestLoadImageSizeBomb(t *testing.T) {
	dir, res := sideBySideDir(t, 20000, func(*report.Model) {})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	px, err := report.LoadImage(dir, res, &res.Classes[0])
	runtime.ReadMemStats(&after)
	if px != nil || !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "over the 268435456 pixels fooltest reads back") || strings.Contains(err.Error(), "\n") {
		t.Errorf("got %v, want one line refusing the image's size", err)
	}
	// The 400 MB of pixels the sizes call for, allocated or not, far
	// exceed what reading the file and refusing it take.
	if got := after.TotalAlloc - before.TotalAlloc; got > 64<<20 {
		t.Errorf("refusing the image allocated %d bytes", got)
	}
}

// TestLoadImageLargeModel: the image of a model larger than the default
// --max-input-bytes allows (9000×9000 gray, which a user may raise the
// limit for) is within what a merge reads back: its size is not refused,
// only, here, its PNG, which holds a header alone. A bound of 2^26 pixels
// refused such images although fooltest wrote them.
func TestLoadImageLargeModel(t *testing.T) {
	dir, res := sideBySideDir(t, 9000, func(m *report.Model) { m.Channels = 1 })
	_, err := report.LoadImage(dir, res, &res.Classes[0])
	if err == nil {
		t.Fatal("a PNG of a header alone was read")
	}
	if strings.Contains(err.Error(), "reads back") || strings.Contains(err.Error(), "fooltest draws") {
		t.Errorf("the size of an image fooltest writes was refused: %v", err)
	}
}

// TestLoadJSONImagesInside: an image that a report.json names outside its
// report directory (an absolute path, a path up out of it, a link to a
// file outside) or that is not a file is refused in one line that names
// it as the report gives it, never read.
func TestLoadJSONImagesInside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.png")
	if err := os.WriteFile(outside, pngHeader(28, 28), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		image func(dir string) string
		want  string
	}{
		{"absolute", func(string) string { return outside }, `names the image of class 0 "` + outside + `", outside its report directory`},
		{"up and out", func(string) string { return "../secret.png" }, `names the image of class 0 "../secret.png", outside its report directory`},
		{"up and back", func(string) string { return "images/../../secret.png" }, `"images/../../secret.png", outside its report directory`},
		{"a link out", func(dir string) string {
			if err := os.Symlink(outside, filepath.Join(dir, "images", "link.png")); err != nil {
				t.Fatal(err)
			}
			return "images/link.png"
		}, "path escapes from parent"},
		{"a folder", func(string) string { return "images" }, "images, is not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, back := writtenDir(t, reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1}))
			back.Classes[0].Image = tc.image(dir)
			rewrite(t, dir, back)
			res, err := report.LoadJSON(dir)
			if res != nil || !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line saying %q", err, tc.want)
			}
		})
	}
}

// TestLoadImageColour: a PNG of the right size but not of the kind
// fooltest draws for the model (RGB or 16-bit gray for a gray model, gray
// for an RGB one) is refused: it was read as pixels the model never saw,
// converted. The PNGs fooltest draws read back.
func TestLoadImageColour(t *testing.T) {
	encode := func(img image.Image) []byte {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	for _, tc := range []struct {
		name     string
		channels int
		// png gives the image's replacement, of w×h pixels; nil keeps it.
		png  func(w, h int) []byte
		want string
	}{
		{"gray, as drawn", 1, nil, ""},
		{"RGB, as drawn", 3, nil, ""},
		{"RGB for gray", 1, func(w, h int) []byte {
			m := image.NewRGBA(image.Rect(0, 0, w, h))
			for i := range m.Pix {
				m.Pix[i] = uint8(i * 7)
			}
			for i := 3; i < len(m.Pix); i += 4 {
				m.Pix[i] = 255
			}
			return encode(m)
		}, "is not the 8-bit gray PNG fooltest draws for a model of 1 channel"},
		{"16-bit gray for gray", 1, func(w, h int) []byte { return encode(image.NewGray16(image.Rect(0, 0, w, h))) }, "is not the 8-bit gray PNG"},
		{"gray for RGB", 3, func(w, h int) []byte { return encode(image.NewGray(image.Rect(0, 0, w, h))) }, "is not the 8-bit RGB PNG fooltest draws for a model of 3 channels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, back := writtenDir(t, reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1, Channels: tc.channels}))
			c := &back.Classes[0]
			path := filepath.Join(dir, filepath.FromSlash(c.Image))
			if tc.png != nil {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				cfg, err := png.DecodeConfig(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, tc.png(cfg.Width, cfg.Height), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			px, err := report.LoadImage(dir, back, c)
			if tc.want == "" {
				if err != nil || px == nil || px.C != tc.channels {
					t.Fatalf("the PNG fooltest drew: %v", err)
				}
				return
			}
			if px != nil || !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
