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
