package gate

import (
	"cmp"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/score"
)

func TestParseMaxFooled(t *testing.T) {
	tests := []struct {
		in      string
		targets int
		want    int
		str     string
		wantErr string // substring of the error; "" means no error
	}{
		{in: "0", targets: 10, want: 0, str: "0"},
		{in: "3", targets: 10, want: 3, str: "3"},
		{in: " 7 ", targets: 2, want: 7, str: "7"},
		{in: "3", targets: 0, want: 3, str: "3"},
		{in: "0%", targets: 1000, want: 0, str: "0%"},
		{in: "100%", targets: 1000, want: 1000, str: "100%"},
		{in: "5%", targets: 10, want: 0, str: "5%"},
		{in: "10%", targets: 10, want: 1, str: "10%"},
		// Binary floating point gives 0.3*10 = 2.9999999999999996; the
		// allowance must still be 3.
		{in: "30%", targets: 10, want: 3, str: "30%"},
		{in: "2.5%", targets: 1000, want: 25, str: "2.5%"},
		{in: "33.3%", targets: 1000, want: 333, str: "33.3%"},
		{in: "33.3%", targets: 3, want: 0, str: "33.3%"},
		{in: "99.99 %", targets: 10000, want: 9999, str: "99.99%"},
		{in: "50%", targets: 0, want: 0, str: "50%"},
		// Just under 1/7: 7 targets allow none, which a String rounded
		// through float64 (14.285714285714286%) would make one.
		{in: "14.285714285714285714%", targets: 7, want: 0, str: "14.285714285714285714%"},
		{in: "2.50%", targets: 1000, want: 25, str: "2.5%"},
		{in: "007%", targets: 100, want: 7, str: "7%"},
		{in: "", wantErr: "empty"},
		{in: "   ", wantErr: "empty"},
		{in: "-1", wantErr: "negative"},
		{in: "-5%", wantErr: "negative"},
		{in: "101%", wantErr: "over 100%"},
		{in: "100.5%", wantErr: "over 100%"},
		{in: "1.5", wantErr: "not a whole number"},
		{in: "abc", wantErr: "neither a count nor a percentage"},
		{in: "1e3", wantErr: "neither a count nor a percentage"},
		{in: "0x10", wantErr: "neither a count nor a percentage"},
		{in: "NaN%", wantErr: "not a percentage"},
		{in: "1/3%", wantErr: "not a percentage"},
		{in: ".5%", wantErr: "not a percentage"},
		{in: "5.%", wantErr: "not a percentage"},
		{in: "%", wantErr: "not a percentage"},
		{in: "99999999999999999999999", wantErr: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMaxFooled(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseMaxFooled(%q) = %v, want error containing %q", tt.in, m, tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMaxFooled(%q) error %q, want it to contain %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMaxFooled(%q): %v", tt.in, err)
			}
			if got := m.Resolve(tt.targets); got != tt.want {
				t.Errorf("ParseMaxFooled(%q).Resolve(%d) = %d, want %d", tt.in, tt.targets, got, tt.want)
			}
			if got := m.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			// String must round-trip so the config in reports can be re-run.
			again, err := ParseMaxFooled(m.String())
			if err != nil || again.Resolve(tt.targets) != tt.want {
				t.Errorf("round trip of %q via %q: %v, %v", tt.in, m.String(), again, err)
			}
		})
	}
}

func TestParseFailOn(t *testing.T) {
	tests := []struct {
		in      string
		want    FailOn
		wantErr string
	}{
		{in: "fooled", want: FailOnFooled},
		{in: "never", want: FailOnNever},
		{in: " NEVER ", want: FailOnNever},
		{in: "", wantErr: "empty"},
		{in: "always", wantErr: `"always" is not valid`},
		{in: "fooled,never", wantErr: "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFailOn(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseFailOn(%q) = %q, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFailOn(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func classes(confs ...float64) []report.Class {
	cs := make([]report.Class, len(confs))
	for i, c := range confs {
		cs[i] = report.Class{Index: i, Label: "c", Confidence: c}
	}
	return cs
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name       string
		confs      []float64
		threshold  float64
		max        string
		failOn     FailOn
		want       Verdict
		wantFooled int
		wantMax    int
		wantMedian float64
		wantTop    float64
		wantExit   Outcome
	}{
		{
			name: "nothing fooled passes", confs: []float64{0.1, 0.5, 0.9},
			threshold: 0.99, max: "0", failOn: FailOnFooled,
			want: Pass, wantFooled: 0, wantMax: 0, wantMedian: 0.5, wantTop: 0.9, wantExit: Proceed,
		},
		{
			name: "threshold is inclusive", confs: []float64{0.99, 0.5},
			threshold: 0.99, max: "0", failOn: FailOnFooled,
			want: Fail, wantFooled: 1, wantMax: 0, wantMedian: 0.745, wantTop: 0.99, wantExit: Block,
		},
		{
			name: "at the allowance passes", confs: []float64{0.999, 0.995, 0.2, 0.1},
			threshold: 0.99, max: "2", failOn: FailOnFooled,
			want: Pass, wantFooled: 2, wantMax: 2, wantMedian: 0.5975, wantTop: 0.999, wantExit: Proceed,
		},
		{
			name: "over the allowance fails", confs: []float64{0.999, 0.995, 0.991, 0.1},
			threshold: 0.99, max: "2", failOn: FailOnFooled,
			want: Fail, wantFooled: 3, wantMax: 2, wantMedian: 0.993, wantTop: 0.999, wantExit: Block,
		},
		{
			name: "percentage allowance floors", confs: []float64{1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
			threshold: 0.9, max: "19%", failOn: FailOnFooled,
			want: Fail, wantFooled: 2, wantMax: 1, wantMedian: 0, wantTop: 1, wantExit: Block,
		},
		{
			name: "report only still records fail", confs: []float64{1},
			threshold: 0.5, max: "0", failOn: FailOnNever,
			want: Fail, wantFooled: 1, wantMax: 0, wantMedian: 1, wantTop: 1, wantExit: Proceed,
		},
		{
			name: "NaN is never fooled and not in the statistics", confs: []float64{math.NaN(), 0.2, 0.4},
			threshold: 0.3, max: "0", failOn: FailOnFooled,
			want: Fail, wantFooled: 1, wantMax: 0, wantMedian: 0.3, wantTop: 0.4, wantExit: Block,
		},
		{
			name: "no targets passes", confs: nil,
			threshold: 0.99, max: "0", failOn: FailOnFooled,
			want: Pass, wantFooled: 0, wantMax: 0, wantMedian: 0, wantTop: 0, wantExit: Proceed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMaxFooled(tt.max)
			if err != nil {
				t.Fatal(err)
			}
			res := &report.Result{Classes: classes(tt.confs...), Evaluations: minEvaluations}
			// A stale flag from an earlier evaluation must be cleared.
			if len(res.Classes) > 0 {
				res.Classes[len(res.Classes)-1].Fooled = true
			}
			v, err := Evaluate(res, tt.threshold, m, tt.failOn)
			if err != nil {
				t.Fatal(err)
			}
			if v != tt.want || res.Verdict != tt.want {
				t.Errorf("verdict %q (recorded %q), want %q", v, res.Verdict, tt.want)
			}
			if res.Fooled != tt.wantFooled || res.MaxFooled != tt.wantMax || res.Targets != len(tt.confs) {
				t.Errorf("fooled %d of %d (allowed %d), want %d of %d (allowed %d)",
					res.Fooled, res.Targets, res.MaxFooled, tt.wantFooled, len(tt.confs), tt.wantMax)
			}
			n := 0
			for _, c := range res.Classes {
				if c.Fooled != (c.Confidence >= tt.threshold) {
					t.Errorf("class %d: Fooled=%v at confidence %v", c.Index, c.Fooled, c.Confidence)
				}
				if c.Fooled {
					n++
				}
			}
			if n != res.Fooled {
				t.Errorf("%d classes flagged, Fooled=%d", n, res.Fooled)
			}
			if math.Abs(res.MedianConfidence-tt.wantMedian) > 1e-12 || res.MaxConfidence != tt.wantTop {
				t.Errorf("median %v max %v, want %v %v", res.MedianConfidence, res.MaxConfidence, tt.wantMedian, tt.wantTop)
			}
			if res.Threshold != tt.threshold || res.Config.Threshold != tt.threshold ||
				res.Config.FailOn != string(tt.failOn) || res.Config.MaxFooled != m.String() {
				t.Errorf("gate settings not recorded: %+v / %+v", res.Threshold, res.Config)
			}
			if got := OutcomeOf(v, tt.failOn); got != tt.wantExit {
				t.Errorf("OutcomeOf = %d, want %d", got, tt.wantExit)
			}
		})
	}
}

func TestEvaluateRejects(t *testing.T) {
	zero := MaxFooled{}
	tests := []struct {
		name      string
		res       *report.Result
		threshold float64
		failOn    FailOn
		wantErr   string
	}{
		{"nil result", nil, 0.9, FailOnFooled, "no result"},
		{"zero threshold", &report.Result{}, 0, FailOnFooled, "out of range"},
		{"threshold above one", &report.Result{}, 1.5, FailOnFooled, "out of range"},
		{"NaN threshold", &report.Result{}, math.NaN(), FailOnFooled, "out of range"},
		{"unknown fail-on", &report.Result{}, 0.9, FailOn("sometimes"), "not valid"},
		{"empty fail-on", &report.Result{}, 0.9, FailOn(""), "not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Evaluate(tt.res, tt.threshold, zero, tt.failOn)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Evaluate = %q, %v; want error containing %q", v, err, tt.wantErr)
			}
			if tt.res != nil && tt.res.Verdict != "" {
				t.Errorf("a rejected evaluation recorded verdict %q", tt.res.Verdict)
			}
		})
	}
}

