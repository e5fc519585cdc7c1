package report_test

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// write is WriteFiles returning only the path of each format written.
func write(dir string, res *report.Result, formats []string) (map[string]string, error) {
	w, err := report.WriteFiles(dir, res, formats, report.WriteOptions{})
	return w.Formats, err
}

// render runs one of the in-memory encoders and fails the test on error.
func render(t testing.TB, enc func(io.Writer, *report.Result) error, res *report.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := enc(&buf, res); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// goldenResult is the fixed result behind the golden files: six classes,
// three fooled, one of them with a hostile label, and a hostile label on a
// class that is not fooled.
func goldenResult(t testing.TB) *report.Result {
	t.Helper()
	labels := map[int]string{0: "tabby cat", 1: reporttest.HostileLabel, 2: "n02085620 Chihuahua", 4: "@everyone #1 http://evil.example/x.png"}
	res := reporttest.New(t, reporttest.Options{
		Classes: 6, Fooled: 3, HistoryLen: 20,
		Label: func(i int) string {
			if l, ok := labels[i]; ok {
				return l
			}
			return "class " + string(rune('A'+i))
		},
	})
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenAllowedResult is goldenResult under --max-fooled 100%: every
// fooled class is within the allowance, so the run passes, and no format
// may show a failure or an error-level finding.
func goldenAllowedResult(t testing.TB) *report.Result {
	t.Helper()
	return goldenGate(t, reporttest.Options{MaxFooled: "100%"})
}

// goldenEveryTargetAllowedResult is goldenResult with a max-fooled count
// over its 6 target classes: it passes, and report.md, report.html,
// report.sarif and junit.xml warn that no number of fooled classes can
// fail the gate. The console does not: the command warns on stderr.
func goldenEveryTargetAllowedResult(t testing.TB) *report.Result {
	t.Helper()
	return goldenGate(t, reporttest.Options{MaxFooled: "20"})
}

// goldenEveryTargetAllowedErrorResult is goldenEveryTargetAllowedResult
// with an "error" verdict: the search did not finish, so no format warns
// about the count beside the reason.
func goldenEveryTargetAllowedErrorResult(t testing.TB) *report.Result {
	t.Helper()
	return goldenGate(t, reporttest.Options{MaxFooled: "20", Error: goldenError})
}

// goldenReportOnlyResult is goldenResult under --fail-on never: the gate
// fails, but only reports, so no format may fail a check either.
func goldenReportOnlyResult(t testing.TB) *report.Result {
	t.Helper()
	return goldenGate(t, reporttest.Options{FailOn: "never"})
}

// goldenMinScoreResult is goldenResult with its fooled classes allowed
// but a score under --min-score, which fails the gate on its own.
func goldenMinScoreResult(t testing.TB) *report.Result {
	t.Helper()
	return goldenGate(t, reporttest.Options{MaxFooled: "3", MinScore: 0.99})
}

// goldenDemoResult is goldenResult on the embedded demo model, which has
// no file: report.sarif can locate none of its findings.
func goldenDemoResult(t testing.TB) *report.Result {
	t.Helper()
	res := goldenResult(t)
	res.Model.Path, res.Model.RepoPath = report.DemoModelPath, ""
	return res
}

// goldenGate is goldenResult's classes under the gate settings of o.
func goldenGate(t testing.TB, o reporttest.Options) *report.Result {
	t.Helper()
	labels := map[int]string{0: "tabby cat", 2: "n02085620 Chihuahua"}
	o.Classes, o.Fooled, o.HistoryLen = 6, 3, 20
	o.Label = func(i int) string {
		if l, ok := labels[i]; ok {
			return l
		}
		return "class " + string(rune('A'+i))
	}
	res := reporttest.New(t, o)
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenImageBaseResult is goldenResult published under an image base URL:
// report.md embeds the gallery and each fooled class's image.
func goldenImageBaseResult(t testing.TB) *report.Result {
	res := goldenResult(t)
	res.Config.ImageBaseURL = "https://github.com/octo/models/raw/fooltest-assets/123-1&x"
	return res
}

// goldenArtifactResult is goldenResult with only an artifact URL: report.md
// links to the artifact and names each image's path in it.
func goldenArtifactResult(t testing.TB) *report.Result {
	res := goldenResult(t)
	res.Config.ArtifactURL = "https://github.com/octo/models/actions/runs/123/artifacts/456?a=1&b=2"
	return res
}

// goldenLayer describes the bounded layer of the golden results.
const goldenLayer = "Tanh layer of 64 values in [-1, 1]"

// goldenUnreachableResult is goldenResult with its three unfooled classes
// marked as looking unreachable: one bounded, one dead, one by a bounded
// layer. The verdict stays what the fooled classes make it.
func goldenUnreachableResult(t testing.TB) *report.Result {
	t.Helper()
	res := goldenResult(t)
	marked := 0
	for i := range res.Classes {
		c := &res.Classes[i]
		if c.Fooled || marked == 3 {
			continue
		}
		switch marked {
		case 0:
			c.Unreachable = &report.Unreachable{Kind: report.UnreachableBounded, Ceiling: 0.5180368, Rank: 4,
				Reason: report.UnreachableReason(report.UnreachableBounded, c.Confidence, 0.5180368, 4, 12000)}
		case 1:
			c.Unreachable = &report.Unreachable{Kind: report.UnreachableDead, Ceiling: 3e-7,
				Reason: report.UnreachableReason(report.UnreachableDead, 3e-7, 3e-7, 0, 12000)}
		default:
			c.Unreachable = &report.Unreachable{Kind: report.UnreachableBoundedLayer, Ceiling: 0.9573, Layer: goldenLayer,
				Reason: report.BoundedLayerReason(c.Confidence, 0.9573, goldenLayer)}
		}
		marked++
	}
	if marked != 3 {
		t.Fatalf("goldenResult has %d unfooled classes, want at least 3", marked)
	}
	return res
}

// goldenAllUnreachableResult has four classes, none fooled, each kept
// below the threshold by a bounded layer: the gate passes, and every
// format must say that at this threshold it could not have failed.
func goldenAllUnreachableResult(t testing.TB) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: 4, HistoryLen: 5})
	for i := range res.Classes {
		c := &res.Classes[i]
		ceil := 0.965 + 0.005*float64(i)
		c.Unreachable = &report.Unreachable{Kind: report.UnreachableBoundedLayer, Ceiling: ceil, Layer: goldenLayer,
			Reason: report.BoundedLayerReason(c.Confidence, ceil, goldenLayer)}
	}
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenDigitsResult is a result whose digit check found the
// preprocessing most likely wrong: a run told to go on anyway. Its
// suggested preset is hostile text, as a merged report.json may hold.
func goldenDigitsResult(t testing.TB) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 0, HistoryLen: 5})
	res.DigitCheck = &report.DigitCheck{Digits: 100, Correct: 10, SuggestedPreset: "raw255\n# <b>hi</b> [x](javascript:y)", SuggestedCorrect: 100}
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenOutputsNotSearchedResult is goldenResult on a model of two heads,
// a forgery score beside a forgery mask, whose mask was not searched; a
// second name, hostile, is what a merged report.json may hold.
func goldenOutputsNotSearchedResult(t testing.TB) *report.Result {
	t.Helper()
	res := goldenResult(t)
	res.Model.Output, res.Config.Output = "image_logits", "image_logits"
	res.Model.OutputsNotSearched = []string{`"mask_logits" [1 1 192 288]`, `"` + reporttest.HostileLabel + `" [-1 4 16]`}
	return res
}

