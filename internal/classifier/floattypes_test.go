package classifier

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// ownModels is the folder of fooltest's own fixture models.
var ownModels = filepath.Join("..", "..", "testdata", "models")

// strokes returns n 1×h×w images of a few bright rectangles on black,
// which a digit model scores with some conviction, unlike uniform noise.
func strokes(rng *rand.Rand, n, h, w int) []float32 {
	imgs := make([]float32, n*h*w)
	for i := range n {
		img := imgs[i*h*w : (i+1)*h*w]
		for range 2 + rng.IntN(4) {
			y0, x0 := rng.IntN(h), rng.IntN(w)
			y1, x1 := min(h, y0+1+rng.IntN(h/2)), min(w, x0+1+rng.IntN(w/2))
			for y := y0; y < y1; y++ {
				for x := x0; x < x1; x++ {
					img[y*w+x] = 1
				}
			}
		}
	}
	return imgs
}

// TestFloatTypes opens models whose image input and class scores are
// float16 or double (scripts/float-types.py makes them from the float32
// mnist-20px-norm): the classifier casts from and to float32 inside the
// graph, reports the declared types, and scores as the float32 network
// does: exactly so where the casts lose nothing (double), within float16's
// precision where they do, and alike whether the model was read from a
// file, from bytes or with its weights in an external data file.
func TestFloatTypes(t *testing.T) {
	norm, err := Preset("raw255")
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Normalization: norm, Threads: 1, Batch: 8}
	open := func(t *testing.T, file string, bytes bool) *Classifier {
		t.Helper()
		path := filepath.Join(ownModels, file)
		var c *Classifier
		var err error
		if bytes {
			data, rerr := os.ReadFile(path)
			if rerr != nil {
				t.Fatal(rerr)
			}
			c, err = OpenBytes(file, data, opts)
		} else {
			c, err = Open(path, opts)
		}
		if err != nil {
			t.Fatalf("open %s: %v", file, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	const n = 200
	imgs := strokes(rand.New(rand.NewPCG(3, 4)), n, 20, 20)
	score := func(t *testing.T, c *Classifier) []float32 {
		t.Helper()
		conf := make([]float32, n*c.Info().Classes)
		if err := c.Score(imgs, n, conf); err != nil {
			t.Fatal(err)
		}
		return conf
	}
	ref := open(t, "mnist-20px-norm.onnx", false)
	if i := ref.Info(); i.InputType != "float32" || i.OutputType != "float32" {
		t.Fatalf("float32 model reported as %s in, %s out", i.InputType, i.OutputType)
	}
	want := score(t, ref)
	half := score(t, open(t, "mnist-20px-norm-fp16.onnx", false))

	tests := []struct {
		name, file string
		bytes      bool
		typ        string
		// exact wants want's confidences to the bit; bf16 wants them
		// rounded to bfloat16; else (float16 networks) they must be
		// close, with the same top class for nearly every image.
		exact, bf16 bool
	}{
		{"double", "mnist-20px-norm-f64io.onnx", false, "double", true, false},
		{"double from bytes", "mnist-20px-norm-f64io.onnx", true, "double", true, false},
		{"bfloat16", "mnist-20px-norm-bf16io.onnx", false, "bfloat16", false, true},
		{"float16", "mnist-20px-norm-fp16.onnx", false, "float16", false, false},
		{"float16 from bytes", "mnist-20px-norm-fp16.onnx", true, "float16", false, false},
		{"float16 with external data", filepath.Join("fp16-external", "model.onnx"), false, "float16", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, tc.file, tc.bytes)
			i := c.Info()
			if i.InputType != tc.typ || i.OutputType != tc.typ {
				t.Fatalf("reported %s in, %s out; want %s", i.InputType, i.OutputType, tc.typ)
			}
			if i.Input != "input" || i.Output != "scores" {
				t.Fatalf("reported input %q and output %q: the user's names, not the casts', belong in reports", i.Input, i.Output)
			}
			got := score(t, c)
			if tc.exact {
				for j := range want {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						t.Fatalf("confidence %d: %v, the float32 model gives %v", j, got[j], want[j])
					}
				}
				return
			}
			if tc.bf16 {
				// Pixels of 0..255 are exact in bfloat16; the scores
				// are the float32 ones rounded to 8 significant bits.
				for j := range want {
					if d := math.Abs(float64(got[j] - want[j])); d > math.Abs(float64(want[j]))/128 {
						t.Fatalf("confidence %d: %v, the float32 model gives %v: more than bfloat16 rounding", j, got[j], want[j])
					}
				}
				return
			}
			// Every float16 form is the same network in the same
			// precision: the same confidences to the bit.
			for j := range half {
				if got[j] != half[j] {
					t.Fatalf("confidence %d: %v, the float16 model read from its file gives %v", j, got[j], half[j])
				}
			}
			var worst float64
			agree := 0
			for im := range n {
				g, w := got[im*10:(im+1)*10], want[im*10:(im+1)*10]
				for j := range g {
					worst = max(worst, math.Abs(float64(g[j]-w[j])))
				}
				if argmaxTest(g) == argmaxTest(w) {
					agree++
				}
			}
			t.Logf("float16 against float32: largest difference %.4f, same top class for %d of %d images", worst, agree, n)
			if worst > 0.05 || agree < n*95/100 {
				t.Fatalf("float16 scores differ from float32 by up to %.4f, same top class for %d of %d images", worst, agree, n)
			}
			if worst == 0 {
				t.Fatal("float16 scores equal float32's to the bit: the model did not run in float16")
			}
		})
	}
}
