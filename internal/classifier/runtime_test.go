package classifier

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestRuntimeErrorKeepsReason: a real ONNX Runtime error from a model that
// fails at run time keeps its reason, which comes after a long prefix.
func TestRuntimeErrorKeepsReason(t *testing.T) {
	m := withNode(onnxtest.Node{Op: "Reshape"})
	m.Nodes[2].Inputs = []string{"flat", "shape"}
	m.Nodes[1].Outputs = []string{"unused"}
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "shape", Dims: []int64{2}, Int64s: []int64{-1, 5}})
	m.Outputs[0].Dims = []int64{-1, 5}
	c, err := OpenBytes("reshape", m.Bytes(), Options{})
	if err == nil {
		c.Close()
		t.Fatal("a model that cannot reshape its input opened")
	}
	msg := err.Error()
	for _, want := range []string{"failed at run time", "Reshape node", "cannot be reshaped", "requested shape:{-1,5}"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.ContainsAny(msg, "\r\n") || strings.Contains(msg, "onnxruntime_src") {
		t.Errorf("error %q is not one line free of ONNX Runtime's source locations", msg)
	}
}

// TestLoadError: a library that the loader could not map for want of
// memory (a runner's memory limit) names the memory, not the runtime's
// version; any other failure names the runtime.
func TestLoadError(t *testing.T) {
	const path = "/opt/onnxruntime/lib/libonnxruntime.so"
	tests := []struct {
		msg     string
		setting fault.Setting
		say     string
	}{
		{`Error loading ONNX shared library "` + path + `": ` + path + `: failed to map segment from shared object`, SettingMemory, "has not the memory to map it"},
		{path + `: cannot map zero-fill pages: Cannot allocate memory`, SettingMemory, "has not the memory to map it"},
		{path + `: cannot open shared object file: No such file or directory`, SettingRuntime, "needs ONNX Runtime >= 1.24"},
		{path + `: undefined symbol: OrtGetApiBase`, SettingRuntime, "needs ONNX Runtime >= 1.24"},
	}
	for _, tc := range tests {
		err := loadError(path, tc.msg)
		if !errors.Is(err, fault.Environment) || fault.SettingOf(err) != tc.setting || !strings.Contains(err.Error(), tc.say) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: got %v (setting %q), want an environment error about %q saying %q", tc.msg, err, fault.SettingOf(err), tc.setting, tc.say)
		}
	}
}
