package report_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden from the current writers")

func TestGolden(t *testing.T) {
	// A format marked optIn, whose files are large, has golden files only
	// for the fixtures that name it in also.
	formats := []struct {
		file   string
		render func(*report.Result) []byte
		optIn  bool
	}{
		{"junit.xml", func(r *report.Result) []byte { return render(t, encodeAs(report.FormatJUnit), r) }, false},
		{"report.md", renderMarkdown, false},
		{"report.sarif", func(r *report.Result) []byte { return render(t, encodeAs(report.FormatSARIF), r) }, false},
		{"console.txt", func(r *report.Result) []byte { return render(t, consoleIn(nil), r) }, false},
		{"report.html", func(r *report.Result) []byte { return render(t, encodeAs(report.FormatHTML), r) }, true},
	}
	// Each fixture's files are named with its prefix; only, when set, names
	// the one file the fixture changes.
	fixtures := []struct {
		prefix string
		result func(testing.TB) *report.Result
		only   string
		also   string
	}{
		{"", goldenResult, "", ""},
		{"error-", goldenErrorResult, "", ""},
		{"baseline-", goldenBaselineResult, "", ""},
		{"baseline-error-", goldenBaselineErrorResult, "", "report.html"},
		{"baseline-ungated-", goldenBaselineUngatedResult, "", "report.html"},
		{"image-base-url-", goldenImageBaseResult, "report.md", ""},
		{"artifact-url-", goldenArtifactResult, "report.md", ""},
		{"unreachable-", goldenUnreachableResult, "", ""},
		{"all-unreachable-", goldenAllUnreachableResult, "", ""},
		{"digits-", goldenDigitsResult, "", ""},
		{"allowed-", goldenAllowedResult, "", ""},
		{"every-target-allowed-", goldenEveryTargetAllowedResult, "", "report.html"},
		{"every-target-allowed-error-", goldenEveryTargetAllowedErrorResult, "", ""},
		{"report-only-", goldenReportOnlyResult, "", ""},
		{"min-score-", goldenMinScoreResult, "", ""},
		{"demo-", goldenDemoResult, "report.sarif", ""},
		{"missing-shards-", goldenMissingShardsResult, "", "report.html"},
		{"outputs-not-searched-", goldenOutputsNotSearchedResult, "", "report.html"},
		{"photos-narrower-", goldenPhotosNarrowerResult, "", ""},
		{"photos-", goldenPhotosResult, "", "report.html"},
		{"binary-", goldenBinaryResult, "report.md", ""},
		{"non-finite-", goldenNonFiniteResult, "", "report.html"},
		{"few-non-finite-", goldenFewNonFiniteResult, "console.txt", ""},
	}
	for _, fx := range fixtures {
		for _, tt := range formats {
			if fx.only != "" && tt.file != fx.only || tt.optIn && tt.file != fx.also {
				continue
			}
			file := fx.prefix + tt.file
			t.Run(file, func(t *testing.T) {
				got := tt.render(fx.result(t))
				path := filepath.Join("testdata", "golden", file)
				if *update {
					if err := os.WriteFile(path, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s; if the change is intended, run go test -run TestGolden -update and review the diff\n--- got ---\n%s",
						file, path, got)
				}
			})
		}
	}
}
