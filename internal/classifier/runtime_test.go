package classifier

import (
	"strings"
	"testing"

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
