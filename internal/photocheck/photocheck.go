// Package photocheck checks a model's preprocessing with natural photos. A
// classifier fed with the preprocessing it was trained with gives a cat, a
// cup of coffee, a rocket, a portrait, grass and bricks scores that differ,
// whatever its classes. Fed with a preprocessing that squeezes every image
// into a sliver of its input range (pixels in [0,1] for a model trained on
// 0..255, or on Caffe's mean-subtracted values), it gives them all nearly the
// same scores: it cannot tell any two images apart, so no search could move
// it, and a run would pass it untested. The check measures how far apart the
// photos' scores are with the run's preprocessing and with each preset.
//
// Only a collapse counts: a preprocessing that is wrong the other way
// (values 255 times too large) most often saturates a model into
// confident, varied answers, which makes it easy to fool rather than
// falsely hard, and a model trained on another domain may answer every
// photo alike with its own preprocessing, which the check then leaves alone
// unless a preset makes it tell them apart. A model saturated into one
// answer for every photo collapses them too; the check then names the far
// narrower presets that spread them, as a hint (Result.Narrower).
//
// The photos are embedded, 128×128 crops of the sample images of
// scikit-image (chelsea, coffee, rocket, astronaut, grass, brick), which are
// in the public domain or CC0; photos/README.md names their sources.
package photocheck

import (
	"bytes"
	"cmp"
	"context"
	"embed"
	"fmt"
	"image"
	"math"
	"slices"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/photo"
)

//go:embed photos/*.jpg
var photoFiles embed.FS

// Names are the embedded photos, in the order the check scores them.
var Names = []string{"chelsea", "coffee", "rocket", "astronaut", "grass", "brick"}

// Spread is the mean total-variation distance between the score
// distributions of two photos: 0 when the model gives every photo the
// same scores, 1 when no two photos share any class's share of the score.
// The run's preprocessing is suspect when the photos collapse with it (a
// spread below Collapsed, see Result.Collapsed) and a preset's spread is
// at least Apart with at least Rich different top classes among the
// photos (all of them for a model of fewer classes), not every photo with
// one class at Certainty or more. On the 127 public and scratch models of
// docs/measurements.md the right preprocessing never collapsed the photos
// where a preset spread them at least Apart.
//
// A model certain of one class for every photo (a confidence of at least
// Certainty) spreads them 0 whatever it sees. Its photos collapse only
// when their log-scores, too, lie within Flat of each other (LogitSpread):
// a binary game-screen classifier fed its own [0,1] pixels (log-odds 8.7
// to 27.1) put them 3.9 apart, and five more narrow models given their own
// preprocessing 4.4 to 17.7, where squeezed Custom Vision classifiers, as
// certain, put them at most 1.9 apart. Nor does a preset count that makes
// the model certain of every photo: inputs too wide tip a saturated model
// from one class to another (that classifier, given Caffe's values: every
// photo at 1.000, spread 0.6), where the right preprocessing gives varied
// answers.
//
// Rich keeps out models whose scores are a near-linear function of the
// image, which any preset of large values tips from one class to another
// by the sign of the image's brightness: two classes, where a network that
// tells photos apart names several. Only presets whose values span at
// least Wider times the run's preprocessing's count: a squeeze is what the
// check finds, and a model of another domain that answers every photo
// alike can still be tipped into varied answers by a preset that merely
// shifts its inputs (pixels in [-1,1] for one trained on [0,1]: spread
// 0.333 on a public model whose own preprocessing gave 0.000).
const (
	Collapsed = 0.05
	Apart     = 0.5
	Rich      = 3
	Wider     = 10
	Certainty = 0.99
	Flat      = 3
)

// Scorer is what the check needs of a model: its shape, and its
// confidences for canonical images under a given preprocessing.
// *classifier.Classifier implements it.
type Scorer interface {
	Shape() (ch, h, w, k int)
	ScoreAs(n classifier.Normalization, imgs []float32, count int, conf []float32) error
}

// Result is what the check found.
type Result struct {
	// Photos were scored; Spread is how far apart their scores were with
	// the run's preprocessing.
	Photos int
	Spread float64
	// LogitSpread is how far apart the photos' log-scores were with the
	// run's preprocessing (see LogitSpread), and Certain whether the model
	// gave every photo one class's confidence of at least Certainty.
	LogitSpread float64
	Certain     bool
	// Tops is how many different classes topped the photos' scores with
	// the run's preprocessing.
	Tops int
	// Suggested lists the presets that spread the photos at least Apart,
	// widest first, when they collapsed; empty otherwise.
	Suggested []string
	// SuggestedSpread is the spread of Suggested[0].
	SuggestedSpread float64
	// Narrower lists, when the photos collapsed with one class topping
	// them all and no wider preset spread them, the presets whose values
	// span at most a Wider-th of the run's that spread them, most first:
	// the run's preprocessing may be far wider than the model's, and
	// saturate it. Empty otherwise. Their bar is Apart of the most the
	// photos can spread over the model's classes (mostSpread), so that a
	// model of two classes, whose photos spread at most 0.6, can meet
	// it. NarrowerSpread is the spread of Narrower[0].
	Narrower       []string
	NarrowerSpread float64
}

