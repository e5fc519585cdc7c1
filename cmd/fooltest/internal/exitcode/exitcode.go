// Package exitcode maps fooltest's errors to the process exit codes that CI
// users script against:
//
//	0 gate passed
//	1 gate failed
//	2 invalid usage or input
//	3 runtime or environment failure
package exitcode

import (
	"errors"
	"fmt"

	"github.com/fooltest/fooltest/internal/fault"
)

// The exit codes fooltest uses.
const (
	Pass        = 0
	GateFailed  = 1
	Usage       = 2
	Environment = 3
)

// Error carries the exit code an error should end the process with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Usagef returns an error that ends the process with exit code 2: the user
// gave something fooltest cannot use, and the message says how to fix it.
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// Envf returns an error that ends the process with exit code 3: the
// environment (runtime library, disk, model execution) failed.
func Envf(format string, args ...any) error {
	return &Error{Code: Environment, Err: fmt.Errorf(format, args...)}
}

// Of returns the exit code for err: the code of the outermost Error in its
// chain; else 2 for a fault.Invalid error and 3 for any other non-nil
// error; and 0 for nil.
func Of(err error) int {
	if err == nil {
		return Pass
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	if errors.Is(err, fault.Invalid) {
		return Usage
	}
	return Environment
}
