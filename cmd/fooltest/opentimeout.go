package main

import (
	"context"
	"errors"
	"flag"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/pipeline"
)

// defaultOpenTimeout bounds opening a model in inspect and bench, which
// have no budget: a model whose runs never return (or take minutes each)
// would otherwise hold a CI job until the job's own limit, hours later.
// Five minutes is far above any model that a run's default budget could
// search, and leaves batch tuning its full 10 s.
const defaultOpenTimeout = 5 * time.Minute

// registerOpenTimeout adds --timeout to fs, for a command that opens a
// model outside a run.
func registerOpenTimeout(fs *flag.FlagSet) *time.Duration {
	return fs.Duration("timeout", defaultOpenTimeout, "the longest `time` opening the model may take (loading it, probing its output, tuning the batch size, checking its preprocessing); a model too slow for it exits 3")
}

// checkOpenTimeout refuses a --timeout that could not open any model.
func checkOpenTimeout(d time.Duration) error {
	if d < time.Second || d > 24*time.Hour {
		return exitcode.Usagef("--timeout %s: give a duration from 1s to 24h", d)
	}
	return nil
}

// openWithin opens m's model, aborting its runs after timeout: a model too
// slow for it is an environment failure (exit 3) that says what was
// running and how to give it more time. The end of ctx (a signal) aborts
// it as before, with the caller's own error.
func openWithin(ctx context.Context, m *modelFlags, timeout time.Duration) (*pipeline.Opened, error) {
	octx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	l, err := m.open(octx)
	if err != nil && ctx.Err() == nil && errors.Is(err, classifier.ErrAborted) && errors.Is(err, context.DeadlineExceeded) {
		return nil, exitcode.Envf("the model did not open within --timeout %s (%.1fs: loading it, probing its output, tuning the batch size, checking its preprocessing): its runs are too slow for it or never return; raise --timeout", timeout, time.Since(start).Seconds())
	}
	return l, err
}
