package classifier

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// mixer returns a model that flattens an image of the given dims and
// multiplies it by a random D×k matrix: every pixel of every channel counts
// with its own weight, so a change of channel order changes its scores.
func mixer(rng *rand.Rand, dims []int64, k int) onnxtest.Model {
	d := int64(1)
	for _, x := range dims[1:] {
		d *= x
	}
	w := make([]float32, int(d)*k)
	for i := range w {
		w[i] = rng.Float32()*2 - 1
	}
	return onnxtest.Model{
		Inputs:       []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: dims}},
		Outputs:      []onnxtest.Value{{Name: "scores", Type: onnxtest.Float, Dims: []int64{dims[0], int64(k)}}},
		Initializers: []onnxtest.Tensor{{Name: "w", Dims: []int64{d, int64(k)}, Data: w}},
		Nodes: []onnxtest.Node{
			{Op: "Flatten", Inputs: []string{"image"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
			{Op: "MatMul", Inputs: []string{"flat", "w"}, Outputs: []string{"scores"}},
		},
	}
}

// TestBGR checks the BGR channel order in every layout: a BGR classifier
// scores canonical (RGB) images exactly as an RGB classifier of the same
// model, with the same per-channel mean and std, scores them with red and
// blue swapped; ScoreAs with a BGR preprocessing does the same; and a BGR
// classifier offers no input affine, since the search writes such inputs
// in canonical order.
func TestBGR(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rgbNorm := Normalization{Scale: 255, Mean: []float32{100, 120, 140}, Std: []float32{50, 60, 70}}
	bgrNorm := rgbNorm
	bgrNorm.BGR = true
	for _, dims := range [][]int64{{-1, 3, 4, 5}, {-1, 4, 5, 3}, {-1, 60}} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			m := mixer(rng, dims, 6)
			opts := Options{Normalization: rgbNorm, Batch: 4, OutputKind: Logits}
			if dims[1] == 60 {
				opts.InputShape = &[3]int{3, 4, 5}
			}
			rgb := openModel(t, m, opts)
			opts.Normalization = bgrNorm
			bgr := openModel(t, m, opts)

			const n, hw = 7, 20
			imgs := make([]float32, n*3*hw)
			for i := range imgs {
				imgs[i] = float32(rng.IntN(256)) / 255
			}
			swapped := make([]float32, len(imgs))
			for i := range n {
				for c := range 3 {
					copy(swapped[(i*3+c)*hw:(i*3+c+1)*hw], imgs[(i*3+2-c)*hw:(i*3+3-c)*hw])
				}
			}
			score := func(c *Classifier, x []float32) []float32 {
				conf := make([]float32, n*6)
				if err := c.Score(x, n, conf); err != nil {
					t.Fatal(err)
				}
				return conf
			}
			got, want, plain := score(bgr, imgs), score(rgb, swapped), score(rgb, imgs)
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("confidence %d: BGR classifier %v, RGB classifier on swapped channels %v", j, got[j], want[j])
				}
			}
			differ := false
			for j := range plain {
				differ = differ || plain[j] != got[j]
			}
			if !differ {
				t.Fatal("the channel order changed no score: the test model cannot tell orders apart")
			}
			as := make([]float32, n*6)
			if err := rgb.ScoreAs(bgrNorm, imgs, n, as); err != nil {
				t.Fatal(err)
			}
			for j := range as {
				if as[j] != got[j] {
					t.Fatalf("ScoreAs with BGR: confidence %d is %v, want %v", j, as[j], got[j])
				}
			}
			if again := score(rgb, imgs); fmt.Sprint(again) != fmt.Sprint(plain) {
				t.Fatal("ScoreAs left the classifier in BGR order")
			}
			if _, _, ok := bgr.InputAffine(); ok {
				t.Fatal("a BGR classifier offers an input affine")
			}
			if _, _, ok := rgb.InputAffine(); ok != (dims[1] == 3 || len(dims) == 2) {
				t.Fatalf("RGB classifier of %v: input affine %v", dims, ok)
			}
		})
	}
}

// TestCaffePreset: the caffe preset takes BGR pixels of 0..255 less the
// ImageNet means in B, G, R order, and says so.
func TestCaffePreset(t *testing.T) {
	n, err := Preset("caffe")
	if err != nil {
		t.Fatal(err)
	}
	if !n.BGR || n.Scale != 255 || n.Mean[0] != 103.939 || n.Mean[2] != 123.68 {
		t.Fatalf("caffe preset %+v", n)
	}
	if s := n.String(); s != "scale=255 mean=103.939,116.779,123.68 std=1 channels=bgr" {
		t.Fatalf("String() = %q", s)
	}
}
