//go:build !fooltest_testpanic

package panics

// Inject does nothing: only fooltest's own tests build it to panic (see
// inject_testpanic.go). It is called where a panic outside the command's
// goroutine is to be tested end to end.
func Inject(site string) {}

// Injecting reports whether Inject can panic: true only in the test build.
// Code that runs a site in its own goroutine only at some speeds (the
// search spreads a job over workers when it takes long enough) always
// does in that build, so that an injected panic comes from such a
// goroutine on any machine.
const Injecting = false
