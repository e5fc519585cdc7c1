//go:build !race

package classifier

// raceSlowdown is 1 without -race (see race_test.go).
const raceSlowdown = 1
