package report_test

import (
	"cmp"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestPlainTextLabels: SARIF messages and JUnit failures show a label as
// report.md and report.html do, cleaned and bounded, in quotation marks:
// not Go-quoted, which showed readers \u202e escapes, and not in full,
// which let a merged report.json's label of any length into every failure.
// Within the quotation marks, and only there, quotation marks and
// backslashes are escaped (quoted, when it differs from want), so that a
// label cannot close the quotes and forge the words after them.
func TestPlainTextLabels(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name, label, want, quoted string
	}{
		{name: "plain", label: "tabby cat", want: "tabby cat"},
		{name: "backslash", label: `C:\models\cat`, want: `C:\models\cat`, quoted: `C:\\models\\cat`},
		{name: "quotes", label: `the "big" cat`, want: `the "big" cat`, quoted: `the \"big\" cat`},
		{name: "forged message", label: `cat" is not fooled (confidence 0.01). Class 7 "dog`, want: `cat" is not fooled (confidence 0.01). Class 7 "dog`,
			quoted: `cat\" is not fooled (confidence 0.01). Class 7 \"dog`},
		{name: "escaped quote", label: `a\"b`, want: `a\"b`, quoted: `a\\\"b`},
		{name: "no other escapes", label: "caf\u00e9 \U0001F431 zwj\u200dx", want: "caf\u00e9 \U0001F431 zwj\u200dx"},
		{name: "workflow command", label: "zero\n::error::pwned", want: "zero ::error::pwned"},
		{name: "carriage return", label: "one\r::add-mask::x", want: "one ::add-mask::x"},
		{name: "ANSI escapes", label: "\x1b[31mred\x1b[0m", want: "[31mred[0m"},
		{name: "C0 controls", label: "nul\x00bell\x07", want: "nulbell"},
		{name: "bidi override", label: "rtl\u202eevil", want: "rtlevil"},
		{name: "invalid UTF-8", label: "bad\xffbyte", want: "bad\uFFFDbyte"},
		{name: "empty", label: "", want: ""},
		{name: "long", label: long, want: strings.Repeat("x", 199) + "…"},
	}
	schema := sarifSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 1, Fooled: 1, Label: func(int) string { return tt.label }})
			report.Prepare(res, report.DefaultFormats())
			quoted := `Class 0 "` + cmp.Or(tt.quoted, tt.want) + `" `
			if got := report.QuoteLabel(report.DisplayLabel(tt.label)); got != `"`+cmp.Or(tt.quoted, tt.want)+`"` {
				t.Errorf("QuoteLabel gives %s, want %q", got, cmp.Or(tt.quoted, tt.want))
			}

			data := render(t, encodeAs(report.FormatSARIF), res)
			checkSARIF(t, schema, data, res, sarifURI{"models/lenet.onnx", "%SRCROOT%"})
			var doc sarifDoc
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			if got := doc.Runs[0].Results[0].Message.Text; !strings.HasPrefix(got, quoted+"is fooled") {
				t.Errorf("SARIF message %q, want it to start %q", got, quoted+"is fooled")
			}

			var suites junit.Testsuites
			if err := xml.Unmarshal(render(t, encodeAs(report.FormatJUnit), res), &suites); err != nil {
				t.Fatalf("junit.xml does not parse: %v", err)
			}
			tc := suites.Suites[0].Testcases[0]
			if want := "0 " + tt.want; tc.Name != want {
				t.Errorf("testcase name %q, want %q", tc.Name, want)
			}
			if tc.Failure == nil || !strings.HasPrefix(tc.Failure.Data, quoted+"was given") {
				t.Errorf("JUnit failure %+v, want its text to start %q", tc.Failure, quoted+"was given")
			}
		})
	}
}
