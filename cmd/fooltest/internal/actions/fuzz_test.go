package actions

import (
	"errors"
	"strings"
	"testing"
)

// FuzzArgs feeds Args an environment written as NAME=VALUE lines (the runner
// sets any INPUT_* a workflow's `with:` names, valid or not) and checks that
// it never panics and only ever produces flags `fooltest run` defines, each
// at most once.
func FuzzArgs(f *testing.F) {
	f.Add("INPUT_MODEL=models/net.onnx\nINPUT_THRESHOLD=0.99")
	f.Add("INPUT_EXPORT-DATASET=maybe")
	f.Fuzz(func(t *testing.T, environ string) {
		vars := map[string]string{}
		for _, line := range strings.Split(environ, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				// A value may itself span lines in a real environment;
				// "\x1e" stands in for a line break so the fuzzer can
				// reach that case.
				vars[k] = strings.ReplaceAll(v, "\x1e", "\n")
			}
		}
		args, err := Args(env(vars))
		if err != nil {
			if !errors.Is(err, errInvalidInput) {
				t.Fatalf("Args() error %v does not wrap ErrInvalidInput", err)
			}
			if args != nil {
				t.Fatalf("Args() = %q with an error", args)
			}
			return
		}
		known := map[string]bool{}
		for _, name := range inputNames() {
			known[name] = true
		}
		seen := map[string]bool{}
		for _, a := range args {
			name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
			if !strings.HasPrefix(a, "--") || !known[name] {
				t.Fatalf("Args() produced %q, not a known flag", a)
			}
			if seen[name] {
				t.Fatalf("Args() produced --%s twice: %q", name, args)
			}
			seen[name] = true
			if name == "export-dataset" {
				if hasValue {
					t.Fatalf("Args() produced %q, want the bare boolean flag", a)
				}
				continue
			}
			if !hasValue || value == "" || strings.ContainsAny(value, "\r\n") || value != strings.TrimSpace(value) {
				t.Fatalf("Args() produced %q, want --%s=<trimmed single-line value>", a, name)
			}
			if want := strings.TrimSpace(vars[envName(name)]); value != want {
				t.Fatalf("Args() produced %q from %s=%q", a, envName(name), vars[envName(name)])
			}
		}
	})
}
