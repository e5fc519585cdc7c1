package report

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// writeAtomic streams a file to path atomically. write fills a temporary
// file in path's directory (the same file system, so the final rename is
// atomic); the file is flushed, fsynced, given perm, and only then renamed
// over path. If write or any step fails, the temporary file is removed and
// path is left as it was. Once stop stopped the report directory, it
// creates no temporary file and fails with ErrStopped.
func writeAtomic(stop *Stopper, path string, perm fs.FileMode, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	// The leading dot keeps a leftover from a killed process out of globs
	// such as images/*.png that a later CI step may upload.
	f, err := stop.createTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()

	if err := writeBuffered(f, write); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	committed = true
	syncDir(dir)
	return nil
}

// writeFile writes path atomically and, once it is in place, adds it to
// files. It returns path, as the writers do.
func writeFile(path string, files *fileList, write func(w io.Writer) error) (string, error) {
	if err := writeAtomic(files.stop, path, 0o644, write); err != nil {
		return "", err
	}
	files.add(path)
	return path, nil
}

// syncDir makes a rename durable. It is best effort: some file systems
// refuse to fsync a directory, and by then the file itself is complete.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// writeBuffered runs write on a buffer over f and flushes it.
func writeBuffered(f *os.File, write func(w io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		return err
	}
	return bw.Flush()
}
