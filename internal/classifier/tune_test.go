package classifier

import (
	"context"
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
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
			b, _, err := c.tuneBatch(ctx, time.Now().Add(time.Hour), 0)
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
	b, _, err := c.tuneBatch(context.Background(), start.Add(limit), 0)
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

// TestTunedMemory: after tuning, the classifier holds about the memory that
// opening it at the chosen batch holds, not that of the larger batches
// tuning tried: ONNX Runtime's arena kept every region it grew for them
// until the session was destroyed. Each image takes 64 MiB inside this
// model, and its input (3 MiB an image) lets tuning try batches up to 8;
// larger ones are no faster per image, so it chooses batch 1 or 2 and
// tries twice that at least: before the session was renewed, tuned to
// batch 2, it held 603 MiB against 313 MiB at batch 2. Were the largest
// size tried the one chosen, the test could not tell: it logs the sizes.
func TestTunedMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads resident memory from /proc")
	}
	const perImage = 64 << 20
	m := onnxtest.Classifier([]int64{-1, 3, 512, 512}, 3, "Softmax").Hungry(perImage)
	grown := func(opts Options) (bytes int64, batch int) {
		before := residentBytes(t)
		opts.Threads = 1
		c, err := OpenBytes("hungry.onnx", m.Bytes(), opts)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return residentBytes(t) - before, c.BatchSize()
	}
	tuned, b := grown(Options{})
	fixed, _ := grown(Options{Batch: b})
	t.Logf("tuned to batch %d: %d MiB more resident after Open; %d MiB at --batch %d", b, tuned>>20, fixed>>20, b)
	if tuned > fixed+perImage {
		t.Fatalf("tuned to batch %d, it holds %d MiB after Open, over the %d MiB it holds opened at that batch: the arena keeps the larger batches tuning tried", b, tuned>>20, fixed>>20)
	}
}

// residentBytes returns the process's resident memory (VmRSS), after the
// Go heap has returned what it does not use: the tensors of a binding
// are Go memory, which the runtime returns to the system only in time.
func residentBytes(t *testing.T) int64 {
	t.Helper()
	debug.FreeOSMemory()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("VmRSS %q: %v", v, err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// TestTuneSetsAsideReload: sizes above 1 are timed only until the deadline
// less the time set aside to load the model again, which choosing a
// smaller size than one tried costs and which cannot be aborted. Set aside
// past the deadline, nothing above batch 1 runs, so nothing is loaded
// again; set aside nothing, larger sizes run. Neither depends on how fast
// the machine is: the deadline is an hour away.
func TestTuneSetsAsideReload(t *testing.T) {
	tests := []struct {
		name        string
		reload      time.Duration
		wantLargest func(int) bool
		want        string
	}{
		{"reload past the deadline", 2 * time.Hour, func(n int) bool { return n == 1 }, "1"},
		{"nothing to set aside", 0, func(n int) bool { return n >= 4 }, "4 or more: batch 1 and two sizes that fail to beat it at least"},
	}
	shape := [3]int{3, 32, 32}
	c := openModel(t, onnxtest.ConvNet(3, 1, false), Options{InputShape: &shape, Batch: 1})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, largest, err := c.tuneBatch(context.Background(), time.Now().Add(time.Hour), tc.reload)
			if err != nil {
				t.Fatal(err)
			}
			defer b.destroy()
			if !tc.wantLargest(largest) {
				t.Errorf("largest size run %d, want %s", largest, tc.want)
			}
			if largest == 1 && b.size != 1 {
				t.Errorf("chose batch %d, larger than any size run", b.size)
			}
		})
	}
}
