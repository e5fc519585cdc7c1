package classifier

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

// TestPerChannelRefusesExtremes: Open refuses, with a usage error, the
// normalizations that float32 arithmetic would turn into NaN, infinity or
// an input that ignores the image, whoever builds the Options.
func TestPerChannelRefusesExtremes(t *testing.T) {
	tests := []struct {
		name string
		n    Normalization
		want string // "" for accepted
	}{
		{"defaults", Normalization{}, ""},
		{"imagenet", presets["imagenet"], ""},
		{"subnormal std", Normalization{Scale: 1, Std: []float32{1e-40}}, "input std"},
		{"zero std", Normalization{Scale: 1, Std: []float32{1, 0, 1}}, "input std"},
		{"subnormal scale", Normalization{Scale: 1e-40}, "input scale"},
		{"huge scale", Normalization{Scale: 1e7}, "input scale"},
		{"subnormal mean", Normalization{Scale: 1, Mean: []float32{1e-40}}, "input mean"},
		{"overflowing quotient", Normalization{Scale: 1e6, Std: []float32{1e-33}}, "overflows"},
		{"overflowing mean", Normalization{Scale: 1, Mean: []float32{-3e38}, Std: []float32{0.5}}, "overflows"},
		{"underflowing quotient", Normalization{Scale: 1e-6, Std: []float32{3e38}}, "underflows"},
		{"third channel overflows", Normalization{Scale: 1, Mean: []float32{0, 0, 3e38}, Std: []float32{0.1}}, "overflows"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mul, add, err := tc.n.perChannel(3)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted as mul %v add %v", mul, add)
			}
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingPreprocessing || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q (%v), want invalid preprocessing mentioning %q", err, fault.KindOf(err), tc.want)
			}
		})
	}
}
