package report

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fooltest/fooltest/internal/panics"
)

// writer writes one format into a report directory, adds every file and
// folder it creates to files, and returns the path it wrote (a file, or a
// folder for images and dataset).
type writer func(dir string, res *Result, files *fileList) (string, error)

// fileFormat is a format that is one file: its name in the report
// directory, and how it renders a Result, its messages in words (which
// report.json ignores, see Words).
type fileFormat struct {
	name   string
	render func(w io.Writer, res *Result, words Words) error
}

// fileFormatNames are the names of the files of fileFormats.
func fileFormatNames() map[string]struct{} {
	names := make(map[string]struct{}, len(fileFormats))
	for _, f := range fileFormats {
		names[f.name] = struct{}{}
	}
	return names
}

// fileFormats are the formats Render writes to an io.Writer.
var fileFormats = map[string]fileFormat{
	FormatJSON:     {JSONFile, encodeJSON},
	FormatJUnit:    {junitFile, encodeJUnit},
	FormatMarkdown: {MarkdownFile, encodeMarkdown},
	FormatSARIF:    {sarifFile, encodeSARIF},
	FormatHTML:     {htmlFile, encodeHTML},
	FormatGallery:  {GalleryFile, encodeGallery},
}

// Render writes res in format to w: json, junit, markdown, sarif, html or
// gallery, the formats that are one file each, with the libraries'
// messages in words (nil: as they are; see Words). It reads res and never
// changes it; a nil res is an error, as in WriteFiles. The image paths in
// res (Class.Image) are written as they are; WriteFiles sets them to the
// files it writes.
func Render(w io.Writer, res *Result, format string, words Words) error {
	if res == nil {
		return errors.New("report: no result to render")
	}
	f, ok := fileFormats[format]
	if !ok {
		return fmt.Errorf("report: format %q is not one file: Render takes %s", format, strings.Join(slices.Sorted(maps.Keys(fileFormats)), ", "))
	}
	return f.render(w, res, words)
}

// writers maps each format to its writer: the folders' own, and for the
// one-file formats their renderer into a file written atomically, with
// the messages in words.
func writers(words Words) map[string]writer {
	ws := map[string]writer{
		FormatImages:  writeImages,
		FormatDataset: writeDataset,
	}
	for name, f := range fileFormats {
		ws[name] = func(dir string, res *Result, files *fileList) (string, error) {
			return writeFile(filepath.Join(dir, f.name), files, func(w io.Writer) error { return f.render(w, res, words) })
		}
	}
	return ws
}

// Written is what WriteFiles wrote.
type Written struct {
	// Formats maps each format written to its path: a file, or the folder
	// of images or dataset. A format that failed is absent, and so is
	// one whose folder was removed again, left empty, after another
	// format failed.
	Formats map[string]string
	// Paths are every file written and every folder created, the report
	// directory included when Write created it (or CheckDir did, which
	// removes what it creates); a folder comes before what is in it. A
	// folder removed again because it was left empty is not listed.
	// Files and folders that were there before are not listed, even when
	// Write replaced a file of the same name, so that a caller re-owning
	// the report (see package actions) touches nothing else.
	Paths []string
}

// WriteOptions are how WriteFiles writes, beside what and where. The zero
// value writes the libraries' own wording and stops nothing.
type WriteOptions struct {
	// Words rewords the libraries' messages in the reports a person reads
	// (see Words); report.json keeps them as they are.
	Words Words
	// Stop, when set, stops the writers from creating files in the report
	// directories it stopped (see Stopper): a process about to exit stops
	// them before it removes their temporary files. Nil stops nothing.
	Stop *Stopper
}

