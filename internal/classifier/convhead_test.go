package classifier

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// convHead is a classifier as TensorFlow's converters write one: each of 8
// units reads one pixel of a 4×4 image (h_i = 10·x_i − 5), clamped to
// [0, 1] by Relu, Min and Max with constants, then a 1×1 Conv on the 1×1
// map computes 5 logits, which the graph clamps to ±1e5 and reshapes to
// [N, 5]. Every point of the box [0, 1]^8 is some image's, so each class's
// ceiling is also its maximum over images.
func convHead(rng *rand.Rand) onnxtest.Model {
	const units, classes = 8, 5
	w1 := make([]float32, units*16)
	b1 := make([]float32, units)
	for i := range units {
		w1[i*16+i] = 10
		b1[i] = -5
	}
	w2 := make([]float32, classes*units)
	for i := range w2 {
		w2[i] = float32(rng.NormFloat64() * 2)
	}
	b2 := make([]float32, classes)
	for i := range b2 {
		b2[i] = float32(rng.NormFloat64())
	}
	scalar := func(name string, v float32) onnxtest.Tensor {
		return onnxtest.Tensor{Name: name, Dims: []int64{1, 1, 1, 1}, Data: []float32{v}}
	}
	n := func(op string, out string, in ...string) onnxtest.Node {
		return onnxtest.Node{Op: op, Inputs: in, Outputs: []string{out}}
	}
	return onnxtest.Model{
		Inputs:  []onnxtest.Value{{Name: "x", Type: onnxtest.Float, Dims: []int64{-1, 1, 4, 4}}},
		Outputs: []onnxtest.Value{{Name: "logits", Type: onnxtest.Float, Dims: []int64{-1, classes}}},
		Nodes: []onnxtest.Node{
			n("Conv", "u", "x", "W1", "B1"),
			n("Relu", "r", "u"),
			n("Min", "mn", "r", "one"),
			n("Max", "h", "mn", "minusOne"),
			{Op: "Conv", Inputs: []string{"h", "W2", "B2"}, Outputs: []string{"z"}, IntLists: map[string][]int64{"kernel_shape": {1, 1}}},
			n("Min", "z1", "z", "big"),
			n("Max", "z2", "z1", "minusBig"),
			n("Reshape", "logits", "z2", "shape"),
		},
		Initializers: []onnxtest.Tensor{
			{Name: "W1", Dims: []int64{units, 1, 4, 4}, Data: w1},
			{Name: "B1", Dims: []int64{units}, Data: b1},
			{Name: "W2", Dims: []int64{classes, units, 1, 1}, Data: w2},
			{Name: "B2", Dims: []int64{classes}, Data: b2},
			scalar("one", 1), scalar("minusOne", -1), scalar("big", 1e5), scalar("minusBig", -1e5),
			{Name: "shape", Dims: []int64{2}, Int64s: []int64{-1, classes}},
		},
	}
}

// TestConvHeadCeilings checks the ceilings read from a Conv head behind a
// Min/Max clamp against the real runtime: no image beats a class's
// ceiling, and a coordinate ascent over images comes within 0.005 of it (a
// ceiling computed from misread weights would miss one way or the other).
func TestConvHeadCeilings(t *testing.T) {
	for seed := range uint64(4) {
		rng := rand.New(rand.NewPCG(seed, 7))
		c := openModel(t, convHead(rng), Options{Batch: 16})
		if got := c.Info().BoundedLayer; !strings.Contains(got, "Min/Max clamp layer of 8 values in [0, 1]") {
			t.Fatalf("seed %d: bounded layer %q", seed, got)
		}
		classes := []int{0, 1, 2, 3, 4}
		ceil := c.LayerCeilings(classes, 1)
		for _, k := range classes {
			best := ascend(t, c, k, rng)
			if best > ceil[k]+1e-6 {
				t.Errorf("seed %d class %d: an image scores %.6f, above the ceiling %.6f", seed, k, best, ceil[k])
			}
			if best < ceil[k]-0.005 {
				t.Errorf("seed %d class %d: the best image found scores %.6f, far below the ceiling %.6f", seed, k, best, ceil[k])
			}
		}
	}
}

// ascend maximises class k's confidence over convHead's images by
// coordinate ascent on the 8 pixels it reads, 101 levels each, from a random
// start.
func ascend(t *testing.T, c *Classifier, k int, rng *rand.Rand) float64 {
	t.Helper()
	const levels = 101
	x := make([]float32, 16)
	for i := range 8 {
		x[i] = 0.5 + rng.Float32()/10
	}
	imgs := make([]float32, levels*16)
	conf := make([]float32, levels*5)
	best := math.Inf(-1)
	for range 12 {
		for i := range 8 {
			for l := range levels {
				copy(imgs[l*16:], x)
				// h_i = 10·x_i − 5 covers [0, 1] as x_i runs over
				// [0.5, 0.6].
				imgs[l*16+i] = 0.5 + float32(l)/(levels-1)/10
			}
			if err := c.Score(imgs, levels, conf); err != nil {
				t.Fatal(err)
			}
			at := 0
			for l := range levels {
				if conf[l*5+k] > conf[at*5+k] {
					at = l
				}
			}
			x[i] = imgs[at*16+i]
			best = max(best, float64(conf[at*5+k]))
		}
	}
	return best
}
