package classifier

import (
	"context"
	"errors"
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

// benchBytes bounds the canonical images of one pipeline call in Bench, as
// the search's chunks are bounded: 256 images of 3×1536×1536 took 7 GB.
const benchBytes = 32 << 20

// benchImages is how many images one pipeline call in Bench scores:
// several batches, as the search scores a generation, up to 256 images
// and benchBytes of them, and one batch at least.
func benchImages(batch, per int) int {
	fit := benchBytes / max(1, batch*per*4)
	return batch * max(1, min(256/batch, fit))
}

// BenchContext is Bench, stopped early with ctx's error when ctx is done,
// which also aborts the model run in flight. d bounds the measuring,
// warm-up included: no run starts after it, and a pipeline call scores as
// many batches as fit in a round's slice, so a model slower than its
// slices takes d and the runs in flight then, at most a warm-up batch, a
// raw run and a pipeline call of one batch. What those rounds measured is
// reported.
func (c *Classifier) BenchContext(ctx context.Context, d time.Duration) (BenchResult, error) {
	if err := ctx.Err(); err != nil {
		return BenchResult{}, err
	}
	stop := c.AbortOn(ctx)
	defer stop()
	start := time.Now()
	end := start.Add(d)
	b := c.batch
	per, k := c.in.c*c.in.h*c.in.w, c.out.k
	n := benchImages(b.size, per)
	rng := rand.New(rand.NewPCG(3, 4))
	imgs := make([]float32, n*per)
	for i := range imgs {
		imgs[i] = rng.Float32()
	}
	conf := make([]float32, n*k)
	// Warm up on one batch, whose time says how many fit in a slice.
	t0 := time.Now()
	if err := c.Score(imgs, b.size, conf); err != nil {
		return BenchResult{}, benchErr(ctx, err)
	}
	const rounds = 10
	slice := d / (2 * rounds)
	if fit := int(slice / max(time.Since(t0), 1)); fit < n/b.size {
		// A pipeline call longer than its slice would overrun d.
		n = b.size * max(1, fit)
	}
	var raw, pipe time.Duration
	var rawImgs, pipeImgs int64
	// Each side runs at least once, whatever the time left, so that
	// there is a rate to report.
	for round := 0; round < rounds && (round == 0 || time.Now().Before(end)); round++ {
		// Score swaps its two bindings: time the one it left current.
		c.fill(c.batch.input.GetData(), imgs, c.batch.size)
		m, took, err := c.rawRuns(ctx, min(slice, max(time.Until(end), 0)), rawImgs == 0)
		if err != nil {
			return BenchResult{}, benchErr(ctx, err)
		}
		rawImgs, raw = rawImgs+m, raw+took
		t0 = time.Now()
		for now := t0; pipeImgs == 0 || now.Sub(t0) < slice && now.Before(end); now = time.Now() {
			if err := ctx.Err(); err != nil {
				return BenchResult{}, err
			}
			if err := c.Score(imgs, n, conf); err != nil {
				return BenchResult{}, benchErr(ctx, err)
			}
			pipeImgs += int64(n)
		}
		pipe += time.Since(t0)
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

// benchErr returns ctx's error for a run that its end aborted, as Bench
// returns it between runs, and err otherwise.
func benchErr(ctx context.Context, err error) error {
	if errors.Is(err, ErrAborted) && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// Raw runs the model for about d on the batch it last scored, as Bench's raw
// rounds do, and returns how many images it scored in how long: the
// runtime's own speed, to set beside a search's.
func (c *Classifier) Raw(d time.Duration) (images int64, took time.Duration, err error) {
	return c.rawRuns(context.Background(), d, false)
}

// rawRuns is Raw, stopped with ctx's error when ctx is done; once says to
// run at least once, even for a d of 0.
func (c *Classifier) rawRuns(ctx context.Context, d time.Duration, once bool) (images int64, took time.Duration, err error) {
	b := c.batch
	start := time.Now()
	for (once && images == 0) || time.Since(start) < d {
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
