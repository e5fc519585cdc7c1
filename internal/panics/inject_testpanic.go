//go:build fooltest_testpanic

package panics

import "os"

// TestPanicEnv names the site whose Inject panics in a fooltest built with
// the fooltest_testpanic tag, which only fooltest's tests build: the end to
// end tests of panics in goroutines other than the command's.
const TestPanicEnv = "FOOLTEST_TEST_PANIC"

// Injecting reports whether Inject can panic: true in this build (see
// inject.go).
const Injecting = true

// Inject panics when $FOOLTEST_TEST_PANIC is site.
func Inject(site string) {
	if os.Getenv(TestPanicEnv) == site {
		panic("injected panic at " + site + " (" + TestPanicEnv + ")")
	}
}
