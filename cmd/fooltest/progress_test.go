package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
)

// TestPlainProgressLine checks the line a CI log gets every few seconds:
// the time used of the whole budget, opening the model included, as the
// reports count it (not the search's time of what opening left).
func TestPlainProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(env{stderr: &buf}, time.Hour, 900*time.Millisecond, false)
	p.lastLine = time.Now().Add(-plainEvery)
	p.update(attack.Progress{Evaluations: 3000, Elapsed: 5 * time.Second, AtThreshold: 3, Targets: 10, MedianBest: 0.5})
	got := strings.TrimSpace(buf.String())
	want := "fooltest:   5.9s of 1h0m0s  3/10 classes at threshold, median best 0.500, 3000 evaluations (600/s)"
	if got != want {
		t.Errorf("progress line\n got %q\nwant %q", got, want)
	}
	buf.Reset()
	p.update(attack.Progress{Evaluations: 3100, Elapsed: 6 * time.Second, Targets: 10})
	if buf.Len() != 0 {
		t.Errorf("a second line within %v: %q", plainEvery, buf.String())
	}
}
