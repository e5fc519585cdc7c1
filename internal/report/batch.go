package report

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// batch writes many files atomically: each file is staged under a
// temporary name and fsynced by the goroutine that wrote it, so that the
// fsyncs of a hundred PNGs overlap rather than queue, and commit then
// renames every file into place and fsyncs the folder once, not once per
// rename. Only these files and their folder are flushed: a flush of the
// whole machine (sync(2)) would wait for every other job's writes on a
// shared CI runner. Readers, a crash or a cancel still see either no file
// or the whole file.
type batch struct {
	dir string
	// stop stops the staging of more files (see Stopper); nil stops
	// nothing.
	stop *Stopper
	// fsync flushes a staged file, or the folder after the renames, to
	// disk; nil is (*os.File).Sync. Tests see the calls through it.
	fsync func(*os.File) error
	mu    sync.Mutex
	files []staged
}

type staged struct{ tmp, path string }

// stage writes path's content to a temporary file in its folder.
func (b *batch) stage(path string, write func(w io.Writer) error) error {
	dir, base := filepath.Split(path)
	f, err := b.stop.createTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	err = writeBuffered(f, write)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		// Renamed before its data reached the disk, the file could be
		// empty after a crash under its final name.
		err = b.sync(f)
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

// commit renames each staged file into place, adding it to files, and
// makes the renames durable; ok reports, per staged path, whether it is in
// place.
func (b *batch) commit(files *fileList) (ok map[string]bool, err error) {
	ok = make(map[string]bool, len(b.files))
	if len(b.files) == 0 {
		return ok, nil
	}
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
	b.syncDir()
	b.files = nil
	if len(errs) > 0 {
		return ok, fmt.Errorf("%w (and %d more)", errs[0], len(errs)-1)
	}
	return ok, nil
}

// sync flushes f to disk.
func (b *batch) sync(f *os.File) error {
	if b.fsync != nil {
		return b.fsync(f)
	}
	return f.Sync()
}

// syncDir makes the renames into b.dir durable, best effort as syncDir is.
func (b *batch) syncDir() {
	d, err := os.Open(b.dir)
	if err != nil {
		return
	}
	_ = b.sync(d)
	_ = d.Close()
}
