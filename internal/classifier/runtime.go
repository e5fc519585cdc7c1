package classifier

import (
	"strconv"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
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
		return "", loadError(path, onnxcheck.RuntimeMessage(err.Error()))
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

// loadError explains why the runtime library at path did not load, from
// what the loader said (msg). A process whose memory limit leaves no room
// to map the library's segments is told so, not sent to install another
// runtime: the library is right and the runner too small.
func loadError(path, msg string) error {
	if strings.Contains(msg, "failed to map segment") || strings.Contains(msg, "Cannot allocate memory") {
		return fault.Environmentf(SettingMemory, "cannot load ONNX Runtime from %s: the process has not the memory to map it (%s)", path, msg)
	}
	return fault.Environmentf(SettingRuntime, "cannot load ONNX Runtime from %s (%s): fooltest needs ONNX Runtime >= %d.%d",
		path, msg, minRuntime[0], minRuntime[1])
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