// goldenPhotosNarrowerResult is goldenResult on a model that its run's
// preprocessing, 0..255, saturates: every photo got the same scores, one
// class topping them all, and far narrower presets spread them, which the
// reports give as a hint. The second preset's name is hostile, as a merged
// report.json may hold.
func goldenPhotosNarrowerResult(t testing.TB) *report.Result {
	t.Helper()
	res := goldenResult(t)
	res.Config.Preset = "raw255"
	res.PhotoCheck = &report.PhotoCheck{Photos: 6, Collapsed: true, TopClasses: 1,
		NarrowerPresets: []string{"pm1", "imagenet\n# <b>hi</b> [x](javascript:y)"}, NarrowerSpread: 0.431}
	return res
}

// goldenPhotosResult is goldenResult on a colour model whose photo check
// found nothing wrong: report.md and report.html show its spread in a row,
// as they show the digit check of a gray model.
func goldenPhotosResult(t testing.TB) *report.Result {
	t.Helper()
	res := goldenResult(t)
	res.Model.Channels = 3
	res.PhotoCheck = &report.PhotoCheck{Photos: 6, Spread: 0.634, LogitSpread: 9.2, TopClasses: 5}
	return res
}

// goldenBinaryResult is a two-class result of a binary model, whose one
// score is class 1's confidence and makes class 0's: the summary and the
// model's settings say so.
func goldenBinaryResult(t testing.TB) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 2, HistoryLen: 5, Channels: 3,
		Label: func(i int) string { return []string{"fake (AI)", "real"}[i] }})
	res.Model.OutputKind, res.Model.BinaryOutput = "sigmoid", true
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenError is the reason of goldenErrorResult's "error" verdict: too
// many outputs not finite, which no format may repeat in a note.
const goldenError = "the model's outputs were NaN or infinite for 2400 of 120000 images evaluated, more than the 1% allowed, so it cannot be tested"

