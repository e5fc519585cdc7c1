// Command benchsearch measures fooltest's searches: how many evaluations each
// algorithm and encoding needs until every class reaches a threshold, median
// over seeds, and how many classes a time-limited run fools. It is an internal
// tool behind scripts/bench-search.sh.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchsearch:", err)
		os.Exit(1)
	}
}

func run() error {
	model := flag.String("model", "demo", "ONNX model path, or demo for the embedded LeNet")
	preset := flag.String("preset", "raw01", "normalization preset")
	alg := flag.String("algorithm", "default", "default or paper")
	enc := flag.String("encoding", "direct", "direct, cppn or both")
	seeds := flag.Int("seeds", 5, "number of seeds (1..N)")
	seed0 := flag.Uint64("seed0", 1, "first seed")
	maxEvals := flag.Int64("max-evals", 100000, "evaluation cap per run")
	threshold := flag.Float64("threshold", 0.9999, "confidence threshold")
	budget := flag.Duration("budget", 0, "time budget per run (0: none)")
	batch := flag.Int("batch", 0, "scorer batch (0: tune)")
	threads := flag.Int("threads", 0, "ONNX Runtime threads (0: all)")
	bench := flag.Duration("bench", 0, "also measure raw throughput for this long")
	verbose := flag.Bool("v", false, "print per-class details")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if _, err := classifier.LoadRuntime(""); err != nil {
		return err
	}
	norm, err := classifier.Preset(*preset)
	if err != nil {
		return err
	}
	opts := classifier.Options{Normalization: norm, Batch: *batch, Threads: *threads}
	var c *classifier.Classifier
	if *model == "demo" {
		c, err = classifier.OpenBytes(demo.Name, demo.Model, opts)
	} else {
		c, err = classifier.Open(*model, opts)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if *bench > 0 {
		b, err := c.Bench(*bench)
		if err != nil {
			return err
		}
		fmt.Printf("bench: batch %d raw %.0f img/s pipeline %.0f img/s\n", b.Batch, b.RawImagesPerSecond, b.PipelineImagesPerSecond)
	}
	var all []int64
	for s := range *seeds {
		ctx := context.Background()
		cancel := context.CancelFunc(func() {})
		if *budget > 0 {
			ctx, cancel = context.WithTimeout(ctx, *budget)
		}
		res, err := attack.Run(ctx, c, attack.Config{
			Algorithm: *alg, Encoding: *enc, Threshold: *threshold,
			MaxEvals: *maxEvals, Seed: *seed0 + uint64(s),
		})
		cancel()
		if err != nil {
			return err
		}
		reached, worst := 0, int64(0)
		var confs []float64
		var per []string
		for _, cl := range res.Classes {
			confs = append(confs, cl.Confidence)
			if cl.Reached {
				reached++
				worst = max(worst, cl.EvaluationsToThreshold)
				per = append(per, strconv.FormatInt(cl.EvaluationsToThreshold, 10))
			} else {
				per = append(per, "-")
			}
		}
		need := int64(-1)
		if reached == len(res.Classes) {
			need = worst
		}
		all = append(all, need)
		slices.Sort(confs)
		fmt.Printf("seed %d: evals-to-all %s  reached %d/%d  median %.4f  evals %d  %.2fs  %.0f evals/s  stopped %s\n",
			*seed0+uint64(s), fmtNeed(need, *maxEvals), reached, len(res.Classes), confs[len(confs)/2],
			res.Evaluations, res.Elapsed.Seconds(), float64(res.Evaluations)/res.Elapsed.Seconds(), res.Stopped)
		if *verbose && len(res.Classes) <= 20 {
			fmt.Println("  per class:", strings.Join(per, " "))
		}
		if len(res.Classes) > 20 {
			cnt := func(t float64) int {
				n := 0
				for _, v := range confs {
					if v >= t {
						n++
					}
				}
				return n
			}
			encs := map[string]int{}
			for _, cl := range res.Classes {
				encs[cl.Encoding]++
			}
			fmt.Printf("  >=0.1 %d  >=0.5 %d  >=0.9 %d  >=0.99 %d  >=0.999 %d  p25 %.4f p75 %.4f  encodings %v\n",
				cnt(0.1), cnt(0.5), cnt(0.9), cnt(0.99), cnt(0.999), confs[len(confs)/4], confs[3*len(confs)/4], encs)
		}
	}
	var sum int64
	for _, v := range all {
		if v < 0 {
			v = *maxEvals
		}
		sum += v
	}
	fmt.Printf("median evals-to-all: %s mean %d\n", fmtNeed(medianNeed(all), *maxEvals), sum/int64(len(all)))
	_ = time.Second
	return nil
}

// medianNeed sorts unreached runs (-1) last.
func medianNeed(v []int64) int64 {
	s := slices.Clone(v)
	slices.SortFunc(s, func(a, b int64) int {
		if a < 0 {
			a = 1 << 62
		}
		if b < 0 {
			b = 1 << 62
		}
		return int(max(-1, min(1, a-b)))
	})
	return s[len(s)/2]
}

func fmtNeed(n, cap int64) string {
	if n < 0 {
		return ">" + strconv.FormatInt(cap, 10)
	}
	return strconv.FormatInt(n, 10)
}
