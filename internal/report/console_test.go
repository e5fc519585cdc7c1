package report_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestConsoleConfidenceBelowThreshold: the console prints a confidence
// with a decimal more than the threshold has, and never a class that did
// not reach the threshold as reaching it, nor one below 1 as 1 (as
// 1.00000 under --threshold 0.999999 or 0.99 did).
func TestConsoleConfidenceBelowThreshold(t *testing.T) {
	for _, tt := range []struct {
		threshold, conf float64
		want            string
	}{
		{0.999999, 0.9999996, "0.9999996"},
		{0.999999, 0.99999899, "0.9999989"},
		{0.99, 0.999998, "0.99999"},
		{0.99, 0.98999999, "0.98999"},
	} {
		res := reporttest.New(t, reporttest.Options{Classes: 2, Threshold: tt.threshold})
		res.Classes[0].Confidence = tt.conf
		var b bytes.Buffer
		if err := report.WriteConsole(&b, res, nil); err != nil {
			t.Fatal(err)
		}
		var row string
		for line := range strings.Lines(b.String()) {
			if strings.HasPrefix(line, "0 ") {
				row = line
			}
		}
		if f := strings.Fields(row); len(f) < 3 || f[len(f)-2] != tt.want {
			t.Errorf("threshold %v, confidence %v: row %q, want confidence %s", tt.threshold, tt.conf, row, tt.want)
		}
	}
}

// TestConsoleListsFooled: the console lists every class the verdict counts
// as fooled, however many classes rank by confidence around them, then
// the closest of the others up to 20 rows; past 200 fooled classes it
// says how many of those it left out and where they are.
func TestConsoleListsFooled(t *testing.T) {
	for _, tt := range []struct {
		classes, fooled int
		rows            int
		tail            string
	}{
		{1000, 21, 21, "… 979 more classes in fooltest-report/report.json, none of them fooled\n"},
		{1000, 5, 20, "… 980 more classes in fooltest-report/report.json, none of them fooled\n"},
		{1000, 300, 200, "… 800 more classes in fooltest-report/report.json, 100 of them fooled\n"},
		{21, 0, 20, "… 1 more class in fooltest-report/report.json, none of them fooled\n"},
	} {
		res := reporttest.New(t, reporttest.Options{Classes: tt.classes, Fooled: tt.fooled, HistoryLen: 2, Width: 2, Height: 2, MaxFooled: "100%"})
		res.Config.ReportDir = "fooltest-report"
		// The fooled classes rank among unfooled ones of nearly the
		// same confidence, as they do on large models.
		for i := range res.Classes {
			if !res.Classes[i].Fooled {
				res.Classes[i].Confidence = 0.98
			}
		}
		var b bytes.Buffer
		if err := report.WriteConsole(&b, res, nil); err != nil {
			t.Fatal(err)
		}
		rows, yes := 0, 0
		var tail string
		for line := range strings.Lines(b.String()) {
			f := strings.Fields(line)
			switch {
			case strings.HasPrefix(line, "…"):
				tail = line
			case len(f) >= 3 && (f[len(f)-1] == "yes" || f[len(f)-1] == "no"):
				rows++
				if f[len(f)-1] == "yes" {
					yes++
				}
			}
		}
		if rows != tt.rows || yes != min(tt.fooled, 200) || tail != tt.tail {
			t.Errorf("%d classes, %d fooled: %d rows, %d fooled, tail %q; want %d rows, %d fooled, tail %q", tt.classes, tt.fooled, rows, yes, tail, tt.rows, min(tt.fooled, 200), tt.tail)
		}
	}
}

// TestSingularCounts: a count of one takes the singular in every format
// (not "after 1 evaluations", "1 of 1 classes fooled" or "1 target classes
// look unreachable").
func TestSingularCounts(t *testing.T) {
	one := int64(1)
	res := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1, HistoryLen: 2, Width: 2, Height: 2, Interrupted: true})
	res.Evaluations, res.MedianEvaluations, res.NonFiniteOutputs = 1, &one, 1
	res.Classes[0].EvaluationsToThreshold = &one
	res.Classes[1].Unreachable = &report.Unreachable{Kind: report.UnreachableBounded, Ceiling: 0.5, Rank: 1,
		Reason: report.UnreachableReason(report.UnreachableBounded, 0.4, 0.5, 1, 1)}
	single := reporttest.New(t, reporttest.Options{Classes: 1, Fooled: 1, HistoryLen: 2, Width: 2, Height: 2})
	single.Classes[0].EvaluationsToThreshold = &one
	plural := regexp.MustCompile(`\b1 (evaluations|classes|images|searches|dimensions|scores|target classes)\b|\b1 of 1 [a-z ]*classes\b`)
	for _, r := range []*report.Result{res, single} {
		report.Prepare(r, report.DefaultFormats())
		for _, format := range []string{report.FormatJUnit, report.FormatMarkdown, report.FormatSARIF, report.FormatHTML, "console"} {
			var b bytes.Buffer
			var err error
			if format == "console" {
				err = report.WriteConsole(&b, r, nil)
			} else {
				err = report.Render(&b, r, format, nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range plural.FindAllString(b.String(), -1) {
				t.Errorf("%s says %q", format, m)
			}
		}
	}
}

// TestConsoleReportOnly: a gate crossed under --fail-on never says on the
// command line that the exit code is 0, and in a front end's words (the
// Action's) that the step does not fail: each the outcome its users see.
func TestConsoleReportOnly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		words     report.Words
		want, not string
	}{
		{"command line", nil, "(report only: --fail-on never, so the exit code is 0)", "step"},
		{"action", wordsMarked, "(report only: the gate does not fail the step)", "exit code"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := report.WriteConsole(&b, goldenReportOnlyResult(t), tc.words); err != nil {
				t.Fatal(err)
			}
			verdict := b.String()[strings.LastIndex(b.String(), "fooltest: FAIL"):]
			if !strings.Contains(verdict, tc.want) || strings.Contains(verdict, tc.not) {
				t.Errorf("verdict line %q: want %q, and no %q", verdict, tc.want, tc.not)
			}
		})
	}
}

// TestConsoleUncappedScore: the score of a run with no --max-evals says,
// as report.md does, that scores compare only under an evaluation budget,
// and names the flag that sets one in the front end's words.
func TestConsoleUncappedScore(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 4})
	res.Config.MaxEvals, res.ScoreComparable = 0, false
	for _, tc := range []struct {
		words report.Words
		want  string
	}{
		{nil, "; comparable with other runs only under an evaluation budget: set --max-evals\n"},
		{wordsMarked, "; comparable with other runs only under an evaluation budget: set WORDED:max-evals\n"},
	} {
		var b strings.Builder
		if err := report.WriteConsole(&b, res, tc.words); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "\nscore: ") || !strings.Contains(b.String(), tc.want) {
			t.Errorf("the score line lacks %q:\n%s", tc.want, b.String())
		}
	}
}
