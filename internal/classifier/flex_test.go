package classifier

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestPartialBatches: a model that takes any batch runs a last chunk of
// fewer images than the batch in a smaller tensor, through Score and
// ScoreInputs alike, and scores every image bit for bit as the padded batch
// does; a model of fixed batch keeps padding.
func TestPartialBatches(t *testing.T) {
	conv := onnxtest.ConvNet(3, 1, false)
	conv.Inputs[0].Dims = []int64{-1, 3, 8, 8}
	for _, tc := range []struct {
		name  string
		model onnxtest.Model
		flex  bool
	}{
		{"linear", onnxtest.Classifier([]int64{-1, 1, 6, 6}, 5, "Softmax"), true},
		{"convolutional", conv, true},
		{"fixed batch", onnxtest.Classifier([]int64{8, 1, 6, 6}, 5, "Softmax"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flex := openModel(t, tc.model, Options{Batch: 8})
			padded := openModel(t, tc.model, Options{Batch: 8})
			if flex.flex != tc.flex {
				t.Fatalf("flex %v, want %v", flex.flex, tc.flex)
			}
			padded.flex = false
			ch, h, w, k := flex.Shape()
			per := ch * h * w
			rng := rand.New(rand.NewPCG(1, 2))
			for _, n := range []int{1, 2, 3, 5, 8, 11, 17} {
				imgs := make([]float32, n*per)
				for i := range imgs {
					imgs[i] = rng.Float32()
				}
				want := make([]float32, n*k)
				if err := padded.Score(imgs, n, want); err != nil {
					t.Fatal(err)
				}
				got := make([]float32, n*k)
				if err := flex.Score(imgs, n, got); err != nil {
					t.Fatal(err)
				}
				inGot := make([]float32, n*k)
				if err := flex.ScoreInputs(toInputs(t, flex, imgs, n), n, inGot); err != nil {
					t.Fatal(err)
				}
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) || math.Float32bits(inGot[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%d images, confidence %d: Score %v, ScoreInputs %v, padded %v", n, i, got[i], inGot[i], want[i])
					}
				}
			}
			if tc.flex && len(flex.small) == 0 {
				t.Fatal("no smaller batch ran")
			}
			if !tc.flex && len(flex.small) > 0 {
				t.Fatal("a fixed-batch model ran a smaller batch")
			}
		})
	}
}
