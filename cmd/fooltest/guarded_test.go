package main

import (
	"cmp"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/panics"
)

// workerPanics panics in a goroutine of the command's: the stack guarded
// prints must name it.
//
//go:noinline
func workerPanics() { panic("worker broke") }

// inGroup runs f in a goroutine of a panics.Group and waits for it, as
// the command's libraries do.
func inGroup(f func()) int {
	var g panics.Group
	g.Go(f)
	g.Wait()
	return exitcode.Pass
}

// TestGuarded: a panic in the command, or in a goroutine whose work it
// waits for, ends it with exit code 3 and a first line that says it is
// fooltest's bug, not the exit code 2 that Go gives a panicking program
// and a pipeline reads as invalid input, then the stack of the goroutine
// that panicked; a command that returns keeps its code.
func TestGuarded(t *testing.T) {
	tests := []struct {
		name    string
		main    func() int
		actions bool
		code    int
		first   string
		// stack is a function the stack must name, TestGuarded if "".
		stack string
	}{
		{name: "returns", main: func() int { return exitcode.Usage }, code: exitcode.Usage},
		{name: "panics", main: func() int { panic("index out of range [3] with length 3") }, code: exitcode.Environment,
			first: "fooltest: internal error, a bug in fooltest (please report it with what follows): index out of range [3] with length 3"},
		{name: "panics with an error", main: func() int { panic(errors.New("bad\nthing")) }, code: exitcode.Environment,
			first: "fooltest: internal error, a bug in fooltest (please report it with what follows): bad; thing"},
		{name: "panics in a goroutine", main: func() int { return inGroup(workerPanics) }, code: exitcode.Environment,
			first: "fooltest: internal error, a bug in fooltest (please report it with what follows): worker broke", stack: ".workerPanics("},
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
			stack := cmp.Or(tt.stack, "TestGuarded")
			if !strings.Contains(rest, stack) {
				t.Errorf("the stack after the first line does not name %s:\n%s", stack, rest)
			}
		})
	}
}

// TestGuardedApart: a panic in a goroutine that no caller waits for (the
// signal handler's) is reported as guarded reports one, and exits with
// code 3; a goroutine that returns exits nothing.
func TestGuardedApart(t *testing.T) {
	tests := []struct {
		name  string
		f     func()
		exits []int
	}{
		{name: "returns", f: func() {}},
		{name: "panics", f: workerPanics, exits: []int{exitcode.Environment}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr strings.Builder
			e := env{stderr: &stderr, getenv: func(string) string { return "" }}
			var exits []int
			guardedApart(tt.f, e, func(code int) { exits = append(exits, code) })
			if !slices.Equal(exits, tt.exits) {
				t.Fatalf("exits %v, want %v", exits, tt.exits)
			}
			if len(tt.exits) == 0 {
				if stderr.Len() > 0 {
					t.Errorf("stderr %q, want nothing", stderr.String())
				}
				return
			}
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if want := "fooltest: internal error, a bug in fooltest (please report it with what follows): worker broke"; first != want {
				t.Errorf("first line\n%q\nwant\n%q", first, want)
			}
			if !strings.Contains(rest, ".workerPanics(") {
				t.Errorf("the stack after the first line does not name workerPanics:\n%s", rest)
			}
		})
	}
}