// Collapsed reports whether the model gave the photos nearly the same
// scores with the run's preprocessing: a spread below Collapsed, and, when
// it was certain of every photo, log-scores within Flat of each other.
func (r Result) Collapsed() bool {
	return r.Spread < Collapsed && !(r.Certain && r.LogitSpread >= Flat)
}

// Mismatch reports whether the check found the run's preprocessing to be
// most likely not the model's.
func (r Result) Mismatch() bool { return len(r.Suggested) > 0 }

// maxHeld bounds the bytes of canonical photos Check keeps for the
// presets it tries. A model of larger inputs (up to the classifier's bound
// on one batch, 256 MiB by default) gets each photo rendered again for each
// preset and scored alone, so that the check never holds six of them.
const maxHeld = 64 << 20

// Photos returns the embedded photos, decoded, in the order of Names.
func Photos() ([]image.Image, error) {
	imgs := make([]image.Image, len(Names))
	for i, name := range Names {
		data, err := photoFiles.ReadFile("photos/" + name + ".jpg")
		if err != nil {
			return nil, fmt.Errorf("photocheck: reading photo %s: %w", name, err)
		}
		if imgs[i], _, err = image.Decode(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("photocheck: decoding photo %s: %w", name, err)
		}
	}
	return imgs, nil
}

// Check scores the photos with the run's preprocessing (own) and, when they
// collapse, with each preset whose values span at least Wider times as wide
// a range; when none of those spreads them and one class tops them all,
// with each preset whose values span at most a Wider-th of it too (see
// Result.Narrower). Each photo is scaled so that its short side spans the
// model's input, then centred. The end of ctx stops it before its next
// model run, with classifier.AbortedBy's error; the caller aborts a run in
// progress (classifier.AbortOn).
func Check(ctx context.Context, s Scorer, own classifier.Normalization) (Result, error) {
	return check(ctx, s, own, maxHeld)
}

// check is Check, keeping the canonical photos when they take at most
// maxBytes.
func check(ctx context.Context, s Scorer, own classifier.Normalization, maxBytes int) (Result, error) {
	ch, h, w, k := s.Shape()
	photos, err := Photos()
	if err != nil {
		return Result{}, err
	}
	n := len(photos)
	var held [][]float32
	if n*ch*h*w*4 <= maxBytes {
		for _, p := range photos {
			held = append(held, photo.Fit(p, ch, h, w))
		}
	}
	render := func(i int) []float32 {
		if held != nil {
			return held[i]
		}
		return photo.Fit(photos[i], ch, h, w)
	}
	conf := make([]float32, n*k)
	spread := func(norm classifier.Normalization) (float64, error) {
		for i := range n {
			if err := classifier.AbortedBy(ctx); err != nil {
				return 0, err
			}
			if err := s.ScoreAs(norm, render(i), 1, conf[i*k:(i+1)*k]); err != nil {
				return 0, err
			}
		}
		return Spread(conf, n, k), nil
	}
	res := Result{Photos: n}
	if res.Spread, err = spread(own); err != nil {
		return Result{}, fmt.Errorf("photocheck: scoring with the run's preprocessing: %w", err)
	}
	res.LogitSpread, res.Certain, res.Tops = LogitSpread(conf, n, k), certain(conf, n, k), tops(conf, n, k)
	if !res.Collapsed() {
		return res, nil
	}
	// apart returns the presets of ch channels whose span keep accepts
	// that spread the photos at least bar, most first, when at least one
	// of them tops the photos with Rich classes; nil otherwise.
	apart := func(keep func(float64) bool, bar float64) ([]string, float64, error) {
		type found struct {
			name   string
			spread float64
		}
		var got []found
		rich := false
		for _, name := range classifier.PresetNames {
			norm, err := classifier.Preset(name)
			if err != nil {
				return nil, 0, err
			}
			if !fits(norm.Mean, ch) || !fits(norm.Std, ch) || !keep(span(norm)) {
				// A preset of colour statistics for a one-channel
				// model, or one of another range.
				continue
			}
			d, err := spread(norm)
			if err != nil {
				return nil, 0, fmt.Errorf("photocheck: scoring with preset %s: %w", name, err)
			}
			if d >= bar && !certain(conf, n, k) {
				got = append(got, found{name, d})
				rich = rich || tops(conf, n, k) >= min(Rich, k)
			}
		}
		if !rich {
			return nil, 0, nil
		}
		// Stable, so that presets of one spread keep PresetNames' order.
		slices.SortStableFunc(got, func(a, b found) int { return cmp.Compare(b.spread, a.spread) })
		names := make([]string, len(got))
		for i, f := range got {
			names[i] = f.name
		}
		return names, got[0].spread, nil
	}
	own0 := span(own)
	if res.Suggested, res.SuggestedSpread, err = apart(func(s float64) bool { return s >= Wider*own0 }, Apart); err != nil {
		return Result{}, err
	}
	if res.Mismatch() || res.Tops != 1 {
		return res, nil
	}
	// One class tops every photo, and no wider preset tells them apart:
	// values far too large saturate a model into one answer for every
	// image (a text-orientation classifier of [-1,1] given 0..255 gave
	// both its classes the same scores for all six photos). A far
	// narrower preset that spreads them says so. A hint only: a model so
	// saturated is easy to fool, not falsely hard.
	if res.Narrower, res.NarrowerSpread, err = apart(func(s float64) bool { return s*Wider <= own0 }, Apart*mostSpread(n, k)); err != nil {
		return Result{}, err
	}
	return res, nil
}

