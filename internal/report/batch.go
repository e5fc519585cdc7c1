package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// batch writes many files atomically with one flush to disk for all of them
// rather than an fsync per file and per rename: each file is staged under a
// temporary name, commit syncs the staged data once and then renames every
// file into place. An fsync costs about 3 ms on a CI runner's disk, which
// for the hundreds of PNGs of a 1000-class run was most of the time of
// writing the reports. Readers, a crash or a cancel still see either no
// file or the whole file.
type batch struct {
	dir   string
	mu    sync.Mutex
	files []staged
}

type staged struct{ tmp, path string }

// stage writes path's content to a temporary file in its folder.
func (b *batch) stage(path string, write func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	err = writeBuffered(f, write)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	b.mu.Lock()
	b.files = append(b.files, staged{f.Name(), path})
	b.mu.Unlock()
	return nil
}

// commit makes the staged data durable and renames each file into place,
// adding it to files; ok reports, per staged path, whether it is in place.
func (b *batch) commit(files *fileList) (ok map[string]bool, err error) {
	ok = make(map[string]bool, len(b.files))
	if len(b.files) == 0 {
		return ok, nil
	}
	syncAll(b.files)
	var errs []error
	for _, s := range b.files {
		if err := os.Rename(s.tmp, s.path); err != nil {
			_ = os.Remove(s.tmp)
			errs = append(errs, fmt.Errorf("writing %s: %w", s.path, err))
			continue
		}
		ok[s.path] = true
		files.add(s.path)
	}
	syncDir(b.dir)
	b.files = nil
	if len(errs) > 0 {
		return ok, fmt.Errorf("%w (and %d more)", errs[0], len(errs)-1)
	}
	return ok, nil
}
