package report_test

import (
	"encoding/json"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// decodePNG opens a PNG written by a test and fails on anything else.
func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// noTempFiles fails when a temporary file of WriteAtomic is left anywhere
// under dir.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(d.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestWriteAllFormats(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 12, Fooled: 5, Channels: 3, Width: 32, Height: 32,
		Label: func(i int) string {
			if i == 1 {
				return reporttest.HostileLabel
			}
			return "class " + string(rune('a'+i))
		}})
	dir := filepath.Join(t.TempDir(), "fooltest-report")
	formats := append(report.DefaultFormats(), report.FormatDataset)
	written, err := write(dir, res, formats)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range formats {
		p, ok := written[f]
		if !ok {
			t.Errorf("format %s not reported as written", f)
			continue
		}
		if _, err := os.Stat(p); err != nil {
			t.Errorf("format %s: %v", f, err)
		}
	}
	noTempFiles(t, dir)

	// report.json holds the same image paths and thinned histories.
	data, err := os.ReadFile(written[report.FormatJSON])
	if err != nil {
		t.Fatal(err)
	}
	var back report.Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Schema != report.Schema || back.Verdict != "fail" || back.Fooled != 5 || len(back.Classes) != 12 {
		t.Fatalf("report.json: schema %d verdict %q fooled %d classes %d", back.Schema, back.Verdict, back.Fooled, len(back.Classes))
	}
	// Every class has an image, and each one is the upscaled best image;
	// writing left the Result itself as it was.
	for i, c := range back.Classes {
		if c.Image == "" || !strings.HasPrefix(c.Image, "images/") || strings.Contains(c.Image, "..") {
			t.Fatalf("class %d image path %q", c.Index, c.Image)
		}
		if res.Classes[i].Image != "" {
			t.Errorf("writing set class %d's image path in the caller's Result", c.Index)
		}
		img := decodePNG(t, filepath.Join(dir, filepath.FromSlash(c.Image)))
		if b := img.Bounds(); b.Dx() != 128 || b.Dy() != 128 {
			t.Errorf("%s is %v, want 128×128 (32 px × 4)", c.Image, b)
		}
		// Nearest neighbour: each 4×4 block is one model pixel.
		r0, g0, b0, _ := img.At(4, 8).RGBA()
		r1, g1, b1, _ := img.At(7, 11).RGBA()
		if r0 != r1 || g0 != g1 || b0 != b1 {
			t.Errorf("%s is not a nearest-neighbour upscale", c.Image)
		}
		want := uint32(res.Classes[i].Pixels.Pix[2*32+1]) * 0x101
		if r0 != want {
			t.Errorf("%s: red at (1,2) is %d, want %d", c.Image, r0, want)
		}
	}

	for i, c := range back.Classes {
		label := res.Classes[i].Label
		if !utf8.ValidString(label) {
			// encoding/json replaces invalid UTF-8 byte by byte.
			label = strings.ToValidUTF8(label, "")
			c.Label = strings.ReplaceAll(c.Label, "\uFFFD", "")
		}
		if c.Label != label {
			t.Errorf("class %d in report.json: image %q label %q", i, c.Image, c.Label)
		}
		if len(c.History) == 0 || len(c.History) > report.MaxHistoryPoints {
			t.Errorf("class %d history has %d points", i, len(c.History))
		}
		if raw := res.Classes[i].History; c.History[len(c.History)-1] != raw[len(raw)-1] {
			t.Errorf("class %d history lost its last point", i)
		}
	}
	if !strings.Contains(string(data), "  \"schema\": 1,") {
		t.Error("report.json is not indented by two spaces")
	}

	// The dataset holds only the fooled classes, at model resolution.
	rows := readLabelsCSV(t, dir)
	if len(rows) != 6 || !slices.Equal(rows[0], []string{"file", "target_index", "target_label", "confidence"}) {
		t.Fatalf("labels.csv: %q", rows)
	}
	for _, row := range rows[1:] {
		img := decodePNG(t, filepath.Join(dir, report.DatasetDir, row[0]))
		if b := img.Bounds(); b.Dx() != 32 || b.Dy() != 32 {
			t.Errorf("dataset image %s is %v, want model resolution 32×32", row[0], b)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, report.DatasetDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 6 {
		t.Errorf("dataset has %d files, want 5 images and labels.csv", len(entries))
	}

	g := decodePNG(t, written[report.FormatGallery])
	if g.Bounds().Dx() < 5*128 {
		t.Errorf("gallery is only %v for five tiles", g.Bounds())
	}
}

// TestWriteSubset checks that reports never point at images that were not
// written, and that the dataset is only written when asked for.
func TestWriteSubset(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 4, Fooled: 2})
	dir := t.TempDir()
	written, err := write(dir, res, []string{report.FormatMarkdown, report.FormatJSON, report.FormatJUnit})
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 3 {
		t.Errorf("written %v", written)
	}
	for _, name := range []string{report.ImagesDir, report.DatasetDir, report.GalleryFile, report.HTMLFile, report.SARIFFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s written without being asked for", name)
		}
	}
	for _, name := range []string{report.MarkdownFile, report.JSONFile, report.JUnitFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "images/") {
			t.Errorf("%s refers to images that were not written", name)
		}
	}
}

