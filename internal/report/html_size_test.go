package report_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/jpeg"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestHTMLSizeImageNet: a 1000-class run at ImageNet resolution must give a
// page a browser opens, with the images of the fooled classes and of the
// report.MaxUnfooledImages closest others inlined as thumbnails.
func TestHTMLSizeImageNet(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 1000-image page")
	}
	res := reporttest.New(t, reporttest.Options{Classes: 1000, Fooled: 300, HistoryLen: 2, Width: 224, Height: 224, Channels: 3})
	dir := t.TempDir()
	if _, err := write(dir, res, []string{report.FormatHTML}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	const limit = 40 << 20
	if len(b) > limit {
		t.Fatalf("report.html is %d bytes for 1000 classes, over %d", len(b), limit)
	}
	imgs := regexp.MustCompile(`data:image/jpeg;base64,([^"]+)`).FindAllSubmatch(b, -1)
	if want := 300 + report.MaxUnfooledImages; len(imgs) != want {
		t.Fatalf("%d inline JPEG images, want %d", len(imgs), want)
	}
	if !bytes.Contains(b, []byte("and 600 more classes")) {
		t.Error("the page does not say how many classes it leaves out")
	}
	raw, err := base64.StdEncoding.DecodeString(html.UnescapeString(string(imgs[0][1])))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(raw))
	if err != nil || cfg.Width != 112 || cfg.Height != 112 {
		t.Fatalf("thumbnail %dx%d (%v), want 112x112", cfg.Width, cfg.Height, err)
	}
	t.Logf("report.html: %.1f MB for 1000 classes of 224x224x3", float64(len(b))/(1<<20))
}
