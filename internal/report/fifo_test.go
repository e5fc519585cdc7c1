package report_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestLoadFIFO: a report directory whose report.json or image is a named
// pipe (a shard's artifact as a pull request left it, say) is refused at
// once. Opening a FIFO for reading waits for a writer, so a merge used to
// hang there until its job timed out.
func TestLoadFIFO(t *testing.T) {
	tests := []struct {
		name string
		// fifo names the file, relative to the report directory, made a
		// FIFO; "" the image of the first fooled class.
		fifo string
		load func(dir string) error
		want string
	}{
		{"report.json, LoadJSON", report.JSONFile, func(dir string) error { _, err := report.LoadJSON(dir); return err }, "report.json is not a regular file"},
		{"report.json, Load", report.JSONFile, func(dir string) error { _, err := report.Load(dir); return err }, "report.json is not a regular file"},
		{"image, Load", "", func(dir string) error { _, err := report.Load(dir); return err }, "is not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			res := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 2})
			if _, err := report.WriteFiles(dir, res, []string{report.FormatJSON, report.FormatImages}, report.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			fifo := tc.fifo
			if fifo == "" {
				back, err := report.LoadJSON(dir)
				if err != nil || back.Classes[0].Image == "" {
					t.Fatalf("no image to replace: %v", err)
				}
				fifo = filepath.FromSlash(back.Classes[0].Image)
			}
			fifo = filepath.Join(dir, fifo)
			if err := os.Remove(fifo); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Mkfifo(fifo, 0o644); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- tc.load(dir) }()
			select {
			case err := <-done:
				if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("got %v, want an invalid-input error saying %q", err, tc.want)
				}
			case <-time.After(20 * time.Second):
				// A writer that opens and closes lets the blocked open
				// return, so the goroutine does not outlive the test.
				if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					w.Close()
				}
				t.Fatal("still blocked on the FIFO after 20s")
			}
		})
	}
}
