package report

import (
	"errors"
	"fmt"
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
	f, err := os.CreateTemp(dir, ".fooltest-probe-*")
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

// removeStale removes, from dir, the regular files whose names end in ext
// and are not in keep: files of an earlier run that no report links any
// more. Links and folders are left alone, as are other files, which
// fooltest did not write.
func removeStale(dir, ext string, keep map[string]bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("removing stale files: %w", err)
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ext) || keep[e.Name()] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("removing stale file: %w", err))
		}
	}
	return errors.Join(errs...)
}

// fileList collects the paths Write wrote, from writers running at once.
type fileList struct {
	mu    sync.Mutex
	paths []string
}

func (l *fileList) add(paths ...string) {
	l.mu.Lock()
	l.paths = append(l.paths, paths...)
	l.mu.Unlock()
}
