package fault

import (
	"errors"
	"fmt"
	"testing"
)

type modelish struct{}

func (modelish) Error() string        { return "outputs were NaN" }
func (modelish) Is(target error) bool { return target == Model }

func TestKindsAndSettings(t *testing.T) {
	base := Invalidf("input-shape", "model input %q has unknown size", "x")
	tests := []struct {
		name    string
		err     error
		kind    Kind
		setting Setting
	}{
		{"invalid", base, Invalid, "input-shape"},
		{"wrapped", fmt.Errorf("opening: %w", base), Invalid, "input-shape"},
		{"outer without setting", &Error{Kind: Invalid, Err: fmt.Errorf("ctx: %w", base)}, Invalid, "input-shape"},
		{"environment", Environmentf("runtime", "library missing"), Environment, "runtime"},
		{"model", Modelf("node failed"), Model, ""},
		{"own type", fmt.Errorf("scoring: %w", modelish{}), Model, ""},
		{"plain", errors.New("plain"), 0, ""},
		{"nil", nil, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %v, want %v", got, tc.kind)
			}
			if got := SettingOf(tc.err); got != tc.setting {
				t.Errorf("SettingOf = %q, want %q", got, tc.setting)
			}
			for _, k := range []Kind{Invalid, Environment, Model} {
				if got := errors.Is(tc.err, k); got != (k == tc.kind) {
					t.Errorf("errors.Is(err, %v) = %v", k, got)
				}
			}
		})
	}
	if got := base.Error(); got != `model input "x" has unknown size` {
		t.Errorf("message %q carries more than the library's words", got)
	}
}
