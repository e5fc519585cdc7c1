package report_test

import (
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
)

// TestErrorStatesNoComparison: a run that ended in error tested nothing,
// so no format states how it compares with its baseline, though its costs
// lean "harder to fool": each says it was not compared.
func TestErrorStatesNoComparison(t *testing.T) {
	res := goldenBaselineErrorResult(t)
	if res.Verdict != report.VerdictError || res.Baseline.Change != "not compared" || res.Baseline.Regression {
		t.Fatalf("verdict %q, change %q, regression %v", res.Verdict, res.Baseline.Change, res.Baseline.Regression)
	}
	for _, f := range []string{report.FormatJSON, report.FormatJUnit, report.FormatMarkdown, report.FormatSARIF, report.FormatHTML, "console"} {
		enc := encodeAs(f)
		if f == "console" {
			enc = report.WriteConsole
		}
		text := string(render(t, enc, res))
		for _, stated := range []string{"harder to fool", "no significant change", "p = ", "p-value", "classes fell faster", "fooled faster / slower"} {
			if strings.Contains(text, stated) {
				t.Errorf("%s states a comparison (%q)", f, stated)
			}
		}
		if !strings.Contains(text, "not compared") {
			t.Errorf("%s does not say the run was not compared", f)
		}
	}
}
