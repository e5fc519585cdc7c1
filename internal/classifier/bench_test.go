package classifier

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestBenchImages: a pipeline call in Bench scores at most benchBytes of
// images, and one batch at least: 256 images of a large input took
// gigabytes.
func TestBenchImages(t *testing.T) {
	tests := []struct {
		name       string
		batch, per int
		want       int
	}{
		{"small images, batch 1", 1, 28 * 28, 256},
		{"small images, batch 64", 64, 3 * 32 * 32, 256},
		{"small images, batch 48", 48, 3 * 32 * 32, 240},
		{"224 pixels, batch 16", 16, 3 * 224 * 224, 48},
		{"512 pixels, batch 2", 2, 3 * 512 * 512, 10},
		{"1536 pixels, batch 1", 1, 3 * 1536 * 1536, 1},
		{"one batch over the bound", 4, 3 * 1024 * 1024, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := benchImages(tc.batch, tc.per)
			if got != tc.want {
				t.Fatalf("benchImages(%d, %d) = %d, want %d", tc.batch, tc.per, got, tc.want)
			}
			if got%tc.batch != 0 {
				t.Fatalf("%d images is not a whole number of batches of %d", got, tc.batch)
			}
		})
	}
}

// TestBenchDuration: Bench of a slow model ends about d after it starts,
// later by no more than the runs in flight then (a warm-up batch, a raw
// run and a pipeline call of one batch), and still reports both rates. It
// used to score 256 images in every pipeline call, at least once in each
// of its ten rounds.
//
// The bound is on the process's CPU time, not the wall clock's: a loaded
// machine stretches the wall-clock time of every run, and of making the
// bench's images, unevenly (a loaded 2-core machine took 4.8s against a
// bound of 3.2s drawn from a run timed just before), but leaves the CPU
// time of the work as it is. A run of this model takes about 100ms of
// CPU, so that a bench making more runs than it may is over the bound by
// seconds of CPU wherever it runs.
func TestBenchDuration(t *testing.T) {
	// 3×256×256 images: 42 fit in benchBytes, at batch 1.
	m := onnxtest.Classifier([]int64{-1, 3, 256, 256}, 10, "").Looping(200_000, 10)
	c := openModel(t, m, Options{Batch: 1, Threads: 1})
	cpu := processCPU(t)
	if _, _, err := c.rawRuns(context.Background(), 0, true); err != nil {
		t.Fatal(err)
	}
	one := processCPU(t) - cpu
	d := 200 * time.Millisecond
	cpu = processCPU(t)
	start := time.Now()
	r, err := c.Bench(d)
	took := time.Since(start)
	spent := processCPU(t) - cpu
	if err != nil {
		t.Fatal(err)
	}
	if r.RawImagesPerSecond <= 0 || r.PipelineImagesPerSecond <= 0 {
		t.Fatalf("rates %v and %v, want both measured", r.RawImagesPerSecond, r.PipelineImagesPerSecond)
	}
	// Before the bound, the warm-up alone scored 256 images; one more
	// pipeline call of all 42 would spend 40 runs' CPU.
	limit := d + 4*one + 300*time.Millisecond
	t.Logf("one run %v of CPU: bench of %v took %v of CPU (limit %v), %v of wall time", one, d, spent, limit, took)
	if spent > limit {
		t.Fatalf("bench of %v took %v of CPU, over %v: one run takes %v", d, spent, limit, one)
	}
	// A hang guard, not a measurement: generous for a loaded machine.
	if took > time.Minute {
		t.Fatalf("bench of %v took %v", d, took)
	}
}

// processCPU is the CPU time, user and system, that the process has used:
// on a loaded machine it grows with the work done, as wall time does not.
func processCPU(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
