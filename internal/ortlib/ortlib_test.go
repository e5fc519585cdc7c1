package ortlib

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

func TestFind(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	dir := t.TempDir()
	tests := []struct {
		name     string
		explicit string
		env      map[string]string
		want     string
	}{
		{"missing explicit library", "/nonexistent/libonnxruntime.so", nil, "/nonexistent/libonnxruntime.so (the path given)"},
		{"missing env library", "", map[string]string{envVar: "/nonexistent/x.so"}, "$" + envVar},
		{"directory as library", dir, nil, "directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Find(tc.explicit, env(tc.env))
			if !errors.Is(err, fault.Environment) || fault.SettingOf(err) != Setting || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an environment error about the runtime naming %q", err, tc.want)
			}
		})
	}
}

// TestFindKeepsCause checks that a library path that does not exist keeps
// the operating system's error in its chain under the same words.
func TestFindKeepsCause(t *testing.T) {
	_, err := Find("/nonexistent/libonnxruntime.so", func(string) string { return "" })
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("errors.Is(%v, fs.ErrNotExist) is false", err)
	}
	if want := "ONNX Runtime library /nonexistent/libonnxruntime.so (the path given): no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

// TestSystemHasReadsGetenv checks that the system search reads
// LD_LIBRARY_PATH through the getenv Find was given, as it reads
// ONNXRUNTIME_LIB, and not from the process.
func TestSystemHasReadsGetenv(t *testing.T) {
	dir := t.TempDir()
	const name = "libfooltest-probe.so"
	if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// The process's own value would find the library: only getenv's may
	// count.
	t.Setenv("LD_LIBRARY_PATH", dir)
	tests := []struct {
		name string
		ld   string
		want bool
	}{
		{"folder given", dir, true},
		{"folder among others", "/nonexistent" + string(filepath.ListSeparator) + dir, true},
		{"no folder given", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "LD_LIBRARY_PATH" {
					return tc.ld
				}
				return ""
			}
			if got := systemHas(name, getenv); got != tc.want {
				t.Errorf("systemHas(%q) with LD_LIBRARY_PATH=%q = %v, want %v", name, tc.ld, got, tc.want)
			}
		})
	}
}

// TestSearchRootsOnce: the folders searched, which a refusal lists, are
// each searched once, though the binary's folders and the working folder's
// parents overlap (a binary in /tmp run from /tmp/work).
func TestSearchRootsOnce(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if exe, err = filepath.EvalSymlinks(exe); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Dir(exe))
	roots := searchRoots()
	seen := map[string]bool{}
	for _, r := range roots {
		if seen[r] {
			t.Fatalf("%s searched twice: %q", r, roots)
		}
		seen[r] = true
	}
}
