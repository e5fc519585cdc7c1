package report_test

import (
	"bytes"
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
		if err := report.WriteConsole(&b, res); err != nil {
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
