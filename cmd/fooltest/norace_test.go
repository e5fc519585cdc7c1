//go:build !race

package main

// raceFlags are empty without the race detector (see race_test.go).
var raceFlags []string
