package report

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// ErrStopped matches, with errors.Is, the error of a write into a report
// directory that StopWriting stopped.
var ErrStopped = errors.New("writing stopped: the process is exiting")

// stopped holds the report directories StopWriting stopped, by absolute
// path. It is the process's, like its signal handlers: a second signal
// must stop every writer, whichever command started it, before the
// process exits, and nothing resumes afterwards. Writers hold mu for
// reading while they create a temporary file, so that StopWriting, which
// takes it for writing, returns only once every file being created is on
// disk.
var stopped struct {
	mu   sync.RWMutex
	dirs map[string]bool
}

// StopWriting stops every writer in the process from creating another
// temporary file in the report directory dir, its images/ or its dataset/,
// and returns once those being created are there: a RemoveTemps after it
// removes every one, where one run before it could miss the temporary file
// an image worker created a moment later. Writes into dir fail with
// ErrStopped from then on; it is meant for a process about to exit.
func StopWriting(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	stopped.mu.Lock()
	defer stopped.mu.Unlock()
	if stopped.dirs == nil {
		stopped.dirs = make(map[string]bool)
	}
	stopped.dirs[abs] = true
}

// createTemp is os.CreateTemp for the atomic writers, in folder: the
// report directory or a folder in it. It fails with ErrStopped once
// StopWriting stopped that report directory.
func createTemp(folder, pattern string) (*os.File, error) {
	stopped.mu.RLock()
	defer stopped.mu.RUnlock()
	if len(stopped.dirs) > 0 {
		abs, err := filepath.Abs(folder)
		if err != nil {
			abs = filepath.Clean(folder)
		}
		if stopped.dirs[abs] || stopped.dirs[filepath.Dir(abs)] {
			return nil, ErrStopped
		}
	}
	return os.CreateTemp(folder, pattern)
}
