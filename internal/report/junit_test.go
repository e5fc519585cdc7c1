package report_test

import (
	"bytes"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// junitCases are results whose junit.xml must be valid and consistent.
func junitCases(t *testing.T) map[string]*report.Result {
	return map[string]*report.Result{
		"golden":         goldenResult(t),
		"nothing fooled": reporttest.New(t, reporttest.Options{Classes: 3}),
		"no classes":     reporttest.New(t, reporttest.Options{Classes: -1}),
		"interrupted":    reporttest.New(t, reporttest.Options{Classes: 4, Fooled: 2, Interrupted: true}),
		"error":          goldenErrorResult(t),
		"baseline":       goldenBaselineResult(t),
		"baseline fail-on fooled": reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 8,
			Baseline: reporttest.Times(4), FailOn: "fooled"}),
		"baseline no change": reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(1)}),
		"baseline report only": reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 8,
			Baseline: reporttest.Times(4), FailOn: "never"}),
		"fooled within the allowance": goldenAllowedResult(t),
		"report only":                 goldenReportOnlyResult(t),
		"min score missed":            goldenMinScoreResult(t),
		"min score met":               reporttest.New(t, reporttest.Options{Classes: 4, Fooled: 1, MaxFooled: "1", MinScore: 0.1}),
		"min score not judged": reporttest.New(t, reporttest.Options{Classes: 4, Fooled: 1, MaxFooled: "1", MinScore: 0.9,
			Interrupted: true}),
		"1000 hostile": reporttest.New(t, reporttest.Options{Classes: 1000, Fooled: 700, HistoryLen: 2, Width: 2, Height: 2,
			Label: func(i int) string { return strconv.Itoa(i) + reporttest.HostileLabel + "\x01\x1b[31m\uFFFF" }}),
		"missing shards":                goldenMissingShardsResult(t),
		"missing shards allowed fooled": missingShardsResult(t, reporttest.Options{Classes: 6, Fooled: 2, MaxFooled: "2"}, 2),
		"missing shards not allowed": missingShardsResult(t, reporttest.Options{Classes: 7, Fooled: 1,
			Error: "shards 2 and 3 of 3 are missing"}, 2, 3),
	}
}

// TestJUnitXSD validates junit.xml against the Jenkins JUnit schema with
// xmllint, an independent XML Schema implementation, as it is: merged
// results with missing shards included, whose <skipped> testcases must
// hold their reason as the text the schema allows, not as an attribute.
func TestJUnitXSD(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		t.Skip("xmllint not found: install it (Debian: apt-get install libxml2-utils) to validate junit.xml against the JUnit schema")
	}
	xsd, err := filepath.Abs(filepath.Join("testdata", "jenkins-junit.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	for name, res := range junitCases(t) {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "junit.xml")
			data := render(t, encodeAs(report.FormatJUnit), res)
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(xmllint, "--noout", "--schema", xsd, path).CombinedOutput()
			if err != nil {
				t.Fatalf("xmllint rejects junit.xml: %v\n%s", err, out)
			}
		})
	}
	// The check must be able to fail: an element the schema does not
	// know, and a <skipped> with a message attribute.
	for _, doc := range []string{
		`<testsuites><testsuite name="x" tests="1"><bogus/></testsuite></testsuites>`,
		`<testsuites><testsuite name="x" tests="1"><testcase name="c"><skipped message="m"></skipped></testcase></testsuite></testsuites>`,
	} {
		bad := filepath.Join(t.TempDir(), "bad.xml")
		if err := os.WriteFile(bad, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(xmllint, "--noout", "--schema", xsd, bad).CombinedOutput(); err == nil {
			t.Fatalf("xmllint accepted an invalid file %s:\n%s", doc, out)
		}
	}
}

