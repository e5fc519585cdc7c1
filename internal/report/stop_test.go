package report

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestStopRacesWorkers stops writing and removes the temporary files
// while image workers are between creating one and renaming it, as a
// second signal does: the first worker to flush its file stops the report
// directory and removes the temporaries. Those created before the stop
// are removed, and no worker creates one after it, so nothing is left;
// removing without stopping left the temporaries of every image staged
// afterwards.
func TestStopRacesWorkers(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, imagesDir)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop := &Stopper{}
	b := &batch{dir: dir, stop: stop, fsync: func(f *os.File) error {
		once.Do(func() {
			stop.Stop(root)
			if err := RemoveTemps(root); err != nil {
				t.Errorf("RemoveTemps: %v", err)
			}
		})
		return nil
	}}
	const n = 64 // more than writeWorkers: some stage after the stop
	errs := forEach(n, func(i int) error {
		return b.stage(filepath.Join(dir, fmt.Sprintf("%d-class-%d.png", i, i)), func(w io.Writer) error {
			_, err := io.WriteString(w, "png")
			return err
		})
	})
	if len(errs) == 0 {
		t.Fatalf("every image was staged after the stop, want ErrStopped for those after it")
	}
	for _, err := range errs {
		if !errors.Is(err, ErrStopped) {
			t.Errorf("stage after the stop: %v, want ErrStopped", err)
		}
	}
	if left := dirNames(t, dir); len(left) > 0 {
		t.Errorf("images/ holds %q after the stop and removal, want nothing", left)
	}
}

// TestStopFails: a write given a Stopper that stopped its report
// directory writes no file, temporary or not, and says why; another
// directory is not stopped, and neither is a write given another Stopper
// or none: the stop is the Stopper's, not the process's.
func TestStopFails(t *testing.T) {
	root := t.TempDir()
	stoppedDir, other := filepath.Join(root, "stopped"), filepath.Join(root, "other")
	stop := &Stopper{}
	stop.Stop(stoppedDir)
	res := &Result{Verdict: VerdictPass, Classes: []Class{{Index: 0, Label: "a"}}}
	formats := []string{FormatJSON, FormatMarkdown}
	if _, err := WriteFiles(stoppedDir, res, formats, WriteOptions{Stop: stop}); !errors.Is(err, ErrStopped) {
		t.Errorf("WriteFiles into a stopped directory: %v, want ErrStopped", err)
	}
	// WriteFiles created the directory and, its writers failing, removed
	// it again with nothing in it.
	if _, err := os.Lstat(stoppedDir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stopped directory is still there (%v), holding %q; want it removed", err, dirNames(t, stoppedDir))
	}
	if _, err := WriteFiles(other, res, formats, WriteOptions{Stop: stop}); err != nil {
		t.Errorf("WriteFiles into another directory: %v", err)
	}
	for name, opts := range map[string]WriteOptions{"another Stopper": {Stop: &Stopper{}}, "no Stopper": {}} {
		dir := filepath.Join(root, "stopped-"+strings.ReplaceAll(name, " ", "-"))
		stop.Stop(dir)
		if _, err := WriteFiles(dir, res, formats, opts); err != nil {
			t.Errorf("WriteFiles with %s into a directory the first stopped: %v", name, err)
		}
	}
	if got := dirNames(t, other); strings.Join(got, ",") != JSONFile+","+MarkdownFile {
		t.Errorf("the other directory holds %q, want %s and %s", got, JSONFile, MarkdownFile)
	}
}

// TestNilStopper: a nil *Stopper stops nothing, ever: Stop on it is a
// no-op rather than a panic, and writers given it write.
func TestNilStopper(t *testing.T) {
	dir := t.TempDir()
	var stop *Stopper
	stop.Stop(dir)
	res := &Result{Verdict: VerdictPass, Classes: []Class{{Index: 0, Label: "a"}}}
	if _, err := WriteFiles(dir, res, []string{FormatJSON}, WriteOptions{Stop: stop}); err != nil {
		t.Errorf("WriteFiles given a nil Stopper that was stopped: %v", err)
	}
}
