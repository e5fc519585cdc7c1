package classifier

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestTuneOnlyBatchOne: where only batch 1 fits maxBatchBytes, tuning runs
// nothing (3×4096×4096 images spent seconds timing the one candidate);
// where batch 2 fits, it times. A context already ended shows which: any
// run it makes fails.
func TestTuneOnlyBatchOne(t *testing.T) {
	tests := []struct {
		name  string
		shape [3]int
		times bool
	}{
		{"batch 2 fits", [3]int{3, 512, 512}, true},
		{"only batch 1 fits", [3]int{3, 1184, 1184}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := openModel(t, onnxtest.ConvNet(3, 1, false), Options{InputShape: &tc.shape, Batch: 1})
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			b, err := c.tuneBatch(ctx, time.Now().Add(time.Hour))
			if tc.times {
				if !errors.Is(err, ErrAborted) {
					t.Fatalf("got %v, want the ended context's abort of a timed run", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ran the model: %v", err)
			}
			defer b.destroy()
			if b.size != 1 {
				t.Fatalf("batch %d, want 1", b.size)
			}
		})
	}
}

// TestTuneCap: tuning ends at its deadline, aborting the run in flight,
// and keeps batch 1 when no size was timed by then. Timing a size takes
// seven runs at least; it used to finish them past the deadline.
func TestTuneCap(t *testing.T) {
	slow := onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "Softmax").Looping(200_000, 3)
	c := openModel(t, slow, Options{Batch: 1})
	_, one, err := c.rawRuns(context.Background(), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	limit := 2 * one
	start := time.Now()
	b, err := c.tuneBatch(context.Background(), start.Add(limit))
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	defer b.destroy()
	t.Logf("one run %v: tuning capped at %v took %v", one, limit, took)
	if took > limit+one/2+100*time.Millisecond {
		t.Fatalf("tuning capped at %v took %v; one run takes %v", limit, took, one)
	}
	if b.size != 1 {
		t.Fatalf("batch %d, want 1: no size was timed", b.size)
	}
	// The classifier runs again after the aborted run.
	if _, _, err := c.rawRuns(context.Background(), 0, true); err != nil {
		t.Fatalf("after tuning: %v", err)
	}
}
