package report_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestRoundTrip writes a Result in every format, loads the directory back
// with Load, writes the loaded Result again and checks that every file is
// byte for byte the same: report.json holds the whole Result the writers
// read, and the images give back the pixels. It also checks that writing
// left the Result as it was.
// Histories are as the pipeline builds them, thinned to MaxHistoryPoints.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		opts reporttest.Options
	}{
		{"fooled gray", reporttest.Options{Classes: 12, Fooled: 5, HistoryLen: 100}},
		{"passed RGB", reporttest.Options{Classes: 4, Width: 32, Height: 32, Channels: 3, HistoryLen: 100}},
		// report.json holds valid UTF-8 only, as the classifier's labels
		// are; the rest of the hostile label must survive.
		{"hostile labels", reporttest.Options{Classes: 3, Fooled: 2, HistoryLen: 100, Label: func(i int) string { return strings.ToValidUTF8(reporttest.HostileLabel, "\uFFFD") }}},
		{"baseline", reporttest.Options{Classes: 6, Fooled: 3, HistoryLen: 100, Baseline: func(i int, cand *int64) *int64 { return cand }}},
		{"not tested", reporttest.Options{Classes: 3, Error: "the model's outputs were NaN", HistoryLen: 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := reporttest.New(t, tc.opts)
			before := clone(res)
			first := filepath.Join(t.TempDir(), "first")
			if _, err := write(first, res, report.AllFormats()); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(res, before) {
				t.Fatal("writing changed the Result")
			}
			back, err := report.Load(first)
			if err != nil {
				t.Fatal(err)
			}
			second := filepath.Join(t.TempDir(), "second")
			if _, err := write(second, back, report.AllFormats()); err != nil {
				t.Fatal(err)
			}
			a, b := files(t, first), files(t, second)
			if len(a) < 8 || len(a) != len(b) {
				t.Fatalf("first wrote %d files, second %d", len(a), len(b))
			}
			for name, data := range a {
				if !bytes.Equal(data, b[name]) {
					t.Errorf("%s differs after the round trip (%d and %d bytes)", name, len(data), len(b[name]))
				}
			}
		})
	}
}

// clone copies res and its classes, which is what writing could change.
func clone(res *report.Result) *report.Result {
	out := *res
	out.Classes = append([]report.Class(nil), res.Classes...)
	return &out
}

// files reads every file under dir, by relative path.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel], err = os.ReadFile(p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
