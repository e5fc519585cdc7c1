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
	left := 0
	for _, name := range dirNames(t, dir) {
		if name != "junit.xml" && !(strings.HasPrefix(name, ".junit.xml.") && strings.HasSuffix(name, ".tmp")) {
			t.Errorf("unexpected file %s after a crash", name)
		}
		if name != "junit.xml" {
			left++
		}
	}
	if left != 1 {
		t.Fatalf("the crash left %d temporary files, want 1: %v", left, dirNames(t, dir))
	}
	// The next run into the folder removes what the crash left, by the
	// writer's own naming.
	if err := report.RemoveTemps(dir); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "junit.xml" {
		t.Errorf("after RemoveTemps the folder holds %v, want junit.xml alone", names)
	}
}

// TestRemoveTemps: a run removes the temporary files that fooltest's
// writers create, in the report directory, images/ and dataset/, and
// nothing else: not another name, a folder, a link, or a folder that is a
// link.
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	images := filepath.Join(dir, report.ImagesDir)
	dataset := filepath.Join(dir, report.DatasetDir)
	for _, d := range []string{images, dataset} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	elsewhere := t.TempDir()
	mustWrite(t, filepath.Join(elsewhere, ".1-x.png.5.tmp"), "someone else's")
	linked := filepath.Join(dir, "linked")
	if err := os.Symlink(elsewhere, linked); err != nil {
		t.Fatal(err)
	}
	removed := []string{
		".report.html.1642198035.tmp",
		".report.json.1.tmp",
		".junit.xml.42.tmp",
		".report.md.3.tmp",
		".report.sarif.3.tmp",
		".gallery.png.3.tmp",
		".fooltest-probe-123456",
		"images/.123-class-123.png.987654.tmp",
		"images/.0-tabby-cat.png.1.tmp",
		"dataset/.7-class.png.2.tmp",
		"dataset/.labels.csv.2.tmp",
	}
	kept := []string{
		"report.json",
		"report.html.1642198035.tmp",    // no leading dot: not the writer's
		".report.html.12ab.tmp",         // not os.CreateTemp's digits
		".report.html.tmp",              // no digits
		".notes.md.1.tmp",               // not a file fooltest writes
		".1-class.png.1.tmp",            // an image's name, outside images/
		"images/.labels.csv.1.tmp",      // labels.csv lives in dataset/
		"images/.1-Class.png.1.tmp",     // not a name imageName gives
		"images/.1-class.png.1.tmp.bak", // another suffix
		"images/.class.png.1.tmp",       // no index
		"images/1-class.png",            // an image
		"dataset/.report.json.1.tmp",    // report.json lives above
		".fooltest-probe-abc",           // not CreateTemp's digits
		".fooltest-probe-",              // no digits at all
		"images/.git",                   // anything else
	}
	for _, name := range append(append([]string{}, removed...), kept...) {
		mustWrite(t, filepath.Join(dir, filepath.FromSlash(name)), "x")
	}
	// A folder and a link with a temporary file's name stay too.
	if err := os.Mkdir(filepath.Join(dir, ".report.md.9.tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "report.json"), filepath.Join(dir, ".report.json.9.tmp")); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, ".report.md.9.tmp", ".report.json.9.tmp")

	if err := report.RemoveTemps(dir); err != nil {
		t.Fatal(err)
	}
	for _, name := range removed {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v)", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(elsewhere, ".1-x.png.5.tmp")); err != nil {
		t.Errorf("a file behind a link was removed: %v", err)
	}

	// A link in the place of images/ is not followed either.
	dir2 := t.TempDir()
	if err := os.Symlink(elsewhere, filepath.Join(dir2, report.ImagesDir)); err != nil {
		t.Fatal(err)
	}
	if err := report.RemoveTemps(dir2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(elsewhere, ".1-x.png.5.tmp")); err != nil {
		t.Errorf("a file in a linked images/ was removed: %v", err)
	}
}

// TestWriteFilesRemovesTemps: writing reports into a folder where a killed
// run left its temporary files removes them.
func TestWriteFilesRemovesTemps(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, report.ImagesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	stale := []string{".report.html.1642198035.tmp", "images/.123-class-123.png.55.tmp"}
	for _, name := range append(stale, ".keep.me") {
		mustWrite(t, filepath.Join(dir, filepath.FromSlash(name)), "x")
	}
	if _, err := report.WriteFiles(dir, goldenResult(t), nil, report.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range stale {
		if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(name))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there (%v)", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".keep.me")); err != nil {
		t.Errorf("another file was removed: %v", err)
	}
}

// mustWrite writes content to path.
func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