func TestOutcomeOf(t *testing.T) {
	tests := []struct {
		v      Verdict
		failOn FailOn
		want   Outcome
	}{
		{Pass, FailOnFooled, Proceed},
		{Pass, FailOnNever, Proceed},
		{Fail, FailOnFooled, Block},
		{Fail, FailOnNever, Proceed},
		{Error, FailOnNever, Untested},
		{"", FailOnFooled, Untested},
		{"", FailOnNever, Untested},
		{"maybe", FailOnFooled, Untested},
	}
	for _, tt := range tests {
		if got := OutcomeOf(tt.v, tt.failOn); got != tt.want {
			t.Errorf("OutcomeOf(%q, %q) = %d, want %d", tt.v, tt.failOn, got, tt.want)
		}
	}
}

// TestEvaluateError: a run that did not test the model never passes.
func TestEvaluateError(t *testing.T) {
	tests := []struct {
		name string
		res  report.Result
		want Verdict
	}{
		{"model failure wins over fail", report.Result{Classes: classes(1, 0), Evaluations: 500, RunError: "the model failed"}, Error},
		{"interrupted without a failing finding", report.Result{Classes: classes(0.1, 0), Evaluations: 500, Interrupted: true}, Error},
		{"interrupted with a failing finding", report.Result{Classes: classes(1, 0), Evaluations: 500, Interrupted: true}, Fail},
		// Outputs too often not finite keep a run from passing, but the
		// classes that images with finite outputs fooled were fooled.
		{"too many non-finite outputs without a failing finding", report.Result{Classes: classes(0.1, 0), Evaluations: 500, NonFiniteError: nonFinite}, Error},
		{"too many non-finite outputs with a failing finding", report.Result{Classes: classes(1, 0), Evaluations: 15, NonFiniteError: nonFinite}, Fail},
		{"a run fooling every class allowed, with too many non-finite outputs", report.Result{Classes: classes(1, 1), Evaluations: 15, NonFiniteError: nonFinite}, Error},
		{"too few evaluations", report.Result{Classes: classes(0.1, 0), Evaluations: minEvaluations - 1}, Error},
		{"no evaluation at all", report.Result{Classes: classes(0, 0)}, Error},
		{"a lower --max-evals", report.Result{Classes: classes(0.1, 0), Evaluations: 50, Config: report.Config{MaxEvals: 50}}, Pass},
		{"every target fooled early", report.Result{Classes: classes(1, 1), Evaluations: 20}, Pass},
		{"enough evaluations", report.Result{Classes: classes(0.1, 0), Evaluations: minEvaluations}, Pass},
		{"fewer evaluations than targets", report.Result{Classes: classes(manyConfs(300)...), Targets: 300, Evaluations: 299}, Error},
		{"as many evaluations as targets", report.Result{Classes: classes(manyConfs(300)...), Targets: 300, Evaluations: 300}, Pass},
		// A cap lowers the minimum of 100, but not below one evaluation
		// per class searched.
		{"a --max-evals below the targets", report.Result{Classes: classes(manyConfs(300)...), Targets: 300, Evaluations: 150, Config: report.Config{MaxEvals: 150}}, Error},
		{"a --max-evals of one per target", report.Result{Classes: classes(manyConfs(300)...), Targets: 300, Evaluations: 300, Config: report.Config{MaxEvals: 300}}, Pass},
		{"a shard's own targets", report.Result{Classes: classes(manyConfs(300)...), Targets: 300, Evaluations: 150, Shard: &report.Shard{Index: 1, Count: 2, Searched: seq(0, 300, 2)}}, Pass},
		{"a shard's own targets, not searched enough", report.Result{Classes: classes(manyConfs(300)...), Targets: 300, Evaluations: 149, Shard: &report.Shard{Index: 1, Count: 2, Searched: seq(0, 300, 2)}}, Error},
		{"a shard's own classes fooled early", report.Result{Classes: classes(1, 0.1), Evaluations: 20, Shard: &report.Shard{Index: 1, Count: 2, Searched: []int{0}}}, Pass},
		{"a shard's own classes not fooled", report.Result{Classes: classes(1, 0.1), Evaluations: 20, Shard: &report.Shard{Index: 2, Count: 2, Searched: []int{1}}}, Error},
		{"a merged result is not a shard", report.Result{Classes: classes(1, 0.1), Evaluations: 20, Shard: &report.Shard{Count: 2}}, Error},
		{"a merged result without a shard", report.Result{Classes: []report.Class{{Index: 0, Confidence: 1}, {Index: 1, Confidence: 0.1, NotSearched: true}}, Evaluations: 20, Shard: &report.Shard{Count: 2}}, Pass},
		// A pass on a preprocessing nobody gave and no check confirmed
		// rests on nothing, whether the photos collapsed or not.
		{"unconfirmed default, photos collapsed", unconfirmedResult(classes(0.1, 0), true, false, report.DefaultPreprocessing), Error},
		{"unconfirmed default, failing", unconfirmedResult(classes(1, 0), true, false, report.DefaultPreprocessing), Fail},
		{"unconfirmed default, photos told apart", unconfirmedResult(classes(0.1, 0), false, false, report.DefaultPreprocessing), Error},
		{"digits confirm the default", func() report.Result {
			r := unconfirmedResult(classes(0.1, 0), false, false, report.DefaultPreprocessing)
			r.PhotoCheck, r.DigitCheck = nil, &report.DigitCheck{Digits: 100, Correct: 97, Confidence: 1}
			return r
		}(), Pass},
		{"unconfirmed default, digits surer with another preset", func() report.Result {
			r := unconfirmedResult(classes(0.1, 0), false, false, report.DefaultPreprocessing)
			r.PhotoCheck, r.DigitCheck = nil, &report.DigitCheck{Digits: 100, Correct: 98, Confidence: 0.89, SurerPreset: "mnist", SurerConfidence: 1}
			return r
		}(), Error},
		{"unconfirmed default, digits read badly", func() report.Result {
			r := unconfirmedResult(classes(0.1, 0), false, false, report.DefaultPreprocessing)
			r.PhotoCheck, r.DigitCheck = nil, &report.DigitCheck{Digits: 100, Correct: 11, Confidence: 0.3}
			return r
		}(), Error},
		{"unconfirmed default, checks off", unconfirmedResult(classes(0.1, 0), true, true, report.DefaultPreprocessing), Pass},
		{"a preset given, photos collapsed", unconfirmedResult(classes(0.1, 0), true, false, ""), Pass},
		{"a default under which every class fell", unconfirmedResult(classes(1, 1), true, false, report.DefaultPreprocessing), Pass},
	}
	allowAll, _ := ParseMaxFooled("100%")
	none, _ := ParseMaxFooled("0")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed := none
			if tt.name == "every target fooled early" || strings.HasPrefix(tt.name, "a ") {
				allowed = allowAll
			}
			v, err := Evaluate(&tt.res, 0.99, allowed, FailOnFooled)
			if err != nil {
				t.Fatal(err)
			}
			if v != tt.want {
				t.Fatalf("verdict %s, want %s", v, tt.want)
			}
			if v == Error && tt.res.Error == "" {
				t.Fatal("error verdict without a reason")
			}
			if v == Error && OutcomeOf(v, FailOnNever) != Untested {
				t.Fatal("an error verdict must never let the pipeline proceed, even in report-only mode")
			}
			// Reporting only gates nothing, but publishes the verdict:
			// an untested model is no pass there either.
			if v == Error {
				if again, err := Evaluate(&tt.res, 0.99, allowed, FailOnNever); err != nil || again != Error {
					t.Fatalf("with fail-on never: verdict %s, %v; want error", again, err)
				}
			}
		})
	}
}

