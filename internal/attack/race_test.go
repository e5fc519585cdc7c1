//go:build race

package attack

// raceDetector is set when the tests run with -race, which slows the search
// several times: tests with time bounds for a loaded 2-core machine skip.
const raceDetector = true
