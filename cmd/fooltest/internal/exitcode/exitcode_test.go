package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, Pass},
		{"usage", Usagef("bad flag"), Usage},
		{"environment", Envf("no library"), Environment},
		{"wrapped usage", fmt.Errorf("opening: %w", Usagef("bad model")), Usage},
		{"plain error", errors.New("boom"), Environment},
		{"outermost wins", Envf("writing: %w", Usagef("inner")), Environment},
	}
	for _, tc := range tests {
		if got := Of(tc.err); got != tc.want {
			t.Errorf("%s: Of = %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := Usagef("x %d", 1).Error(); got != "x 1" {
		t.Errorf("message %q", got)
	}
}
