// Batch size: the model's own, the user's, or tuned by measuring.

package classifier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/fault"
)

// chooseBatch fixes the batch size: the model's fixed batch, the user's
// requested batch, or the candidate with the best measured images per second,
// tuned until deadline at the latest. The end of ctx aborts it. Where tuning
// ran a larger batch than it chose, the session is renewed with load, which
// frees the memory the larger batch took. That load cannot be aborted, so
// tuning sets aside reload for it, the time loading the model took when it
// was opened (see tuneBatch). Tuning then ends by deadline, plus what the
// run in flight takes to stop (ONNX Runtime checks between operators),
// plus whatever the second load takes beyond the first: nothing bounds
// that, and on a loaded machine it took up to 2.5 s where the first took
// 0.2 s (docs/measurements.md). A model that fails at batch 1 is run once
// at each larger size until one runs (see onlyBatch), bounded by ctx
// alone: without that size it cannot be scored at all.
func (c *Classifier) chooseBatch(ctx context.Context, requested int, deadline time.Time, load sessionLoader, reload time.Duration) error {
	switch {
	case c.in.batch > 0:
		requested = c.in.batch
	case requested > 0:
	default:
		best, largest, err := c.tuneBatch(ctx, deadline, reload)
		if err != nil {
			return err
		}
		if largest > best.size {
			if err := c.renewSession(load); err != nil {
				best.destroy()
				return err
			}
		}
		c.batch, c.info.Batch, c.info.BatchTuned = best, best.size, true
		return nil
	}
	b, err := c.newBinding(requested)
	if err != nil {
		return err
	}
	if err := c.run(b); err != nil {
		b.destroy()
		if requested > 1 && errors.Is(err, ErrOutOfMemory) && c.in.batch == 0 && c.runsAlone() {
			return fault.Suggest(err, "1")
		}
		if requested > 1 && c.in.batch == 0 && !errors.Is(err, ErrAborted) && c.runsAlone() {
			return fault.Suggest(fault.Invalidf(SettingBatch, "batch %d: the model runs one image at a time but fails at this batch (%s)", requested, runtimeDetail(err)), "1")
		}
		return err
	}
	c.batch, c.info.Batch = b, requested
	return nil
}

// runsAlone reports whether the model runs on one image.
func (c *Classifier) runsAlone() bool {
	b, err := c.newBinding(1)
	if err != nil {
		return false
	}
	defer b.destroy()
	return c.run(b) == nil
}

// runtimeDetail returns what the runtime said about a failed run.
func runtimeDetail(err error) string {
	return strings.TrimPrefix(err.Error(), runFailed+": ")
}

// maxBatchBytes bounds one batch's input tensor during tuning. Batch 1 is
// always a candidate, whatever its size (checkSizes bounds it).
const maxBatchBytes = 32 << 20

// maxTunedBatch is the largest batch tuning tries. Tuned sizes are powers
// of two up to it, so they divide the search's generation unit (64) and
// split its generations into runs without padding.
const maxTunedBatch = 64

// tuneShare is the share of the time left before the context's deadline
// that batch tuning may take, and tuneMax its limit without a deadline.
const (
	tuneShare = 0.1
	tuneMax   = 10 * time.Second
)

// tuneDeadline returns when batch tuning must end: a tenth of the time left
// before ctx's deadline, so that a slow model leaves most of the budget to
// the search.
func tuneDeadline(ctx context.Context, now time.Time) time.Time {
	limit := tuneMax
	if d, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Duration(tuneShare*float64(d.Sub(now))))
	}
	return now.Add(limit)
}