func TestWriteDefaultFormats(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1})
	written, err := write(t.TempDir(), res, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range report.DefaultFormats() {
		if written[f] == "" {
			t.Errorf("default format %s not written", f)
		}
	}
	if _, ok := written[report.FormatDataset]; ok {
		t.Error("dataset written by default")
	}
}

func TestWriteRejects(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dir     string
		res     *report.Result
		formats []string
		wantErr string
	}{
		{"no result", "", nil, nil, "no result"},
		{"no verdict", "", &report.Result{}, nil, "no verdict"},
		{"unknown format", "", reporttest.New(t, reporttest.Options{}), []string{"json", "pdf"}, `"pdf" is unknown`},
		{"directory is a file", file, reporttest.New(t, reporttest.Options{}), nil, "creating the report directory"},
		{"directory under a file", filepath.Join(file, "report"), reporttest.New(t, reporttest.Options{}), nil, "creating the report directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == "" {
				dir = filepath.Join(t.TempDir(), "out")
			}
			written, err := write(dir, tt.res, tt.formats)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Write = %v, %v; want error containing %q", written, err, tt.wantErr)
			}
			if len(written) != 0 {
				t.Errorf("written %v", written)
			}
			if tt.dir == "" {
				if _, err := os.Stat(dir); err == nil {
					t.Errorf("the report directory was created for a rejected write")
				}
			}
		})
	}
}

// TestRenderNoResult: Render and WriteConsole refuse a nil result with an
// error, as WriteFiles does, instead of panicking, and write nothing.
func TestRenderNoResult(t *testing.T) {
	for _, format := range []string{report.FormatJSON, report.FormatMarkdown, report.FormatHTML, report.FormatSARIF, report.FormatJUnit, "console"} {
		var b strings.Builder
		var err error
		if format == "console" {
			err = report.WriteConsole(&b, nil, nil)
		} else {
			err = report.Render(&b, nil, format, nil)
		}
		if err == nil || !strings.Contains(err.Error(), "no result") || b.Len() > 0 {
			t.Errorf("%s of a nil result: %v, wrote %q; want an error and nothing written", format, err, b.String())
		}
	}
}

// TestWriteUnwritableDir checks a directory without write permission: an
// error, and no partial files. Root ignores permissions, so it is skipped
// there (TestWriteRejects covers a directory that cannot be created).
func TestWriteUnwritableDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which can write to a read-only directory")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
	res := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1})
	written, err := write(dir, res, nil)
	if err == nil {
		t.Fatalf("Write into a read-only directory succeeded: %v", written)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("files left in a read-only directory: %v", entries)
	}
}

// TestWriteBadImage checks that one class whose pixels cannot be drawn does
// not stop the other reports, and that no report then links to its image.
func TestWriteBadImage(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 2})
	res.Classes[1].Pixels.Pix = res.Classes[1].Pixels.Pix[:5]
	dir := t.TempDir()
	written, err := write(dir, res, nil)
	if err == nil || !strings.Contains(err.Error(), "class 1") {
		t.Fatalf("Write error %v, want one naming class 1", err)
	}
	if _, ok := written[report.FormatImages]; ok {
		t.Error("images reported as written")
	}
	for _, f := range []string{report.FormatJSON, report.FormatJUnit, report.FormatMarkdown, report.FormatSARIF, report.FormatHTML} {
		if written[f] == "" {
			t.Errorf("%s not written after an image failed", f)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var back report.Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Classes[1].Image != "" {
		t.Errorf("class 1 still refers to %q", back.Classes[1].Image)
	}
	md, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(md), "images/1-") {
		t.Error("report.md links the image that failed")
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash("images/0-class-0.png"))); err != nil {
		t.Errorf("the good image was not written: %v", err)
	}
	noTempFiles(t, dir)
}

func TestGalleryWhenNothingFooled(t *testing.T) {
	tests := []struct {
		name  string
		opts  reporttest.Options
		tiles int
	}{
		{"none fooled shows the top classes", reporttest.Options{Classes: 30}, 20},
		{"fooled only", reporttest.Options{Classes: 30, Fooled: 3}, 3},
		{"no pixels", reporttest.Options{Classes: 3, NoPixels: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := report.RenderGallery(reporttest.New(t, tt.opts), nil)
			if err != nil {
				t.Fatal(err)
			}
			// 144 px per column, 10 columns at most, at least the title.
			wantW := min(tt.tiles, 10) * 144
			if b := img.Bounds(); b.Dx() < wantW || (tt.tiles > 0 && b.Dx() > max(wantW, 600)) {
				t.Errorf("gallery %v for %d tiles", b, tt.tiles)
			}
		})
	}
}
