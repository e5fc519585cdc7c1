package classifier

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/exitcode"
)

// RuntimeVersion is the ONNX Runtime release fooltest is built and tested
// against; scripts/install-onnxruntime.sh installs it.
const RuntimeVersion = "1.29.0"

// minRuntime is the oldest runtime whose C API matches the headers
// onnxruntime_go was compiled with.
var minRuntime = [2]int{1, 24}

// LibraryEnv names the environment variable that points at the runtime
// library when --onnxruntime-lib is not given.
const LibraryEnv = "ONNXRUNTIME_LIB"

// installedLib is where scripts/install-onnxruntime.sh puts the library,
// relative to the repository root.
const installedLib = "third_party/onnxruntime/lib/libonnxruntime.so"

// ONNX Runtime allows one environment per process, so the loaded library is
// process state by nature; rt records which library that is.
var rt struct {
	sync.Mutex
	path    string
	version string
}

// LoadRuntime loads the ONNX Runtime shared library once per process and
// returns its version. The library is searched for in this order: lib (from
// --onnxruntime-lib), $ONNXRUNTIME_LIB, the folder scripts/install-onnxruntime.sh
// installs into (next to the executable's repository or the working
// directory's), then the system library path. Errors carry exit code 3.
func LoadRuntime(lib string) (string, error) {
	rt.Lock()
	defer rt.Unlock()
	if ort.IsInitialized() {
		return rt.version, nil
	}
	path, err := findLibrary(lib, os.Getenv)
	if err != nil {
		return "", err
	}
	ort.SetSharedLibraryPath(path)
	// Fatal only: fooltest reports runtime errors itself, on one line.
	if err := ort.InitializeEnvironment(ort.WithLogLevelFatal()); err != nil {
		return "", exitcode.Envf("cannot load ONNX Runtime from %s (%s): fooltest needs ONNX Runtime >= %d.%d; run scripts/install-onnxruntime.sh or point --onnxruntime-lib at libonnxruntime.so %s",
			path, oneLine(err.Error()), minRuntime[0], minRuntime[1], RuntimeVersion)
	}
	version := ort.GetVersion()
	if !versionAtLeast(version, minRuntime) {
		_ = ort.DestroyEnvironment()
		return "", exitcode.Envf("ONNX Runtime %s at %s is older than %d.%d: run scripts/install-onnxruntime.sh or point --onnxruntime-lib at libonnxruntime.so %s",
			version, path, minRuntime[0], minRuntime[1], RuntimeVersion)
	}
	rt.path, rt.version = path, version
	return version, nil
}

// LoadedRuntime returns the path and version of the loaded runtime library,
// or empty strings before LoadRuntime succeeded.
func LoadedRuntime() (path, version string) {
	rt.Lock()
	defer rt.Unlock()
	return rt.path, rt.version
}

func findLibrary(explicit string, getenv func(string) string) (string, error) {
	if explicit != "" {
		return existing(explicit, "--onnxruntime-lib")
	}
	if env := getenv(LibraryEnv); env != "" {
		return existing(env, "$"+LibraryEnv)
	}
	var tried []string
	for _, dir := range searchRoots() {
		p := filepath.Join(dir, installedLib)
		tried = append(tried, p)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	// Leave the system search to dlopen, which knows ldconfig's cache; only
	// report absence when it would fail too.
	for _, name := range []string{"libonnxruntime.so", "libonnxruntime.so.1"} {
		if systemHas(name) {
			return name, nil
		}
	}
	return "", exitcode.Envf("ONNX Runtime library not found (looked in %s and the system library path): run scripts/install-onnxruntime.sh, or set --onnxruntime-lib or $%s",
		strings.Join(tried, ", "), LibraryEnv)
}

func existing(path, source string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", exitcode.Envf("ONNX Runtime library %s from %s: %v: run scripts/install-onnxruntime.sh or fix the path",
			path, source, errors.Unwrap(err))
	}
	if st.IsDir() {
		return "", exitcode.Envf("ONNX Runtime library %s from %s is a directory: give the path of libonnxruntime.so itself, or run scripts/install-onnxruntime.sh", path, source)
	}
	return path, nil
}

// searchRoots lists the folders that may hold third_party/onnxruntime: the
// repository the executable was built in (bin/fooltest) and every parent of
// the working directory, so tests and `go run` find the installed library.
func searchRoots() []string {
	var roots []string
	if exe, err := os.Executable(); err == nil {
		if exe, err = filepath.EvalSymlinks(exe); err == nil {
			roots = append(roots, filepath.Dir(exe), filepath.Dir(filepath.Dir(exe)))
		}
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			roots = append(roots, dir)
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return roots
}

func systemHas(name string) bool {
	dirs := []string{"/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/lib", "/lib/x86_64-linux-gnu", "/usr/lib64"}
	if ld := os.Getenv("LD_LIBRARY_PATH"); ld != "" {
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

func versionAtLeast(v string, min [2]int) bool {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major > min[0] || (major == min[0] && minor >= min[1])
}

// ONNX Runtime wraps the reason a model failed in boilerplate: the Go
// binding's and the C API's prefixes, the C++ source location and the
// signature of the function that threw. The reason comes last, so these go
// before a message is bounded.
var (
	ortBoilerplate = regexp.MustCompile(`Error running network: |\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : `)
	// "Non-zero status code returned while running Reshape node. Name:'r'
	// Status Message: " becomes "Reshape node 'r': ".
	ortNode = regexp.MustCompile(`Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message: `)
	// "/onnxruntime_src/.../reshape_helper.h:84 onnxruntime::ReshapeHelper::ReshapeHelper(const ...&, bool) "
	ortSource = regexp.MustCompile(`(?:\S*/)?\w+\.(?:h|cc|cpp):\d+ (?:[\w:~<>]+::[\w~]+\([^)]*\)(?: const)? )?`)
)

// maxMessage bounds a one-line message, because ONNX Runtime messages can
// carry whole protobuf dumps.
const maxMessage = 300

// oneLine makes a runtime message one line: lines joined with spaces,
// ONNX Runtime's boilerplate removed, and, if it is still over maxMessage
// bytes, its middle cut, since the reason is usually at the end.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = ortNode.ReplaceAllStringFunc(s, func(m string) string {
		g := ortNode.FindStringSubmatch(m)
		if g[2] == "" {
			return g[1] + " node: "
		}
		return fmt.Sprintf("%s node %q: ", g[1], g[2])
	})
	s = ortBoilerplate.ReplaceAllString(s, "")
	s = ortSource.ReplaceAllString(s, "")
	if len(s) <= maxMessage {
		return s
	}
	// Keep a third for the head, which says where it failed, and the rest
	// for the tail, which says why; cut on rune boundaries.
	head, tail := maxMessage/3, maxMessage-maxMessage/3
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[:head] + " … " + s[start:]
}

// errorf formats a classifier error as one line.
func errorf(format string, args ...any) string { return oneLine(fmt.Sprintf(format, args...)) }
