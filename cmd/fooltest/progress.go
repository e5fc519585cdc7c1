package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/fooltest/fooltest/internal/attack"
)

// plainEvery is how often progress is logged when stderr is not a
// terminal: often enough to show life in a CI log, rarely enough to keep it
// short.
const plainEvery = 5 * time.Second

// progress shows the search's progress: a bar over the budget on a
// terminal, a plain line every few seconds elsewhere.
type progress struct {
	e   env
	bar *progressbar.ProgressBar
	// budget is the run's whole budget, and spent what opening the model
	// and earlier searches took of it before this search.
	budget, spent time.Duration
	quiet         bool

	mu       sync.Mutex
	last     attack.Progress
	lastLine time.Time
}

func newProgress(e env, budget, spent time.Duration, quiet bool) *progress {
	p := &progress{e: e, budget: budget, spent: spent, quiet: quiet, lastLine: time.Now()}
	if quiet || !e.isTerminal {
		return p
	}
	p.bar = progressbar.NewOptions64(budget.Milliseconds(),
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetDescription("searching"),
		progressbar.OptionShowElapsedTimeOnFinish(),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return p
}

// update is the search's Progress callback.
func (p *progress) update(s attack.Progress) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = s
	if p.bar != nil {
		p.bar.Describe(describe(s))
		_ = p.bar.Set64(min((p.spent + s.Elapsed).Milliseconds(), p.budget.Milliseconds()))
		return
	}
	if time.Since(p.lastLine) >= plainEvery {
		p.lastLine = time.Now()
		fmt.Fprintf(p.e.stderr, "fooltest: %s  %s\n", budgetLine(p.spent+s.Elapsed, p.budget), describe(s))
	}
}

// budgetLine says how much of the budget a search has used, opening the
// model included, as the reports count it: "5.9s of 6s".
func budgetLine(used, budget time.Duration) string {
	return fmt.Sprintf("%5.1fs of %s", min(used, budget).Seconds(), budget)
}

// finish clears the bar before the summary is printed.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

func describe(s attack.Progress) string {
	rate := 0.0
	if sec := s.Elapsed.Seconds(); sec > 0 {
		rate = float64(s.Evaluations) / sec
	}
	evals := "evaluations"
	if s.Evaluations == 1 {
		evals = "evaluation"
	}
	return fmt.Sprintf("%d/%d classes at threshold, median best %.3f, %d %s (%.0f/s)",
		s.AtThreshold, s.Targets, s.MedianBest, s.Evaluations, evals, rate)
}
