//go:build race

package panics

const raceEnabled = true
