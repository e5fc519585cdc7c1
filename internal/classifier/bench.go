package classifier

import (
	"context"
	"math/rand/v2"
	"time"
)

// BenchResult compares the runtime alone with fooltest's whole scoring path.
type BenchResult struct {
	Batch   int `json:"batch"`
	Threads int `json:"threads"`
	// RawImagesPerSecond runs the session on an already filled tensor.
	RawImagesPerSecond float64 `json:"raw_images_per_second"`
	// PipelineImagesPerSecond goes from canonical images to confidences.
	PipelineImagesPerSecond float64 `json:"pipeline_images_per_second"`
	Ratio                   float64 `json:"ratio"`
	Images                  int64   `json:"images"`
	Seconds                 float64 `json:"seconds"`
}

// Bench measures raw and pipeline throughput for about d in all. The two are
// timed in alternating rounds so that drift in machine load hits both alike.
func (c *Classifier) Bench(d time.Duration) (BenchResult, error) {
	return c.BenchContext(context.Background(), d)
}

// BenchContext is Bench, stopped early with ctx's error when ctx is done:
// it checks between model runs, so an interrupted bench of an hour ends
// after the run in flight rather than at the end of the hour.
func (c *Classifier) BenchContext(ctx context.Context, d time.Duration) (BenchResult, error) {
	if err := ctx.Err(); err != nil {
		return BenchResult{}, err
	}
	b := c.batch
	per, k := c.in.c*c.in.h*c.in.w, c.out.k
	// Several batches per pipeline call, as the search scores a generation.
	n := b.size * max(1, 256/b.size)
	rng := rand.New(rand.NewPCG(3, 4))
	imgs := make([]float32, n*per)
	for i := range imgs {
		imgs[i] = rng.Float32()
	}
	conf := make([]float32, n*k)
	c.fill(b.input.GetData(), imgs, b.size)
	if err := c.Score(imgs, n, conf); err != nil { // warm-up
		return BenchResult{}, err
	}
	var raw, pipe time.Duration
	var rawImgs, pipeImgs int64
	const rounds = 10
	slice := d / (2 * rounds)
	for range rounds {
		// Score swaps its two bindings: time the one it left current.
		c.fill(c.batch.input.GetData(), imgs, c.batch.size)
		m, took, err := c.rawRuns(ctx, slice)
		if err != nil {
			return BenchResult{}, err
		}
		rawImgs, raw = rawImgs+m, raw+took
		start := time.Now()
		for time.Since(start) < slice {
			if err := ctx.Err(); err != nil {
				return BenchResult{}, err
			}
			if err := c.Score(imgs, n, conf); err != nil {
				return BenchResult{}, err
			}
			pipeImgs += int64(n)
		}
		pipe += time.Since(start)
	}
	r := BenchResult{
		Batch:                   c.batch.size,
		Threads:                 c.info.Threads,
		RawImagesPerSecond:      float64(rawImgs) / raw.Seconds(),
		PipelineImagesPerSecond: float64(pipeImgs) / pipe.Seconds(),
		Images:                  rawImgs + pipeImgs,
		Seconds:                 (raw + pipe).Seconds(),
	}
	r.Ratio = r.PipelineImagesPerSecond / r.RawImagesPerSecond
	return r, nil
}

// Raw runs the model for about d on the batch it last scored, as Bench's raw
// rounds do, and returns how many images it scored in how long: the
// runtime's own speed, to set beside a search's.
func (c *Classifier) Raw(d time.Duration) (images int64, took time.Duration, err error) {
	return c.rawRuns(context.Background(), d)
}

// rawRuns is Raw, stopped with ctx's error when ctx is done.
func (c *Classifier) rawRuns(ctx context.Context, d time.Duration) (images int64, took time.Duration, err error) {
	b := c.batch
	start := time.Now()
	for time.Since(start) < d {
		if err := ctx.Err(); err != nil {
			return images, time.Since(start), err
		}
		if err := c.run(b); err != nil {
			return images, time.Since(start), err
		}
		images += int64(b.size)
	}
	return images, time.Since(start), nil
}
