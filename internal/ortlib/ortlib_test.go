package ortlib

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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

// TestSystemFindReadsGetenv checks that the system search reads the
// loader's path variable through the getenv Find was given, as it reads
// ONNXRUNTIME_LIB, and not from the process.
func TestSystemFindReadsGetenv(t *testing.T) {
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
			if _, got := systemFind(name, getenv, layoutFor("linux")); got != tc.want {
				t.Errorf("systemFind(%q) with LD_LIBRARY_PATH=%q = %v, want %v", name, tc.ld, got, tc.want)
			}
		})
	}
}

// TestLayoutFor checks each system's library names: Linux's stay
// libonnxruntime.so and .so.1, macOS's are the dylibs that
// scripts/install-onnxruntime.sh installs and onnxruntime-node ships.
func TestLayoutFor(t *testing.T) {
	tests := []struct {
		goos    string
		file    string
		names   []string
		pathVar string
		bare    bool
	}{
		{"linux", "libonnxruntime.so", []string{"libonnxruntime.so", "libonnxruntime.so.1"}, "LD_LIBRARY_PATH", true},
		{"darwin", "libonnxruntime.dylib", []string{"libonnxruntime.dylib", "libonnxruntime.1.dylib"}, "DYLD_LIBRARY_PATH", false},
		{"freebsd", "libonnxruntime.so", []string{"libonnxruntime.so", "libonnxruntime.so.1"}, "LD_LIBRARY_PATH", true},
	}
	for _, tc := range tests {
		t.Run(tc.goos, func(t *testing.T) {
			l := layoutFor(tc.goos)
			if l.file != tc.file || !slices.Equal(l.names, tc.names) || l.pathVar != tc.pathVar || l.bare != tc.bare {
				t.Errorf("layoutFor(%q) = file %q, names %q, %s, bare %v; want %q, %q, %s, bare %v",
					tc.goos, l.file, l.names, l.pathVar, l.bare, tc.file, tc.names, tc.pathVar, tc.bare)
			}
		})
	}
}

// TestSystemFindPerOS checks which file each system's search takes from a
// folder on its loader path and how it is loaded: Linux leaves the folder
// to dlopen and loads the bare name, macOS loads the full path, which its
// dlopen would not find by name in Homebrew's folder.
func TestSystemFindPerOS(t *testing.T) {
	tests := []struct {
		goos  string
		files []string
		want  string // "" when nothing may be found; else relative to the folder, or bare
	}{
		{"linux", []string{"libonnxruntime.so.1"}, "libonnxruntime.so.1"},
		{"linux", []string{"libonnxruntime.dylib"}, ""},
		{"darwin", []string{"libonnxruntime.1.dylib"}, "DIR/libonnxruntime.1.dylib"},
		{"darwin", []string{"libonnxruntime.dylib", "libonnxruntime.1.dylib"}, "DIR/libonnxruntime.dylib"},
		{"darwin", []string{"libonnxruntime.so"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.goos+"/"+strings.Join(tc.files, ","), func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			l := layoutFor(tc.goos)
			getenv := func(k string) string {
				if k == l.pathVar {
					return dir
				}
				return ""
			}
			got := ""
			for _, name := range l.names {
				if p, ok := systemFind(name, getenv, l); ok {
					got = p
					break
				}
			}
			want := strings.Replace(tc.want, "DIR", dir, 1)
			if got != want {
				t.Errorf("%s search of %q found %q, want %q", tc.goos, tc.files, got, want)
			}
		})
	}
}

// TestFindNamesSystemsLibrary checks that a directory given as the library
// is refused naming the file the system wants there.
func TestFindNamesSystemsLibrary(t *testing.T) {
	dir := t.TempDir()
	for goos, want := range map[string]string{"linux": "not libonnxruntime.so itself", "darwin": "not libonnxruntime.dylib itself"} {
		_, err := find(dir, func(string) string { return "" }, layoutFor(goos))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error saying %q", goos, err, want)
		}
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
