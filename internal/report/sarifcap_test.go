package report_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestSARIFCapsResults writes report.sarif for runs of many classes and
// checks it stays within what GitHub code scanning accepts: at most 25,000
// results a run (it rejects more), the findings the gate judges first and
// all of them up to that limit, the notes on unreachable classes only as
// far as the 5,000 results it shows, one note summing up the rest, the
// gzipped file under 10 MB, and no run property that grows with the
// classes.
func TestSARIFCapsResults(t *testing.T) {
	for _, tc := range []struct {
		name        string
		res         func(testing.TB) *report.Result
		fooled      int // fooled results listed
		moreFooled  int // fooled classes in the summary result
		unreachable int // unreachable notes listed
		moreUnreach int // unreachable classes in the summary note
	}{
		{"100000 classes, 74250 unreachable", manyUnreachable, 1000, 0, 3999, 70251},
		{"30000 fooled", func(tb testing.TB) *report.Result {
			return reporttest.New(tb, reporttest.Options{Classes: 30_000, Fooled: 30_000, HistoryLen: 2, NoPixels: true})
		}, 24_998, 5002, 0, 0},
		{"6 classes, 2 unreachable", func(tb testing.TB) *report.Result {
			res := reporttest.New(tb, reporttest.Options{Classes: 6, Fooled: 2, HistoryLen: 2, NoPixels: true})
			for i := 4; i < 6; i++ {
				res.Classes[i].Unreachable = &report.Unreachable{Kind: report.UnreachableDead, Ceiling: 1e-6, Reason: "dead"}
			}
			return res
		}, 2, 0, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.res(t)
			dir := t.TempDir()
			if _, err := write(dir, res, []string{report.FormatSARIF}); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "report.sarif"))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Runs []struct {
					Results []struct {
						RuleID     string                `json:"ruleId"`
						Level      string                `json:"level"`
						Message    struct{ Text string } `json:"message"`
						Properties map[string]any        `json:"properties"`
					} `json:"results"`
					Properties map[string]any `json:"properties"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			run := doc.Runs[0]
			if n := len(run.Results); n > 25_000 {
				t.Fatalf("%d results, code scanning rejects more than 25,000", n)
			}
			var fooled, unreachable, moreFooled, moreUnreach, shownFindings int
			for i, r := range run.Results {
				omitted, summary := r.Properties["omitted"].(float64)
				switch {
				case r.RuleID == "FOOL001" && summary:
					moreFooled += int(omitted)
				case r.RuleID == "FOOL001":
					fooled++
				case r.RuleID == "FOOL004" && summary:
					moreUnreach += int(omitted)
				case r.RuleID == "FOOL004":
					unreachable++
				}
				if summary && !strings.Contains(r.Message.Text, "report.json lists every class") {
					t.Errorf("summary %q does not say where the rest are", r.Message.Text)
				}
				if r.Level != "note" {
					shownFindings++
					if i >= shownFindings {
						t.Errorf("result %d, a finding, comes after a note", i)
					}
				}
			}
			if fooled != tc.fooled || moreFooled != tc.moreFooled || unreachable != tc.unreachable || moreUnreach != tc.moreUnreach {
				t.Errorf("fooled %d + %d in the summary, unreachable %d + %d; want %d + %d, %d + %d",
					fooled, moreFooled, unreachable, moreUnreach, tc.fooled, tc.moreFooled, tc.unreachable, tc.moreUnreach)
			}
			if notes := len(run.Results) - shownFindings; notes > 0 && len(run.Results) > 5000 {
				t.Errorf("%d notes past the 5,000 results code scanning shows", notes)
			}
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			if _, err := zw.Write(b); err != nil {
				t.Fatal(err)
			}
			if err := zw.Close(); err != nil {
				t.Fatal(err)
			}
			if gz.Len() >= 10<<20 {
				t.Errorf("gzipped report.sarif is %d bytes, code scanning takes under 10 MB", gz.Len())
			}
			for k, v := range run.Properties {
				if a, ok := v.([]any); ok && len(a) > 100 {
					t.Errorf("run property %s lists %d items", k, len(a))
				}
			}
		})
	}
}
