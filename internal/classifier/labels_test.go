package classifier

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

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

// FuzzLabels: label files come from pull requests. Whatever the bytes, the
// parser returns exactly k labels of bounded length, or a one-line
// invalid-input error.
func FuzzLabels(f *testing.F) {
	for _, seed := range []string{"a\nb\n", `["a","b"]`, `{"0":["n0","a"],"1":["n1","b"]}`, `{"id2label":{"0":"a","1":"b"}}`, "\uFEFF[1, 2]", "[unused]\nb", `{"0":"a","00":"b"}`} {
		f.Add([]byte(seed), uint8(2))
	}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		for _, name := range []string{"labels.txt", "labels.json"} {
			labels, err := parseLabels(name, data, int(k))
			if err != nil {
				if !errors.Is(err, fault.Invalid) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("%s: error %q is not a one-line invalid-input error", name, err)
				}
				continue
			}
			if len(labels) != int(k) {
				t.Fatalf("%s: %d labels for %d classes", name, len(labels), k)
			}
			for i, l := range labels {
				if len(l) > maxLabelLineBytes || !utf8.ValidString(l) {
					t.Fatalf("%s: label %d is %d bytes, valid UTF-8 %v", name, i, len(l), utf8.ValidString(l))
				}
			}
		}
	})
}
