package report_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// wordsMarked stands in for a front end's words: it marks every flag it
// rewords, so that a test sees which text went through it.
func wordsMarked(s string) string { return strings.ReplaceAll(s, "--", "WORDED:") }

// TestWords: the formats a person reads give the libraries' messages (the
// reason of an "error" verdict, the note beside an ungated regression, the
// note on outputs that were not finite) in the front end's words, and
// report.json keeps the libraries' own, which tools and merges read back.
func TestWords(t *testing.T) {
	const reason = "the search made only 5 model evaluations, capped by --max-evals 5: raise --max-evals to at least 10"
	errorResult := func(t testing.TB) *report.Result {
		res := reporttest.New(t, reporttest.Options{Classes: 6, HistoryLen: 20, Error: reason})
		report.Prepare(res, report.DefaultFormats())
		return res
	}
	file := func(format string) func(io.Writer, *report.Result, report.Words) error {
		return func(w io.Writer, r *report.Result, words report.Words) error {
			return report.Render(w, r, format, words)
		}
	}
	console := func(w io.Writer, r *report.Result, words report.Words) error { return report.WriteConsole(w, r, words) }
	gallery := func(w io.Writer, r *report.Result, words report.Words) error {
		_, err := io.WriteString(w, report.GalleryTitle(r, 0, false, words))
		return err
	}
	// The non-finite note words its fix (an error's, or a cause's beside
	// a verdict that stands) in the front end's words too.
	const fix = "; check the preprocessing: --preset may be wrong"
	nonFinite := func(t testing.TB) *report.Result {
		res := goldenNonFiniteResult(t)
		res.NonFiniteError += fix
		return res
	}
	fewNonFinite := func(t testing.TB) *report.Result {
		res := goldenFewNonFiniteResult(t)
		res.NonFiniteCause += fix
		return res
	}
	tests := []struct {
		name   string
		result func(testing.TB) *report.Result
		render func(io.Writer, *report.Result, report.Words) error
		// flag is the flag the libraries' message names.
		flag string
		// canonical: the format keeps the libraries' wording.
		canonical bool
	}{
		{"error report.md", errorResult, file(report.FormatMarkdown), "--max-evals", false},
		{"error report.html", errorResult, file(report.FormatHTML), "--max-evals", false},
		{"error report.sarif", errorResult, file(report.FormatSARIF), "--max-evals", false},
		{"error junit.xml", errorResult, file(report.FormatJUnit), "--max-evals", false},
		{"error gallery title", errorResult, gallery, "--max-evals", false},
		{"error report.json", errorResult, file(report.FormatJSON), "--max-evals", true},
		{"ungated report.md", goldenBaselineUngatedResult, file(report.FormatMarkdown), "--fail-on", false},
		{"ungated report.html", goldenBaselineUngatedResult, file(report.FormatHTML), "--fail-on", false},
		{"ungated console", goldenBaselineUngatedResult, console, "--fail-on", false},
		{"non-finite report.md", nonFinite, file(report.FormatMarkdown), "--preset", false},
		{"non-finite report.html", nonFinite, file(report.FormatHTML), "--preset", false},
		{"non-finite report.sarif", nonFinite, file(report.FormatSARIF), "--preset", false},
		{"non-finite junit.xml", nonFinite, file(report.FormatJUnit), "--preset", false},
		{"non-finite console", nonFinite, console, "--preset", false},
		{"non-finite report.json", nonFinite, file(report.FormatJSON), "--preset", true},
		{"non-finite cause report.md", fewNonFinite, file(report.FormatMarkdown), "--preset", false},
		{"non-finite cause console", fewNonFinite, console, "--preset", false},
		{"every target allowed report.md", goldenEveryTargetAllowedResult, file(report.FormatMarkdown), "--max-fooled", false},
		{"every target allowed report.html", goldenEveryTargetAllowedResult, file(report.FormatHTML), "--max-fooled", false},
		{"every target allowed report.sarif", goldenEveryTargetAllowedResult, file(report.FormatSARIF), "--max-fooled", false},
		{"every target allowed junit.xml", goldenEveryTargetAllowedResult, file(report.FormatJUnit), "--max-fooled", false},
		{"report-only console", func(t testing.TB) *report.Result {
			res := goldenBaselineUngatedResult(t)
			res.Config.FailOn = "never"
			return res
		}, console, "--fail-on", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.result(t)
			var cli, worded bytes.Buffer
			if err := tt.render(&cli, res, nil); err != nil {
				t.Fatal(err)
			}
			if err := tt.render(&worded, res, wordsMarked); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(cli.String(), tt.flag) {
				t.Fatalf("without words the message does not name %s:\n%s", tt.flag, &cli)
			}
			marked := "WORDED:" + strings.TrimPrefix(tt.flag, "--")
			switch {
			case tt.canonical && !bytes.Equal(worded.Bytes(), cli.Bytes()):
				t.Errorf("words changed it; it must keep the libraries' wording:\n%s", &worded)
			case !tt.canonical && (!strings.Contains(worded.String(), marked) || strings.Contains(worded.String(), tt.flag)):
				t.Errorf("the message is not in the front end's words (want %q, not %q):\n%s", marked, tt.flag, &worded)
			}
		})
	}
}
