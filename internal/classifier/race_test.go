//go:build race

package classifier

// raceSlowdown is how many times longer than without -race a test's time
// bound allows: the race detector slows the Go side of opening and scoring
// several times, more so on a loaded 2-core machine.
const raceSlowdown = 4
