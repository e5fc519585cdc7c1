//go:build !fooltest_testpanic

package panics

// Inject does nothing: only fooltest's own tests build it to panic (see
// inject_testpanic.go). It is called where a panic outside the command's
// goroutine is to be tested end to end.
func Inject(site string) {}