// TestEvaluateAgain: Evaluate derives its own reasons afresh on each call,
// so a result gated again, under other settings, gets the verdict a fresh
// copy of it gets; only a failure of the run itself stays.
func TestEvaluateAgain(t *testing.T) {
	none, _ := ParseMaxFooled("0")
	all, _ := ParseMaxFooled("100%")
	unmovedRun := func() report.Result {
		return report.Result{Classes: classes(0.3, 0.2), Evaluations: 5000, Model: report.Model{Classes: 10, OutputKind: "probabilities"}}
	}
	tests := []struct {
		name         string
		res          func() report.Result
		first        FailOn
		firstAllowed MaxFooled
		then         FailOn
		thenAllowed  MaxFooled
		want         Verdict
	}{
		// fail-on never gates nothing, but an unmoved search tested
		// nothing either: its verdict says so.
		{"unmoved, then report only", unmovedRun, FailOnFooled, none, FailOnNever, none, Error},
		{"unmoved and told to go on, then report only", func() report.Result {
			r := unmovedRun()
			r.Config.PreprocessingUnchecked = true
			return r
		}, FailOnFooled, none, FailOnNever, none, Pass},
		{"interrupted, then allowed the fooled class", func() report.Result {
			return report.Result{Classes: classes(1, 0.1), Evaluations: 500, Interrupted: true}
		}, FailOnFooled, none, FailOnFooled, all, Error},
		{"too few evaluations, then a fooled class", func() report.Result {
			return report.Result{Classes: classes(0.1, 0.1), Evaluations: 10}
		}, FailOnFooled, none, FailOnFooled, none, Error},
		{"a failed run stays an error", func() report.Result {
			r := unmovedRun()
			r.RunError = "the model failed"
			return r
		}, FailOnFooled, none, FailOnNever, none, Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fresh := tt.res()
			want, err := Evaluate(&fresh, 0.99, tt.thenAllowed, tt.then)
			if err != nil || want != tt.want {
				t.Fatalf("fresh: verdict %s, %v; want %s", want, err, tt.want)
			}
			again := tt.res()
			if _, err := Evaluate(&again, 0.99, tt.firstAllowed, tt.first); err != nil {
				t.Fatal(err)
			}
			v, err := Evaluate(&again, 0.99, tt.thenAllowed, tt.then)
			if err != nil || v != want || again.Error != fresh.Error {
				t.Errorf("evaluated again: verdict %s (error %q), %v; a fresh copy gets %s (error %q)", v, again.Error, err, want, fresh.Error)
			}
		})
	}
}

// nonFinite is the reason of a run whose outputs were too often not finite.
const nonFinite = "the model's outputs were NaN or infinite for 9 of 500 scored images"

// TestNonFiniteError: the reason outputs too often not finite give becomes
// the error of a run they keep from passing, also when the score gates
// find the search stopped too early to compare, and a fail keeps no
// error; evaluating the result again gives the same verdict.
func TestNonFiniteError(t *testing.T) {
	none, _ := ParseMaxFooled("0")
	tests := []struct {
		name   string
		res    report.Result
		failOn FailOn
		want   Verdict
	}{
		{"would pass", report.Result{Classes: classes(0.1, 0), Evaluations: 500, NonFiniteError: nonFinite}, FailOnFooled, Error},
		{"fails", report.Result{Classes: classes(1, 0), Evaluations: 500, NonFiniteError: nonFinite}, FailOnFooled, Fail},
		{"report only", report.Result{Classes: classes(1, 0), Evaluations: 500, NonFiniteError: nonFinite}, FailOnNever, Fail},
		{"a minimum score, the search cut short", report.Result{Classes: classes(1, 0), Evaluations: 100, StoppedReason: "error", NonFiniteError: nonFinite, Config: report.Config{MinScore: 0.5}}, FailOnFooled, Error},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 {
				v, err := Evaluate(&tt.res, 0.99, none, tt.failOn)
				if err != nil {
					t.Fatal(err)
				}
				if v != tt.want {
					t.Fatalf("verdict %s, want %s (error %q)", v, tt.want, tt.res.Error)
				}
				if want := map[Verdict]string{Error: nonFinite}[v]; tt.res.Error != want {
					t.Fatalf("error %q, want %q", tt.res.Error, want)
				}
			}
		})
	}
}

