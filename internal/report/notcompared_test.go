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
			enc = consoleIn(nil)
		}
		text := string(render(t, enc, res))
		// No p-value either, which read as a measured one: none in
		// junit.xml and report.sarif, null in report.json.
		for _, stated := range []string{"harder to fool", "no significant change", "p = ", "p-value", "classes fell faster", "fooled faster / slower",
			`"p_value" value=`, `"pValue"`, `"p_value": 1`, `"p_value": 0`, `"score_difference": 0`} {
			if strings.Contains(text, stated) {
				t.Errorf("%s states a comparison (%q)", f, stated)
			}
		}
		if !strings.Contains(text, "not compared") {
			t.Errorf("%s does not say the run was not compared", f)
		}
		if f == report.FormatJSON && (!strings.Contains(text, `"p_value": null`) || !strings.Contains(text, `"score_difference": null`)) {
			t.Errorf("report.json gives a p-value or a score difference for a run not compared")
		}
	}
}
