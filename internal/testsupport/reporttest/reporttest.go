// Package reporttest builds synthetic, deterministic fooltest results for
// tests of the report writers and of anything that consumes reports.
package reporttest

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
)

// HostileLabel is a label built to break careless writers: Markdown table
// and code syntax, HTML, a mention, a link, a NUL byte, a newline, a
// bidirectional override and invalid UTF-8.
const HostileLabel = "a|b <script>@x [y](z) `\x00` \n\u202e\xff\xfe]]> & www.example.com"

// Options shapes a synthetic result. Zero values take the defaults noted.
type Options struct {
	// Classes is the number of target classes (default 10; negative means
	// none).
	Classes int
	// Fooled is how many classes reach the threshold (default 0). They are
	// the first ones by index.
	Fooled int
	// Threshold is the gate threshold (default 0.99).
	Threshold float64
	// MaxFooled is the gate allowance (default "0").
	MaxFooled string
	// FailOn is the gate mode (default "fooled", or "regression" with a
	// Baseline).
	FailOn string
	// MinScore is --min-score (default 0: none).
	MinScore float64
	// Width, Height and Channels give the model input (default 28×28×1).
	Width, Height, Channels int
	// Label names class i (default "class-<i>").
	Label func(i int) string
	// HistoryLen is the number of raw history points per class (default 300).
	HistoryLen int
	// Interrupted marks the run as cancelled.
	Interrupted bool
	// NoPixels leaves every class without an image.
	NoPixels bool
	// Error, when set, is a failure of the run itself (RunError), a
	// reason the model was not tested: the gate then gives the "error"
	// verdict and makes it the result's Error.
	Error string
	// Baseline, when set, gives the result a baseline: it returns the
	// baseline's evaluations to the threshold for class i, whose
	// candidate count is cand (nil: not fooled). See [Times].
	Baseline func(i int, cand *int64) *int64
	// Alpha and Tolerance are --alpha and --tolerance (default 0: not
	// recorded, and the gate's defaults apply).
	Alpha, Tolerance float64
}

// Evaluations is the evaluations every result made, and its evaluation
// budget.
const Evaluations = 120_000

// BaselinePath is the baseline model of results built with a Baseline.
const BaselinePath = "models/lenet-v1.onnx"

// Times returns an Options.Baseline under which the baseline needed f
// times the candidate's evaluations for every class the candidate fooled
// (f > 1: the candidate is easier to fool), and class i for i in notFooled
// was not fooled by the baseline at all. A count past Evaluations is a
// class the baseline did not fool within the budget.
func Times(f float64, notFooled ...int) func(int, *int64) *int64 {
	return func(i int, cand *int64) *int64 {
		if cand == nil || slices.Contains(notFooled, i) {
			return nil
		}
		e := int64(math.Round(float64(*cand) * f))
		if e > Evaluations {
			return nil
		}
		return &e
	}
}

