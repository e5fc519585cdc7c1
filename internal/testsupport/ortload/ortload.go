// Package ortload loads ONNX Runtime for tests, from where fooltest looks
// for it (package ortlib), so that tests use the real runtime.
package ortload

import (
	"os"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/ortlib"
)

// Load finds and loads the runtime library, and returns its version.
func Load() (string, error) {
	path, err := ortlib.Find("", os.Getenv)
	if err != nil {
		return "", err
	}
	return classifier.LoadRuntime(path)
}
