package classifier

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestOpenHoldsFewImages: opening a model of large images makes its probe
// images one at a time, so that it allocates a few images' worth, not the
// eight probes at once in each of its checks: at 3×4096×4096 those took
// 1.6 GB a check, and opening peaked at 5 GB.
func TestOpenHoldsFewImages(t *testing.T) {
	// Only batch 1 fits tuning's bound: one input tensor.
	shape := [3]int{3, 1184, 1184}
	image := uint64(4 * shape[0] * shape[1] * shape[2])
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c := openModel(t, onnxtest.ConvNet(3, 1, false), Options{InputShape: &shape})
	runtime.ReadMemStats(&after)
	if c.BatchSize() != 1 {
		t.Fatalf("batch %d, want 1", c.BatchSize())
	}
	// Tensors and a probe image per check, five in all; the eight
	// probes made at once in two checks took 16 more.
	got := after.TotalAlloc - before.TotalAlloc
	t.Logf("opening allocated %.1f images' worth", float64(got)/float64(image))
	if got > 8*image {
		t.Fatalf("opening allocated %d bytes, %.1f images of %d", got, float64(got)/float64(image), image)
	}
}

// TestProbesUnchanged: the probes made one at a time are, bit for bit, the
// images they were when made all at once (their SHA-256 then): every
// check's outcome on every model rests on them.
func TestProbesUnchanged(t *testing.T) {
	tests := []struct {
		shape [3]int
		want  string
	}{
		{[3]int{3, 5, 7}, "1da7a3fd648d5fbbbdbbac19e5a1a4777ecc9b2562f86994d74c57388e93a745"},
		{[3]int{1, 28, 28}, "20b4b6f2b065eb546f8d8f4571aedeb1d676913c7fb78aa321e74138d9d603f9"},
		{[3]int{3, 32, 32}, "74532e6debcc505439e0967dd8562313b61e2778f4df4f96a80186c5be0f8332"},
	}
	for _, tc := range tests {
		p := newProbes(tc.shape[0], tc.shape[1], tc.shape[2])
		h := sha256.New()
		for range probeImages {
			if err := binary.Write(h, binary.LittleEndian, p.next()); err != nil {
				t.Fatal(err)
			}
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != tc.want {
			t.Errorf("probes of %v: sha256 %s, want %s", tc.shape, got, tc.want)
		}
	}
}

// TestProbesStopWithContext: once the context of opening has ended, no
// more probe images are made for the run that would fail at once, so that
// opening a model of large images stops at its budget's deadline rather
// than a second per image later.
func TestProbesStopWithContext(t *testing.T) {
	c := openModel(t, onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "Softmax"), Options{Batch: 8})
	for _, ended := range []bool{false, true} {
		ctx, cancel := context.WithCancel(context.Background())
		if ended {
			cancel()
		}
		stop := c.AbortOn(ctx)
		// AbortOn notices the end in a goroutine of its own.
		for ended && c.abort.get() == nil {
			time.Sleep(time.Millisecond)
		}
		p := newProbes(1, 8, 8)
		c.fillProbes(c.batch, p, probeImages)
		_, err := c.probe()
		stop()
		cancel()
		want := probeImages
		if ended {
			want = 0
		}
		if p.n != want {
			t.Errorf("context ended %v: made %d probe images, want %d", ended, p.n, want)
		}
		if ended != errors.Is(err, ErrAborted) {
			t.Errorf("context ended %v: probe returned %v", ended, err)
		}
	}
}