// unconfirmedResult returns a result of classes searched with the
// preprocessing from (report.DefaultPreprocessing: nothing gave it), the
// photos collapsed or not, the checks off or not.
func unconfirmedResult(cs []report.Class, collapsed, unchecked bool, from string) report.Result {
	return report.Result{Classes: cs, Evaluations: 500,
		PhotoCheck: &report.PhotoCheck{Photos: 6, Spread: 0.01, Collapsed: collapsed},
		Config:     report.Config{Preset: "raw01", PreprocessingFrom: from, PreprocessingUnchecked: unchecked}}
}

// manyConfs returns n confidences that fool no class.
func manyConfs(n int) []float64 {
	c := make([]float64, n)
	for i := range c {
		c[i] = 0.1
	}
	return c
}

// seq returns from, from+step, … below to.
func seq(from, to, step int) []int {
	var s []int
	for i := from; i < to; i += step {
		s = append(s, i)
	}
	return s
}

// TestFailedBy: the gate records every finding that fails it, whichever
// decides the verdict, and nothing for a pass, so that the writers mark as
// failures exactly what the verdict rests on.
func TestFailedBy(t *testing.T) {
	// Ten classes: the first fooled at 100 evaluations each, the others
	// not; the baseline needed 100 times as many for each fooled class,
	// a regression at any alpha the tests use.
	build := func(fooled int, baseline bool, minScore float64, comparable bool) *report.Result {
		res := &report.Result{Evaluations: 100_000, EvaluationBudget: 100_000, ScoreComparable: comparable,
			Config: report.Config{MinScore: minScore}}
		for i := range 10 {
			c := report.Class{Index: i, Confidence: 0.5}
			if i < fooled {
				e := int64(100 + i)
				c.Confidence, c.EvaluationsToThreshold = 1, &e
			}
			res.Classes = append(res.Classes, c)
		}
		if baseline {
			res.Baseline = &report.Baseline{}
			for i, c := range res.Classes {
				bc := report.BaselineClass{Index: i}
				if c.EvaluationsToThreshold != nil {
					e := 100 * *c.EvaluationsToThreshold
					bc.EvaluationsToThreshold = &e
				}
				res.Baseline.Classes = append(res.Baseline.Classes, bc)
			}
		}
		return res
	}
	tests := []struct {
		name     string
		res      *report.Result
		max      string
		failOn   FailOn
		want     Verdict
		failedBy []string
	}{
		{"nothing fooled", build(0, false, 0, true), "0", FailOnFooled, Pass, nil},
		{"fooled within the allowance", build(10, false, 0, true), "100%", FailOnFooled, Pass, nil},
		{"fooled over the allowance", build(3, false, 0, true), "2", FailOnFooled, Fail, []string{report.FailedByFooled}},
		{"report only still records what failed", build(3, false, 0, true), "0", FailOnNever, Fail, []string{report.FailedByFooled}},
		{"regression judged alone, none found", build(0, true, 0, true), "0", FailOnRegression, Pass, nil},
		{"regression judged alone, fooled over the allowance", build(10, true, 0, true), "0", FailOnRegression, Fail, []string{report.FailedByRegression}},
		{"a regression the gate does not judge", build(10, true, 0, true), "100%", FailOnFooled, Pass, nil},
		{"score under the minimum and fooled over the allowance", build(10, false, 0.9, true), "0", FailOnFooled, Fail, []string{report.FailedByMinScore, report.FailedByFooled}},
		{"score under the minimum, fooled within the allowance", build(10, false, 0.9, true), "100%", FailOnFooled, Fail, []string{report.FailedByMinScore}},
		{"a score that is not comparable fails nothing", build(10, false, 0.9, false), "100%", FailOnFooled, Error, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed, err := ParseMaxFooled(tt.max)
			if err != nil {
				t.Fatal(err)
			}
			// A stale record from an earlier evaluation must be replaced.
			tt.res.FailedBy = []string{"stale"}
			v, err := Evaluate(tt.res, 0.99, allowed, tt.failOn)
			if err != nil {
				t.Fatal(err)
			}
			if v != tt.want {
				t.Errorf("verdict %s, want %s (error %q)", v, tt.want, tt.res.Error)
			}
			if !slices.Equal(tt.res.FailedBy, tt.failedBy) {
				t.Errorf("FailedBy %q, want %q", tt.res.FailedBy, tt.failedBy)
			}
			if (v == Pass) != (len(tt.res.FailedBy) == 0) && v != Error {
				t.Errorf("verdict %s with FailedBy %q: a pass fails nothing and a fail something", v, tt.res.FailedBy)
			}
		})
	}
}

// TestBaselineDifferencesShowFloat32: a run holds scale, mean and std as
// float32, and report.json keeps them as float64(v); a mismatch names them
// as the user gave them (0.485), not with float32's rounding
// (0.48500001430511475), and equal settings still compare equal.
func TestBaselineDifferencesShowFloat32(t *testing.T) {
	f32 := func(xs ...float64) []float64 {
		out := make([]float64, len(xs))
		for i, x := range xs {
			out[i] = float64(float32(x))
		}
		return out
	}
	cand := &report.Result{Config: report.Config{Preset: "imagenet", Scale: f32(1.0 / 255)[0], Mean: f32(0.485, 0.456, 0.406), Std: f32(0.229, 0.224, 0.225)}}
	base := &report.Result{Config: report.Config{Preset: "imagenet", Scale: f32(1.0 / 255)[0], Mean: f32(0.485, 0.456, 0.406), Std: f32(0.229, 0.224, 0.225)}, ScoreComparable: true, ScoreVersion: score.Version}
	if d := PreprocessingDifferences(cand, base); len(d) != 0 {
		t.Fatalf("equal settings differ: %v", d)
	}
	base.Config.Preset, base.Config.Scale, base.Config.Mean, base.Config.Std = "custom", 1, f32(0.5, 0.5, 0.5), f32(0.229, 0.224, 0.225)
	err := CheckBaseline(cand, base, false)
	if err == nil {
		t.Fatal("CheckBaseline accepted other preprocessing")
	}
	for _, want := range []string{"scale 0.003921569 (baseline 1)", "mean [0.485 0.456 0.406] (baseline [0.5 0.5 0.5])"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q does not name %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "0000") || strings.Contains(err.Error(), "std") {
		t.Errorf("%q shows float32 rounding, or a setting that does not differ", err)
	}
}

