package report

import "testing"

// TestCeilingText: a ceiling just under a round threshold gets the digits
// that show it is under; others keep four.
func TestCeilingText(t *testing.T) {
	for _, tc := range []struct {
		c    float64
		want string
	}{
		{0.98996, "0.989960"},
		{0.989996, "0.989996"},
		{0.95, "0.9500"},
		{0.9883, "0.9883"},
		{0.94727, "0.9473"},
	} {
		if got := ceilingText(tc.c); got != tc.want {
			t.Errorf("ceilingText(%v) = %q, want %q", tc.c, got, tc.want)
		}
	}
}
