//go:build !race

package attack

// raceDetector is unset without -race (see race_test.go).
const raceDetector = false
