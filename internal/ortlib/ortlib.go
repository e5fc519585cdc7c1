// Package ortlib knows where fooltest's ONNX Runtime shared library lives:
// the path a user gives, the ONNXRUNTIME_LIB environment variable, the folder
// scripts/install-onnxruntime.sh installs into, and the system library path.
// The classifier loads whatever path this package finds; keeping the search
// here keeps the repository's layout out of the classifier.
package ortlib

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/fooltest/fooltest/internal/fault"
)

// envVar names the environment variable that points at the library when no
// path is given.
const envVar = "ONNXRUNTIME_LIB"

// installDir is where scripts/install-onnxruntime.sh puts the library,
// relative to the repository root.
const installDir = "third_party/onnxruntime/lib"

// layout is how one operating system names and finds the library.
type layout struct {
	// file is the name scripts/install-onnxruntime.sh installs under
	// installDir, and the name messages give the library.
	file string
	// names are the names the system library path may hold it under: the
	// plain name first, then the versioned one the distributions ship.
	names []string
	// pathVar is the environment variable the dynamic loader searches
	// first.
	pathVar string
	// dirs are the system's library folders, searched after pathVar's.
	dirs []string
	// bare is whether a library found in the system folders is loaded by
	// its name alone: Linux's dlopen finds it through ldconfig's cache,
	// but macOS's dlopen does not search Homebrew's /opt/homebrew/lib,
	// and System Integrity Protection strips $DYLD_LIBRARY_PATH when make
	// or a shell script starts fooltest, so there the full path is loaded.
	bare bool
}

// layoutFor returns goos's layout: macOS's (darwin) dylib names and
// folders, else Linux's, which every other system fooltest builds on
// resembles closest.
func layoutFor(goos string) layout {
	if goos == "darwin" {
		return layout{
			file: "libonnxruntime.dylib",
			// onnxruntime-node ships libonnxruntime.1.dylib, the
			// name the library's major version gives it, as Linux's
			// libonnxruntime.so.1.
			names:   []string{"libonnxruntime.dylib", "libonnxruntime.1.dylib"},
			pathVar: "DYLD_LIBRARY_PATH",
			dirs:    []string{"/opt/homebrew/lib", "/usr/local/lib"},
		}
	}
	return layout{
		file:    "libonnxruntime.so",
		names:   []string{"libonnxruntime.so", "libonnxruntime.so.1"},
		pathVar: "LD_LIBRARY_PATH",
		dirs:    []string{"/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64"},
		bare:    true,
	}
}

// LibraryFile returns the library's file name on the running system:
// libonnxruntime.so, or libonnxruntime.dylib on macOS. Messages that tell
// users which file to point fooltest at name it.
func LibraryFile() string { return layoutFor(runtime.GOOS).file }

// Setting is the setting Find's errors name: where the library is.
const Setting fault.Setting = "runtime"

// Find returns the library to load: explicit when given, else $ONNXRUNTIME_LIB
// (read through getenv), else the installed library (LibraryFile under
// third_party/onnxruntime/lib) in the executable's repository or any parent
// of the working directory, else the library on the system library path.
// Its errors are fault.Environment errors.
func Find(explicit string, getenv func(string) string) (string, error) {
	return find(explicit, getenv, layoutFor(runtime.GOOS))
}

// find is Find for the system whose layout is l, so that tests cover
// macOS's names on Linux and the other way round.
func find(explicit string, getenv func(string) string, l layout) (string, error) {
	if explicit != "" {
		return existing(explicit, "the path given", l)
	}
	if env := getenv(envVar); env != "" {
		return existing(env, "from $"+envVar, l)
	}
	var tried []string
	for _, dir := range searchRoots() {
		p := filepath.Join(dir, installDir, l.file)
		tried = append(tried, p)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	for _, name := range l.names {
		if p, ok := systemFind(name, getenv, l); ok {
			return p, nil
		}
	}
	return "", fault.Environmentf(Setting, "ONNX Runtime library not found (looked in %s and the system library path)",
		strings.Join(tried, ", "))
}

func existing(path, source string, l layout) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fault.Environmentf(Setting, "ONNX Runtime library %s (%s): %w", path, source, errors.Unwrap(err))
	}
	if st.IsDir() {
		return "", fault.Environmentf(Setting, "ONNX Runtime library %s (%s) is a directory, not %s itself", path, source, l.file)
	}
	return path, nil
}

// searchRoots lists the folders that may hold the installed library: the repository
// the executable was built in (bin/fooltest) and every parent of the working
// directory, so tests and `go run` find the installed library.
func searchRoots() []string {
	var roots []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			roots = append(roots, filepath.Dir(exe), filepath.Dir(filepath.Dir(exe)))
		}
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			// A binary under the working folder is searched from there
			// already; the refusal lists each folder once.
			if !slices.Contains(roots, dir) {
				roots = append(roots, dir)
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return roots
}

// systemFind reports whether the system library path (with l.pathVar, read
// through getenv, first) holds a library called name, and the path to load
// it by: the name alone where l.bare, leaving the search to dlopen, which
// knows ldconfig's cache; absence is only reported when dlopen would fail
// too.
func systemFind(name string, getenv func(string) string, l layout) (string, bool) {
	dirs := l.dirs
	if v := getenv(l.pathVar); v != "" {
		dirs = append(filepath.SplitList(v), dirs...)
	}
	load := func(dir string) string {
		if l.bare {
			return name
		}
		return filepath.Join(dir, name)
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return load(d), true
		}
	}
	if l.bare {
		if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil && strings.Contains(string(b), name) {
			return name, true
		}
	}
	return "", false
}
