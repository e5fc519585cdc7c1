package classifier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// toInputs maps n canonical images to the model's input format as
// InputAffine describes it, padded with zeros to whole batches.
func toInputs(t *testing.T, c *Classifier, imgs []float32, n int) []float32 {
	t.Helper()
	mul, add, ok := c.InputAffine()
	if !ok {
		t.Fatal("InputAffine: not planar")
	}
	ch, h, w, _ := c.Shape()
	per, hw, b := ch*h*w, h*w, c.BatchSize()
	in := make([]float32, (n+b-1)/b*b*per)
	for i, v := range imgs[:n*per] {
		cc := i % per / hw
		in[i] = v*mul[cc] + add[cc]
	}
	return in
}

// TestScoreInputsMatchesScore checks that images written in the model's
// input format score exactly as Score scores their canonical form, for
// each planar layout and preprocessing, with partial last batches.
func TestScoreInputsMatchesScore(t *testing.T) {
	tests := []struct {
		preset string
		dims   []int64
	}{
		{"imagenet", []int64{-1, 3, 4, 4}},
		{"mnist", []int64{-1, 1, 4, 4}},
		{"raw255", []int64{-1, 1, 4, 4}},
		{"cifar10", []int64{-1, 48}},
		{"pm1", []int64{-1, 4, 4, 1}}, // NHWC with one channel is planar
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s %v", tc.preset, tc.dims), func(t *testing.T) {
			norm, err := Preset(tc.preset)
			if err != nil {
				t.Fatal(err)
			}
			c := openModel(t, onnxtest.Classifier(tc.dims, 5, ""), Options{Normalization: norm, Batch: 4, OutputKind: Logits})
			ch, h, w, k := c.Shape()
			for _, n := range []int{1, 4, 7, 12} {
				imgs := make([]float32, n*ch*h*w)
				for i := range imgs {
					imgs[i] = rng.Float32()
				}
				want, got := make([]float32, n*k), make([]float32, n*k)
				if err := c.Score(imgs, n, want); err != nil {
					t.Fatal(err)
				}
				if err := c.ScoreInputs(toInputs(t, c, imgs, n), n, got); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%d images, confidence %d: ScoreInputs %v, Score %v", n, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// TestScoreInputsRejects checks the cases ScoreInputs cannot score.
func TestScoreInputsRejects(t *testing.T) {
	norm, _ := Preset("imagenet")
	nhwc := openModel(t, onnxtest.Classifier([]int64{-1, 4, 4, 3}, 5, ""), Options{Normalization: norm, Batch: 4})
	if _, _, ok := nhwc.InputAffine(); ok {
		t.Error("InputAffine reports an NHWC colour input as planar")
	}
	if err := nhwc.ScoreInputs(make([]float32, 4*48), 1, make([]float32, 5)); err == nil {
		t.Error("ScoreInputs accepted an NHWC colour input")
	}
	c := openModel(t, onnxtest.Classifier([]int64{-1, 3, 4, 4}, 5, ""), Options{Normalization: norm, Batch: 4})
	// Three images need a whole batch of four.
	if err := c.ScoreInputs(make([]float32, 3*48), 3, make([]float32, 15)); err == nil {
		t.Error("ScoreInputs accepted a partial batch buffer")
	}
}

// TestScoreInputsBindingsBounded scores from more distinct buffers than
// ScoreInputs keeps bindings for, by count and by bytes: the bindings stay
// within both bounds, and buffers bound again after they were released
// still score right.
func TestScoreInputsBindingsBounded(t *testing.T) {
	for _, byBytes := range []bool{false, true} {
		t.Run(fmt.Sprintf("bytes=%v", byBytes), func(t *testing.T) {
			c := openModel(t, onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, ""), Options{Batch: 1, OutputKind: Logits})
			n, maxBytes := maxInplace+10, maxInplaceBytes
			if byBytes {
				n, maxBytes = 25, 10*16 // ten bindings of 4 values
			}
			bufs := make([]float32, n*4)
			for i := range bufs {
				bufs[i] = float32(i%7) / 7
			}
			want, got := make([]float32, 3), make([]float32, 3)
			for round := range 2 {
				for i := range n {
					in := bufs[i*4 : (i+1)*4]
					if err := c.Score(in, 1, want); err != nil {
						t.Fatal(err)
					}
					if err := c.scoreInputs(in, 1, got, maxBytes); err != nil {
						t.Fatal(err)
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("round %d, buffer %d: ScoreInputs %v, Score %v", round, i, got, want)
					}
					if len(c.inplace) > maxInplace || c.inplaceBytes > maxBytes {
						t.Fatalf("%d bindings holding %d bytes kept, at most %d and %d allowed", len(c.inplace), c.inplaceBytes, maxInplace, maxBytes)
					}
					if c.inplaceBytes != 16*len(c.inplace) {
						t.Fatalf("%d bytes counted for %d bindings of 16", c.inplaceBytes, len(c.inplace))
					}
				}
			}
		})
	}
}
