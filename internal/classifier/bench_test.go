package classifier

import (
	"context"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestBenchImages: a pipeline call in Bench scores at most benchBytes of
// images, and one batch at least: 256 images of a large input took
// gigabytes.
func TestBenchImages(t *testing.T) {
	tests := []struct {
		name       string
		batch, per int
		want       int
	}{
		{"small images, batch 1", 1, 28 * 28, 256},
		{"small images, batch 64", 64, 3 * 32 * 32, 256},
		{"small images, batch 48", 48, 3 * 32 * 32, 240},
		{"224 pixels, batch 16", 16, 3 * 224 * 224, 48},
		{"512 pixels, batch 2", 2, 3 * 512 * 512, 10},
		{"1536 pixels, batch 1", 1, 3 * 1536 * 1536, 1},
		{"one batch over the bound", 4, 3 * 1024 * 1024, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := benchImages(tc.batch, tc.per)
			if got != tc.want {
				t.Fatalf("benchImages(%d, %d) = %d, want %d", tc.batch, tc.per, got, tc.want)
			}
			if got%tc.batch != 0 {
				t.Fatalf("%d images is not a whole number of batches of %d", got, tc.batch)
			}
		})
	}
}

// TestBenchDuration: Bench of a slow model ends about d after it starts,
// later by no more than the runs in flight then (a warm-up batch, a raw
// run and a pipeline call of one batch), and still reports both rates. It used to score 256
// images in every pipeline call, at least once in each of its ten rounds.
func TestBenchDuration(t *testing.T) {
	// 3×256×256 images: 42 fit in benchBytes, at batch 1.
	m := onnxtest.Classifier([]int64{-1, 3, 256, 256}, 10, "").Looping(20000, 10)
	c := openModel(t, m, Options{Batch: 1})
	_, one, err := c.rawRuns(context.Background(), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	d := 200 * time.Millisecond
	start := time.Now()
	r, err := c.Bench(d)
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if r.RawImagesPerSecond <= 0 || r.PipelineImagesPerSecond <= 0 {
		t.Fatalf("rates %v and %v, want both measured", r.RawImagesPerSecond, r.PipelineImagesPerSecond)
	}
	// Before the bound, the warm-up alone scored 256 images.
	limit := d + 4*one + time.Second
	t.Logf("one run %v: bench of %v took %v (limit %v)", one, d, took, limit)
	if took > limit {
		t.Fatalf("bench of %v took %v, over %v: one run takes %v", d, took, limit, one)
	}
}
