package report

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
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
// exists. Each file is written atomically. Memory stays bounded whatever
// the number of classes: images are written for the fooled classes and
// MaxUnfooledImages others, a few at a time, and report.json, junit.xml and
// report.sarif are encoded class by class into their files. A failing format does not stop
// the others, which are still worth having on an interrupted or failing
// run; all errors are returned together. A class whose image could not be
// written has its Class.Image cleared, so the reports written after it do
// not refer to it.
func Write(dir string, res *Result, formats []string) (map[string]string, error) {
	if res == nil {
		return nil, errors.New("report: no result to write")
	}
	if res.Verdict != "pass" && res.Verdict != "fail" {
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

	var todo []string
	for _, f := range AllFormats() {
		if slices.Contains(formats, f) {
			todo = append(todo, f)
		}
	}
	paths := make([]string, len(todo))
	errs := make([]error, len(todo))
	run := func(i int) {
		if paths[i], errs[i] = ws[todo[i]](dir, res); errs[i] != nil {
			errs[i] = fmt.Errorf("report: %s: %w", todo[i], errs[i])
		}
	}
	// The formats that draw images read only pixels, and spend much of
	// their time waiting for fsync, so they run together. The reports that
	// link images run after images/ is written, when Class.Image names only
	// files that exist.
	var wg sync.WaitGroup
	for i, f := range todo {
		if drawsImages(f) {
			wg.Go(func() { run(i) })
		}
	}
	wg.Wait()
	for i, f := range todo {
		if !drawsImages(f) {
			run(i)
		}
	}

	written := make(map[string]string, len(todo))
	for i, f := range todo {
		if errs[i] == nil {
			written[f] = paths[i]
		}
	}
	return written, errors.Join(errs...)
}

// drawsImages reports whether format f draws images from Class.Pixels and
// reads nothing that writing another format changes (Class.Image in
// particular).
func drawsImages(f string) bool {
	switch f {
	case FormatImages, FormatDataset, FormatGallery, FormatHTML:
		return true
	}
	return false
}
