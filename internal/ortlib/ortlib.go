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
	"slices"
	"strings"

	"github.com/fooltest/fooltest/internal/fault"
)

// envVar names the environment variable that points at the library when no
// path is given.
const envVar = "ONNXRUNTIME_LIB"

// installPath is where scripts/install-onnxruntime.sh puts the library,
// relative to the repository root.
const installPath = "third_party/onnxruntime/lib/libonnxruntime.so"

// Setting is the setting Find's errors name: where the library is.
const Setting fault.Setting = "runtime"

// Find returns the library to load: explicit when given, else $ONNXRUNTIME_LIB
// (read through getenv), else installPath under the executable's repository
// or any parent of the working directory, else a bare library name when the
// system library path has it. Its errors are fault.Environment errors.
func Find(explicit string, getenv func(string) string) (string, error) {
	if explicit != "" {
		return existing(explicit, "the path given")
	}
	if env := getenv(envVar); env != "" {
		return existing(env, "from $"+envVar)
	}
	var tried []string
	for _, dir := range searchRoots() {
		p := filepath.Join(dir, installPath)
		tried = append(tried, p)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	// Leave the system search to dlopen, which knows ldconfig's cache; only
	// report absence when it would fail too.
	for _, name := range []string{"libonnxruntime.so", "libonnxruntime.so.1"} {
		if systemHas(name, getenv) {
			return name, nil
		}
	}
	return "", fault.Environmentf(Setting, "ONNX Runtime library not found (looked in %s and the system library path)",
		strings.Join(tried, ", "))
}

func existing(path, source string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fault.Environmentf(Setting, "ONNX Runtime library %s (%s): %w", path, source, errors.Unwrap(err))
	}
	if st.IsDir() {
		return "", fault.Environmentf(Setting, "ONNX Runtime library %s (%s) is a directory, not libonnxruntime.so itself", path, source)
	}
	return path, nil
}

// searchRoots lists the folders that may hold installPath: the repository
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

// systemHas reports whether the system library path (with
// $LD_LIBRARY_PATH, read through getenv, first) holds a library called
// name.
func systemHas(name string, getenv func(string) string) bool {
	dirs := []string{"/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib64"}
	if ld := getenv("LD_LIBRARY_PATH"); ld != "" {
		dirs = append(filepath.SplitList(ld), dirs...)
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return true
		}
	}
	if b, err := os.ReadFile("/etc/ld.so.cache"); err == nil && strings.Contains(string(b), name) {
		return true
	}
	return false
}
