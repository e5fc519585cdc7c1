package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// ErrSymlink matches, with errors.Is, the *SymlinkError of a folder that
// fooltest would write into but is a symbolic link.
var ErrSymlink = errors.New("is a symbolic link")

// SymlinkError reports that the report directory, images/ or dataset/ is a
// symbolic link. fooltest never writes through one: a link committed in a
// pull request, or left by another step, could send the reports, and the
// removal of stale images, anywhere the job can write.
type SymlinkError struct {
	// Folder is "report directory", "images folder" or "dataset folder".
	Folder string
	Path   string
}

func (e *SymlinkError) Error() string {
	fix := "remove the link, and fooltest creates a real folder there"
	if e.Folder == reportFolder {
		fix = "give a real directory"
	}
	return fmt.Sprintf("%s %s is a symbolic link: %s", e.Folder, e.Path, fix)
}

// Is makes errors.Is(err, ErrSymlink) true.
func (e *SymlinkError) Is(target error) bool { return target == ErrSymlink }

// The folders fooltest writes into, as errors name them.
const (
	reportFolder  = "report directory"
	imagesFolder  = "images folder"
	datasetFolder = "dataset folder"
)

// ensureDir makes dir a directory fooltest may write into and returns the
// folders it created, parents first. It refuses a dir that is a symbolic
// link, even to a directory; links above dir are the user's layout and are
// followed.
func ensureDir(dir, folder string) (created []string, err error) {
	dir = filepath.Clean(dir)
	fi, err := os.Lstat(dir)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return nil, &SymlinkError{Folder: folder, Path: dir}
	case err == nil && fi.IsDir():
		return nil, nil
	case err == nil:
		return nil, &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
	case !errors.Is(err, fs.ErrNotExist):
		return nil, err
	}
	for p := dir; ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil {
			break
		}
		created = append(created, p)
		if filepath.Dir(p) == p {
			break
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// MkdirAll follows a link that appeared since the Lstat; check again.
	if fi, err := os.Lstat(dir); err != nil || fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &SymlinkError{Folder: folder, Path: dir}
	}
	slices.Reverse(created)
	return created, nil
}

// CheckDir checks, before a run spends its budget, that Write will be able
// to write into dir: that dir, dir/images and dir/dataset are not symbolic
// links (ErrSymlink), and that dir can be created and a file written in it.
// It then removes the probe file and every folder it created, so a run
// that fails before writing leaves nothing behind, and Write still counts
// those folders as its own (see Written).
func CheckDir(dir string) error {
	// Cleaned as ensureDir cleans it, so that "missing/../out" names
	// the folder it creates, not one the kernel cannot reach.
	dir = filepath.Clean(dir)
	for _, sub := range []struct{ path, folder string }{
		{dir, reportFolder},
		{filepath.Join(dir, imagesDir), imagesFolder},
		{filepath.Join(dir, datasetDir), datasetFolder},
	} {
		if fi, err := os.Lstat(sub.path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return &SymlinkError{Folder: sub.folder, Path: filepath.Clean(sub.path)}
		}
	}
	created, err := ensureDir(dir, reportFolder)
	if err != nil {
		if errors.Is(err, ErrSymlink) {
			return err
		}
		return fmt.Errorf("cannot create report directory %s: %w", dir, unwrapPath(err))
	}
	defer func() {
		for _, d := range slices.Backward(created) {
			_ = os.Remove(d)
		}
	}()
	f, err := os.CreateTemp(dir, probePrefix+"*")
	if err != nil {
		return fmt.Errorf("cannot write to report directory %s: %w", dir, unwrapPath(err))
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// unwrapPath drops the operation and path of a *fs.PathError, which the
// caller's message already names.
func unwrapPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	return err
}

// removeStale removes, from dir, the regular files named as fooltest names
// its images ("<index>-<slug>.png") that are not in keep and that carry
// the mark writePNG puts in every PNG: images of an earlier run that no
// report links any more. The name alone is not enough: a report directory
// of "." may hold the repository's own images/1-architecture.png. Links,
// folders and other files are left alone, and so are images an older
// fooltest wrote without the mark.
func removeStale(dir string, keep map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("removing stale files: %w", err)
	}
	var errs []error
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if !e.Type().IsRegular() || !isImageName(e.Name()) || keep[e.Name()] || !writtenByFooltest(p, pngMark) {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing stale file: %w", err))
		}
	}
	return errors.Join(errs...)
}

// ownReports are the report files in the report directory, by format, and
// what fooltest writes near the start of each: a file of that name without
// it is not fooltest's (a report directory of "." may hold a repository's
// own report.md), and is never removed.
var ownReports = []struct {
	format, name, mark string
}{
	{FormatJSON, JSONFile, `"fooltest": "`},
	{FormatJUnit, junitFile, `<testsuite name="fooltest `},
	{FormatMarkdown, MarkdownFile, `**fooltest: `},
	{FormatSARIF, sarifFile, `"name": "fooltest"`},
	{FormatHTML, htmlFile, `<title>fooltest `},
	{FormatGallery, GalleryFile, pngMark},
}

// pngMark is what the first bytes of every PNG writePNG writes hold: its
// tEXt chunk's type and text.
const pngMark = "tEXt" + pngSoftware

// ownMarkBytes is how much of a file writtenByFooltest reads for its
// mark: report.sarif's tool name comes after its schema and version.
const ownMarkBytes = 1024

