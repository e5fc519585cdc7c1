package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/pipeline"
	"github.com/fooltest/fooltest/internal/report"
)

// inspectJSON is inspect's --json output.
type inspectJSON struct {
	Model       string `json:"model"`
	SHA256      string `json:"sha256"`
	Preset      string `json:"preset"`
	Labels      string `json:"labels"`
	ONNXRuntime string `json:"onnxruntime"`
	classifier.Info
	// ClassCeilings are, when a bounded layer feeds the scores, upper
	// bounds on each class's confidence over every input.
	ClassCeilings []float64 `json:"class_ceilings,omitempty"`
	// DigitCheck is how a model shaped like an MNIST classifier labels
	// MNIST test digits with the preprocessing given.
	DigitCheck *report.DigitCheck `json:"digit_check,omitempty"`
	// PhotoCheck is how far apart the model's scores of natural photos
	// are with the preprocessing given.
	PhotoCheck *report.PhotoCheck `json:"photo_check,omitempty"`
	// Images are the model's top classes for each --image photo.
	Images []pipeline.Photo `json:"images,omitempty"`
}

// inspectCmd prints what fooltest detects about a model. The end of ctx
// (a signal) stops it, with nothing printed, and so does --timeout while
// the model opens.
func inspectCmd(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var m modelFlags
	m.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	timeout := registerOpenTimeout(fs)
	var images []string
	fs.Func("image", "a JPEG or PNG `photo` to classify with the model's preprocessing and with the other presets; repeat for more", func(s string) error {
		images = append(images, s)
		return nil
	})
	if err := parse(fs, args, e, &m); err != nil {
		return err
	}
	if err := checkOpenTimeout(*timeout); err != nil {
		return err
	}
	l, err := openWithin(ctx, &m, *timeout)
	if err != nil {
		return inspectError(ctx, err)
	}
	defer l.Close()
	var ceilings []float64
	if info := l.Info(); info.BoundedLayer != "" {
		all := make([]int, info.Classes)
		for i := range all {
			all[i] = i
		}
		// A goal of 1 asks for the tightest bounds the work budget allows.
		ceilings = l.LayerCeilings(all, 1)
	}
	var photos []pipeline.Photo
	for _, path := range images {
		p, err := pipeline.ClassifyPhoto(ctx, l, path, photoTop)
		if err != nil {
			return inspectError(ctx, err)
		}
		photos = append(photos, p)
	}
	// A signal after the last model run: the user asked to stop, and a
	// full output would read as an inspection that ran its course.
	if ctx.Err() != nil {
		return inspectError(ctx, classifier.AbortedBy(ctx))
	}
	if *asJSON {
		return writeJSON(e.stdout, "  ", inspectJSON{Model: l.Name, SHA256: l.SHA256, Preset: l.Preset, Labels: l.LabelsFrom, ONNXRuntime: l.Runtime, Info: l.Info(), ClassCeilings: ceilings, DigitCheck: l.Digits, PhotoCheck: l.Photos, Images: photos})
	}
	fmt.Fprint(e.stdout, summary(l, m.presetDefaulted(), m.hf, e.vocab))
	for _, p := range photos {
		printPhoto(e.stdout, l, p)
	}
	if len(ceilings) > 0 {
		lo, hi := 0, 0
		for i, v := range ceilings {
			if v < ceilings[lo] {
				lo = i
			}
			if v > ceilings[hi] {
				hi = i
			}
		}
		if ceilings[lo] >= 0.9999 {
			fmt.Fprintf(e.stdout, "%-11s the weights cap no class below 0.9999\n", "ceilings")
		} else {
			fmt.Fprintf(e.stdout, "%-11s whatever the input, no class's confidence exceeds %.4f (class %d) to %.4f (class %d); a threshold above a class's ceiling cannot fool it\n",
				"ceilings", ceilings[lo], lo, ceilings[hi], hi)
		}
	}
	return nil
}

// inspectError is err, or, when the end of ctx aborted a model run, the
// error of an interrupted inspect: exit 3, as run exits when a signal
// stops it before its search.
func inspectError(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, classifier.ErrAborted) {
		return exitcode.Envf("inspect interrupted: nothing printed; let it finish to see what fooltest detects about the model")
	}
	return err
}

// photoTop is how many classes inspect --image shows per preprocessing.
const photoTop = 3

// printPhoto prints how the model read photo p with each preprocessing,
// its own first.
func printPhoto(w io.Writer, l *pipeline.Opened, p pipeline.Photo) {
	i := l.Info()
	fmt.Fprintf(w, "%-11s %s, scaled and centre-cropped to %d×%d; top classes by preprocessing:\n", "image", safetext.Printable(p.Path), i.Height, i.Width)
	for _, r := range p.Readings {
		tops := make([]string, len(r.Top))
		for j, c := range r.Top {
			tops[j] = fmt.Sprintf("%s %.3f", safetext.Printable(c.Label), c.Confidence)
		}
		own := ""
		if r.Own {
			own = " (yours)"
		}
		fmt.Fprintf(w, "  %-10s %s%s\n", r.Preset, strings.Join(tops, ", "), own)
	}
}