// TestUnconfirmedFix: the unconfirmed error's fix names a preset only when
// the run's values are one; a channel order given alone makes them
// "custom", which no --preset takes.
func TestUnconfirmedFix(t *testing.T) {
	none, _ := ParseMaxFooled("0")
	for preset, want := range map[string]string{"raw01": "confirm these with --preset raw01", "custom": "confirm these with --scale 1 --mean 0 --std 1"} {
		res := unconfirmedResult(classes(0.1, 0), true, false, report.DefaultPreprocessing)
		res.Config.Preset = preset
		if v, err := Evaluate(&res, 0.99, none, FailOnFooled); err != nil || v != Error {
			t.Fatalf("%s: verdict %s, %v", preset, v, err)
		}
		if !strings.HasSuffix(res.Error, want) || strings.Contains(res.Error, "--preset custom") {
			t.Errorf("%s: error %q, want it to end %q", preset, res.Error, want)
		}
	}
	// A channel order given alone: the values are named, not "custom".
	res := unconfirmedResult(classes(0.1, 0), true, false, report.DefaultPreprocessing)
	res.Config.Preset, res.Config.ChannelOrder = "custom", "bgr"
	if v, err := Evaluate(&res, 0.99, none, FailOnFooled); err != nil || v != Error || !strings.Contains(res.Error, "(pixels in [0, 1] as they are, in BGR order)") {
		t.Errorf("bgr alone: verdict %s, %v, error %q", v, err, res.Error)
	}
	// Digits read surer with another preset: the error names it.
	res = unconfirmedResult(classes(0.1, 0), false, false, report.DefaultPreprocessing)
	res.PhotoCheck, res.DigitCheck = nil, &report.DigitCheck{Digits: 100, Correct: 98, Confidence: 0.89, SurerPreset: "mnist", SurerConfidence: 1}
	if v, err := Evaluate(&res, 0.99, none, FailOnFooled); err != nil || v != Error || !strings.Contains(res.Error, "as well with preset mnist and surer (a median confidence of 1.00 against 0.89)") || !strings.HasSuffix(res.Error, "confirm these with --preset raw01") {
		t.Errorf("digits surer with mnist: verdict %s, %v, error %q", v, err, res.Error)
	}
	// Photos told apart: the error says what a wrong default does.
	res = unconfirmedResult(classes(0.1, 0), false, false, report.DefaultPreprocessing)
	if v, err := Evaluate(&res, 0.99, none, FailOnFooled); err != nil || v != Error {
		t.Fatalf("photos told apart: verdict %s, %v", v, err)
	}
	if want := "the run would pass, but on fooltest's default scale, mean and std (preset raw01), which nothing gave: "; !strings.HasPrefix(res.Error, want) || !strings.HasSuffix(res.Error, "confirm these with --preset raw01") {
		t.Errorf("photos told apart: error %q", res.Error)
	}
}

// TestCappedBelowTargets: a run that --max-evals stopped before one
// evaluation per class searched ends in error, naming the cap to raise.
func TestCappedBelowTargets(t *testing.T) {
	none, _ := ParseMaxFooled("0")
	res := report.Result{Classes: classes(manyConfs(100)...), Targets: 100, Evaluations: 1, Config: report.Config{MaxEvals: 1}}
	if v, err := Evaluate(&res, 0.99, none, FailOnFooled); err != nil || v != Error {
		t.Fatalf("verdict %s, %v; want error", v, err)
	}
	if !strings.Contains(res.Error, "capped by --max-evals 1, fewer than one per target class searched (100)") || !strings.Contains(res.Error, "raise --max-evals to at least 100") {
		t.Errorf("error %q does not name the cap", res.Error)
	}
}

// TestRepeatsOweEachSearch: each of --repeats' independent searches owes
// one evaluation per class it searched, as a single search does; their
// sum decides nothing: five searches capped at 20 for 100 classes tried no
// more of them than one did.
func TestRepeatsOweEachSearch(t *testing.T) {
	none, _ := ParseMaxFooled("0")
	for _, tc := range []struct {
		name        string
		maxEvals    int64
		evals       int64 // of the five searches together
		shards      bool  // two shards merged, each of evals
		want        Verdict
		wantInError string
	}{
		{name: "capped below the classes", maxEvals: 20, evals: 100, want: Error,
			wantInError: "the search made only 20 model evaluations per search of --repeats 5, capped by --max-evals 20, fewer than one per target class searched (100), so most classes were never tried: raise --max-evals to at least 100"},
		{name: "stopped short", evals: 250, want: Error,
			wantInError: "the search made only 50 model evaluations per search of --repeats 5, fewer than the 100 a pass needs"},
		{name: "each search made its share", maxEvals: 100, evals: 500, want: Pass},
		{name: "merged shards stopped short", evals: 200, shards: true, want: Error,
			wantInError: "shard 1/2 (and shard 2/2) made only 40 model evaluations per search of --repeats 5, fewer than the 100 a pass needs of each shard"},
		{name: "merged shards made their share", evals: 500, shards: true, want: Pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := report.Result{Classes: classes(manyConfs(100)...), Repeats: 5, Evaluations: tc.evals, ScoreComparable: true,
				Config: report.Config{MaxEvals: tc.maxEvals, Repeats: 5, PreprocessingUnchecked: true}}
			if tc.shards {
				res.Shard = &report.Shard{Count: 2, Merged: []int{1, 2}, Runs: []report.ShardRun{
					{Index: 1, Targets: 50, Evaluations: tc.evals}, {Index: 2, Targets: 50, Evaluations: tc.evals}}}
				res.Evaluations = 2 * tc.evals
			}
			v, err := Evaluate(&res, 0.99, none, FailOnFooled)
			if err != nil || v != tc.want {
				t.Fatalf("verdict %s (%s), %v; want %s", v, res.Error, err, tc.want)
			}
			if !strings.Contains(res.Error, tc.wantInError) {
				t.Errorf("error %q does not say %q", res.Error, tc.wantInError)
			}
		})
	}
}

