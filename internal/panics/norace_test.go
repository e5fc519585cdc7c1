//go:build !race

package panics

const raceEnabled = false
