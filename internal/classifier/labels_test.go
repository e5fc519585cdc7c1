package classifier

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/fault"
)

// TestReadLabelsNonRegular: label files that are not regular files are
// refused with a usage error at once; a FIFO used to block forever and
// /dev/zero to be read up to the size limit.
func TestReadLabelsNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "labels.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path, want string }{
		{"fifo", fifo, "named pipe"},
		{"directory", dir, "directory"},
		{"dev zero", "/dev/zero", "device"},
		{"dev null", "/dev/null", "device"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.path); err != nil {
				t.Skip(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := ReadLabels(tc.path, 3)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("ReadLabels(%s) = %v, want a usage error saying %q", tc.path, err, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("ReadLabels(%s) still blocked after 10s", tc.path)
			}
		})
	}
}