// goldenExpSoftmax is the cause and fix of NaN outputs from a softmax
// written with Exp, as the classifier gives it.
const goldenExpSoftmax = "the model computes its output as a softmax written with Exp (an Exp divided by its sum), which overflows to infinity, and the division to NaN, once a logit passes about 88; export the softmax with the Softmax operator, which subtracts the largest logit first and never overflows"

// goldenNonFiniteResult is goldenResult on a model whose outputs were
// too often not finite, from a softmax written with Exp: the classes that
// finite outputs fooled fail it all the same, and every format says how
// many of the evaluations gave NaN, why, and what fixes it.
func goldenNonFiniteResult(t testing.TB) *report.Result {
	t.Helper()
	res := goldenResult(t)
	res.NonFiniteOutputs = 4000
	res.NonFiniteCause = goldenExpSoftmax
	res.NonFiniteError = "the model's outputs were NaN or infinite for 4000 of 120000 images evaluated, more than the 1% allowed, so it cannot be tested: " + goldenExpSoftmax
	return res
}

// goldenFewNonFiniteResult is goldenResult with a few outputs not finite,
// within what a run may pass a model with: a note with the cause.
func goldenFewNonFiniteResult(t testing.TB) *report.Result {
	t.Helper()
	res := goldenResult(t)
	res.NonFiniteOutputs = 1
	res.NonFiniteCause = goldenExpSoftmax
	return res
}

