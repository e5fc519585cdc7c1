package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"math"
	"slices"
	"testing"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// streamCases are results for the streaming encoders: hostile labels,
// non-finite numbers, and no classes at all.
func streamCases(t *testing.T) map[string]*report.Result {
	hostile := reporttest.New(t, reporttest.Options{Classes: 7, Fooled: 3, HistoryLen: 150,
		Label: func(i int) string { return reporttest.HostileLabel + string(rune('a'+i)) }})
	hostile.Classes[4].Confidence = math.NaN()
	hostile.MaxConfidence = math.Inf(1)
	report.Prepare(hostile, nil)
	return map[string]*report.Result{
		"hostile":    hostile,
		"no classes": reporttest.New(t, reporttest.Options{Classes: -1}),
		"one class":  reporttest.New(t, reporttest.Options{Classes: 1, Fooled: 1}),
	}
}

// jsonStreamCases are streamCases and results compared with a baseline,
// whose classes report.json streams too.
func jsonStreamCases(t *testing.T) map[string]*report.Result {
	cases := streamCases(t)
	cases["baseline"] = withBaselineHistory(reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 2, HistoryLen: 150, Baseline: sameCost}))
	// Not compared, its baseline's fields are encoded in another order.
	cases["baseline not compared"] = withBaselineHistory(reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 2, HistoryLen: 150, Baseline: sameCost, Error: "the model failed"}))
	return cases
}

// sameCost gives a baseline class the candidate's cost.
func sameCost(_ int, cand *int64) *int64 { return cand }

// withBaselineHistory gives res's baseline classes the histories its
// classes have, as a baseline model's search leaves them (longer than
// report.json keeps), one of them not finite, and returns res.
func withBaselineHistory(res *report.Result) *report.Result {
	for i := range res.Baseline.Classes {
		res.Baseline.Classes[i].History = slices.Clone(res.Classes[i].History)
	}
	res.Baseline.Classes[1].History[3].Confidence = math.NaN()
	return res
}

// TestJSONStreamed: report.json, written class by class, is byte for byte
// what encoding/json gives for the whole document with the same indent,
// and a baseline's classes keep at most MaxHistoryPoints of history each.
func TestJSONStreamed(t *testing.T) {
	for name, res := range jsonStreamCases(t) {
		t.Run(name, func(t *testing.T) {
			got := render(t, encodeAs(report.FormatJSON), res)
			var back report.Result
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatalf("report.json does not parse: %v\n%s", err, got)
			}
			if len(back.Classes) != len(res.Classes) {
				t.Fatalf("%d classes, want %d", len(back.Classes), len(res.Classes))
			}
			if b := res.Baseline; b != nil {
				if back.Baseline == nil || len(back.Baseline.Classes) != len(b.Classes) {
					t.Fatalf("baseline %+v, want its %d classes", back.Baseline, len(b.Classes))
				}
				for i, c := range back.Baseline.Classes {
					if len(c.History) < 2 || len(c.History) > report.MaxHistoryPoints {
						t.Errorf("baseline class %d: %d history points, want 2 to %d", i, len(c.History), report.MaxHistoryPoints)
					}
				}
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			if err := enc.Encode(&back); err != nil {
				t.Fatal(err)
			}
			// encoding/json writes invalid UTF-8 as the escape \ufffd, and
			// a decoded U+FFFD as itself.
			got = bytes.ReplaceAll(got, []byte(`\ufffd`), []byte("\uFFFD"))
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("streamed report.json differs from one encoding\n--- got ---\n%s\n--- want ---\n%s", got, want.Bytes())
			}
		})
	}
}

// TestJUnitStreamed: junit.xml, written testcase by testcase, is byte for
// byte what encoding/xml gives for the whole document.
func TestJUnitStreamed(t *testing.T) {
	for name, res := range streamCases(t) {
		t.Run(name, func(t *testing.T) {
			got := render(t, encodeAs(report.FormatJUnit), res)
			var back junit.Testsuites
			if err := xml.Unmarshal(got, &back); err != nil {
				t.Fatalf("junit.xml does not parse: %v\n%s", err, got)
			}
			if n := len(back.Suites[0].Testcases); n != len(res.Classes) || back.Suites[0].Tests != n {
				t.Fatalf("%d testcases, tests=%d, want %d", n, back.Suites[0].Tests, len(res.Classes))
			}
			want := bytes.NewBufferString(xml.Header)
			enc := xml.NewEncoder(want)
			enc.Indent("", "  ")
			if err := enc.Encode(back); err != nil {
				t.Fatal(err)
			}
			want.WriteString("\n")
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("streamed junit.xml differs from one encoding\n--- got ---\n%s\n--- want ---\n%s", got, want.Bytes())
			}
		})
	}
}

