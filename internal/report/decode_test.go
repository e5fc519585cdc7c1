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
// counts below zero or past any run's, a class listed twice or that its
// model lacks, a confidence outside [0, 1], a format fooltest does not
// write, or more after its JSON object,
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
		// --max-evals 1e16 is how a user may say "no cap"; a budget is
		// never added up.
		{"a budget of 1e16", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.EvaluationBudget, r.Config.MaxEvals = 1e16, 1e16 })
		}, ""},
		{"a class twice", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Classes[3].Index = 2 }) }, "class 2 is listed twice"},
		{"a class the model lacks", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Classes[3].Index = 1_000_000_000 })
		}, "class 1000000000 is not a class of its model of 4 classes"},
		{"a negative class", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Classes[3].Index = -3 }) }, "class -3 is not a class of its model of 4 classes"},
		{"a target class the model lacks", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.TargetClasses = []int{0, 1, 2, 4} })
		}, "target class 4 is not a class of its model of 4 classes"},
		{"a confidence over 1", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Classes[2].Confidence = 1e308 })
		}, "class 2 has a confidence of 1e+308, outside 0 to 1"},
		{"a negative confidence", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Classes[0].Confidence = -1 }) }, "class 0 has a confidence of -1, outside 0 to 1"},
		{"a history confidence over 1", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Classes[1].History = []report.Point{{Evaluations: 1, Confidence: 2}} })
		}, "class 1's history has a confidence of 2, outside 0 to 1"},
		{"a negative history count", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) {
				r.Baseline.Classes[1].History = []report.Point{{Evaluations: -5, Confidence: 0.5}}
			})
		}, "its baseline's class 1's history has a point at -5 evaluations"},
		// Two shards of 2^62+2^61 evaluations each added up to a negative
		// total in the merged report.
		{"evaluations a sum would wrap", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Evaluations = 1<<62 + 1<<61 }) }, "evaluations is 6917529027641081856, over the 9007199254740992 any run makes"},
		{"evaluations to the threshold past any run", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Classes[0].EvaluationsToThreshold = minus(1<<63 - 1) })
		}, "class 0 has an evaluations_to_threshold of 9223372036854775807"},
		{"baseline evaluations past any run", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Baseline.Classes[2].EvaluationsToThreshold = minus(1 << 60) })
		}, "its baseline's class 2 has an evaluations_to_threshold of 1152921504606846976"},
		{"negative max_evals", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Config.MaxEvals = -5 }) }, "its max_evals is negative (-5)"},
		{"a negative image side", func(t *testing.T) []byte { return written(t, func(r *report.Result) { r.Model.Width = -28 }) }, "its model's image is 1×28×-28"},
		// A merge writes the formats its shards name: an unknown one
		// failed the merge as a write error (exit 3), after its checks.
		{"a format no run writes", func(t *testing.T) []byte {
			return written(t, func(r *report.Result) { r.Config.Formats = []string{"json", "../../x\n::error::"} })
		}, `its formats name "../../x\n::error::", which is no format fooltest writes`},
		{"a second report after it", func(t *testing.T) []byte {
			b := written(t, func(*report.Result) {})
			return append(append(b, '\n'), b...)
		}, "it holds more after the report's JSON object"},
		// The verdict of a report of another schema is quoted, not whole:
		// a crafted one of megabytes made a "line" of megabytes.
		{"another schema's long verdict", func(t *testing.T) []byte {
			return []byte(`{"schema":99,"verdict":"` + strings.Repeat("A", 2000) + `"}`)
		}, `(schema 99, verdict "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")`},
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