// New returns a complete result, already evaluated by the gate, that is the
// same for the same options. It fails tb on invalid options.
func New(tb testing.TB, o Options) *report.Result {
	tb.Helper()
	o.Classes = cmp.Or(o.Classes, 10)
	o.Threshold = cmp.Or(o.Threshold, 0.99)
	o.MaxFooled = cmp.Or(o.MaxFooled, "0")
	if o.Baseline != nil {
		o.FailOn = cmp.Or(o.FailOn, "regression")
	}
	o.FailOn = cmp.Or(o.FailOn, "fooled")
	o.Width, o.Height, o.Channels = cmp.Or(o.Width, 28), cmp.Or(o.Height, 28), cmp.Or(o.Channels, 1)
	o.HistoryLen = cmp.Or(o.HistoryLen, 300)
	if o.Label == nil {
		o.Label = func(i int) string { return fmt.Sprintf("class-%d", i) }
	}

	const evals = Evaluations
	res := &report.Result{
		Schema:   report.Schema,
		Versions: report.Versions{Fooltest: "0.1.0", ONNXRuntime: "1.29.0"},
		Model: report.Model{
			Path:       "models/lenet.onnx",
			RepoPath:   "models/lenet.onnx",
			SHA256:     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Classes:    max(o.Classes, 0),
			Input:      "input",
			Layout:     "NCHW",
			Width:      o.Width,
			Height:     o.Height,
			Channels:   o.Channels,
			Output:     "logits",
			OutputKind: "logits",
		},
		Config: report.Config{
			Encoding:  "cppn",
			Algorithm: "map-elites",
			Budget:    "60s",
			Classes:   "all",
			Seed:      42,
			Batch:     64,
			Threads:   2,
			Preset:    "mnist",
			// Float32 settings, as a run records them.
			Scale:         float64(float32(1.0 / 255)),
			Mean:          []float64{float64(float32(0.1307))},
			Std:           []float64{float64(float32(0.3081))},
			InputShape:    fmt.Sprintf("1x%dx%dx%d", o.Channels, o.Height, o.Width),
			Output:        "logits",
			OutputKind:    "logits",
			Labels:        "models/labels.txt",
			ReportDir:     "fooltest-report",
			Formats:       report.DefaultFormats(),
			MinScore:      o.MinScore,
			MaxEvals:      Evaluations,
			SearchVersion: 1,
		},
		Evaluations:    evals,
		ElapsedSeconds: 48.25,
		EvalsPerSecond: evals / 48.25,
		BudgetSeconds:  60,
		Interrupted:    o.Interrupted,
		RunError:       o.Error,
		StoppedReason:  "budget",
		// A search stopped by a signal did not spend its budget.
		ScoreComparable: !o.Interrupted,
		Repeats:         1,
		StartedAt:       "2026-01-02T03:04:05Z",
	}
	if o.Interrupted {
		res.StoppedReason = "signal: terminated"
	}
	for i := range o.Classes {
		c := report.Class{Index: i, Label: o.Label(i), Encoding: "cppn"}
		if i < o.Fooled {
			// Confidences above the threshold, distinct, not in index order.
			c.Confidence = o.Threshold + (1-o.Threshold)*float64((i*7)%o.Fooled+1)/float64(o.Fooled+1)
			e := int64(evals * (i + 1) / (o.Fooled + 2))
			s := 48.25 * float64(e) / evals
			c.EvaluationsToThreshold, c.SecondsToThreshold = &e, &s
		} else if i == o.Fooled {
			// A near miss, as every search of a model it could move
			// leaves: a pass whose search moved nothing is no pass.
			c.Confidence = o.Threshold * 0.97
		} else {
			c.Confidence = o.Threshold * (0.3 + 0.6*float64(i%17)/17)
		}
		for k := range o.HistoryLen {
			t := float64(k+1) / float64(o.HistoryLen)
			c.History = append(c.History, report.Point{
				Evaluations: int64(evals * t),
				// Rises with a wobble, so thinning has non-improving points
				// to drop, and ends at the class's confidence.
				Confidence: c.Confidence * (1 - (1-t)*(0.5+0.1*math.Sin(float64(k)))),
			})
		}
		if !o.NoPixels {
			c.Pixels = pattern(i, o.Channels, o.Height, o.Width)
		}
		res.Classes = append(res.Classes, c)
	}

	if o.Baseline != nil {
		res.Config.Baseline = BaselinePath
		res.Baseline = &report.Baseline{
			Path:   BaselinePath,
			SHA256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
		}
		for i, c := range res.Classes {
			res.Baseline.Classes = append(res.Baseline.Classes, report.BaselineClass{
				Index:                  c.Index,
				EvaluationsToThreshold: o.Baseline(i, c.EvaluationsToThreshold),
			})
		}
	}

	res.Config.Alpha, res.Config.Tolerance = o.Alpha, o.Tolerance
	allowed, err := gate.ParseMaxFooled(o.MaxFooled)
	if err != nil {
		tb.Fatalf("reporttest: %v", err)
	}
	failOn, err := gate.ParseFailOn(o.FailOn)
	if err != nil {
		tb.Fatalf("reporttest: %v", err)
	}
	if _, err := gate.Evaluate(res, o.Threshold, allowed, failOn); err != nil {
		tb.Fatalf("reporttest: %v", err)
	}
	return res
}

// pattern is a smooth, class-specific image like those a CPPN produces.
func pattern(class, c, h, w int) *report.Image {
	img := &report.Image{C: c, H: h, W: w, Pix: make([]uint8, c*h*w)}
	for ch := range c {
		for y := range h {
			for x := range w {
				fx, fy := float64(x)/float64(w), float64(y)/float64(h)
				v := 0.5 + 0.5*math.Sin(float64(class+1)*3*fx+float64(ch+1)*4*fy*fy+float64(class))
				img.Pix[(ch*h+y)*w+x] = uint8(math.Round(v * 255))
			}
		}
	}
	return img
}
