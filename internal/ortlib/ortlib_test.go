package ortlib

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

func TestFind(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	dir := t.TempDir()
	tests := []struct {
		name     string
		explicit string
		env      map[string]string
		want     string
	}{
		{"missing explicit library", "/nonexistent/libonnxruntime.so", nil, "/nonexistent/libonnxruntime.so (the path given)"},
		{"missing env library", "", map[string]string{envVar: "/nonexistent/x.so"}, "$" + envVar},
		{"directory as library", dir, nil, "directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Find(tc.explicit, env(tc.env))
			if !errors.Is(err, fault.Environment) || fault.SettingOf(err) != Setting || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an environment error about the runtime naming %q", err, tc.want)
			}
		})
	}
}