// WriteFiles writes the chosen formats of res into dir, creating it if
// needed. No formats means DefaultFormats. The verdict must already be in
// res (see package gate). opts.Words, the words of the front end that
// runs fooltest, rewords the libraries' messages in the formats a person
// reads; report.json keeps the libraries' own (see Words).
//
// WriteFiles never changes res. It runs prepare on a copy, which sets each
// Class.Image, and then writes the images before any report that refers to
// them, so every image path in report.json, report.md, junit.xml and
// report.sarif names a file that exists. Each file is written atomically. A failing format does not
// stop the others, which are still worth having on an interrupted or
// failing run; all errors are returned together, with what was written.
// When any format failed, the folders WriteFiles created (dir and its
// parents, images/, dataset/) that hold nothing are removed again, so that
// a full disk leaves no empty report directory behind; a folder that was
// there before, or that holds anything, stays. A
// class whose image could not be written (images/ could not be made, say)
// has its image path cleared in the copy, so the reports written after it
// do not refer to it. The images that an earlier run left in images/ or
// dataset/, and its dataset/labels.csv, are removed unless this run's
// reports link them, whether or not this run writes that format, and the
// temporary files of a run killed while writing there before any format is
// (see RemoveTemps). Other files are left alone.
//
// Before it writes anything, WriteFiles removes every report file, image
// and labels.csv that an earlier run wrote into dir (see removeEarlier):
// each file is written atomically, but a run that fails, or is killed,
// partway through the formats must not leave an earlier run's report
// beside its own, or in place of one it did not write, to be read or
// uploaded as this run's.
//
// Memory stays bounded whatever the number of classes: images are written
// for the fooled classes and maxUnfooledImages others, a few at a time, and
// report.json, junit.xml and report.sarif are encoded class by class into
// their files.
//
// WriteFiles never writes through a symbolic link: when dir, images/ or
// dataset/ is one, it fails with an error matching ErrSymlink, for dir
// before writing anything. A report file that is a link is replaced by the
// new file, never followed, because files are renamed into place.
func WriteFiles(dir string, res *Result, formats []string, opts WriteOptions) (Written, error) {
	if res == nil {
		return Written{}, errors.New("report: no result to write")
	}
	if res.Verdict != VerdictPass && res.Verdict != VerdictFail && res.Verdict != VerdictError {
		return Written{}, fmt.Errorf("report: result has no verdict (got %q): evaluate the gate before writing reports", res.Verdict)
	}
	if len(formats) == 0 {
		formats = DefaultFormats()
	}
	ws := writers(opts.Words)
	for _, f := range formats {
		if ws[f] == nil {
			return Written{}, fmt.Errorf("report: format %q is unknown: choose from %v", f, AllFormats())
		}
	}
	// Every write goes to the folder ensureDir makes: a path through a
	// folder that does not exist ("missing/../out") is cleaned there, and
	// written through as given it would fail after the search.
	dir = filepath.Clean(dir)
	created, err := ensureDir(dir, reportFolder)
	if errors.Is(err, ErrSymlink) {
		return Written{}, fmt.Errorf("report: %w", err)
	}
	if err != nil {
		return Written{}, fmt.Errorf("report: creating the report directory: %w", err)
	}
	// Temporary files of an earlier run that was killed while writing
	// here; best effort, since they only clutter the folder.
	_ = RemoveTemps(dir)
	// Best effort too: a file it cannot remove is one the writers then
	// fail to replace, and they say why.
	_ = removeEarlier(dir)
	files := &fileList{paths: created, stop: opts.Stop}
	// The writers set and clear image paths on a copy: writing never
	// changes the caller's Result, which can be written again.
	cp := *res
	cp.Classes = slices.Clone(res.Classes)
	res = &cp
	prepare(res, formats)

	var todo []string
	for _, f := range AllFormats() {
		if slices.Contains(formats, f) {
			todo = append(todo, f)
		}
	}
	paths := make([]string, len(todo))
	failed := make([]error, len(todo))
	run := func(i int) {
		if paths[i], failed[i] = ws[todo[i]](dir, res, files); failed[i] != nil {
			failed[i] = fmt.Errorf("report: %s: %w", todo[i], failed[i])
		}
	}
	// The formats that draw images read only pixels, and spend much of
	// their time waiting for fsync, so they run together. The reports that
	// link images run after images/ is written, when Class.Image names only
	// files that exist. A writer's panic is raised again in the caller once
	// the others are done with the directory.
	var g panics.Group
	for i, f := range todo {
		if DrawsImages(f) {
			g.Go(func() {
				panics.Inject("report")
				run(i)
			})
		}
	}
	g.Wait()
	unlinkMissing(dir, res, files)
	for i, f := range todo {
		if !DrawsImages(f) {
			run(i)
		}
	}

	// The folders of an earlier run's formats that this run does not
	// write, and anything removeEarlier could not remove.
	errs := failed
	if err := clearUnwritten(dir, todo); err != nil {
		errs = append(errs, fmt.Errorf("report: %w", err))
	}

	var removed map[string]bool
	if slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
		files.paths, removed = removeEmptyCreated(files.paths)
	}
	w := Written{Formats: make(map[string]string, len(todo)), Paths: files.paths}
	for i, f := range todo {
		// A format that wrote nothing into a folder removed again (images
		// of a model that was not tested) is not written.
		if failed[i] == nil && !removed[paths[i]] {
			w.Formats[f] = paths[i]
		}
	}
	return w, errors.Join(errs...)
}

// removeEmptyCreated removes the folders in paths, which lists only what
// WriteFiles created, that hold nothing, deepest first, and returns paths
// without them. A write that failed (a full disk) would otherwise leave
// the report directory and images/ it made, empty, for a workflow to
// publish or a user to wonder at. A folder that holds anything stays, and
// so does every folder that was there before, since paths never lists one.
// It also returns the folders it removed.
func removeEmptyCreated(paths []string) ([]string, map[string]bool) {
	removed := make(map[string]bool)
	for _, p := range slices.Backward(paths) {
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			continue
		}
		// Remove fails on a folder that is not empty.
		if os.Remove(p) == nil {
			removed[p] = true
		}
	}
	return slices.DeleteFunc(paths, func(p string) bool { return removed[p] }), removed
}

// unlinkMissing clears the image path of every class whose image is not in
// place, because images/ could not be made or the image could not be
// drawn, so that no report written after it links a missing file. It runs
// once the formats that draw images are done: they read res while
// writeImages writes, and a path cleared then was a data race with them.
func unlinkMissing(dir string, res *Result, files *fileList) {
	files.mu.Lock()
	written := make(map[string]bool, len(files.paths))
	for _, p := range files.paths {
		written[p] = true
	}
	files.mu.Unlock()
	for i := range res.Classes {
		if c := &res.Classes[i]; c.Image != "" && !written[filepath.Join(dir, filepath.FromSlash(c.Image))] {
			c.Image = ""
		}
	}
}

// DrawsImages reports whether format f draws images from Class.Pixels (a
// merge reads them back from the shards' images/) and reads nothing that
// writing another format changes (Class.Image in particular).
func DrawsImages(f string) bool {
	switch f {
	case FormatImages, FormatDataset, FormatGallery, FormatHTML:
		return true
	}
	return false
}
