package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestBatchSyncs checks what a batch flushes to disk: each staged file,
// while it still has its temporary name, and the folder once after the
// renames; and that a file whose flush fails is never renamed into place,
// since after a crash it could be empty under its final name.
func TestBatchSyncs(t *testing.T) {
	errDisk := errors.New("input/output error")
	tests := []struct {
		name string
		// fail names the file whose fsync fails; empty for none.
		fail   string
		placed []string
	}{
		{"all flushed", "", []string{"a.png", "b.png", "c.png"}},
		{"one flush fails", "b.png", []string{"a.png", "c.png"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var mu sync.Mutex
			var synced []string
			b := &batch{dir: dir, fsync: func(f *os.File) error {
				name := filepath.Base(f.Name())
				if f.Name() == dir {
					name = "folder"
				} else if !strings.HasSuffix(name, ".tmp") {
					t.Errorf("%s was flushed under its final name", name)
				}
				mu.Lock()
				synced = append(synced, name)
				mu.Unlock()
				if tc.fail != "" && strings.HasPrefix(name, "."+tc.fail+".") {
					return errDisk
				}
				return f.Sync()
			}}
			var errs []error
			for _, name := range []string{"a.png", "b.png", "c.png"} {
				err := b.stage(filepath.Join(dir, name), func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "content of %s", name)
					return err
				})
				if err != nil {
					errs = append(errs, err)
				}
			}
			var files fileList
			ok, err := b.commit(&files)
			if err != nil {
				t.Fatalf("commit: %v", err)
			}
			if tc.fail != "" && (len(errs) != 1 || !errors.Is(errs[0], errDisk)) {
				t.Errorf("stage errors %v, want the failed flush of %s", errs, tc.fail)
			}
			if tc.fail == "" && len(errs) > 0 {
				t.Errorf("stage errors %v", errs)
			}
			var got []string
			for p := range ok {
				got = append(got, filepath.Base(p))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.placed) || !slices.Equal(dirNames(t, dir), tc.placed) {
				t.Errorf("placed %v, folder holds %v; want %v and no temporary file", got, dirNames(t, dir), tc.placed)
			}
			// Three files, then the folder once.
			if len(synced) != 4 || synced[3] != "folder" || slices.Contains(synced[:3], "folder") {
				t.Errorf("flushed %v, want each staged file and then the folder", synced)
			}
		})
	}
}

// dirNames lists dir's entries, sorted.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
