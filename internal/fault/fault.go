// Package fault classifies fooltest's errors by who can fix them, so that
// libraries say what went wrong and a front end (the CLI, the Action) decides
// what to do about it: which exit code, which flag or input to name.
//
// A library returns an *Error of a Kind, optionally naming the Setting whose
// change fixes it. Callers test the kind with errors.Is(err, fault.Invalid)
// and read the setting with SettingOf; both see through %w wrapping.
package fault

import (
	"errors"
	"fmt"
)

// Kind says who can fix an error. It is itself an error, so that
// errors.Is(err, fault.Invalid) asks whether err is of that kind.
type Kind uint8

const (
	// Invalid means the user's input cannot be used: a setting, the model
	// file, a labels file or a report. Changing the input fixes it.
	Invalid Kind = iota + 1
	// Environment means the machine failed: the runtime library, the disk,
	// memory, a signal.
	Environment
	// Model means the model itself failed while being scored: a runtime
	// error in one of its nodes, or outputs that are not finite numbers.
	Model
)

// Error implements error.
func (k Kind) Error() string {
	switch k {
	case Invalid:
		return "invalid input"
	case Environment:
		return "environment failure"
	case Model:
		return "model failure"
	}
	return fmt.Sprintf("fault kind %d", uint8(k))
}

// Setting names the user-facing option whose change fixes an error, in the
// library's own terms (for example "input-shape" for the image shape a model
// needs). Front ends map it to a flag or an input name.
type Setting string

// Error is an error of a known Kind. Its message says what is wrong and how
// to fix it in words; Setting, when set, names the option to change, and
// Suggest, when set, values of it that would work, the likeliest first:
// each front end words them its own way (a flag given each, an input set
// to one of them).
type Error struct {
	Kind    Kind
	Setting Setting
	Suggest []string
	Err     error
}

// Error implements error.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// Invalidf returns an Invalid error about setting ("" for none), formatted
// as by fmt.Errorf, so %w wraps.
func Invalidf(setting Setting, format string, args ...any) error {
	return &Error{Kind: Invalid, Setting: setting, Err: fmt.Errorf(format, args...)}
}

// Environmentf returns an Environment error about setting ("" for none).
func Environmentf(setting Setting, format string, args ...any) error {
	return &Error{Kind: Environment, Setting: setting, Err: fmt.Errorf(format, args...)}
}

// Modelf returns a Model error.
func Modelf(format string, args ...any) error {
	return &Error{Kind: Model, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the Kind of err: that of the outermost *Error in its
// chain, else the first Kind that errors.Is matches (error types of their
// own may claim a kind with an Is method), else 0.
func KindOf(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	for _, k := range []Kind{Invalid, Environment, Model} {
		if errors.Is(err, k) {
			return k
		}
	}
	return 0
}

// SettingOf returns the Setting of the outermost *Error in err's chain that
// names one, or "".
func SettingOf(err error) Setting {
	s, _ := settingOf(err)
	return s
}

// SuggestionsOf returns the Setting of the outermost *Error in err's chain
// that names one, with every value that error suggests for it (none when
// it suggests none), the likeliest first.
func SuggestionsOf(err error) (Setting, []string) { return settingOf(err) }

func settingOf(err error) (Setting, []string) {
	for err != nil {
		e, ok := errors.AsType[*Error](err)
		if !ok {
			return "", nil
		}
		if e.Setting != "" {
			return e.Setting, e.Suggest
		}
		err = e.Err
	}
	return "", nil
}

// Suggest returns err with values suggested for the setting it names, the
// likeliest first, when err is an *Error; otherwise err itself.
func Suggest(err error, values ...string) error {
	if e, ok := err.(*Error); ok {
		c := *e
		c.Suggest = values
		return &c
	}
	return err
}
