// Command benchbatch checks the batch size fooltest tunes when --batch is
// not given against every fixed batch size. It opens the model several
// times without a batch, as fooltest does, and records the size the tuner
// picks each time; it opens one session per fixed size and times them all
// in round-robin slices within this one process, so that machine load,
// which on a shared machine moves throughput by tens of percent from one
// minute to the next, weighs on every size alike. It prints each size's
// raw throughput, its ratio to the best size, and the ratio each tuned
// pick would get.
//
// Usage:
//
//	go run ./internal/tools/benchbatch -model M.onnx -preset imagenet [-tunes 6] [-duration 120s]
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/ortlib"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchbatch:", err)
		os.Exit(1)
	}
}

func run() error {
	model := flag.String("model", "demo", "ONNX model path, or demo for the embedded LeNet")
	preset := flag.String("preset", "raw01", "input normalization preset")
	sizes := flag.String("batches", "1,2,4,8,16,32,64", "fixed batch sizes to time")
	tunes := flag.Int("tunes", 6, "how many times to let the tuner pick, spread over the measurement")
	total := flag.Duration("duration", 120*time.Second, "time all fixed sizes for about this long in all")
	slice := flag.Duration("slice", 500*time.Millisecond, "length of one size's turn")
	threads := flag.Int("threads", 0, "ONNX Runtime threads (0: one per CPU)")
	flag.Parse()
	var batches []int
	for _, s := range strings.Split(*sizes, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || b < 1 {
			return fmt.Errorf("-batches: %q is not a positive size", s)
		}
		batches = append(batches, b)
	}
	if *tunes < 1 {
		return errors.New("-tunes must be at least 1")
	}
	path, err := ortlib.Find("", os.Getenv)
	if err == nil {
		_, err = classifier.LoadRuntime(path)
	}
	if err != nil {
		return err
	}
	norm, err := classifier.Preset(*preset)
	if err != nil {
		return err
	}
	open := func(batch int) (*classifier.Classifier, error) {
		opts := classifier.Options{Normalization: norm, Batch: batch, Threads: *threads}
		if *model == "demo" {
			return classifier.OpenBytes(demo.Name, demo.Model, opts)
		}
		return classifier.Open(*model, opts)
	}
	fixed := make([]*classifier.Classifier, len(batches))
	for i, b := range batches {
		if fixed[i], err = open(b); err != nil {
			return fmt.Errorf("open at batch %d: %w", b, err)
		}
		defer fixed[i].Close()
	}
	images := make([]int64, len(batches))
	took := make([]time.Duration, len(batches))
	var picks []int
	var tuneSeconds []float64
	rounds := max(1, int(*total/(*slice*time.Duration(len(batches)))))
	tuneEvery := max(1, rounds / *tunes)
	for r := 0; r < rounds || len(picks) < *tunes; r++ {
		// The tuner runs between rounds, so that its picks see the same
		// spread of machine load as the fixed sizes.
		if r%tuneEvery == 0 && len(picks) < *tunes {
			c, err := open(0)
			if err != nil {
				return fmt.Errorf("open with tuning: %w", err)
			}
			picks = append(picks, c.Info().Batch)
			tuneSeconds = append(tuneSeconds, c.Info().TuneSeconds)
			c.Close()
		}
		if r >= rounds {
			continue
		}
		// Rotate the order so no size always follows the same one.
		for j := range batches {
			i := (j + r) % len(batches)
			n, d, err := fixed[i].Raw(*slice)
			if err != nil {
				return fmt.Errorf("batch %d: %w", batches[i], err)
			}
			images[i], took[i] = images[i]+n, took[i]+d
		}
	}
	rate := make(map[int]float64, len(batches))
	best := batches[0]
	for i, b := range batches {
		rate[b] = float64(images[i]) / took[i].Seconds()
		if rate[b] > rate[best] {
			best = b
		}
	}
	fmt.Printf("model %s, %d rounds of %v per size\n", *model, rounds, *slice)
	for i, b := range batches {
		fmt.Printf("batch %3d: %8.1f images/s over %6.1fs, %.3f of the best\n", b, rate[b], took[i].Seconds(), rate[b]/rate[best])
	}
	var sum float64
	for _, p := range picks {
		r, ok := rate[p]
		if !ok {
			return fmt.Errorf("the tuner picked batch %d, which -batches does not time", p)
		}
		sum += r / rate[best]
	}
	slices.Sort(tuneSeconds)
	fmt.Printf("tuner picks %v (tuning took %.2f to %.2fs); mean ratio of the pick to the best fixed batch (%d): %.3f\n",
		picks, tuneSeconds[0], tuneSeconds[len(tuneSeconds)-1], best, sum/float64(len(picks)))
	return nil
}