// goldenErrorResult is goldenResult with an "error" verdict: the classes
// it fooled are still listed, but nothing may read as a pass.
func goldenErrorResult(t testing.TB) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 3, HistoryLen: 20, Error: goldenError,
		Label: func(i int) string {
			if i == 1 {
				return reporttest.HostileLabel
			}
			return "class " + string(rune('A'+i))
		}})
	res.NonFiniteOutputs, res.NonFiniteError = 2400, goldenError
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenBaselineResult is a run compared with a baseline that needed four
// times the evaluations, under fail-on regression: 10 classes, 8 fooled, one
// of them not fooled by the baseline within the budget.
func goldenBaselineResult(t testing.TB) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 8, HistoryLen: 20,
		Baseline: reporttest.Times(4, 7),
		Label: func(i int) string {
			if i == 1 {
				return reporttest.HostileLabel
			}
			return "class " + string(rune('A'+i))
		}})
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenBaselineUngatedResult is goldenBaselineResult under fail-on fooled
// with every fooled class allowed: it passes, although the model is
// easier to fool than its baseline, and every format that shows the
// comparison says that the regression does not gate the run.
func goldenBaselineUngatedResult(t testing.TB) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 8, HistoryLen: 20,
		Baseline: reporttest.Times(4, 7), FailOn: "fooled", MaxFooled: "100%"})
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenBaselineErrorResult is a run compared with a baseline that needed
// a quarter of its evaluations, interrupted before its evaluation budget:
// it leans "harder to fool", but its verdict is "error" and no format may
// state that.
func goldenBaselineErrorResult(t testing.TB) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 8, HistoryLen: 20, Interrupted: true,
		Baseline: reporttest.Times(0.25)})
	report.Prepare(res, report.DefaultFormats())
	return res
}

// goldenMissingShardsResult is a merge of shards 1 and 3 of 3 that gated
// without shard 2 (--allow-missing-shards): of its six classes, 1 and 4 were
// not searched, and class 1 was fooled all the same by an image another
// shard met, so it fails rather than being skipped.
func goldenMissingShardsResult(t testing.TB) *report.Result {
	t.Helper()
	res := missingShardsResult(t, reporttest.Options{Classes: 6, Fooled: 2, HistoryLen: 20}, 2)
	report.Prepare(res, report.DefaultFormats())
	return res
}

// missingShardsResult is a merged result built from o, of a run of three
// shards less the missing ones (see markMissing), gated again as a merge
// gates it: on the classes searched.
func missingShardsResult(t testing.TB, o reporttest.Options, missing ...int) *report.Result {
	t.Helper()
	res := reporttest.New(t, o)
	markMissing(res, missing...)
	allowed, err := gate.ParseMaxFooled(res.Config.MaxFooled)
	if err != nil {
		t.Fatal(err)
	}
	failOn, err := gate.ParseFailOn(res.Config.FailOn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gate.Evaluate(res, res.Threshold, allowed, failOn); err != nil {
		t.Fatal(err)
	}
	return res
}

// markMissing makes res a merge of three shards less the missing ones: the
// class at position j belongs to shard j mod 3 + 1, as merge deals them,
// and is marked not searched when that shard is missing.
func markMissing(res *report.Result, missing ...int) {
	res.Shard = &report.Shard{Count: 3}
	res.MissingShards = missing
	for i := 1; i <= 3; i++ {
		if !slices.Contains(missing, i) {
			res.Shard.Merged = append(res.Shard.Merged, i)
		}
	}
	for j := range res.Classes {
		res.Classes[j].NotSearched = slices.Contains(missing, j%3+1)
	}
}

// labelled returns a small fooled result whose class 2 has the given label,
// for the fuzz tests.
func labelled(t testing.TB, label string) *report.Result {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{
		Classes: 4, Fooled: 3, HistoryLen: 5, Width: 4, Height: 4,
		Label: func(i int) string {
			if i == 2 {
				return label
			}
			return "benign"
		},
	})
	report.Prepare(res, report.DefaultFormats())
	return res
}

// encodeAs returns the renderer of a one-file format, as Render runs it.
func encodeAs(format string) func(io.Writer, *report.Result) error {
	return func(w io.Writer, r *report.Result) error { return report.Render(w, r, format, nil) }
}

// consoleIn returns the console summary's writer with the messages in
// words.
func consoleIn(words report.Words) func(io.Writer, *report.Result) error {
	return func(w io.Writer, r *report.Result) error { return report.WriteConsole(w, r, words) }
}

// renderMarkdown returns report.md for r.
func renderMarkdown(r *report.Result) []byte {
	var b bytes.Buffer
	if err := report.Render(&b, r, report.FormatMarkdown, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}
