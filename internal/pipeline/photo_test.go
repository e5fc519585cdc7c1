package pipeline

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/digits"
	"github.com/fooltest/fooltest/internal/fault"
)

// digitPhoto writes digit i of the embedded test digits as a PNG of
// side×side pixels, the 28×28 digit scaled up and centred on black, with
// a margin of black on each side so that Fit must scale and crop it.
func digitPhoto(t *testing.T, i, side int) (string, uint8) {
	t.Helper()
	imgs, labels, err := digits.Set()
	if err != nil {
		t.Fatal(err)
	}
	const n = digits.Size
	img := image.NewGray(image.Rect(0, 0, side+side/2, side))
	off := side / 4
	for y := range side {
		for x := range side {
			v := imgs[i*n*n+(y*n/side)*n+x*n/side]
			img.SetGray(off+x, y, color.Gray{uint8(v*255 + 0.5)})
		}
	}
	path := filepath.Join(t.TempDir(), "digit.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path, labels[i]
}

// TestClassifyPhoto: the demo LeNet reads photos of test digits, scaled
// and cropped to its input, as their digits with its own preprocessing,
// which comes first; the other presets follow, the run's own skipped among
// them.
func TestClassifyPhoto(t *testing.T) {
	norm, err := classifier.Preset(demo.Preset)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Open(context.Background(), Model{Options: classifier.Options{Normalization: norm, Threads: 1}, Preset: demo.Preset, Runtime: runtimeVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	right := 0
	for i := range 20 {
		path, label := digitPhoto(t, i, 84)
		p, err := ClassifyPhoto(t.Context(), o, path, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Readings) != 4 || !p.Readings[0].Own || p.Readings[0].Preset != demo.Preset {
			t.Fatalf("readings %+v: want the demo's own first, then raw255, pm1 and mnist", p.Readings)
		}
		for _, r := range p.Readings[1:] {
			if r.Own || r.Preset == demo.Preset {
				t.Fatalf("reading %+v repeats the model's own preprocessing", r)
			}
		}
		top := p.Readings[0].Top
		if len(top) != 3 || top[0].Confidence < top[1].Confidence || top[1].Confidence < top[2].Confidence {
			t.Fatalf("top classes %+v: want three, best first", top)
		}
		if top[0].Class == int(label) && top[0].Label == o.Labels[label] {
			right++
		}
	}
	if right < 18 {
		t.Fatalf("%d of 20 digit photos read as their digit, want at least 18", right)
	}
	if bad, scored := o.NonFiniteImages(); bad != 0 || scored != 0 {
		t.Fatalf("photos counted in the output statistics: %d of %d", bad, scored)
	}

	text := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(text, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ClassifyPhoto(t.Context(), o, text, 3)
	if s, _ := fault.SuggestionsOf(err); !errors.Is(err, fault.Invalid) || s != SettingImage {
		t.Fatalf("text file: %v (setting %q), want an invalid-input error naming the image", err, s)
	}
}

// TestDigitCheckGuessed: fooltest's default preprocessing, which nothing
// gave, must read the digits as well as a model's own does. The shared
// model trained on pm1 reads 83 of 100 with the default raw01 (98 with
// pm1): on the default it is sent to pm1, in words that say nothing gave
// raw01; given by the user, raw01 stands. It skips when ../shared/models
// is absent.
func TestDigitCheckGuessed(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "models", "mnist-extdata-zuramai", "mnist.onnx")
	if _, err := os.Stat(path); err != nil {
		t.Skip("../shared/models is absent: third-party model tests skipped")
	}
	raw01, err := classifier.Preset("raw01")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		model   Model
		suggest string
	}{
		{"default", Model{Path: path, Options: classifier.Options{Normalization: raw01, AutoNormalization: true, Threads: 1, Batch: 1}}, "pm1"},
		{"given", Model{Path: path, Preset: "raw01", Options: classifier.Options{Normalization: raw01, Threads: 1, Batch: 1}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.model.Runtime = runtimeVersion
			o, err := Open(context.Background(), tc.model)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			var spec Spec
			err = spec.checkPreprocessing(o, "the model")
			if tc.suggest == "" {
				if err != nil {
					t.Fatalf("raw01 given: %v", err)
				}
				return
			}
			setting, suggest := fault.SuggestionsOf(err)
			if !errors.Is(err, fault.Invalid) || setting != SettingPreprocessingCheck || !slices.Equal(suggest, []string{tc.suggest}) {
				t.Fatalf("got %v (setting %q, suggestion %q), want a refusal suggesting %s", err, setting, suggest, tc.suggest)
			}
			if want := "fooltest's default preprocessing (preset raw01, which nothing gave)"; !strings.Contains(err.Error(), want) {
				t.Fatalf("%v: does not say %q", err, want)
			}
		})
	}
}

// TestOpenedStopsOnCancel: the end of the context stops the checks of
// the preprocessing that Open runs and the readings of a photo, with an
// aborted run's error, before they run the model again: neither the time
// budget nor a signal waits for them.
func TestOpenedStopsOnCancel(t *testing.T) {
	norm, err := classifier.Preset(demo.Preset)
	if err != nil {
		t.Fatal(err)
	}
	o, err := Open(t.Context(), Model{Options: classifier.Options{Normalization: norm, Threads: 1, Batch: 1}, Preset: demo.Preset, Runtime: runtimeVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Digits == nil {
		t.Fatal("the demo got no digit check: the check below would test nothing")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	path, _ := digitPhoto(t, 0, 28)
	for _, tc := range []struct {
		name string
		run  func() error
	}{
		{"checks", func() error {
			o.Digits, o.Photos = nil, nil
			err := o.check(ctx, false)
			if o.Digits != nil || o.Photos != nil {
				t.Errorf("checks stopped by the cancel still gave results: %+v, %+v", o.Digits, o.Photos)
			}
			return err
		}},
		{"photo", func() error {
			p, err := ClassifyPhoto(ctx, o, path, 3)
			if len(p.Readings) > 0 {
				t.Errorf("readings %+v after the cancel", p.Readings)
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.run(); !errors.Is(err, classifier.ErrAborted) || !errors.Is(err, context.Canceled) {
				t.Errorf("got %v, want an aborted run caused by the cancel", err)
			}
		})
	}
	// The classifier runs again once the checks are over.
	if _, err := ClassifyPhoto(t.Context(), o, path, 3); err != nil {
		t.Errorf("after the stop: %v", err)
	}
}
