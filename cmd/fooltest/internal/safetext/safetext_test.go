package safetext

import "testing"

func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"models/lenet.onnx", "models/lenet.onnx"},
		{"héllo wörld ✓", "héllo wörld ✓"},
		{"a\n::error::forged", `a\n::error::forged`},
		{"a\r::add-mask::x", `a\r::add-mask::x`},
		{"a\u2028b\u2029c\u0085d", `a\u2028b\u2029c\u0085d`},
		{"tab\there", `tab\there`},
		{"esc\x1b[31m", `esc\x1b[31m`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
	}
	for _, tc := range tests {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestOneLine: lines become clauses, so that joined errors stay apart, and
// nothing that could start a workflow command survives.
func TestOneLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"model m.onnx is missing", "model m.onnx is missing"},
		{"  spaced \t out  ", "spaced out"},
		{"model must be a single line\npreset must be a single line", "model must be a single line; preset must be a single line"},
		{"write json: disk full\r\n\r\nwrite junit: disk full\n", "write json: disk full; write junit: disk full"},
		{"the model failed:\n  out of memory", "the model failed: out of memory"},
		{"it stopped.\nIt was cancelled", "it stopped. It was cancelled"},
		{"a\u2028b\u2029c\u0085d\ve\ff", "a; b; c; d; e; f"},
		{"x\n::error::forged", "x; ::error::forged"},
		{"bidi\u202eevil\x1b[31m", `bidi\u202eevil\x1b[31m`},
		{"\n\n", ""},
	}
	for _, tc := range tests {
		if got := OneLine(tc.in); got != tc.want {
			t.Errorf("OneLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
