package report_test

import (
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
// not Go-quoted, which showed readers \u202e escapes and doubled
// backslashes, and not in full, which let a merged report.json's label of
// any length into every failure.
func TestPlainTextLabels(t *testing.T) {
	long := strings.Repeat("x", 5000)
	tests := []struct {
		name, label, want string
	}{
		{"plain", "tabby cat", "tabby cat"},
		{"backslash", `C:\models\cat`, `C:\models\cat`},
		{"quotes", `the "big" cat`, `the "big" cat`},
		{"workflow command", "zero\n::error::pwned", "zero ::error::pwned"},
		{"carriage return", "one\r::add-mask::x", "one ::add-mask::x"},
		{"ANSI escapes", "\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"C0 controls", "nul\x00bell\x07", "nulbell"},
		{"bidi override", "rtl\u202eevil", "rtlevil"},
		{"invalid UTF-8", "bad\xffbyte", "bad\uFFFDbyte"},
		{"empty", "", ""},
		{"long", long, strings.Repeat("x", 199) + "…"},
	}
	schema := sarifSchema(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 1, Fooled: 1, Label: func(int) string { return tt.label }})
			report.Prepare(res, report.DefaultFormats())
			quoted := `Class 0 "` + tt.want + `" `

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
