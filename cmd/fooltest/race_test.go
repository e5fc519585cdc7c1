//go:build race

package main

// raceFlags build the fooltest that tests run as a subprocess with the race
// detector when the tests themselves have it: the signal handlers, the
// report writers they stop and the progress output run concurrently in
// that process, which an in-process race detector never sees.
var raceFlags = []string{"-race"}