// TestMergedCappedPerShard: a merge owes one evaluation per class per
// shard, under each shard's own cap. Four shards of 100 classes each capped
// at 20 made 80 evaluations in all, fewer than the 100 classes, and the
// fix is a cap of 25 (the largest shard's classes), not 100; capped at 30
// every shard could try each of its classes, and three shards capped at
// 30 with a fourth missing owe 25 each, from the shards present.
func TestMergedCappedPerShard(t *testing.T) {
	none, _ := ParseMaxFooled("0")
	for _, tc := range []struct {
		name        string
		maxEvals    int64
		merged      []int
		want        Verdict
		wantInError string
	}{
		{"capped below a shard's classes", 20, []int{1, 2, 3, 4}, Error,
			"each shard made at most 20 model evaluations, capped by --max-evals 20, fewer than one per target class it searched (25 in the largest shard), so most classes were never tried: raise --max-evals to at least 25"},
		{"capped above a shard's classes", 30, []int{1, 2, 3, 4}, Pass, ""},
		{"a shard missing", 20, []int{1, 2, 4}, Error, "(25 in the largest shard)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := report.Result{Classes: classes(manyConfs(100)...), Config: report.Config{MaxEvals: tc.maxEvals, PreprocessingUnchecked: true},
				Shard: &report.Shard{Count: 4, Merged: tc.merged}, ScoreComparable: true}
			res.Evaluations = tc.maxEvals * int64(len(tc.merged))
			for j := range res.Classes {
				res.Classes[j].NotSearched = !slices.Contains(tc.merged, j%4+1)
			}
			v, err := Evaluate(&res, 0.99, none, FailOnFooled)
			if err != nil || v != tc.want {
				t.Fatalf("verdict %s (%s), %v; want %s", v, res.Error, err, tc.want)
			}
			if !strings.Contains(res.Error, tc.wantInError) {
				t.Errorf("error %q does not say %q", res.Error, tc.wantInError)
			}
		})
	}
}

// TestMergedPerShard: a merge that keeps each shard's run holds each shard
// to a single run's rule for its own classes: as many evaluations as it
// searched classes (and the minimum), unless it fooled every one of them.
// The sum over shards decides nothing: one shard's 5000 evaluations do not
// hide another's 3 for its 50 classes, and a shard that fooled all its
// classes after 10 does not make the merge owe 100 in all.
func TestMergedPerShard(t *testing.T) {
	type run struct {
		evals   int64
		stopped string
		fooled  bool // every class of the shard fooled
	}
	tests := []struct {
		name        string
		maxEvals    int64
		maxFooled   string
		runs        []run
		unmovable   bool // the preprocessing check is on and nothing moved
		want        Verdict
		wantInError string
	}{
		{name: "a shard starved by its time budget", maxFooled: "0",
			runs: []run{{evals: 5000, stopped: "budget"}, {evals: 3, stopped: "budget"}}, want: Error,
			wantInError: "shard 2/2 made only 3 model evaluations (its search stopped: budget), fewer than the 100 a pass needs of each shard"},
		{name: "both shards starved", maxFooled: "0",
			runs: []run{{evals: 40}, {evals: 3}}, want: Error,
			wantInError: "shard 1/2 (and shard 2/2) made only 40 model evaluations"},
		{name: "every shard made its share", maxFooled: "0",
			runs: []run{{evals: 5000}, {evals: 100}}, want: Pass},
		{name: "a shard fooled all its classes early", maxEvals: 60, maxFooled: "50%",
			runs: []run{{evals: 10, stopped: "all-reached", fooled: true}, {evals: 60, stopped: "max-evals"}}, want: Pass},
		{name: "a shard fooled all its classes early, uncapped", maxFooled: "50%",
			runs: []run{{evals: 3, stopped: "all-reached", fooled: true}, {evals: 5000}}, want: Pass},
		{name: "a shard capped below its classes", maxEvals: 40, maxFooled: "0",
			runs: []run{{evals: 40, stopped: "max-evals"}, {evals: 40, stopped: "max-evals"}}, want: Error,
			wantInError: "shard 1/2 (and shard 2/2) made only 40 model evaluations, capped by --max-evals 40, fewer than one per target class it searched (50), so most of its classes were never tried: raise --max-evals to at least 50"},
		// The shards' runs replace the sum, not the checks that follow it.
		{name: "enough evaluations, nothing moved", maxFooled: "0", unmovable: true,
			runs: []run{{evals: 5000}, {evals: 5000}}, want: Error, wantInError: "never moved the model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			allowed, err := ParseMaxFooled(tt.maxFooled)
			if err != nil {
				t.Fatal(err)
			}
			confs := manyConfs(100)
			sh := &report.Shard{Count: 2, Merged: []int{1, 2}}
			var sum int64
			for i, r := range tt.runs {
				sh.Runs = append(sh.Runs, report.ShardRun{Index: i + 1, Targets: 50, Evaluations: r.evals, StoppedReason: r.stopped})
				sum += r.evals
				for j := i; r.fooled && j < len(confs); j += 2 {
					confs[j] = 0.999
				}
			}
			res := report.Result{Classes: classes(confs...), Shard: sh, ScoreComparable: true, Evaluations: sum,
				Model:  report.Model{Classes: 100, OutputKind: "probabilities"},
				Config: report.Config{MaxEvals: tt.maxEvals, PreprocessingUnchecked: !tt.unmovable}}
			v, err := Evaluate(&res, 0.99, allowed, FailOnFooled)
			if err != nil || v != tt.want {
				t.Fatalf("verdict %s (%s), %v; want %s", v, res.Error, err, tt.want)
			}
			if !strings.Contains(res.Error, tt.wantInError) {
				t.Errorf("error %q does not say %q", res.Error, tt.wantInError)
			}
		})
	}
}

// TestUnmoved: a run that would pass after a search that brought no class
// halfway, in log-odds, from the model's even answer to the threshold ends
// in error, naming the nearest class; a near miss passes, and so does a
// run told to go on whatever the checks find, or one that only reports.
func TestUnmoved(t *testing.T) {
	none, _ := ParseMaxFooled("0")
	tests := []struct {
		name      string
		k         int
		kind      string
		confs     []float64
		threshold float64
		unchecked bool
		failOn    FailOn
		want      Verdict
		nearest   string
	}{
		// An MLPerf ResNet-8 trained on 0..255 and given [0, 1].
		{name: "squeezed 10 classes", k: 10, kind: "probabilities", confs: []float64{0.2, 0.554, 0.3}, threshold: 0.99, want: Error, nearest: "class 1 \"c\", reached 0.554, 36% of the way"},
		{name: "near miss", k: 10, kind: "probabilities", confs: []float64{0.2, 0.96}, threshold: 0.99, want: Pass},
		// Halfway for 10 classes at 0.99 is 0.768: odds of 0.99·9/0.01,
		// square-rooted, over 9.
		{name: "just past halfway", k: 10, kind: "logits", confs: []float64{0.78}, threshold: 0.99, want: Pass},
		{name: "just short of halfway", k: 10, kind: "logits", confs: []float64{0.75}, threshold: 0.99, want: Error},
		// An untrained 5-class network stays near 1/5.
		{name: "untrained", k: 5, kind: "probabilities", confs: []float64{0.235, 0.21}, threshold: 0.99, want: Error, nearest: "class 0 \"c\", reached 0.235, 3% of the way"},
		// Below the even answer the share is floored at 0.
		{name: "below even", k: 20, kind: "logits", confs: []float64{0.01}, threshold: 0.99, want: Error, nearest: "0% of the way"},
		// Independent scores start from 0.5: 0.9 is short of halfway
		// to 0.99, 0.92 past it.
		{name: "sigmoid short", k: 40, kind: "sigmoid", confs: []float64{0.9}, threshold: 0.99, want: Error},
		{name: "sigmoid past", k: 40, kind: "multilabel-logits", confs: []float64{0.92}, threshold: 0.99, want: Pass},
		{name: "told to go on", k: 10, kind: "probabilities", confs: []float64{0.3}, threshold: 0.99, unchecked: true, want: Pass},
		{name: "reports only", k: 10, kind: "probabilities", confs: []float64{0.3}, threshold: 0.99, failOn: FailOnNever, want: Error},
		{name: "threshold under the even answer", k: 10, kind: "probabilities", confs: []float64{0.05}, threshold: 0.08, want: Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := report.Result{Classes: classes(tt.confs...), Evaluations: 5000, Model: report.Model{Classes: tt.k, OutputKind: tt.kind}}
			res.Config.PreprocessingUnchecked = tt.unchecked
			failOn := cmp.Or(tt.failOn, FailOnFooled)
			v, err := Evaluate(&res, tt.threshold, none, failOn)
			if err != nil || v != tt.want {
				t.Fatalf("verdict %s, %v; want %s (error %q)", v, err, tt.want, res.Error)
			}
			if v == Error && (!strings.Contains(res.Error, "the search never moved the model") || !strings.Contains(res.Error, tt.nearest) || !strings.HasSuffix(res.Error, "pass --preprocessing-check=false")) {
				t.Errorf("error %q, want the nearest class %q and the way out", res.Error, tt.nearest)
			}
		})
	}
	// The time budget stopped the search: more evaluations under it would
	// stop at the same place, so the error names --budget.
	res := report.Result{Classes: classes(0.3), Evaluations: 1158, StoppedReason: "budget", Model: report.Model{Classes: 2, OutputKind: "logits"}}
	if v, _ := Evaluate(&res, 0.99, none, FailOnFooled); v != Error || !strings.Contains(res.Error, "a longer time budget (--budget: it stopped this search at 1158 evaluations)") {
		t.Errorf("stopped by the budget: verdict %s, error %q", v, res.Error)
	}
	res = report.Result{Classes: classes(0.3), Evaluations: 1500, StoppedReason: "max-evals", Model: report.Model{Classes: 2, OutputKind: "logits"}}
	if v, _ := Evaluate(&res, 0.99, none, FailOnFooled); v != Error || !strings.Contains(res.Error, "more evaluations (--max-evals)") {
		t.Errorf("stopped by the cap: verdict %s, error %q", v, res.Error)
	}
}

