package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/classifier"
)

func benchCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var m modelFlags
	m.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	d := fs.Duration("duration", 6*time.Second, "total measuring `time`, split between raw and pipeline rounds")
	timeout := registerOpenTimeout(fs)
	if err := parse(fs, args, e, &m); err != nil {
		return err
	}
	if err := checkOpenTimeout(*timeout); err != nil {
		return err
	}
	if *d < 100*time.Millisecond || *d > time.Hour {
		return exitcode.Usagef("--duration %s: give a duration from 100ms to 1h", *d)
	}
	// A signal while the model opens (tuning its batch size, checking its
	// preprocessing) stops bench as one while it measures does.
	l, err := openWithin(ctx, &m, *timeout)
	var r classifier.BenchResult
	if err == nil {
		defer l.Close()
		r, err = l.BenchContext(ctx, *d)
	}
	if errors.Is(err, context.Canceled) {
		// Partial rounds would measure the interruption, not the model.
		return exitcode.Envf("bench interrupted: no throughput measured; let it run for --duration, or give a shorter one")
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, "", r)
	}
	fmt.Fprintf(e.stdout, "model      %s\nbatch      %d, %d threads\nraw        %.0f images/s (runtime on a filled tensor)\npipeline   %.0f images/s (canonical images to confidences)\nratio      %.3f\n",
		safetext.Printable(l.Name), r.Batch, r.Threads, r.RawImagesPerSecond, r.PipelineImagesPerSecond, r.Ratio)
	return nil
}
