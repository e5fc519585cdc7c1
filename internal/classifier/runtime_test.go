package classifier

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

func TestOneLine(t *testing.T) {
	long := strings.Repeat("x", 1000)
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short", "model failed", "model failed"},
		{"lines joined", "first line\nsecond line\r\n  third", "first line second line third"},
		{"python-style prefix", "Error running network: [ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions for input: image",
			"Got invalid dimensions for input: image"},
		{"node prefix", "Non-zero status code returned while running Reshape node. Name:'r' Status Message: cannot reshape",
			`Reshape node "r": cannot reshape`},
		{"unnamed node and source location", "Non-zero status code returned while running MatMul node. Name:'' Status Message: matmul_helper.h:59 Compute MatMul dimension mismatch",
			"MatMul node: Compute MatMul dimension mismatch"},
		{"C++ signature", "/onnxruntime_src/onnxruntime/core/providers/cpu/tensor/reshape_helper.h:84 onnxruntime::ReshapeHelper::ReshapeHelper(const onnxruntime::TensorShape&, bool) size != 0 was false.",
			"size != 0 was false."},
	}
	for _, tc := range tests {
		if got := oneLine(tc.in); got != tc.want {
			t.Errorf("%s: oneLine(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
	// Over the bound, the head and the reason at the end both survive.
	for _, in := range []string{"where " + long + " why", "wh€re " + strings.Repeat("é", 500) + " why"} {
		got := oneLine(in)
		if len(got) > maxMessage+len(" … ") || !strings.HasPrefix(got, in[:5]) || !strings.HasSuffix(got, " why") || !utf8.ValidString(got) {
			t.Errorf("oneLine of %d bytes = %q (%d bytes): want at most %d bytes, valid UTF-8, keeping head and tail",
				len(in), got, len(got), maxMessage+len(" … "))
		}
	}
}

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