// TestClassList: target classes are written as --classes takes them, so
// that a refusal's suggestion can be given back as it is.
func TestClassList(t *testing.T) {
	for _, tc := range []struct {
		classes []int
		want    string
	}{
		{nil, ""},
		{[]int{3}, "3"},
		{[]int{0, 1, 2, 3, 4, 5, 6}, "0-6"},
		{[]int{0, 2, 3, 4, 8}, "0,2-4,8"},
		{[]int{1, 2, 5, 6}, "1-2,5-6"},
	} {
		if got := ClassList(tc.classes); got != tc.want {
			t.Errorf("ClassList(%v) = %q, want %q", tc.classes, got, tc.want)
		}
	}
}

// TestCheckBaselineClasses: target classes compare as the classes they
// resolved to, not as --classes named them.
func TestCheckBaselineClasses(t *testing.T) {
	withClasses := func(named string, classes ...int) *report.Result {
		r := &report.Result{Config: report.Config{Classes: named}, ScoreComparable: true, ScoreVersion: score.Version}
		for _, c := range classes {
			r.Classes = append(r.Classes, report.Class{Index: c})
		}
		return r
	}
	if err := CheckBaseline(withClasses("0-2", 0, 1, 2), withClasses("all", 0, 1, 2), false); err != nil {
		t.Errorf("the same classes named otherwise: %v", err)
	}
	err := CheckBaseline(withClasses("all", 0, 1, 2), withClasses("all", 0, 1), false)
	m, ok := errors.AsType[*BaselineMismatch](err)
	if !ok || !m.Has(SettingClasses) || !strings.Contains(err.Error(), "classes 0-2 (baseline 0-1)") {
		t.Errorf("other classes named alike: %v", err)
	}
	sharded := withClasses("all", 0, 1, 2)
	sharded.TargetClasses, sharded.Shard = []int{0, 1, 2, 3}, &report.Shard{Index: 1, Count: 2}
	if got := TargetsOf(sharded); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("TargetsOf a shard = %v, want its target classes", got)
	}
}

// TestErrorNotCompared: a run that ended in error states no change against
// its baseline, whichever way its costs lean, and no regression fails it;
// one that tested its model keeps its comparison.
func TestErrorNotCompared(t *testing.T) {
	for _, tc := range []struct {
		name            string
		cand, base      []*int64
		err             string
		wantChange      string
		wantRegression  bool
		wantFailedByReg bool
	}{
		{"harder, tested", evals(900, 900, 900, 900, 900, 900), evals(9, 9, 9, 9, 9, 9), "", Harder, false, false},
		{"harder, in error", evals(900, 900, 900, 900, 900, 900), evals(9, 9, 9, 9, 9, 9), "the baseline's search stopped", NotCompared, false, false},
		{"easier, tested", evals(9, 9, 9, 9, 9, 9), evals(900, 900, 900, 900, 900, 900), "", Easier, true, true},
		{"easier, in error", evals(9, 9, 9, 9, 9, 9), evals(900, 900, 900, 900, 900, 900), "the model failed", NotCompared, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := comparedRun(t, tc.cand, tc.base, tc.err)
			b := res.Baseline
			if b.Change != tc.wantChange || b.Regression != tc.wantRegression || slices.Contains(res.FailedBy, report.FailedByRegression) != tc.wantFailedByReg {
				t.Errorf("verdict %s: change %q, regression %v, failed by %q; want %q, %v", res.Verdict, b.Change, b.Regression, res.FailedBy, tc.wantChange, tc.wantRegression)
			}
			if tc.wantChange != NotCompared {
				if b.Easier+b.Harder == 0 {
					t.Errorf("a tested run counts no class faster or slower: %+v", *b)
				}
				return
			}
			// Nothing that states a change survives; the measured
			// costs and their ratios do.
			if b.Easier != 0 || b.Harder != 0 {
				t.Errorf("not compared, yet %d classes fell faster and %d slower", b.Easier, b.Harder)
			}
			for _, c := range b.Classes {
				if c.Regressed || c.EvaluationsToThreshold == nil || c.LogRatio == 0 {
					t.Errorf("not compared, class %d: regressed %v, cost %v, log ratio %v; want no mark and the measured cost and ratio", c.Index, c.Regressed, c.EvaluationsToThreshold, c.LogRatio)
				}
			}
		})
	}
}

