package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestDecodeRefusesMalformed: a report.json that no run wrote, with
// counts below zero, a class listed twice or more after its JSON object,
// is refused in one line naming the file and the problem; the report as
// written is read.
func TestDecodeRefusesMalformed(t *testing.T) {
	written := func(t *testing.T, edit func(*report.Result)) []byte {
		t.Helper()
		res := reporttest.New(t, reporttest.Options{Classes: 4, Fooled: 2, Baseline: reporttest.Times(2)})
		edit(res)
		b, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	minus := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name string
		data func(t *testing.T) []byte
		want string // "" when the report is read
	}{
		{"as written", func(t *testing.T) []byte { return written(t, func(*report.Result) {}) }, ""},
		{"as written, with a final newline", func(t *testing.T) []byte { return append(written(t, func(*report.Result) {}), "\n \n"...) }, ""},
		{"negative evaluations to the threshold", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Classes[1].EvaluationsToThreshold = minus(-5) })
		}, "class 1 has a negative evaluations_to_threshold (-5)"},
		{"negative baseline evaluations", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Baseline.Classes[0].EvaluationsToThreshold = minus(-1) })
		}, "its baseline's class 0 has a negative evaluations_to_threshold (-1)"},
		{"negative evaluations", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Evaluations = -3 }) }, "evaluations is negative (-3)"},
		{"negative budget", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.EvaluationBudget = -3 }) }, "evaluation_budget is negative (-3)"},
		{"a class twice", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Classes[3].Index = 2 }) }, "class 2 is listed twice"},
		{"a second report after it", func(t *testing.T) []byte {
			b := written(t, func(*report.Result) {})
			return append(append(b, '\n'), b...)
		}, "it holds more after the report's JSON object"},
		{"text after it", func(t *testing.T) []byte { return append(written(t, func(*report.Result) {}), " trailing"...) }, "it holds more after the report's JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.data(t)
			res, err := report.Decode(bytes.NewReader(b), int64(len(b)), "baseline base.json")
			if tc.want == "" {
				if err != nil || res == nil {
					t.Fatalf("a report as written: %v", err)
				}
				return
			}
			if res != nil || !errors.Is(err, fault.Invalid) || !strings.HasPrefix(err.Error(), "baseline base.json ") ||
				!strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line naming the file and %q", err, tc.want)
			}
		})
	}
}
