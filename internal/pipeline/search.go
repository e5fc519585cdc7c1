package pipeline

import (
	"context"
	"errors"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/score"
)

// searchRepeats runs repeats independent searches of o with seeds cfg.Seed,
// cfg.Seed+1, …, sharing the time until ctx's deadline equally among the
// searches still to run, and combines them (see combine). It stops early on
// a search that fails or is interrupted, and returns what was found so far
// with that search's error.
func searchRepeats(ctx context.Context, h Hooks, o *Opened, cfg attack.Config, repeats int, what string) (*attack.Result, error) {
	var runs []*attack.Result
	var err error
	for i := range repeats {
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if d, ok := ctx.Deadline(); ok {
			rctx, cancel = context.WithDeadline(ctx, time.Now().Add(time.Until(d)/time.Duration(repeats-i)))
		}
		c := cfg
		c.Seed = cfg.Seed + uint64(i)
		left, budgetLeft := time.Duration(0), time.Duration(0)
		if d, ok := rctx.Deadline(); ok {
			left = time.Until(d)
		}
		if d, ok := ctx.Deadline(); ok {
			budgetLeft = time.Until(d)
		}
		done := func() {}
		if h.Search != nil {
			c.Progress, done = h.Search(Search{What: what, Seed: c.Seed, Index: i, Count: repeats, Left: left, BudgetLeft: budgetLeft})
		}
		stop := o.AbortOn(rctx)
		var res *attack.Result
		res, err = attack.Run(rctx, o, c)
		stop()
		done()
		cancel()
		if res != nil {
			runs = append(runs, res)
		}
		if _, ok := errors.AsType[*classifier.NonFiniteError](err); err == nil || ok {
			// Judged over the evaluations, as every report counts
			// them, and over every search so far.
			var bad, evals int64
			for _, r := range runs {
				bad, evals = bad+r.NonFinite, evals+r.Evaluations
			}
			err = o.JudgeFinite(bad, evals)
		}
		if err != nil || res == nil || res.Stopped == attack.StoppedCanceled || ctx.Err() != nil {
			break
		}
	}
	if len(runs) == 0 {
		return nil, err
	}
	return combine(runs), err
}

// combine summarises repeated searches of the same targets in one Result:
// per class, the best image any search found, and the median of the
// searches' evaluations to the threshold (a class is reached when that
// median is). Evaluations, time and the encodings' shares add up. The
// reason for stopping is the first search's that stopped other than by its
// evaluation budget or by fooling every target, else the budget's.
func combine(runs []*attack.Result) *attack.Result {
	if len(runs) == 1 {
		return runs[0]
	}
	out := *runs[0]
	out.Evaluations, out.NonFinite, out.Elapsed = 0, 0, 0
	out.ByEncoding = map[string]int64{}
	out.Stopped = attack.StoppedAllReached
	for _, r := range runs {
		out.Evaluations += r.Evaluations
		out.NonFinite += r.NonFinite
		out.Elapsed += r.Elapsed
		for k, v := range r.ByEncoding {
			out.ByEncoding[k] += v
		}
		switch {
		case r.Stopped == attack.StoppedAllReached:
		case r.Stopped == attack.StoppedMaxEvals && out.Stopped == attack.StoppedAllReached:
			out.Stopped = r.Stopped
		case r.Stopped != attack.StoppedMaxEvals && (out.Stopped == attack.StoppedAllReached || out.Stopped == attack.StoppedMaxEvals):
			out.Stopped = r.Stopped
		}
	}
	out.Classes = make([]attack.Class, len(runs[0].Classes))
	times := make([][]int64, len(runs))
	for r := range runs {
		times[r] = make([]int64, len(out.Classes))
		for i, c := range runs[r].Classes {
			if c.Reached {
				times[r][i] = c.EvaluationsToThreshold
			}
		}
	}
	medians := score.MedianOf(times)
	for i := range out.Classes {
		best := 0
		for r := range runs {
			if runs[r].Classes[i].Confidence > runs[best].Classes[i].Confidence {
				best = r
			}
		}
		c := runs[best].Classes[i]
		c.Reached, c.EvaluationsToThreshold, c.ElapsedToThreshold = medians[i] != score.Censored, medians[i], 0
		// The median is a count one of the searches saw: take its time. A
		// class any search fooled is reachable, whatever the others saw.
		for r := range runs {
			if runs[r].Classes[i].Reached {
				c.Unreachable = nil
			}
		}
		for r := range runs {
			if rc := runs[r].Classes[i]; rc.Reached && rc.EvaluationsToThreshold == medians[i] {
				c.ElapsedToThreshold = rc.ElapsedToThreshold
				break
			}
		}
		out.Classes[i] = c
	}
	return &out
}

// comparable reports whether a search's query costs can be compared with
// another's: it had an evaluation budget and spent it, fooled every target
// before, or was cut short because no target could be fooled (every class
// then counts as not fooled within any budget).
func comparable(res *attack.Result, maxEvals int64) bool {
	return maxEvals > 0 && (res.Stopped == attack.StoppedMaxEvals || res.Stopped == attack.StoppedAllReached || res.Stopped == StoppedUnreachable)
}
