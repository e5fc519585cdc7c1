package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestGuarded: a panic in the command ends it with exit code 3 and a
// first line that says it is fooltest's bug, not the exit code 2 that Go
// gives a panicking program and a pipeline reads as invalid input; a
// command that returns keeps its code.
func TestGuarded(t *testing.T) {
	tests := []struct {
		name    string
		main    func() int
		actions bool
		code    int
		first   string
	}{
		{name: "returns", main: func() int { return exitcode.Usage }, code: exitcode.Usage},
		{name: "panics", main: func() int { panic("index out of range [3] with length 3") }, code: exitcode.Environment,
			first: "fooltest: internal error, a bug in fooltest (please report it with what follows): index out of range [3] with length 3"},
		{name: "panics with an error", main: func() int { panic(errors.New("bad\nthing")) }, code: exitcode.Environment,
			first: "fooltest: internal error, a bug in fooltest (please report it with what follows): bad; thing"},
		{name: "panics in Actions mode", actions: true, main: func() int { panic("label ##[add-mask]x") }, code: exitcode.Environment,
			first: `fooltest: internal error, a bug in fooltest (please report it with what follows): label ##\[add-mask]x`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			e := env{stderr: &stderr, getenv: func(k string) string {
				if k == "GITHUB_ACTIONS" && tt.actions {
					return "true"
				}
				return ""
			}}
			if code := guarded(tt.main, e); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if tt.first == "" {
				if stderr.Len() > 0 {
					t.Errorf("stderr %q, want nothing", stderr.String())
				}
				return
			}
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if first != tt.first {
				t.Errorf("first line\n%q\nwant\n%q", first, tt.first)
			}
			if !strings.Contains(rest, "TestGuarded") {
				t.Errorf("no stack after the first line:\n%s", rest)
			}
		})
	}
}