// clearUnwritten removes, from the report directory dir, what an earlier
// run wrote there in a format this run does not write (formats holds the
// ones it writes): its report files (report.json, junit.xml, report.md,
// report.sarif, report.html and gallery.png), and, from the images/ and
// dataset/ folders, the images and dataset/labels.csv, each only where its
// content shows that fooltest wrote it. Otherwise a workflow that
// publishes the folder would publish an earlier run's verdict beside this
// run's, or its images beside reports that link none of them. A folder
// left empty is removed; a folder that is a symbolic link is not entered
// (CheckDir refuses one before the search), and a report file that is a
// link is left alone.
func clearUnwritten(dir string, formats []string) error {
	return clearOwn(dir, formats, true)
}

// removeEarlier removes, from the report directory dir, every file of
// every format that an earlier run wrote there, as clearUnwritten tells
// them, and leaves the folders: WriteFiles runs it before it writes, so
// that however far the writing gets (a full disk, a kill), the folder
// never holds an earlier run's report or image beside this run's.
func removeEarlier(dir string) error {
	return clearOwn(dir, nil, false)
}

// clearOwn removes what fooltest wrote into dir in the formats not in
// formats, as clearUnwritten says, and with removeFolders the images/ and
// dataset/ folders it leaves empty.
func clearOwn(dir string, formats []string, removeFolders bool) error {
	var errs []error
	for _, r := range ownReports {
		if slices.Contains(formats, r.format) {
			continue
		}
		p := filepath.Join(dir, r.name)
		if !writtenByFooltest(p, r.mark) {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing stale file: %w", err))
		}
	}
	for _, sub := range []struct {
		format, name string
		extra        []struct{ name, mark string }
	}{
		{FormatImages, imagesDir, nil},
		{FormatDataset, datasetDir, []struct{ name, mark string }{{datasetLabelsFile, datasetLabelsHeader}}},
	} {
		if slices.Contains(formats, sub.format) {
			continue
		}
		folder := filepath.Join(dir, sub.name)
		if fi, err := os.Lstat(folder); err != nil || !fi.IsDir() {
			continue
		}
		if err := removeStale(folder, nil); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", sub.name, err))
		}
		for _, f := range sub.extra {
			p := filepath.Join(folder, f.name)
			if !writtenByFooltest(p, f.mark) {
				continue
			}
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("%s: removing stale file: %w", sub.name, err))
			}
		}
		// Fails, as it should, when anything else is left in the folder.
		if removeFolders {
			_ = os.Remove(folder)
		}
	}
	return errors.Join(errs...)
}

// writtenByFooltest reports whether path is a regular file whose first
// ownMarkBytes hold mark.
func writtenByFooltest(path, mark string) bool {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return false
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, ownMarkBytes)
	n, _ := io.ReadFull(f, head)
	return strings.Contains(string(head[:n]), mark)
}

// probePrefix starts the name of CheckDir's probe file, which os.CreateTemp
// completes with digits.
const probePrefix = ".fooltest-probe-"

// RemoveTemps removes, from the report directory dir and its images/ and
// dataset/ folders, the temporary files that fooltest's own atomic writers
// create there and rename into place when done: "." + the name of a file
// fooltest writes in that folder + "." + the digits os.CreateTemp adds +
// ".tmp", and CheckDir's probe file. A process killed while writing (a
// second SIGINT exits at once) leaves them behind, and a workflow that
// copies images/ would publish them. Nothing else is touched: no other
// name, no folder, no link, and no folder reached through a link.
func RemoveTemps(dir string) error {
	dir = filepath.Clean(dir)
	var errs []error
	reports := fileFormatNames()
	for _, sub := range []struct {
		path string
		own  func(name string) bool
	}{
		{dir, func(name string) bool { _, ok := reports[name]; return ok }},
		{filepath.Join(dir, imagesDir), isImageName},
		{filepath.Join(dir, datasetDir), func(name string) bool { return name == datasetLabelsFile || isImageName(name) }},
	} {
		if fi, err := os.Lstat(sub.path); err != nil || !fi.IsDir() {
			continue
		}
		entries, err := os.ReadDir(sub.path)
		if err != nil {
			errs = append(errs, fmt.Errorf("removing temporary files: %w", err))
			continue
		}
		for _, e := range entries {
			name := e.Name()
			probe := sub.path == dir && strings.HasPrefix(name, probePrefix) && isDigits(name[len(probePrefix):])
			if !e.Type().IsRegular() || !probe && !isOwnTemp(name, sub.own) {
				continue
			}
			if err := os.Remove(filepath.Join(sub.path, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("removing temporary file: %w", err))
			}
		}
	}
	return errors.Join(errs...)
}

// isOwnTemp reports whether name is the temporary file that writeAtomic
// or batch.stage creates for a file whose name own accepts.
func isOwnTemp(name string, own func(string) bool) bool {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return false
	}
	if rest, ok = strings.CutSuffix(rest, ".tmp"); !ok {
		return false
	}
	i := strings.LastIndexByte(rest, '.')
	return i > 0 && isDigits(rest[i+1:]) && own(rest[:i])
}

// isImageName reports whether name is one imageName gives:
// "<index>-<slug>.png".
func isImageName(name string) bool {
	stem, ok := strings.CutSuffix(name, ".png")
	if !ok {
		return false
	}
	index, slug, ok := strings.Cut(stem, "-")
	if !ok || !isDigits(index) || slug == "" || len(slug) > maxSlugLen {
		return false
	}
	for _, r := range slug {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// fileList collects the paths Write wrote, from writers running at once,
// and carries the Stopper they create their temporary files under.
type fileList struct {
	mu    sync.Mutex
	paths []string
	// stop is WriteOptions.Stop: nil stops nothing.
	stop *Stopper
}

func (l *fileList) add(paths ...string) {
	l.mu.Lock()
	l.paths = append(l.paths, paths...)
	l.mu.Unlock()
}
