package report_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestScreenshot renders report.html in headless Chromium with
// scripts/screenshot-report.sh and checks that the page draws something:
// a blank or failed page has almost no variation in brightness. Set
// FOOLTEST_SCREENSHOT=path.png to keep the screenshot for a look.
func TestScreenshot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	browser := os.Getenv("CHROMIUM")
	if browser == "" {
		for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(b); err == nil {
				browser = p
				break
			}
		}
	}
	if browser == "" {
		t.Skip("no Chromium found: install it (Debian: apt-get install chromium) to screenshot report.html")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "screenshot-report.sh"))
	if err != nil {
		t.Fatal(err)
	}

	res := reporttest.New(t, reporttest.Options{Classes: 40, Fooled: 12, Channels: 3, Width: 32, Height: 32,
		Label: func(i int) string {
			if i == 3 {
				return reporttest.HostileLabel
			}
			return "class " + string(rune('a'+i%26))
		}})
	dir := filepath.Join(t.TempDir(), "report dir")
	if _, err := write(dir, res, []string{report.FormatHTML}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "shot.png")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, dir, out)
	cmd.Env = append(os.Environ(), "CHROMIUM="+browser)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot-report.sh: %v\n%s", err, msg)
	}

	img := decodePNG(t, out)
	b := img.Bounds()
	if b.Dx() < 1000 || b.Dy() < 1000 {
		t.Fatalf("screenshot is only %v", b)
	}
	var sum, sumSq, n float64
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 0xffff
			sum += l
			sumSq += l * l
			n++
		}
	}
	mean := sum / n
	variance := sumSq/n - mean*mean
	t.Logf("screenshot %v, brightness mean %.3f variance %.4f", b, mean, variance)
	// The page with its class images scores about 0.07; the same page with
	// the images drawn at 32 px instead of 128 px scored 0.015, and a page of
	// text alone scores less.
	if variance < 0.03 {
		t.Errorf("screenshot looks blank: brightness variance %.4f", variance)
	}
	if keep := os.Getenv("FOOLTEST_SCREENSHOT"); keep != "" {
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(keep, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
