package report

import (
	"errors"
	"fmt"
	"os"
	"slices"
)

// writer writes one format into a report directory and returns the path it
// wrote (a file, or a folder for images and dataset).
type writer func(dir string, res *Result) (string, error)

// writers maps each format to its writer.
func writers() map[string]writer {
	return map[string]writer{
		FormatImages:   writeImages,
		FormatDataset:  writeDataset,
		FormatGallery:  writeGallery,
		FormatJSON:     writeJSON,
		FormatJUnit:    writeJUnit,
		FormatMarkdown: writeMarkdown,
		FormatSARIF:    writeSARIF,
		FormatHTML:     writeHTML,
	}
}

// Write writes the chosen formats of res into dir, creating it if needed,
// and returns the path written for each format. No formats means
// DefaultFormats. The verdict must already be in res (see package gate).
//
// Write first runs Prepare, which sets each Class.Image, and then writes the
// images before any report that refers to them, so every image path in
// report.json, report.md, junit.xml and report.sarif names a file that
// exists. Each file is written atomically. A failing format does not stop
// the others, which are still worth having on an interrupted or failing
// run; all errors are returned together. A class whose image could not be
// written has its Class.Image cleared, so the reports written after it do
// not refer to it.
func Write(dir string, res *Result, formats []string) (map[string]string, error) {
	if res == nil {
		return nil, errors.New("report: no result to write")
	}
	if res.Verdict != "pass" && res.Verdict != "fail" && res.Verdict != "error" {
		return nil, fmt.Errorf("report: result has no verdict (got %q): evaluate the gate before writing reports", res.Verdict)
	}
	if len(formats) == 0 {
		formats = DefaultFormats()
	}
	ws := writers()
	for _, f := range formats {
		if ws[f] == nil {
			return nil, fmt.Errorf("report: format %q is unknown: choose from %v", f, AllFormats())
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("report: creating the report directory: %w", err)
	}
	Prepare(res, formats)

	written := make(map[string]string, len(formats))
	var errs []error
	// AllFormats is in dependency order: images before the reports that
	// link to them.
	for _, f := range AllFormats() {
		if !slices.Contains(formats, f) {
			continue
		}
		p, err := ws[f](dir, res)
		if err != nil {
			errs = append(errs, fmt.Errorf("report: %s: %w", f, err))
			continue
		}
		written[f] = p
	}
	return written, errors.Join(errs...)
}
