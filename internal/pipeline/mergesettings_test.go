package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
)

// TestMergeRefusesOtherGateSettings: shards that differ in a setting the
// merged gate or its baseline comparison depends on are not one run's, and
// merging them would gate by whichever shard came first. Shards alike in
// those settings merge.
func TestMergeRefusesOtherGateSettings(t *testing.T) {
	// withBaseline gives a shard a baseline model searched with preset,
	// or, for "model", with the model's preset named.
	withBaseline := func(preset string) func(*report.Result) {
		return func(r *report.Result) {
			if preset == "model" {
				preset = r.Config.Preset
			}
			r.Config.Baseline, r.Config.BaselinePreset = "baseline.onnx", preset
			r.Baseline = &report.Baseline{Path: "baseline.onnx", SHA256: strings.Repeat("b", 64), Classes: make([]report.BaselineClass, len(r.Classes))}
			for k, c := range r.Classes {
				r.Baseline.Classes[k].Index = c.Index
			}
		}
	}
	tests := []struct {
		name         string
		first, other func(*report.Result)
		want         string // "" when the shards merge
	}{
		{"alike", nil, nil, ""},
		{"a baseline with its own preset", withBaseline("pm1"), withBaseline("raw255"), "baseline-preset pm1 and raw255"},
		{"a baseline given the model's preset by name", withBaseline(""), withBaseline("model"), ""},
		{"the preprocessing check off in one", nil, func(r *report.Result) { r.Config.PreprocessingUnchecked = true }, "preprocessing-check true and false"},
		{"the default preprocessing in one", nil, func(r *report.Result) { r.Config.PreprocessingFrom = report.DefaultPreprocessing }, "preprocessing given and fooltest's default"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dirs := imagedShards(t, 4, 2, 4)
			for i, change := range []func(*report.Result){tc.first, tc.other} {
				if change == nil {
					continue
				}
				res, err := report.LoadJSON(dirs[i])
				if err != nil {
					t.Fatal(err)
				}
				change(res)
				if _, err := report.WriteFiles(dirs[i], res, []string{report.FormatJSON}, report.WriteOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := Merge(context.Background(), MergeSpec{Dirs: dirs, ReportDir: filepath.Join(t.TempDir(), "merged"), Formats: []string{report.FormatJSON}})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("shards alike in their gate settings were refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "not shards of one run")):
				t.Errorf("merge: %v; want a refusal naming %q", err, tc.want)
			}
		})
	}
}

// TestMergeWritesEveryShardsFormats: with no --format, the merge writes
// every format any shard wrote, whichever order the shards come in: a
// shard run with --export-dataset gets its dataset merged even when
// another shard is named first.
func TestMergeWritesEveryShardsFormats(t *testing.T) {
	dirs := imagedShards(t, 4, 2, 4)
	for i, formats := range [][]string{{report.FormatJSON, report.FormatImages}, {report.FormatJSON, report.FormatImages, report.FormatDataset}} {
		res, err := report.LoadJSON(dirs[i])
		if err != nil {
			t.Fatal(err)
		}
		res.Config.Formats, res.Config.ExportDataset = formats, i == 1
		if _, err := report.WriteFiles(dirs[i], res, []string{report.FormatJSON}, report.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, order := range [][]string{dirs, {dirs[1], dirs[0]}} {
		out := filepath.Join(t.TempDir(), "merged")
		o, err := Merge(context.Background(), MergeSpec{Dirs: order, ReportDir: out})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(out, "dataset", "labels.csv")); err != nil {
			t.Errorf("shards %s: no merged dataset: %v", strings.Join(order, ", "), err)
		}
		if !slices.Contains(o.Result.Config.Formats, report.FormatDataset) || !o.Result.Config.ExportDataset {
			t.Errorf("shards %s: the merged report records formats %v, export dataset %v", strings.Join(order, ", "), o.Result.Config.Formats, o.Result.Config.ExportDataset)
		}
	}
}
