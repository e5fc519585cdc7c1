package photocheck

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/photo"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
	"github.com/fooltest/fooltest/internal/testsupport/ortload"
)

func TestMain(m *testing.M) {
	if _, err := ortload.Load(); err != nil {
		fmt.Fprintln(os.Stderr, "photocheck tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// open opens a model with a preset, one image a batch.
func open(t *testing.T, name string, model []byte, path, preset string) (*classifier.Classifier, classifier.Normalization) {
	t.Helper()
	n, err := classifier.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	// The size is for models of dynamic size; fixed ones ignore it.
	opts := classifier.Options{Normalization: n, Threads: 1, Batch: 1, ImageSize: &[2]int{32, 32}}
	var c *classifier.Classifier
	if path == "" {
		c, err = classifier.OpenBytes(name, model, opts)
	} else {
		c, err = classifier.Open(path, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, n
}

// TestCheck runs the check through the real runtime: a model made for
// mean-subtracted 0..255 pixels cannot tell the photos apart with pixels
// in [0,1] or ImageNet's normalisation, and the check names the presets
// that let it; with those, and on a real ImageNet model with its own
// preprocessing, it finds nothing to say.
func TestCheck(t *testing.T) {
	caffe := onnxtest.MeanSubtracted(32, 32, 10).Bytes()
	mbv2 := filepath.Join("..", "..", "..", "shared", "models", "imagenet-mobilenetv2-int8", "mobilenetv2-12-int8.onnx")
	for _, tc := range []struct {
		name, path, preset string
		suggest            []string
	}{
		{"mean-subtracted", "", "raw01", []string{"raw255", "caffe"}},
		{"mean-subtracted", "", "imagenet", []string{"raw255", "caffe"}},
		{"mean-subtracted", "", "raw255", nil},
		{"mean-subtracted", "", "caffe", nil},
		{"mobilenetv2-int8", mbv2, "imagenet", nil},
	} {
		t.Run(tc.name+"/"+tc.preset, func(t *testing.T) {
			if tc.path != "" {
				if _, err := os.Stat(tc.path); err != nil {
					t.Skipf("%s is absent: %v", tc.path, err)
				}
			}
			c, n := open(t, tc.name, caffe, tc.path, tc.preset)
			res, err := Check(t.Context(), c, n)
			if err != nil {
				t.Fatal(err)
			}
			if res.Photos != len(Names) {
				t.Fatalf("scored %d photos, want %d", res.Photos, len(Names))
			}
			slices.Sort(res.Suggested)
			want := slices.Clone(tc.suggest)
			slices.Sort(want)
			if !slices.Equal(res.Suggested, want) || res.Mismatch() != (want != nil) {
				t.Fatalf("got %+v, want suggestions %v", res, tc.suggest)
			}
			if want != nil && (res.Spread >= Collapsed || res.SuggestedSpread < Apart) {
				t.Fatalf("suggested %v with spread %.3f against %.3f", res.Suggested, res.SuggestedSpread, res.Spread)
			}
			if want == nil && res.Spread < Apart {
				t.Fatalf("the right preprocessing spread the photos only %.3f", res.Spread)
			}
		})
	}
}

// TestPhotos checks that every embedded photo decodes and, scaled to a
// window, fills it with no flat field, in colour and in gray.
func TestPhotos(t *testing.T) {
	photos, err := Photos()
	if err != nil {
		t.Fatal(err)
	}
	if len(photos) != len(Names) {
		t.Fatalf("%d photos, want %d", len(photos), len(Names))
	}
	for _, ch := range []int{1, 3} {
		const h, w = 20, 36
		for i, p := range photos {
			img := photo.Fit(p, ch, h, w)
			lo, hi := slices.Min(img), slices.Max(img)
			if len(img) != ch*h*w || lo < 0 || hi > 1 || hi-lo < 0.2 {
				t.Errorf("%s (%d channels): %d values in [%g, %g]", Names[i], ch, len(img), lo, hi)
			}
		}
	}
}

// TestRenderedAgain: a model whose photos are too large to keep gets the
// same result with each photo rendered again for each preset.
func TestRenderedAgain(t *testing.T) {
	c, n := open(t, "mean-subtracted", onnxtest.MeanSubtracted(32, 32, 10).Bytes(), "", "raw01")
	held, err := check(t.Context(), c, n, maxHeld)
	if err != nil {
		t.Fatal(err)
	}
	again, err := check(t.Context(), c, n, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !held.Mismatch() || fmt.Sprint(held) != fmt.Sprint(again) {
		t.Fatalf("kept: %+v; rendered again: %+v", held, again)
	}
}

// TestOneChannel runs the check on a one-channel model whose scores hardly
// change with pixels in [0,1], so that the presets are tried: the colour
// ones do not apply to it, and the others do.
func TestOneChannel(t *testing.T) {
	model := onnxtest.Classifier([]int64{-1, 1, 16, 16}, 4, "").Scaled(0.01).Then("Softmax", nil).Bytes()
	c, n := open(t, "gray", model, "", "raw01")
	res, err := Check(t.Context(), c, n)
	if err != nil {
		t.Fatal(err)
	}
	if res.Spread >= Collapsed || res.Mismatch() {
		t.Fatalf("got %+v, want a collapse with no preset setting the photos apart", res)
	}
}

// TestLinearModel: a model whose scores are a linear function of the
// image's channel means gives the photos nearly the same scores with
// pixels in [-1,1], and presets of large values tip it from one class to
// another by the sign of the brightness alone; that is no sign of a wrong
// preprocessing, and the check finds none.
func TestLinearModel(t *testing.T) {
	c, n := open(t, "linear", onnxtest.ConvNet(3, 1, false).Bytes(), "", "pm1")
	res, err := Check(t.Context(), c, n)
	if err != nil {
		t.Fatal(err)
	}
	if res.Spread >= Collapsed || res.Mismatch() {
		t.Fatalf("got %+v, want a collapse and no suggestion", res)
	}
}

// shiftScorer stands for a model of another domain that answers every
// photo alike with pixels in [0,1] and most presets, and tells them apart
// with one that merely shifts them (pm1): a model no preprocessing
// squeezes.
type shiftScorer struct{ k int }

func (s shiftScorer) Shape() (ch, h, w, k int) { return 3, 8, 8, s.k }

func (s shiftScorer) ScoreAs(n classifier.Normalization, imgs []float32, count int, conf []float32) error {
	pm1, _ := classifier.Preset("pm1")
	for i := range count {
		row := conf[i*s.k : (i+1)*s.k]
		clear(row)
		if n.String() == pm1.String() {
			row[i%s.k] = 1
		} else {
			row[0] = 1
		}
	}
	return nil
}

// TestOnlyWiderPresets: a preset that spreads the photos counts only when
// its values span at least Wider times the run's range.
func TestOnlyWiderPresets(t *testing.T) {
	raw01, _ := classifier.Preset("raw01")
	res, err := Check(t.Context(), shiftScorer{k: 10}, raw01)
	if err != nil {
		t.Fatal(err)
	}
	if res.Spread != 0 || res.Mismatch() {
		t.Fatalf("got %+v, want a collapse and no suggestion: pm1 spans 2 where raw01 spans 1", res)
	}
	for _, tc := range []struct {
		preset string
		want   float64
	}{{"raw01", 1}, {"raw255", 255}, {"pm1", 2}, {"caffe", 255}, {"imagenet", (1/0.229 + 1/0.224 + 1/0.225) / 3}} {
		n, _ := classifier.Preset(tc.preset)
		if got := span(n); math.Abs(got-tc.want) > 1e-3 {
			t.Errorf("span(%s) = %v, want %v", tc.preset, got, tc.want)
		}
	}
}

// TestDistances checks both distances on hand-made rows: rows as
// distributions, whatever their sums, and rows of no distribution telling
// nothing apart. A confidence of 0 has logFloor's log-score.
func TestDistances(t *testing.T) {
	floor := -math.Log(logFloor) // both log-scores of [1, 0], less their mean, lie half of it from 0
	for _, tc := range []struct {
		name          string
		conf          []float32
		n, k          int
		spread, logit float64
	}{
		{"same", []float32{0.2, 0.8, 0.2, 0.8}, 2, 2, 0, 0},
		{"disjoint", []float32{1, 0, 0, 1}, 2, 2, 1, floor},
		{"scaled rows are the same distribution", []float32{1, 3, 2, 6}, 2, 2, 0, 0},
		{"half", []float32{0.5, 0.5, 0, 1}, 2, 2, 0.5, floor / 2},
		{"three rows", []float32{1, 0, 0, 1, 1, 0}, 3, 2, 2.0 / 3, 2 * floor / 3},
		// Half the change of the log-odds, log(99) - log(9).
		{"both certain of one class", []float32{0.9, 0.1, 0.99, 0.01}, 2, 2, 0.09, (math.Log(99) - math.Log(9)) / 2},
		{"both at the floor", []float32{1, 0, 1, 0}, 2, 2, 0, 0},
		{"a row of zeros tells nothing", []float32{0, 0, 0, 1}, 2, 2, 0, 0},
		{"one row", []float32{1, 0}, 1, 2, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Spread(tc.conf, tc.n, tc.k); math.Abs(got-tc.spread) > 1e-6 {
				t.Errorf("Spread = %v, want %v", got, tc.spread)
			}
			if got := LogitSpread(tc.conf, tc.n, tc.k); math.Abs(got-tc.logit) > 1e-5 {
				t.Errorf("LogitSpread = %v, want %v", got, tc.logit)
			}
		})
	}
}

// certainScorer stands for a model that is all but certain of one class
// for every photo with pixels in [0,1], with logits that differ by step
// from one photo to the next, and that presets of large values set to
// varied answers: a narrow model no preprocessing squeezes when step is
// large, and a squeezed one when it is small. With saturated, those
// presets make it certain of a varying class for every photo instead.
type certainScorer struct {
	k         int
	step      float64
	saturated bool
}

func (s certainScorer) Shape() (ch, h, w, k int) { return 3, 8, 8, s.k }

func (s certainScorer) ScoreAs(n classifier.Normalization, imgs []float32, count int, conf []float32) error {
	for i := range count {
		row := conf[i*s.k : (i+1)*s.k]
		clear(row)
		if n.Scale > 1 {
			// Varied answers, none certain, as a model fed its own
			// preprocessing gives photos.
			top, rest := float32(0.9), 0.1/float32(s.k-1)
			if s.saturated {
				top, rest = 1, 0
			}
			for j := range row {
				row[j] = rest
			}
			row[int(imgs[0]*1000)%s.k] = top
			continue
		}
		// Softmax of logits 20 + step*photo for class 0, 0 for the others.
		// The photo is told by its first pixel, as the scorer sees no index.
		logit := 20 + s.step*float64(int(imgs[0]*1000)%7)
		sum := math.Exp(logit) + float64(s.k-1)
		for j := range row {
			row[j] = float32(1 / sum)
		}
		row[0] = float32(math.Exp(logit) / sum)
	}
	return nil
}

// TestCertainModel: a model certain of one class for every photo spreads
// them 0 by their confidences; it is taken for squeezed only when its
// logits, too, hardly differ between them, and a preset that makes it
// certain of every photo is no evidence of a better preprocessing.
func TestCertainModel(t *testing.T) {
	raw01, _ := classifier.Preset("raw01")
	for _, tc := range []struct {
		step                float64
		saturated           bool
		collapsed, mismatch bool
	}{
		{0, false, true, true},
		{0.5, false, true, true},
		{3, false, false, false},
		{0, true, true, false},
	} {
		res, err := Check(t.Context(), certainScorer{k: 4, step: tc.step, saturated: tc.saturated}, raw01)
		if err != nil {
			t.Fatal(err)
		}
		// Class 0 tops every photo, however far apart the logits.
		if res.Spread >= Collapsed || !res.Certain || res.Collapsed() != tc.collapsed || res.Mismatch() != tc.mismatch || res.Tops != 1 {
			t.Errorf("logits %g apart, saturated presets %v: got %+v, want a collapse: %v, a mismatch: %v", tc.step, tc.saturated, res, tc.collapsed, tc.mismatch)
		}
	}
}

// TestNarrowerPresets runs the check through the real runtime on a model
// made for [-1, 1] whose Tanh layer saturates on 0..255: every photo gets
// the same scores with raw255, one class topping them all, and the presets
// of a tenth of its range or less that spread them are named, most first,
// with no suggestion (no refusal). A model of two classes, whose photos
// spread at most 0.6, meets a bar scaled to that (pm1 spreads them 0.42).
// With its own preprocessing nothing is said.
func TestNarrowerPresets(t *testing.T) {
	for _, tc := range []struct {
		k              int
		preset         string
		narrower       []string
		collapsed      bool
		leastNarrowest float64
	}{
		{10, "raw255", []string{"cifar10", "imagenet", "pm1"}, true, Apart},
		{2, "raw255", []string{"imagenet", "cifar10", "pm1"}, true, Apart * 0.6},
		{10, "pm1", nil, false, 0},
	} {
		t.Run(fmt.Sprintf("%d classes/%s", tc.k, tc.preset), func(t *testing.T) {
			c, n := open(t, "saturating", onnxtest.Saturating(32, 32, tc.k).Bytes(), "", tc.preset)
			res, err := Check(t.Context(), c, n)
			if err != nil {
				t.Fatal(err)
			}
			if res.Collapsed() != tc.collapsed || res.Mismatch() || !slices.Equal(res.Narrower, tc.narrower) {
				t.Fatalf("got %+v, want collapsed %v, no suggestion and narrower presets %v", res, tc.collapsed, tc.narrower)
			}
			if tc.narrower != nil && (res.Tops != 1 || res.NarrowerSpread < tc.leastNarrowest) {
				t.Fatalf("narrower presets named with %d top classes and a spread of %.3f", res.Tops, res.NarrowerSpread)
			}
		})
	}
}

// saturatedScorer stands for a model that pixels of 0..255 (a span of 255)
// saturate: it gives every photo nearly the same scores, topped by one
// class, or by tops classes in turn, and narrower values varied answers.
type saturatedScorer struct{ k, tops int }

func (s saturatedScorer) Shape() (ch, h, w, k int) { return 3, 8, 8, s.k }

func (s saturatedScorer) ScoreAs(n classifier.Normalization, imgs []float32, count int, conf []float32) error {
	for i := range count {
		row := conf[i*s.k : (i+1)*s.k]
		// The photo is told by its first pixel, as the scorer sees no
		// index.
		p := int(imgs[0]*1000) % 7
		for j := range row {
			row[j] = 1
		}
		if span(n) > 100 {
			// Nearly even scores, a hair above for the top class.
			row[p%s.tops] = 1.001
			continue
		}
		row[p%s.k] = 30
	}
	return nil
}

// TestNarrowerOnlyForOneClass: far narrower presets are tried only when one
// class tops every collapsed photo, the mark of a model saturated into one
// answer; photos that collapse onto different top classes are a model that
// barely tells them apart, which narrower values do not explain.
func TestNarrowerOnlyForOneClass(t *testing.T) {
	raw255, _ := classifier.Preset("raw255")
	for _, tc := range []struct {
		tops     int
		narrower bool
	}{{1, true}, {3, false}} {
		res, err := Check(t.Context(), saturatedScorer{k: 10, tops: tc.tops}, raw255)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Collapsed() || res.Mismatch() || (len(res.Narrower) > 0) != tc.narrower {
			t.Errorf("%d top classes: got %+v, want a collapse and narrower presets: %v", tc.tops, res, tc.narrower)
		}
	}
}

// TestMostSpread checks the largest spread of six photos over k classes.
func TestMostSpread(t *testing.T) {
	for _, tc := range []struct {
		n, k int
		want float64
	}{{6, 1, 0}, {6, 2, 0.6}, {6, 3, 0.8}, {6, 4, 13.0 / 15}, {6, 6, 1}, {6, 1000, 1}, {1, 10, 0}} {
		if got := mostSpread(tc.n, tc.k); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("mostSpread(%d, %d) = %v, want %v", tc.n, tc.k, got, tc.want)
		}
	}
	// Photos each certain of one class, three of each of two classes,
	// spread that far.
	conf := []float32{1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1}
	if got := Spread(conf, 6, 2); math.Abs(got-mostSpread(6, 2)) > 1e-9 {
		t.Errorf("six photos split 3 and 3 spread %v, want %v", got, mostSpread(6, 2))
	}
}

// cancelScorer gives every photo the same scores whatever the
// preprocessing, so that the check tries every preset, and cancels the
// check's context from inside its after-th run, as a signal arriving then
// would; it counts the runs.
type cancelScorer struct {
	after  int
	cancel context.CancelFunc
	runs   int
}

func (s *cancelScorer) Shape() (ch, h, w, k int) { return 3, 8, 8, 4 }

func (s *cancelScorer) ScoreAs(n classifier.Normalization, imgs []float32, count int, conf []float32) error {
	s.runs++
	if s.runs == s.after {
		s.cancel()
	}
	for i := range count {
		row := conf[i*4 : (i+1)*4]
		clear(row)
		row[0] = 1
	}
	return nil
}

// TestCheckStops: the end of the check's context stops it before its next
// model run, with an error that says the run was aborted and why, so that
// neither a signal nor the time budget waits for the photos and presets
// left.
func TestCheckStops(t *testing.T) {
	raw01, _ := classifier.Preset("raw01")
	// Past the first preset's photos.
	for _, after := range []int{0, 1, len(Names) + 2} {
		t.Run(fmt.Sprintf("cancelled in run %d", after), func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s := &cancelScorer{after: after, cancel: cancel}
			if after == 0 {
				cancel()
			}
			_, err := Check(ctx, s, raw01)
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
		if _, err := Check(t.Context(), s, raw01); err != nil || s.runs <= 2*len(Names) {
			t.Errorf("got %d runs, %v; want the photos scored with several presets and no error", s.runs, err)
		}
	})
}
