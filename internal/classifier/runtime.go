package classifier

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/fault"
)

// RuntimeVersion is the ONNX Runtime release fooltest is built and tested
// against.
const RuntimeVersion = "1.29.0"

// minRuntime is the oldest runtime whose C API matches the headers
// onnxruntime_go was compiled with.
var minRuntime = [2]int{1, 24}

// ONNX Runtime allows one environment per process, so the loaded library is
// process state by nature; rt records which library that is.
var rt struct {
	sync.Mutex
	path    string
	version string
}

// LoadRuntime loads the ONNX Runtime shared library at path (a file, or a
// bare name for the system library search) once per process and returns its
// version. Later calls return the loaded version whatever path they give.
// Its errors are fault.Environment errors about SettingRuntime.
func LoadRuntime(path string) (string, error) {
	rt.Lock()
	defer rt.Unlock()
	if ort.IsInitialized() {
		return rt.version, nil
	}
	ort.SetSharedLibraryPath(path)
	// Fatal only: fooltest reports runtime errors itself, on one line.
	if err := ort.InitializeEnvironment(ort.WithLogLevelFatal()); err != nil {
		return "", fault.Environmentf(SettingRuntime, "cannot load ONNX Runtime from %s (%s): fooltest needs ONNX Runtime >= %d.%d",
			path, oneLine(err.Error()), minRuntime[0], minRuntime[1])
	}
	version := ort.GetVersion()
	if !versionAtLeast(version, minRuntime) {
		_ = ort.DestroyEnvironment()
		return "", fault.Environmentf(SettingRuntime, "ONNX Runtime %s at %s is older than %d.%d",
			version, path, minRuntime[0], minRuntime[1])
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
