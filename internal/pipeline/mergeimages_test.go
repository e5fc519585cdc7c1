package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// imagedShards writes the json and images of count shards of a run of n
// fooled classes of side×side RGB images, and returns their directories.
// Every shard fooled every class, as shards of a model easy to fool do,
// and wrote an image of each; class j's own shard (j mod count + 1) found
// the most confident one. Each shard marks its images with its index in
// the first pixel.
func imagedShards(tb testing.TB, n, count, side int) []string {
	tb.Helper()
	none, err := gate.ParseMaxFooled("0")
	if err != nil {
		tb.Fatal(err)
	}
	var dirs []string
	for i := 1; i <= count; i++ {
		res := reporttest.New(tb, reporttest.Options{Classes: n, Fooled: n, Channels: 3, Width: side, Height: side, HistoryLen: 3})
		res.Shard = &report.Shard{Index: i, Count: count}
		res.TargetClasses = make([]int, n)
		for j := range res.Classes {
			res.TargetClasses[j] = j
			c := &res.Classes[j]
			c.Confidence = 0.995
			if j%count+1 == i {
				res.Shard.Searched = append(res.Shard.Searched, j)
				c.Confidence = 0.999
			}
			c.Pixels.Pix[0] = uint8(i)
		}
		if _, err := gate.Evaluate(res, 0.99, none, gate.FailOnFooled); err != nil {
			tb.Fatal(err)
		}
		dir := filepath.Join(tb.TempDir(), "shard")
		if _, err := report.WriteFiles(dir, res, []string{report.FormatJSON, report.FormatImages}, report.WriteOptions{}); err != nil {
			tb.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

// TestMergeReadsWinnersImages: the merged report draws each class's image
// from the shard that found the most confident one, which it reads alone;
// an image missing from a shard is still refused, whichever shard's
// image wins, as the report directory was not given whole.
func TestMergeReadsWinnersImages(t *testing.T) {
	const n, count = 12, 3
	dirs := imagedShards(t, n, count, 8)
	out, err := Merge(context.Background(), MergeSpec{Dirs: dirs, ReportDir: filepath.Join(t.TempDir(), "merged"), Formats: []string{report.FormatJSON, report.FormatImages}})
	if err != nil {
		t.Fatal(err)
	}
	for j, c := range out.Result.Classes {
		if want := uint8(j%count + 1); c.Pixels == nil || c.Pixels.Pix[0] != want {
			t.Errorf("class %d: image %v; want shard %d's", j, c.Pixels != nil, want)
		}
	}
	// Class 1's image in shard 1, which lost it to shard 2.
	lost, err := filepath.Glob(filepath.Join(dirs[0], "images", "1-*.png"))
	if err != nil || len(lost) != 1 {
		t.Fatalf("class 1's image in shard 1: %v, %v", lost, err)
	}
	if err := os.Remove(lost[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := Merge(context.Background(), MergeSpec{Dirs: dirs, ReportDir: filepath.Join(t.TempDir(), "merged"), Formats: []string{report.FormatJSON}}); err == nil {
		t.Error("a shard without one of its images was merged")
	}
}

// BenchmarkMergeImages merges four shards of 400 classes that each fooled
// every class and wrote its 224×224 image: the merge reads one image a
// class, not four.
func BenchmarkMergeImages(b *testing.B) {
	dirs := imagedShards(b, 400, 4, 224)
	out := b.TempDir()
	for b.Loop() {
		if _, err := Merge(context.Background(), MergeSpec{Dirs: dirs, ReportDir: filepath.Join(out, "merged"), Formats: []string{report.FormatJSON, report.FormatImages}}); err != nil {
			b.Fatal(err)
		}
	}
}
