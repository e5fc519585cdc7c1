package report_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// noisy replaces every class image of res with uniform random noise, which
// PNG and JPEG compress worst: the slowest images a writer can be given.
func noisy(res *report.Result) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range res.Classes {
		if px := res.Classes[i].Pixels; px != nil {
			for j := range px.Pix {
				px.Pix[j] = uint8(r.Uint32())
			}
		}
	}
}

// peakHeap samples the live heap every millisecond until stop is called,
// which returns the highest sample in bytes. runtime/metrics reads without
// stopping the world, unlike runtime.ReadMemStats.
func peakHeap() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	sample := func() {
		metrics.Read(s)
		peak = max(peak, s[0].Value.Uint64())
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		sample()
		return peak
	}
}

// maxRSS is the process's peak resident set, in bytes, or 0 where unknown.
func maxRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return uint64(ru.Maxrss) << 10 // kilobytes on Linux
}

// cpuSeconds is the CPU time, user and system, the process has used. On a
// shared machine it is steadier than wall time: divided by the cores, it is
// what a write takes on an idle machine with as many.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// benchWrite writes formats of res b.N times into a fresh directory each
// time, and reports the peak live heap while
// writing, the live heap before (the result), the process's peak RSS, and
// the CPU time per write.
func benchWrite(b *testing.B, res *report.Result, formats []string) {
	dirs := make([]string, b.N)
	for i := range dirs {
		dirs[i] = b.TempDir()
	}
	runtime.GC()
	// The result itself, pixels included, is live throughout; what writing
	// adds is peak-heap-MB minus base-heap-MB.
	base := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(base)
	stop := peakHeap()
	cpu := cpuSeconds()
	b.ResetTimer()
	for i := range b.N {
		if _, err := write(dirs[i], res, formats); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(base[0].Value.Uint64())/(1<<20), "base-heap-MB")
	b.ReportMetric(float64(maxRSS())/(1<<20), "maxrss-MB")
	for _, d := range dirs {
		_ = os.RemoveAll(d)
	}
}

// BenchmarkWrite1000ImageNet writes the default reports of a 1000-class
// ImageNet run, every class with a 224×224×3 noise image and 100 fooled.
func BenchmarkWrite1000ImageNet(b *testing.B) {
	res := reporttest.New(b, reporttest.Options{Classes: 1000, Fooled: 100, HistoryLen: 100, Width: 224, Height: 224, Channels: 3})
	noisy(res)
	benchWrite(b, res, report.DefaultFormats())
}

// BenchmarkWrite1000ImageNetAllFooled is the worst 1000-class case: every
// class fooled, so every class has an image in images/, dataset/ and
// report.html, and with the dataset, in dataset/ too.
func BenchmarkWrite1000ImageNetAllFooled(b *testing.B) {
	res := reporttest.New(b, reporttest.Options{Classes: 1000, Fooled: 1000, HistoryLen: 100, Width: 224, Height: 224, Channels: 3})
	noisy(res)
	b.Run("default", func(b *testing.B) { benchWrite(b, res, report.DefaultFormats()) })
	b.Run("dataset", func(b *testing.B) { benchWrite(b, res, append(report.DefaultFormats(), report.FormatDataset)) })
}

// BenchmarkWrite100kClasses writes the reports of a 100,000-class run with
// small images, 1000 of them fooled, every format: what must stay bounded
// is memory.
func BenchmarkWrite100kClasses(b *testing.B) {
	res := reporttest.New(b, reporttest.Options{Classes: 100_000, Fooled: 1000, HistoryLen: 20, Width: 16, Height: 16, Channels: 3})
	noisy(res)
	benchWrite(b, res, append(report.DefaultFormats(), report.FormatDataset))
}

// manyUnreachable is a 100,000-class run as a large model's short search
// leaves it: 1000 fooled, and most of the rest marked unreachable, each
// with its reason, as every format then lists them.
func manyUnreachable(tb testing.TB) *report.Result {
	res := reporttest.New(tb, reporttest.Options{Classes: 100_000, Fooled: 1000, HistoryLen: 20, Width: 16, Height: 16, Channels: 3})
	noisy(res)
	for i := range res.Classes {
		c := &res.Classes[i]
		if c.Fooled || i%4 == 0 {
			continue
		}
		c.Unreachable = &report.Unreachable{Kind: report.UnreachableDead, Ceiling: 3e-6,
			Reason: report.UnreachableReason(report.UnreachableDead, 3e-6, 3e-6, 0, 300_000)}
	}
	return res
}

// BenchmarkWrite100kUnreachable writes each default format, and all of
// them, for manyUnreachable's result: the time the reports take out of a
// run on a model of many classes.
func BenchmarkWrite100kUnreachable(b *testing.B) {
	res := manyUnreachable(b)
	for _, f := range report.DefaultFormats() {
		b.Run(f, func(b *testing.B) { benchWrite(b, res, []string{f}) })
	}
	b.Run("all", func(b *testing.B) { benchWrite(b, res, report.DefaultFormats()) })
}

// BenchmarkJSON100kClasses renders report.json of a 100,000-class run,
// about 160 MB: the time the largest runs' report.json adds to their end.
func BenchmarkJSON100kClasses(b *testing.B) {
	res := reporttest.New(b, reporttest.Options{Classes: 100_000, Fooled: 1000, HistoryLen: 20})
	cpu := cpuSeconds()
	b.ResetTimer()
	for range b.N {
		n := countingDiscard(0)
		if err := report.Render(&n, res, report.FormatJSON, nil); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(n))
	}
	b.StopTimer()
	// On a shared machine the process's CPU time varies less than ns/op.
	b.ReportMetric((cpuSeconds()-cpu)/float64(b.N), "cpu-s/op")
}

// countingDiscard discards what is written to it, counting the bytes.
type countingDiscard int64

func (c *countingDiscard) Write(p []byte) (int, error) {
	*c += countingDiscard(len(p))
	return len(p), nil
}

// BenchmarkWriteJSON100kBaseline writes report.json of a 100,000-class run
// compared with a baseline model, whose search left each class a history
// of 300 points, as the candidate's: the baseline's classes must stream as
// the run's do, not be held whole in memory.
func BenchmarkWriteJSON100kBaseline(b *testing.B) {
	res := reporttest.New(b, reporttest.Options{Classes: 100_000, Fooled: 1000, HistoryLen: 300, Width: 16, Height: 16, Channels: 3,
		Baseline: func(_ int, cand *int64) *int64 { return cand }})
	for i := range res.Classes {
		res.Baseline.Classes[i].History = res.Classes[i].History
	}
	benchWrite(b, res, []string{report.FormatJSON})
}