// TestJUnitConsistent re-reads junit.xml with encoding/xml into the
// go-junit-report types and checks what report consumers rely on: counts
// that agree with the testcases, one-line failure messages, times with a
// decimal point, and names that carry the class index and label.
func TestJUnitConsistent(t *testing.T) {
	for name, res := range junitCases(t) {
		t.Run(name, func(t *testing.T) {
			data := render(t, encodeAs(report.FormatJUnit), res)
			if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n")) {
				t.Errorf("no XML header: %.60q", data)
			}
			var doc junit.Testsuites
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatalf("junit.xml does not parse: %v", err)
			}
			if len(doc.Suites) != 1 {
				t.Fatalf("%d testsuites, want 1", len(doc.Suites))
			}
			s := doc.Suites[0]
			cases := s.Testcases
			wantErrors := 0
			if res.Verdict == "error" {
				// The run's own error comes first, and fails the suite.
				wantErrors = 1
				if len(cases) == 0 || cases[0].Name != report.NotTestedCase || cases[0].Error == nil ||
					cases[0].Error.Type != report.NotTestedType || !strings.Contains(cases[0].Error.Message, res.Error) {
					t.Fatalf("no not-tested testcase first: %+v", cases)
				}
				cases = cases[1:]
			}
			// What the gate failed on fails the run unless it only
			// reports; the test works it out from the settings.
			blocking := res.Config.FailOn != "never"
			fooledFails := blocking && res.Config.FailOn != "regression" && res.Fooled > res.MaxFooled
			regressionFails := blocking && res.Config.FailOn == "regression" && res.Baseline != nil && res.Baseline.Regression
			minScoreFails := blocking && res.Config.MinScore > 0 && res.Score < res.Config.MinScore && res.ScoreComparable
			failures, wantFailures, skipped := 0, 0, 0
			if res.Config.MinScore > 0 {
				if len(cases) == 0 || !strings.HasPrefix(cases[0].Name, "score at least ") {
					t.Fatalf("no min-score testcase after the run's own: %+v", cases)
				}
				tc := cases[0]
				if (tc.Failure != nil) != minScoreFails {
					t.Errorf("min-score testcase %+v, want a failure: %v (score %v, minimum %v)", tc, minScoreFails, res.Score, res.Config.MinScore)
				}
				if tc.Failure != nil {
					failures++
					wantFailures++
					if tc.Failure.Type != report.MinScoreType || !strings.Contains(tc.Failure.Message, "below the minimum") {
						t.Errorf("failure %+v", tc.Failure)
					}
				}
				if res.Verdict == "error" && !minScoreFails && (tc.SystemOut == nil || !strings.Contains(tc.SystemOut.Data, "not tested")) {
					t.Errorf("min-score testcase of a model not tested does not say so: %+v", tc)
				}
				cases = cases[1:]
			}
			for i, tc := range cases {
				c := res.Classes[i]
				if !strings.HasPrefix(tc.Name, strconv.Itoa(c.Index)+" ") {
					t.Errorf("testcase %d is named %q", i, tc.Name)
				}
				if tc.Classname != report.JUnitClassname || strings.Contains(tc.Classname, ".") {
					t.Errorf("classname %q", tc.Classname)
				}
				if _, err := strconv.ParseFloat(tc.Time, 64); err != nil || !strings.Contains(tc.Time, ".") {
					t.Errorf("testcase time %q", tc.Time)
				}
				// A class fails where it regressed, or where it was
				// fooled, when the gate failed on that.
				regressed := res.Baseline != nil && res.Baseline.Regressed(res.Baseline.Classes[i])
				want := regressed && regressionFails || c.Fooled && fooledFails
				if want {
					wantFailures++
				}
				if (tc.Failure != nil) != want {
					t.Errorf("class %d fooled=%v regressed=%v but failure=%v", c.Index, c.Fooled, regressed, tc.Failure)
				}
				// A class no shard searched did not pass: it is skipped,
				// unless it failed all the same.
				if wantSkip := c.NotSearched && !want; (tc.Skipped != nil) != wantSkip ||
					wantSkip && !strings.HasPrefix(tc.Skipped.Data, "not searched: "+report.ShardsMissing(res.MissingShards, res.Shard.Count)) {
					t.Errorf("class %d not searched=%v failure=%v but skipped=%+v", c.Index, c.NotSearched, tc.Failure, tc.Skipped)
				}
				if tc.Skipped != nil {
					skipped++
				}
				if tc.Failure == nil {
					// A finding the gate allowed is still told, with why.
					out := ""
					if tc.SystemOut != nil {
						out = tc.SystemOut.Data
					}
					if c.Fooled && (!strings.Contains(out, "Fooled: ") || !strings.Contains(out, "It is not a failure")) {
						t.Errorf("class %d was fooled, but its passing testcase says %q", c.Index, out)
					}
					if regressed && !strings.Contains(out, "Regressed: ") {
						t.Errorf("class %d regressed, but its passing testcase says %q", c.Index, out)
					}
					continue
				}
				if tc.SystemOut != nil {
					t.Errorf("failing testcase with output %q", tc.SystemOut.Data)
				}
				failures++
				if strings.ContainsAny(tc.Failure.Message, "\r\n") {
					t.Errorf("failure message on several lines: %q", tc.Failure.Message)
				}
				switch {
				case regressed && regressionFails:
					if tc.Failure.Type != report.RegressionType || !strings.HasPrefix(tc.Failure.Message, "regressed: ") ||
						!strings.Contains(tc.Failure.Message, "against the baseline's ") {
						t.Errorf("failure %+v", tc.Failure)
					}
				case tc.Failure.Type != report.FailureType || !strings.HasPrefix(tc.Failure.Message, "fooled: ") ||
					!strings.Contains(tc.Failure.Message, ">= threshold "):
					t.Errorf("failure %+v", tc.Failure)
				}
				if c.Image != "" && !strings.Contains(tc.Failure.Data, c.Image) {
					t.Errorf("failure details lack the image path %q", c.Image)
				}
			}
			if res.Verdict == "pass" && (s.Failures > 0 || s.Errors > 0) {
				t.Errorf("a passing run has %d failures and %d errors: test-report actions would fail its check", s.Failures, s.Errors)
			}
			if s.Tests != len(s.Testcases) || len(cases) != len(res.Classes) || s.Failures != failures ||
				s.Failures != wantFailures || s.Errors != wantErrors || s.Skipped != skipped {
				t.Errorf("suite counts tests=%d failures=%d errors=%d skipped=%d; testcases %d, failures %d, want %d",
					s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Testcases), failures, wantFailures)
			}
			if doc.Tests != s.Tests || doc.Failures != s.Failures || doc.Errors != s.Errors {
				t.Errorf("testsuites totals %d/%d differ from the suite's %d/%d", doc.Tests, doc.Failures, s.Tests, s.Failures)
			}
			if _, err := strconv.ParseFloat(s.Time, 64); err != nil || !strings.Contains(s.Time, ".") {
				t.Errorf("suite time %q", s.Time)
			}
			props := map[string]string{}
			if s.Properties != nil {
				for _, p := range *s.Properties {
					props[p.Name] = p.Value
				}
			}
			want := []string{"model_sha256", "threshold", "budget", "seed", "evaluations", "fooltest_version", "onnxruntime_version",
				"score", "score_version", "score_comparable", "evaluation_budget", "fooled_within_budget", "repeats"}
			if res.Baseline != nil {
				want = append(want, "baseline", "baseline_score", "change", "regression")
				if res.Verdict != "error" {
					want = append(want, "score_difference", "p_value")
				} else if _, ok := props["p_value"]; ok {
					t.Errorf("a run not compared has a p_value %q", props["p_value"])
				}
			}
			if res.Verdict == "error" {
				want = append(want, "error")
			}
			if len(res.MissingShards) > 0 {
				want = append(want, "missing_shards", "not_searched")
			}
			for _, k := range want {
				if _, ok := props[k]; !ok {
					t.Errorf("property %q missing", k)
				}
			}
			// The median reads as report.md's: a count, or more than the
			// budget when the median class was not fooled within it.
			wantMedian := "> " + strconv.FormatInt(res.EvaluationBudget, 10)
			if res.MedianEvaluations != nil {
				wantMedian = strconv.FormatInt(*res.MedianEvaluations, 10)
			}
			if got := props["median_evaluations_to_threshold"]; got != wantMedian {
				t.Errorf("median_evaluations_to_threshold %q, want %q", got, wantMedian)
			}
		})
	}
}