// mostSpread is the largest Spread that n photos can have over k classes:
// each photo certain of one class, the classes shared out as evenly as
// they can be. With six photos, 1 from six classes up, 0.8 for three
// classes and 0.6 for two.
func mostSpread(n, k int) float64 {
	if n < 2 || k < 2 {
		return 0
	}
	groups := min(n, k)
	q, r := n/groups, n%groups
	same := r*(q+1)*q/2 + (groups-r)*q*(q-1)/2
	return 1 - float64(same)/float64(n*(n-1)/2)
}

// certain reports whether each of the n rows of k confidences in conf
// gives one class at least Certainty of the row's sum.
func certain(conf []float32, n, k int) bool {
	for i := range n {
		row := conf[i*k : (i+1)*k]
		var sum float64
		for _, v := range row {
			sum += float64(v)
		}
		if !(float64(slices.Max(row)) >= Certainty*sum) || !(sum > 0) {
			return false
		}
	}
	return true
}

// tops returns how many different classes top the n rows of k confidences
// in conf.
func tops(conf []float32, n, k int) int {
	seen := make(map[int]bool, n)
	for i := range n {
		row := conf[i*k : (i+1)*k]
		top := 0
		for j, v := range row {
			if v > row[top] {
				top = j
			}
		}
		seen[top] = true
	}
	return len(seen)
}

// span is how wide a range of input values n gives pixels in [0,1]: its
// scale over its standard deviation, averaged over the channels.
func span(n classifier.Normalization) float64 {
	var sum float64
	for _, sd := range n.Std {
		sum += float64(n.Scale) / math.Abs(float64(sd))
	}
	return sum / float64(max(len(n.Std), 1))
}

// fits reports whether per-channel values v apply to ch channels.
func fits(v []float32, ch int) bool { return len(v) == 1 || len(v) == ch }

// Spread returns the mean total-variation distance between the n rows of
// k confidences in conf, each taken as a distribution (divided by its
// sum). A row that does not sum to a positive finite value (non-finite
// outputs, which ScoreAs gives as zeros) tells its photo from no other.
func Spread(conf []float32, n, k int) float64 {
	sums := make([]float64, n)
	for i := range n {
		for _, v := range conf[i*k : (i+1)*k] {
			sums[i] += float64(v)
		}
	}
	total, pairs := 0.0, 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			pairs++
			if sums[i] <= 0 || sums[j] <= 0 || math.IsInf(sums[i], 0) || math.IsInf(sums[j], 0) {
				continue
			}
			d := 0.0
			for x := range k {
				d += math.Abs(float64(conf[i*k+x])/sums[i] - float64(conf[j*k+x])/sums[j])
			}
			total += d / 2
		}
	}
	if pairs == 0 {
		return 0
	}
	return total / float64(pairs)
}

// logFloor bounds the log-scores LogitSpread compares: a confidence of 0
// (below float32's range, or a non-finite output given as 0) counts as
// this one.
const logFloor = 1e-30

// LogitSpread returns the mean, over pairs of the n rows of k confidences
// in conf, of the largest difference between the two rows' log-scores of
// one class, each row's log-scores taken less their mean. For a model that
// ends in a softmax these are its logits less their mean, so that a
// model that is certain of one class for every photo, whose confidences
// all round to that class's 1, still shows how differently it saw them.
// It is in nats: 0.5 is a factor of 1.65 between two photos' odds.
func LogitSpread(conf []float32, n, k int) float64 {
	logs := make([]float64, n*k)
	valid := make([]bool, n)
	for i := range n {
		row, out := conf[i*k:(i+1)*k], logs[i*k:(i+1)*k]
		sum := 0.0
		for _, v := range row {
			sum += float64(v)
		}
		// As in Spread, a row of no distribution tells its photo from
		// no other.
		if valid[i] = sum > 0 && !math.IsInf(sum, 0); !valid[i] {
			continue
		}
		mean := 0.0
		for j, v := range row {
			out[j] = math.Log(max(float64(v)/sum, logFloor))
			mean += out[j]
		}
		for j := range out {
			out[j] -= mean / float64(k)
		}
	}
	total, pairs := 0.0, 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			pairs++
			if !valid[i] || !valid[j] {
				continue
			}
			d := 0.0
			for x := range k {
				d = max(d, math.Abs(logs[i*k+x]-logs[j*k+x]))
			}
			total += d
		}
	}
	if pairs == 0 {
		return 0
	}
	return total / float64(pairs)
}
