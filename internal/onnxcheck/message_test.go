package onnxcheck

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestRuntimeMessage(t *testing.T) {
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
		if got := RuntimeMessage(tc.in); got != tc.want {
			t.Errorf("%s: RuntimeMessage(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
	// Over the bound, the head and the reason at the end both survive.
	for _, in := range []string{"where " + long + " why", "wh€re " + strings.Repeat("é", 500) + " why"} {
		got := RuntimeMessage(in)
		if len(got) > maxMessage+len(" … ") || !strings.HasPrefix(got, in[:5]) || !strings.HasSuffix(got, " why") || !utf8.ValidString(got) {
			t.Errorf("oneLine of %d bytes = %q (%d bytes): want at most %d bytes, valid UTF-8, keeping head and tail",
				len(in), got, len(got), maxMessage+len(" … "))
		}
	}
}
