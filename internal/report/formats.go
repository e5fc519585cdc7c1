package report

import (
	"fmt"
	"slices"
	"strings"
)

// Report formats, as named on the command line.
const (
	// FormatJSON is report.json: the complete Result.
	FormatJSON = "json"
	// FormatJUnit is junit.xml: one testcase per target class.
	FormatJUnit = "junit"
	// FormatMarkdown is report.md, for job summaries and pull request comments.
	FormatMarkdown = "markdown"
	// FormatSARIF is report.sarif, for code scanning.
	FormatSARIF = "sarif"
	// FormatImages is images/<index>-<slug>.png: one upscaled image per
	// fooled class and per each of the maxUnfooledImages closest others.
	FormatImages = "images"
	// FormatGallery is gallery.png, a contact sheet of the fooled classes.
	FormatGallery = "gallery"
	// FormatHTML is report.html, one self-contained page.
	FormatHTML = "html"
	// FormatDataset is dataset/: the fooling images at model resolution and
	// labels.csv. It is written only when asked for.
	FormatDataset = "dataset"
)

// DefaultFormats returns the formats written when none are chosen: every
// format except FormatDataset.
func DefaultFormats() []string {
	return []string{FormatJSON, FormatJUnit, FormatMarkdown, FormatSARIF, FormatImages, FormatGallery, FormatHTML}
}

// AllFormats returns every format fooltest can write, in the order Write
// writes them.
func AllFormats() []string {
	return []string{FormatImages, FormatDataset, FormatGallery, FormatJSON, FormatJUnit, FormatMarkdown, FormatSARIF, FormatHTML}
}

// ParseFormats parses a comma-separated list of formats such as
// "json,junit,markdown". Spaces and case are ignored, repeats are dropped,
// and an empty list means DefaultFormats.
func ParseFormats(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultFormats(), nil
	}
	valid := AllFormats()
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		f := strings.ToLower(strings.TrimSpace(part))
		if f == "" {
			return nil, fmt.Errorf("formats %q has an empty entry: separate format names with single commas, e.g. \"json,junit\"", s)
		}
		if !slices.Contains(valid, f) {
			return nil, fmt.Errorf("format %q is unknown: choose from %s", part, strings.Join(valid, ", "))
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out, nil
}