// TestScoreCountsSearched: in a merge missing shards, the score and the
// comparison with the baseline count only the classes searched: a class
// never searched neither raises the score as one that resisted, nor
// weighs in the test with a cost no search measured.
func TestScoreCountsSearched(t *testing.T) {
	evals := func(n int64) *int64 { return &n }
	merged := func(notSearched bool) *report.Result {
		res := &report.Result{Evaluations: 1000, EvaluationBudget: 1000, ScoreComparable: true,
			Config: report.Config{MaxEvals: 1000}, Shard: &report.Shard{Count: 2, Merged: []int{1}}, Baseline: &report.Baseline{}}
		for i := range 8 {
			c := report.Class{Index: i, Confidence: 1, EvaluationsToThreshold: evals(100)}
			base := evals(100)
			if i >= 6 {
				// Never searched: the baseline's shard fooled it at
				// once, the candidate's present shards never did.
				c.Confidence, c.EvaluationsToThreshold, c.NotSearched, base = 0.2, nil, notSearched, evals(1)
			}
			res.Classes = append(res.Classes, c)
			res.Baseline.Classes = append(res.Baseline.Classes, report.BaselineClass{Index: i, EvaluationsToThreshold: base})
		}
		return res
	}
	allowAll, _ := ParseMaxFooled("100%")
	res := merged(true)
	if _, err := Evaluate(res, 0.99, allowAll, FailOnRegression); err != nil {
		t.Fatal(err)
	}
	if want := score.Of([]int64{100, 100, 100, 100, 100, 100}, 1000); res.Score != want || res.FooledWithinBudget != 6 {
		t.Errorf("score %v, fooled within the budget %d; want %v over the 6 classes searched", res.Score, res.FooledWithinBudget, want)
	}
	b := res.Baseline
	if b.Harder != 0 || b.Easier != 0 || b.PValue != 1 || b.Change != NoChange || b.Classes[7].LogRatio != 0 {
		t.Errorf("comparison counted classes never searched: %+v", *b)
	}
	// The same classes searched and not fooled count as resisting.
	all := merged(false)
	if _, err := Evaluate(all, 0.99, allowAll, FailOnRegression); err != nil {
		t.Fatal(err)
	}
	if all.Score <= res.Score || all.Baseline.Harder != 2 {
		t.Errorf("searched classes: score %v (want above %v), %d harder (want 2)", all.Score, res.Score, all.Baseline.Harder)
	}
}

// TestRegressedClasses: in a run that regressed, the classes the candidate
// fooled at half their baseline cost or less are marked regressed in the
// result itself, so that report.json carries what junit.xml and
// report.sarif mark; a run that did not regress marks none.
func TestRegressedClasses(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cand, base []*int64
		want       []bool
	}{
		// Six classes twice as fast or faster, two a little faster.
		{"regressed", evals(9, 9, 9, 9, 9, 9, 80, 90), evals(900, 900, 900, 900, 900, 900, 100, 100), []bool{true, true, true, true, true, true, false, false}},
		{"no regression", evals(900, 900, 900, 900, 900, 900, 80, 9), evals(9, 9, 9, 9, 9, 9, 100, 100), make([]bool, 8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := comparedRun(t, tc.cand, tc.base, "")
			for i, c := range res.Baseline.Classes {
				if c.Regressed != tc.want[i] || res.Baseline.Regressed(c) != tc.want[i] {
					t.Errorf("class %d (log ratio %.2f, run regressed %v): regressed %v, want %v", i, c.LogRatio, res.Baseline.Regression, c.Regressed, tc.want[i])
				}
			}
		})
	}
}

// evals returns pointers to the evaluation counts ns, as classes and
// baseline classes hold them.
func evals(ns ...int64) []*int64 {
	out := make([]*int64, len(ns))
	for i := range ns {
		out[i] = &ns[i]
	}
	return out
}

// comparedRun returns a run of one class per count in cand, every class
// fooled after its count, gated under fail-on regression against a
// baseline whose classes fell after base, with runErr as a failure of the
// run itself ("" for none).
func comparedRun(t *testing.T, cand, base []*int64, runErr string) *report.Result {
	t.Helper()
	confs := make([]float64, len(cand))
	for i := range confs {
		confs[i] = 1
	}
	res := &report.Result{Classes: classes(confs...), Evaluations: 1000, EvaluationBudget: 1000, ScoreComparable: true, RunError: runErr,
		Config: report.Config{MaxEvals: 1000}, Baseline: &report.Baseline{}}
	for i := range res.Classes {
		res.Classes[i].EvaluationsToThreshold = cand[i]
		res.Baseline.Classes = append(res.Baseline.Classes, report.BaselineClass{Index: i, EvaluationsToThreshold: base[i]})
	}
	allowAll, _ := ParseMaxFooled("100%")
	if _, err := Evaluate(res, 0.99, allowAll, FailOnRegression); err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCheckBaselineOutputKind: a baseline whose confidences are independent
// scores does not compare with a run's shares of one distribution, nor the
// other way round, with or without a preprocessing of its own; within one
// family the output kinds may differ.
func TestCheckBaselineOutputKind(t *testing.T) {
	withKind := func(kind string) *report.Result {
		return &report.Result{Model: report.Model{OutputKind: kind}, Classes: []report.Class{{Index: 0}}, ScoreComparable: true, ScoreVersion: score.Version}
	}
	for _, tc := range []struct {
		cand, base string
		refused    bool
	}{
		{"logits", "multilabel-logits", true},
		{"probabilities", "sigmoid", true},
		{"sigmoid", "percentages", true},
		{"logits", "probabilities", false},
		{"percentages", "logits", false},
		{"sigmoid", "multilabel-logits", false},
		{"logits", "logits", false},
	} {
		for _, own := range []bool{false, true} {
			err := CheckBaseline(withKind(tc.cand), withKind(tc.base), own)
			m, ok := errors.AsType[*BaselineMismatch](err)
			if !tc.refused {
				if err != nil {
					t.Errorf("%s against %s (own preprocessing %v): %v, want it compared", tc.cand, tc.base, own, err)
				}
				continue
			}
			want := "output kind " + tc.cand + " (baseline " + tc.base + ")"
			if !ok || !m.Has(SettingOutputKind) || !strings.Contains(err.Error(), want) {
				t.Errorf("%s against %s (own preprocessing %v): %v, want a refusal naming %q", tc.cand, tc.base, own, err, want)
			}
		}
	}
}

// TestChannelOrderDifferenceNamesRGB: a candidate whose report.json leaves
// its RGB channel order out is named rgb beside a BGR baseline, and the
// other way round, never with an empty value.
func TestChannelOrderDifferenceNamesRGB(t *testing.T) {
	withOrder := func(order string) *report.Result {
		return &report.Result{Config: report.Config{ChannelOrder: order}, ScoreComparable: true, ScoreVersion: score.Version}
	}
	for _, tc := range []struct{ cand, base, want string }{
		{"", "bgr", "channel-order rgb (baseline bgr)"},
		{"bgr", "", "channel-order bgr (baseline rgb)"},
	} {
		err := CheckBaseline(withOrder(tc.cand), withOrder(tc.base), false)
		if err == nil || !strings.HasSuffix(err.Error(), ": "+tc.want) {
			t.Errorf("candidate %q, baseline %q: %v, want it to end in %q", tc.cand, tc.base, err, tc.want)
		}
	}
	if err := CheckBaseline(withOrder("bgr"), withOrder("bgr"), false); err != nil {
		t.Errorf("the same channel order: %v", err)
	}
}
