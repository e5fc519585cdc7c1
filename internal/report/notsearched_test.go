package report_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestOutputsNotSearched: a model's outputs that were not searched survive
// report.json's round trip, and every format that describes the model's
// output names them, the first few of a long list and how many more, so
// that no report of a model of several heads reads as covering them all.
func TestOutputsNotSearched(t *testing.T) {
	for _, tc := range []struct {
		name    string
		outputs []string
		shown   []string
		more    string
	}{
		{"one", []string{`"mask_logits" [1 1 192 288]`}, []string{"mask_logits"}, ""},
		{"many", []string{`"o1" [1 2 3]`, `"o2" [1 2 3]`, `"o3" [1 2 3]`, `"o4" [1 2 3]`, `"o5" [1 2 3]`, `"o6" [1 2 3]`, `"o7" [1 2 3]`},
			[]string{"o1", "o5"}, " and 2 more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 1, HistoryLen: 5})
			res.Model.OutputsNotSearched = tc.outputs
			dir := t.TempDir()
			if _, err := write(dir, res, report.AllFormats()); err != nil {
				t.Fatal(err)
			}
			back, err := report.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(back.Model.OutputsNotSearched, tc.outputs) {
				t.Fatalf("report.json gives back %q, want %q", back.Model.OutputsNotSearched, tc.outputs)
			}
			all := files(t, dir)
			for _, name := range []string{"report.md", "report.html", "junit.xml", "report.sarif"} {
				text := strings.ReplaceAll(string(all[name]), "&#95;", "_")
				for _, want := range tc.shown {
					if !strings.Contains(text, want) {
						t.Errorf("%s does not name output %s", name, want)
					}
				}
				if tc.more != "" && (!strings.Contains(text, tc.more) || strings.Contains(text, "o6")) {
					t.Errorf("%s does not end the list with %q after %d names", name, tc.more, 5)
				}
			}
			if md := string(all["report.md"]); !strings.Contains(md, "| Outputs not searched |") || !strings.Contains(md, fmt.Sprintf("the verdict is for \"%s\" alone", res.Model.Output)) {
				t.Errorf("report.md's summary does not say that the verdict is for %q alone:\n%s", res.Model.Output, md)
			}
		})
	}
	// A model with no other output gets no such line anywhere.
	res := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 1, HistoryLen: 5})
	dir := t.TempDir()
	if _, err := write(dir, res, report.AllFormats()); err != nil {
		t.Fatal(err)
	}
	for name, data := range files(t, dir) {
		if s := strings.ToLower(string(data)); strings.Contains(s, "not searched") || strings.Contains(s, "outputs_not_searched") || strings.Contains(s, "outputsnotsearched") {
			t.Errorf("%s speaks of outputs not searched on a model of one output", filepath.Base(name))
		}
	}
}
