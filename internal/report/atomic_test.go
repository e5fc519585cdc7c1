package report_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
)

// dirNames lists a directory, failing the test on error.
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

func TestWriteAtomic(t *testing.T) {
	errMidway := errors.New("writer failed midway")
	big := bytes.Repeat([]byte("new content "), 100_000) // past any buffer
	tests := []struct {
		name    string
		old     []byte // nil: no file before
		write   func(io.Writer) error
		want    []byte // the file afterwards; nil: absent
		wantErr error
	}{
		{
			name:  "replaces",
			old:   []byte("old"),
			write: func(w io.Writer) error { _, err := w.Write(big); return err },
			want:  big,
		},
		{
			name:  "creates",
			write: func(w io.Writer) error { _, err := io.WriteString(w, "fresh"); return err },
			want:  []byte("fresh"),
		},
		{
			name: "failure midway keeps the old file",
			old:  []byte("old"),
			write: func(w io.Writer) error {
				if _, err := w.Write(big); err != nil {
					return err
				}
				return errMidway
			},
			want:    []byte("old"),
			wantErr: errMidway,
		},
		{
			name:    "failure midway creates nothing",
			write:   func(w io.Writer) error { _, _ = w.Write(big); return errMidway },
			wantErr: errMidway,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "report.json")
			if tt.old != nil {
				if err := os.WriteFile(path, tt.old, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			err := report.WriteAtomic(path, 0o644, tt.write)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("WriteAtomic error %v, want %v", err, tt.wantErr)
			}
			got, readErr := os.ReadFile(path)
			switch {
			case tt.want == nil && readErr == nil:
				t.Errorf("file exists after a failed first write: %d bytes", len(got))
			case tt.want != nil && !bytes.Equal(got, tt.want):
				t.Errorf("file holds %d bytes (%.20q), want %d (%.20q)", len(got), got, len(tt.want), tt.want)
			}
			wantNames := 0
			if tt.want != nil {
				wantNames = 1
			}
			if names := dirNames(t, dir); len(names) != wantNames {
				t.Errorf("directory holds %v", names)
			}
			if tt.wantErr == nil {
				st, err := os.Stat(path)
				if err != nil || st.Mode().Perm() != 0o644 {
					t.Errorf("mode %v, %v; want 0644", st.Mode(), err)
				}
			}
		})
	}
}

// writeFileAtomic writes data to path with WriteAtomic.
func writeFileAtomic(path string, data []byte) error {
	return report.WriteAtomic(path, 0o644, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func TestWriteAtomicErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, path string }{
		{"missing directory", filepath.Join(t.TempDir(), "missing", "report.md")},
		{"directory is a file", filepath.Join(file, "report.md")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := writeFileAtomic(tt.path, []byte("data"))
			if err == nil || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("error %v, want one naming %s", err, tt.path)
			}
		})
	}
	if got, _ := os.ReadFile(file); string(got) != "x" {
		t.Errorf("the file in the way was changed: %q", got)
	}
	if os.Geteuid() != 0 {
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.Chmod(dir, 0o755) })
		if err := writeFileAtomic(filepath.Join(dir, "r.md"), []byte("d")); err == nil {
			t.Error("wrote into a read-only directory")
		}
		if names := dirNames(t, dir); len(names) != 0 {
			t.Errorf("left %v in a read-only directory", names)
		}
	}
}

// TestWriteAtomicCrash kills a process in the middle of writing a file
// over an old one: the old file must survive whole. Only the hidden
// temporary file may remain, which no report glob picks up.
func TestWriteAtomicCrash(t *testing.T) {
	if path := os.Getenv("FOOLTEST_CRASH_WRITE"); path != "" {
		_ = report.WriteAtomic(path, 0o644, func(w io.Writer) error {
			_, _ = w.Write(bytes.Repeat([]byte("half"), 1<<20))
			os.Exit(7) // a crash: no deferred cleanup runs
			return nil
		})
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "junit.xml")
	if err := os.WriteFile(path, []byte("<old/>"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriteAtomicCrash$")
	cmd.Env = append(os.Environ(), "FOOLTEST_CRASH_WRITE="+path)
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 7 {
		t.Fatalf("crashing writer: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "<old/>" {
		t.Errorf("after a crash the file holds %d bytes, want the old file", len(got))
	}
	for _, name := range dirNames(t, dir) {
		if name != "junit.xml" && !(strings.HasPrefix(name, ".junit.xml.") && strings.HasSuffix(name, ".tmp")) {
			t.Errorf("unexpected file %s after a crash", name)
		}
	}
}