// tuneBatch times doubling batch sizes and keeps the fastest per image. A
// larger batch must win by 3% to be chosen, since it also costs latency and
// padding in the search's last batch of a generation. Its runs end at
// deadline, those of sizes above 1 at reload before it: once a size above
// 1 has run, choosing a smaller one makes chooseBatch load the model
// again, and reload is set aside for that. A size not timed by then is not
// chosen, and it keeps the best size timed so far, batch 1 at least; a
// model that took longer to load than the whole of tuning's time is timed
// at batch 1 only. Where only batch 1 fits
// maxBatchBytes it times nothing: there is nothing to choose between, and
// the checks after it run the model at batch 1 anyway. largest is the
// largest size it ran the model at, whether or not the run ended well.
func (c *Classifier) tuneBatch(ctx context.Context, deadline time.Time, reload time.Duration) (best *binding, largest int, err error) {
	per := c.in.c * c.in.h * c.in.w
	if 2*per*4 > maxBatchBytes {
		best, err = c.newBinding(1)
		return best, 0, err
	}
	bestRate := 0.0
	worse := 0
	for size := 1; size <= maxTunedBatch && (size == 1 || size*per*4 <= maxBatchBytes); size *= 2 {
		until := deadline
		if size > 1 {
			until = deadline.Add(-reload)
			if !time.Now().Before(until) {
				break
			}
		}
		b, err := c.newBinding(size)
		if err != nil {
			best.destroy()
			return nil, 0, err
		}
		largest = size
		rate, timed, err := c.measureBy(ctx, b, until)
		if err == nil && !timed {
			// Larger sizes would take longer still.
			if best == nil {
				return b, largest, nil
			}
			b.destroy()
			break
		}
		if err != nil && size > 1 && errors.Is(err, ErrOutOfMemory) {
			// A larger batch needs more memory than the machine has:
			// the sizes that fit are the ones to choose from.
			b.destroy()
			c.info.BatchNote = fmt.Sprintf("batch %d needs more memory than this machine gives the model, so larger batches were not tried", size)
			break
		}
		if err != nil && size > 1 && !errors.Is(err, ErrAborted) {
			// Exports that declare a dynamic batch but reshape to a
			// batch of 1 inside (view(1, -1) in PyTorch) run only one
			// image at a time, which still tests the model.
			b.destroy()
			c.info.BatchNote = fmt.Sprintf("the model declares a dynamic batch but fails at batch %d (%s), so images are scored one at a time", size, runtimeDetail(err))
			break
		}
		// A model that runs out of memory at batch 1 would at any
		// larger batch too, and where the limit is on resident memory
		// the kernel would kill the process trying.
		if err != nil && size == 1 && !errors.Is(err, ErrAborted) && !errors.Is(err, ErrOutOfMemory) {
			b.destroy()
			// onlyBatch stops at the first size that runs: no larger one ran.
			best, err = c.onlyBatch(err)
			if err != nil {
				return nil, 0, err
			}
			return best, best.size, nil
		}
		if err != nil {
			b.destroy()
			best.destroy()
			return nil, 0, err
		}
		if best == nil || rate > bestRate*1.03 {
			best.destroy()
			best, bestRate, worse = b, rate, 0
			continue
		}
		b.destroy()
		// Throughput has peaked once two larger sizes fail to beat it.
		if worse++; worse == 2 {
			break
		}
	}
	return best, largest, nil
}

// measureBy is measure with its runs aborted at deadline, or when ctx
// ends: a run of a slow model that starts just before the deadline would
// otherwise overrun it by its own length, and a large batch by several.
// timed is false when deadline aborted a run; the error is ctx's when ctx
// ended.
func (c *Classifier) measureBy(ctx context.Context, b *binding, deadline time.Time) (rate float64, timed bool, err error) {
	tctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	stop := c.AbortOn(tctx)
	rate, err = c.measure(b, deadline)
	stop()
	// stop cleared the termination that tctx's end set, and with it
	// any that ctx's own end set at the same time: report ctx's end,
	// so that nothing runs after it.
	if cerr := AbortedBy(ctx); cerr != nil {
		return 0, false, cerr
	}
	if errors.Is(err, ErrAborted) {
		return 0, false, nil
	}
	return rate, err == nil, err
}

// onlyBatch returns a binding of the first batch size above 1 at which a
// model that failed at batch 1 (with err) runs, as an export that reshapes
// to a fixed batch inside does although it declares a dynamic one, and says
// so in Info.BatchNote; or err when it runs at none of them.
func (c *Classifier) onlyBatch(err error) (*binding, error) {
	per := c.in.c * c.in.h * c.in.w
	for size := 2; size <= maxTunedBatch && size*per*4 <= maxBatchBytes; size *= 2 {
		b, berr := c.newBinding(size)
		if berr != nil {
			return nil, berr
		}
		rerr := c.run(b)
		if rerr == nil {
			c.info.BatchNote = fmt.Sprintf("the model declares a dynamic batch but fails at batch 1 (%s) and runs at batch %d, so images are scored %d at a time", runtimeDetail(err), size, size)
			return b, nil
		}
		b.destroy()
		if errors.Is(rerr, ErrAborted) {
			return nil, rerr
		}
	}
	return nil, err
}

// Each size is timed over at least measureRuns runs and measureTime, after
// warmRuns untimed runs. ONNX Runtime's first runs at a new batch size are
// slower than its steady state; timed over one warm-up and 40 ms (three
// runs of MobileNetV2 at batch 8), the tuner picked sizes 1 to 8 on an idle
// 2-core machine, whose picks ran at 0.89 of the best fixed batch (16);
// timed as below, at 0.98 (docs/measurements.md, "Batch tuning on an idle
// machine").
const (
	warmRuns    = 2
	measureRuns = 5
	measureTime = 300 * time.Millisecond
)

// measure returns images per second for one binding: warmRuns runs, then
// runs until measureTime and measureRuns runs have passed, or deadline has.
// Past deadline it times what it ran, warm-up included.
func (c *Classifier) measure(b *binding, deadline time.Time) (float64, error) {
	data := b.input.GetData()
	for i := range data {
		data[i] = 0.5
	}
	start, runs := time.Now(), 0
	for runs < warmRuns {
		if err := c.run(b); err != nil {
			return 0, err
		}
		runs++
		if !time.Now().Before(deadline) {
			return float64(runs*b.size) / time.Since(start).Seconds(), nil
		}
	}
	start, runs = time.Now(), 0
	for runs < measureRuns || time.Since(start) < measureTime {
		if err := c.run(b); err != nil {
			return 0, err
		}
		runs++
		if !time.Now().Before(deadline) {
			break
		}
	}
	return float64(runs*b.size) / time.Since(start).Seconds(), nil
}
