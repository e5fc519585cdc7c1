package report

import (
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// ErrStopped matches, with errors.Is, the error of a write into a report
// directory that a Stopper stopped.
var ErrStopped = errors.New("writing stopped: the process is exiting")

// Stopper stops the writers given it (WriteOptions.Stop) from creating
// temporary files in the report directories it stopped. A front end makes
// one for the process, like its signal handlers: a second signal must stop
// every writer, whichever command started it, before the process exits,
// and nothing resumes afterwards. Writers hold mu for reading while they
// create a temporary file, so that Stop, which takes it for writing,
// returns only once every file being created is on disk. The zero value
// stops nothing; a nil *Stopper stops nothing, ever.
type Stopper struct {
	mu sync.RWMutex
	// dirs are the report directories stopped, by absolute path.
	dirs map[string]bool
}

// Stop stops every writer given s from creating another temporary file in
// the report directory dir, its images/ or its dataset/, and returns once
// those being created are there: a RemoveTemps after it removes every one,
// where one run before it could miss the temporary file an image worker
// created a moment later. Writes into dir fail with ErrStopped from then
// on; it is meant for a process about to exit. A nil s stops nothing,
// as it does for the writers given it.
func (s *Stopper) Stop(dir string) {
	if s == nil {
		return
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = filepath.Clean(dir)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dirs == nil {
		s.dirs = make(map[string]bool)
	}
	s.dirs[abs] = true
}

// createTemp is os.CreateTemp for the atomic writers, in folder: the
// report directory or a folder in it. It fails with ErrStopped once s
// stopped that report directory.
func (s *Stopper) createTemp(folder, pattern string) (*os.File, error) {
	if s == nil {
		return os.CreateTemp(folder, pattern)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.dirs) > 0 {
		abs, err := filepath.Abs(folder)
		if err != nil {
			abs = filepath.Clean(folder)
		}
		if s.dirs[abs] || s.dirs[filepath.Dir(abs)] {
			return nil, ErrStopped
		}
	}
	return os.CreateTemp(folder, pattern)
}
