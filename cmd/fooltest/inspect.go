package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/fooltest/fooltest/internal/classifier"
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
}

func inspectCmd(args []string, e env) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var m modelFlags
	m.register(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parse(fs, args, e, &m); err != nil {
		return err
	}
	l, err := m.open(context.Background())
	if err != nil {
		return err
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
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(inspectJSON{Model: l.Name, SHA256: l.SHA256, Preset: l.Preset, Labels: l.LabelsFrom, ONNXRuntime: l.Runtime, Info: l.Info(), ClassCeilings: ceilings, DigitCheck: l.Digits})
	}
	fmt.Fprint(e.stdout, summary(l, m.presetDefaulted()))
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
