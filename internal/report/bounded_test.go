package report_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestWriteBoundedImages: however many classes a model has, images/ and
// report.html hold the fooled classes and the report.MaxUnfooledImages
// closest others, and report.html at most 1000 of them. Not timed: this is
// about what is written.
func TestWriteBoundedImages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-class result")
	}
	tests := []struct {
		name            string
		classes, fooled int
		formats         []string
		wantImages      int
		wantFigures     int
	}{
		{"100,000 classes", 100_000, 5, []string{report.FormatImages, report.FormatHTML, report.FormatJSON}, 5 + report.MaxUnfooledImages, 5 + report.MaxUnfooledImages},
		{"1,200 fooled", 1300, 1200, []string{report.FormatHTML}, 0, 1000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: tt.classes, Fooled: tt.fooled, HistoryLen: 1, Width: 2, Height: 2})
			// Prepare decides which classes get an image; checking it first
			// fails fast rather than after writing 100,000 files.
			report.Prepare(res, tt.formats)
			withImage := map[string]bool{}
			for _, c := range res.Classes {
				if c.Image != "" {
					withImage[filepath.Base(c.Image)] = true
				}
			}
			if len(withImage) != tt.wantImages {
				t.Fatalf("Prepare gave %d classes an image, want %d", len(withImage), tt.wantImages)
			}
			for _, c := range report.ByConfidence(res)[:tt.wantImages] {
				if c.Image == "" {
					t.Fatalf("class %d (confidence %g, rank in the top %d) has no image", c.Index, c.Confidence, tt.wantImages)
				}
			}

			dir := t.TempDir()
			if _, err := write(dir, res, tt.formats); err != nil {
				t.Fatal(err)
			}
			if tt.wantImages > 0 {
				names := dirNames(t, filepath.Join(dir, report.ImagesDir))
				if len(names) != tt.wantImages {
					t.Errorf("images/ holds %d files, want %d", len(names), tt.wantImages)
				}
				for _, n := range names {
					if !withImage[n] {
						t.Errorf("images/%s written, but no report links it", n)
					}
				}
			}
			page, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(page), "<figure"); n != tt.wantFigures {
				t.Errorf("report.html has %d figures, want %d", n, tt.wantFigures)
			}
			if want := "and " + strconv.Itoa(tt.classes-tt.wantFigures) + " more classes"; !strings.Contains(string(page), want) {
				t.Errorf("report.html does not say %q", want)
			}
		})
	}
}
