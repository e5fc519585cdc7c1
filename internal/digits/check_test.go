package digits

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
	"github.com/fooltest/fooltest/internal/testsupport/ortload"
)

func TestMain(m *testing.M) {
	if _, err := ortload.Load(); err != nil {
		fmt.Fprintln(os.Stderr, "digits tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// open opens a model (path "" for the demo) with a preset, one image a
// batch: some of the third-party models fix their batch at 1.
func open(t *testing.T, path, preset string) (*classifier.Classifier, classifier.Normalization) {
	t.Helper()
	n, err := classifier.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	opts := classifier.Options{Normalization: n, Threads: 1, Batch: 1}
	var c *classifier.Classifier
	if path == "" {
		c, err = classifier.OpenBytes(demo.Name, demo.Model, opts)
	} else {
		c, err = classifier.Open(path, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, n
}

// TestCheck runs the check on real models: with the preprocessing each
// was trained with it finds nothing to suggest, and with a wrong one it
// names the right preset. mnist-20px-norm takes 20×20 digits with its
// normalisation inside the graph, trained on 0..255 pixels.
func TestCheck(t *testing.T) {
	own := filepath.Join("..", "..", "testdata", "models")
	for _, tc := range []struct {
		name, path, preset string
		minRight           int
		suggest            string
		// unsure says that the suggestion comes from the confidence
		// of the labels, not their number.
		unsure bool
	}{
		{"demo", "", "raw01", 95, "", false},
		// The demo reads digits at any of these scales: nothing to say.
		{"demo", "", "raw255", 90, "", false},
		{"demo", "", "mnist", 90, "", false},
		{"20px", filepath.Join(own, "mnist-20px-norm.onnx"), "raw255", 90, "", false},
		{"20px", filepath.Join(own, "mnist-20px-norm.onnx"), "raw01", 0, "raw255", false},
		{"20px", filepath.Join(own, "mnist-20px-norm.onnx"), "mnist", 0, "raw255", false},
		{"20px", filepath.Join(own, "mnist-20px-norm.onnx"), "pm1", 0, "raw255", false},
		{"flat-ls", filepath.Join(own, "mnist-flat-ls.onnx"), "raw01", 95, "", false},
		{"tanh-ls", filepath.Join(own, "mnist-tanh-ls.onnx"), "raw01", 95, "", false},
		// Softmax regression on 0..255 pixels: fed [0,1], it labels 67
		// right, 24 fewer than with its own, each near a tenth sure.
		{"linear-255", filepath.Join(own, "mnist-linear-255.onnx"), "raw255", 85, "", false},
		{"linear-255", filepath.Join(own, "mnist-linear-255.onnx"), "raw01", 60, "raw255", true},
		{"linear-255", filepath.Join(own, "mnist-linear-255.onnx"), "mnist", 0, "raw255", false},
	} {
		t.Run(tc.name+"/"+tc.preset, func(t *testing.T) {
			c, n := open(t, tc.path, tc.preset)
			res, ok, err := Check(t.Context(), c, n, false)
			if err != nil || !ok {
				t.Fatalf("Check: ok %v, %v", ok, err)
			}
			if res.Digits != Count || res.Correct < tc.minRight || res.Suggested != tc.suggest {
				t.Fatalf("got %+v, want at least %d right and suggestion %q", res, tc.minRight, tc.suggest)
			}
			if res.Unsure != tc.unsure {
				t.Fatalf("got %+v, want unsure %v", res, tc.unsure)
			}
			switch {
			case tc.unsure && (res.Confidence >= Unsure || res.SuggestedConfidence < Sure || res.SuggestedCorrect < MinRight*Count):
				t.Fatalf("suggested %q at a median confidence of %.3f against %.3f, %d right", res.Suggested, res.SuggestedConfidence, res.Confidence, res.SuggestedCorrect)
			case tc.suggest != "" && !tc.unsure && (res.SuggestedCorrect < MinRight*Count || res.SuggestedCorrect-res.Correct < MinGain*Count):
				t.Fatalf("suggested %q with %d right against %d", res.Suggested, res.SuggestedCorrect, res.Correct)
			case tc.suggest == "" && res.Confidence < Unsure:
				t.Fatalf("median confidence %.3f with the model's own preprocessing", res.Confidence)
			}
		})
	}
}

// TestCheckShared runs the check on every one-channel, 10-class model of
// ../shared/models with the preset its MODEL.md gives: none is found
// wrong. With raw01 as a guess, only the model that raw01 leaves at 83
// right is sent to its own preset. It skips when the folder is absent.
func TestCheckShared(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "models")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/models is absent: third-party model tests skipped")
	}
	for _, tc := range []struct {
		path, preset string
		// guessed is the preset suggested when raw01 is fooltest's
		// default rather than the user's word; surer, the preset that
		// reads the digits as well and surer then.
		guessed, surer string
	}{
		{"mnist-cnn-andrewrgarcia/mnist_model.onnx", "pm1", "", ""},
		{"mnist-cnn-baskov/mnist-load.onnx", "pm1", "", ""},
		{"mnist-extdata-zuramai/mnist.onnx", "pm1", "pm1", ""},
		{"mnist-mlp-ohhmkar/mnist.onnx", "raw01", "", ""},
		// 98 right at a median of 0.78 with raw01, 99 at 1.00 with its
		// own mnist.
		{"mnist-mlp-zackproser/mnist_model.onnx", "mnist", "", "mnist"},
		{"mnist-nhwc-wuhan-sm/mnist-sm.onnx", "raw01", "", ""},
		{"mnist-zoo8/mnist-8.onnx", "raw01", "", ""},
		{"mnist-zoo12/mnist-12.onnx", "raw01", "", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			path := filepath.Join(dir, tc.path)
			if _, err := os.Stat(path); err != nil {
				t.Skip(err)
			}
			c, n := open(t, path, tc.preset)
			res, ok, err := Check(t.Context(), c, n, false)
			if err != nil || !ok {
				t.Fatalf("Check: ok %v, %v", ok, err)
			}
			if res.Suggested != "" || res.Correct < 80 {
				t.Fatalf("with its documented preset %s: %+v", tc.preset, res)
			}
			// The default, when nobody gave it, is held to what a model's
			// own preprocessing reads: models trained on raw01 read it,
			// zuramai's, trained on pm1, reads 83 with it and is sent to
			// pm1.
			raw01, err := classifier.Preset("raw01")
			if err != nil {
				t.Fatal(err)
			}
			guess, ok, err := Check(t.Context(), c, raw01, true)
			if err != nil || !ok {
				t.Fatalf("Check guessed: ok %v, %v", ok, err)
			}
			want := tc.guessed
			if guess.Suggested != want {
				t.Fatalf("with the default raw01 guessed: %+v, want suggestion %q", guess, want)
			}
			if want != "" && (guess.Correct >= MinRight*Count || guess.SuggestedCorrect-guess.Correct < GuessedGain*Count) {
				t.Fatalf("suggested %q with %d right against %d", guess.Suggested, guess.SuggestedCorrect, guess.Correct)
			}
			if guess.Surer != tc.surer || tc.surer != "" && guess.SurerConfidence < guess.Confidence+SurerBy {
				t.Fatalf("with the default raw01 guessed: surer %q at %.3f against %.3f, want %q", guess.Surer, guess.SurerConfidence, guess.Confidence, tc.surer)
			}
			// Given, raw01 is the user's word, which only a far larger
			// gain overrules.
			given, _, err := Check(t.Context(), c, raw01, false)
			if err != nil {
				t.Fatal(err)
			}
			if tc.guessed != "" && given.Suggested != "" || given.Surer != "" {
				t.Fatalf("with raw01 given: %+v, want no suggestion and no surer preset", given)
			}
		})
	}
}

// TestCheckOtherShapes: a model with three channels or with other than 10
// classes is not checked.
func TestCheckOtherShapes(t *testing.T) {
	for _, tc := range []struct {
		dims    []int64
		classes int
	}{
		{[]int64{-1, 3, 28, 28}, 10},
		{[]int64{-1, 1, 28, 28}, 9},
	} {
		m := onnxtest.Classifier(tc.dims, tc.classes, "")
		c, err := classifier.OpenBytes("gen", m.Bytes(), classifier.Options{Threads: 1, Batch: 1})
		if err != nil {
			t.Fatal(err)
		}
		res, ok, err := Check(t.Context(), c, classifier.Normalization{}, false)
		c.Close()
		if ok || err != nil || res != (Result{}) {
			t.Errorf("%v, %d classes: checked (%v, %+v, %v)", tc.dims, tc.classes, ok, res, err)
		}
	}
}

// cancelScorer labels every digit 0, so that the check tries every
// preset, and cancels the check's context from inside its after-th run,
// as a signal arriving then would; it counts the runs.
type cancelScorer struct {
	after  int
	cancel context.CancelFunc
	runs   int
}

func (s *cancelScorer) Shape() (ch, h, w, k int) { return 1, Size, Size, Classes }

func (s *cancelScorer) ScoreAs(n classifier.Normalization, imgs []float32, count int, conf []float32) error {
	s.runs++
	if s.runs == s.after {
		s.cancel()
	}
	for i := range count {
		row := conf[i*Classes : (i+1)*Classes]
		clear(row)
		row[0] = 1
	}
	return nil
}

// TestCheckStops: the end of the check's context stops it before its next
// model run, with an error that says the run was aborted and why, so that
// neither a signal nor the time budget waits for the presets left.
func TestCheckStops(t *testing.T) {
	raw01, _ := classifier.Preset("raw01")
	// Without a stop, the model's own preprocessing and each preset.
	full := 1 + len(Presets)
	for _, after := range []int{0, 1, 3} {
		t.Run(fmt.Sprintf("cancelled in run %d", after), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s := &cancelScorer{after: after, cancel: cancel}
			if after == 0 {
				cancel()
			}
			_, _, err := Check(ctx, s, raw01, false)
			if !errors.Is(err, classifier.ErrAborted) || !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want an aborted run caused by the cancel", err)
			}
			if s.runs != after {
				t.Errorf("the check made %d model runs, want %d: it went on after the cancel", s.runs, after)
			}
		})
	}
	t.Run("not cancelled", func(t *testing.T) {
		s := &cancelScorer{cancel: func() {}}
		if _, _, err := Check(t.Context(), s, raw01, false); err != nil || s.runs != full {
			t.Errorf("got %d runs, %v; want %d runs and no error", s.runs, err, full)
		}
	})
}