// TestSARIFStreamed: report.sarif, written result by result, is valid JSON
// indented as one encoding of the whole log would be (the golden file
// checks the content), with an empty result list when nothing is fooled,
// which code scanning needs to close earlier alerts.
func TestSARIFStreamed(t *testing.T) {
	for name, res := range streamCases(t) {
		t.Run(name, func(t *testing.T) {
			got := render(t, encodeAs(report.FormatSARIF), res)
			var compact, want bytes.Buffer
			if err := json.Compact(&compact, got); err != nil {
				t.Fatalf("report.sarif does not parse: %v\n%s", err, got)
			}
			if err := json.Indent(&want, compact.Bytes(), "", "  "); err != nil {
				t.Fatal(err)
			}
			want.WriteString("\n")
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("streamed report.sarif is not indented as one encoding\n--- got ---\n%s", got)
			}
			var log struct {
				Runs []struct {
					Results []json.RawMessage `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(got, &log); err != nil {
				t.Fatal(err)
			}
			if n := len(log.Runs[0].Results); log.Runs[0].Results == nil || n != res.Fooled {
				t.Errorf("%d results (nil: %v), want %d", n, log.Runs[0].Results == nil, res.Fooled)
			}
		})
	}
}

// indentSeeds are JSON values whose indenting differs from a naive one's:
// empty and nested objects and arrays, and strings holding punctuation,
// escaped quotes and backslashes.
var indentSeeds = []string{
	`{}`, `[]`, `""`, `null`, `-1.5e-7`, `[[],{},[{}],{"a":[]}]`,
	`{"a":{"b":[1,2,{"c":null}]},"d":[],"e":{}}`,
	`{"s":"a,b:{c}[d]","t":"\"{[,:]}\"","u":"\\","v":"\\\"","w":"\u003c/script\u003e\ufffd"}`,
	`["\\\\\"]\\",",",{"\"}":"\\"}]`,
}

// TestAppendIndented: report.json's indenting of a compact value is
// byte for byte json.Indent's, with a prefix and without.
func TestAppendIndented(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 1, HistoryLen: 5,
		Label: func(i int) string { return reporttest.HostileLabel + `"\{}[],:` + string(rune('a'+i)) }})
	values := slices.Clone(indentSeeds)
	for _, c := range res.Classes {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		values = append(values, string(b))
	}
	for _, v := range values {
		for _, prefix := range []string{"", "    "} {
			checkIndented(t, []byte(v), prefix)
		}
	}
}

// FuzzAppendIndented: for any valid JSON, compacted as encoding/json
// writes it, report.json's indenting is json.Indent's.
func FuzzAppendIndented(f *testing.F) {
	for _, s := range indentSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			t.Skip()
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, data); err != nil {
			t.Fatal(err)
		}
		checkIndented(t, compact.Bytes(), "  ")
	})
}

// checkIndented fails t where report.AppendIndented of compact value src
// differs from json.Indent's.
func checkIndented(t *testing.T, src []byte, prefix string) {
	t.Helper()
	var want bytes.Buffer
	if err := json.Indent(&want, src, prefix, "  "); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	if got := report.AppendIndented([]byte("kept"), src, prefix, "  "); string(got) != "kept"+want.String() {
		t.Errorf("indenting %s with prefix %q:\n--- got ---\n%s\n--- want ---\n%s", src, prefix, got[4:], want.Bytes())
	}
}

// TestJSONBaselineWithoutClasses: a baseline without classes (nil, as a
// baseline that was not compared may hold them) is written as
// encoding/json writes it, "classes": null, as report.json was before its
// classes were streamed, and an empty list as []; a report.json read back
// and written again is the same, byte for byte.
func TestJSONBaselineWithoutClasses(t *testing.T) {
	for _, tt := range []struct {
		name    string
		classes []report.BaselineClass
		want    string
	}{
		{"nil", nil, "null"},
		{"empty", []report.BaselineClass{}, "[]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 1, HistoryLen: 3})
			res.Baseline = &report.Baseline{Path: "b.onnx", Change: "not compared", Classes: tt.classes}
			got := render(t, encodeAs(report.FormatJSON), res)
			var doc struct {
				Baseline struct {
					Classes json.RawMessage `json:"classes"`
				} `json:"baseline"`
			}
			if err := json.Unmarshal(got, &doc); err != nil {
				t.Fatal(err)
			}
			if string(doc.Baseline.Classes) != tt.want {
				t.Errorf("the baseline's classes are written %s, want %s", doc.Baseline.Classes, tt.want)
			}
			var back report.Result
			if err := json.Unmarshal(got, &back); err != nil {
				t.Fatal(err)
			}
			if again := render(t, encodeAs(report.FormatJSON), &back); !bytes.Equal(again, got) {
				t.Errorf("report.json read back and written again differs\n--- first ---\n%s\n--- again ---\n%s", got, again)
			}
		})
	}
}
