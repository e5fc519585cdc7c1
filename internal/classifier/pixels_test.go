package classifier

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

// TestPixelInput opens mnist-20px-norm behind a uint8 input
// (scripts/float-types.py): the classifier feeds it the image's bytes,
// rounded and clamped to 0..255, so it scores exactly as the float32
// network scores those whole numbers; it takes raw255 by itself when the
// user chose no preprocessing, and refuses any other preprocessing.
func TestPixelInput(t *testing.T) {
	u8 := filepath.Join(ownModels, "mnist-20px-norm-u8.onnx")
	raw255, err := Preset("raw255")
	if err != nil {
		t.Fatal(err)
	}
	mnist, err := Preset("mnist")
	if err != nil {
		t.Fatal(err)
	}
	open := func(t *testing.T, path string, opts Options) *Classifier {
		t.Helper()
		opts.Threads, opts.Batch = 1, 8
		c, err := Open(path, opts)
		if err != nil {
			t.Fatalf("open %s: %v", filepath.Base(path), err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	// Images on the byte grid, off it, and past both ends of [0,1].
	const n = 120
	rng := rand.New(rand.NewPCG(5, 6))
	imgs := strokes(rng, n, 20, 20)
	for i := range imgs {
		switch im := i / 400; {
		case im%3 == 1:
			imgs[i] = float32(rng.IntN(256)) / 255
		case im%3 == 2:
			imgs[i] = rng.Float32()*1.4 - 0.2
		}
	}
	// The float32 network given the same whole numbers (raw01 passes
	// them through as they are).
	bytes := make([]float32, len(imgs))
	for i, v := range imgs {
		bytes[i] = float32(math.Round(float64(min(max(v*255, 0), 255))))
	}
	ref := open(t, filepath.Join(ownModels, "mnist-20px-norm.onnx"), Options{})
	want := make([]float32, n*10)
	if err := ref.Score(bytes, n, want); err != nil {
		t.Fatal(err)
	}
	if ref.TakesPixels() {
		t.Fatal("a float32 model reported as taking pixels")
	}

	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"no preprocessing given", Options{AutoNormalization: true}},
		{"raw255 given", Options{Normalization: raw255}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := open(t, u8, tc.opts)
			i := c.Info()
			if !c.TakesPixels() || i.InputType != "uint8" || i.OutputType != "float32" {
				t.Fatalf("TakesPixels %v, types %s in, %s out; want uint8 pixels in, float32 out", c.TakesPixels(), i.InputType, i.OutputType)
			}
			if got := c.Normalization(); got.Scale != 255 || got.Mean[0] != 0 || got.Std[0] != 1 || !strings.HasPrefix(i.Normalization, "scale=255 mean=0 std=1") {
				t.Fatalf("normalization %+v (%s), want raw255", got, i.Normalization)
			}
			if _, _, ok := c.InputAffine(); ok {
				t.Fatal("InputAffine offered: written inputs would skip the rounding")
			}
			got := make([]float32, n*10)
			if err := c.Score(imgs, n, got); err != nil {
				t.Fatal(err)
			}
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("image %d class %d: %v, the float32 network on its bytes gives %v", j/10, j%10, got[j], want[j])
				}
			}
			// Another preprocessing, as the digit check tries, is
			// clamped to the bytes rather than left undefined.
			if err := c.ScoreAs(mnist, imgs, n, got); err != nil {
				t.Fatalf("ScoreAs mnist: %v", err)
			}
		})
	}

	// A float model keeps what it is given when nothing was chosen.
	if c := open(t, filepath.Join(ownModels, "mnist-20px-norm.onnx"), Options{Normalization: mnist, AutoNormalization: true}); c.Normalization().Mean[0] != mnist.Mean[0] {
		t.Fatalf("float model's normalization became %s", c.Info().Normalization)
	}

	for _, norm := range []Normalization{mnist, {Scale: 1, Mean: []float32{0}, Std: []float32{1}}} {
		_, err := Open(u8, Options{Normalization: norm, Threads: 1})
		if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingPixelPreprocessing {
			t.Fatalf("preprocessing %s on a uint8 model: %v (setting %q), want an invalid-input error naming %q", norm, err, fault.SettingOf(err), SettingPixelPreprocessing)
		}
		if !strings.Contains(err.Error(), `model input "input" takes 8-bit pixels`) {
			t.Fatalf("message %q does not say what the model takes", err)
		}
	}
}

// TestChannelOrderOnGray: a gray model has no channels to reorder, float or
// 8-bit, so bgr is refused rather than recorded as a custom preprocessing
// that a baseline of the same preset would not compare with.
func TestChannelOrderOnGray(t *testing.T) {
	for _, name := range []string{"mnist-20px-norm.onnx", "mnist-20px-norm-u8.onnx"} {
		t.Run(name, func(t *testing.T) {
			c, err := Open(filepath.Join(ownModels, name), Options{Normalization: Normalization{Scale: 255, Mean: []float32{0}, Std: []float32{1}, BGR: true}, Threads: 1, Batch: 8})
			if err == nil {
				c.Close()
				t.Fatal("bgr accepted for a gray model")
			}
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingChannelOrder || !strings.Contains(err.Error(), "the channel order bgr applies to colour models, but the model takes 1 channel (gray)") {
				t.Fatalf("got %v, want a refusal of the channel order", err)
			}
		})
	}
}
