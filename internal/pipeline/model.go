package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/digits"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/photocheck"
	"github.com/fooltest/fooltest/internal/report"
)

// Model says which model to open and how. The ONNX Runtime library must
// be loaded first (classifier.LoadRuntime).
type Model struct {
	// Path is the ONNX file; empty opens the embedded demo model.
	Path    string
	Options classifier.Options
	// Preset names where Options.Normalization came from, for the reports:
	// a preset's name, or "custom".
	Preset string
	// Labels is the labels file; empty gives the demo's labels or
	// numbered ones.
	Labels string
	// ConfigLabels is a Hugging Face config.json found beside the model,
	// whose id2label names the classes when Labels is empty and the
	// model has as many classes as it names.
	ConfigLabels string
	// SideLabels is a labels.txt found beside the model, which names the
	// classes when nothing above does (neither Labels, ConfigLabels nor
	// the model's own metadata) and it has a label per class.
	SideLabels string
	// Runtime is the loaded ONNX Runtime's version, for the reports.
	Runtime string
	// PreprocessingFrom says where Options.Normalization came from when
	// no flag gave it (an image processor's settings beside the model),
	// for the reports; empty otherwise.
	PreprocessingFrom string
}

// Opened is an open model with what the reports say about it. Close
// releases it.
type Opened struct {
	*classifier.Classifier
	// Name is the path as given, or the demo's name; Path is the file,
	// empty for the demo.
	Name, Path string
	SHA256     string
	Labels     []string
	// LabelsFrom says where the labels came from, for people.
	LabelsFrom string
	Preset     string
	Runtime    string
	// PreprocessingFrom says where the preprocessing came from when no
	// flag gave it: Model.PreprocessingFrom, or the model's own image
	// metadata. Empty otherwise.
	PreprocessingFrom string
	// Defaulted says that nothing gave the preprocessing, neither a flag
	// nor the model's files, so the model got fooltest's default.
	Defaulted bool
	// Digits is how the model labels MNIST test digits with its
	// preprocessing, for a model shaped like an MNIST classifier (see
	// package digits); nil for other models.
	Digits *report.DigitCheck
	// Photos is how far apart the model's scores of natural photos are
	// with its preprocessing (see package photocheck); nil for the
	// models Digits covers and models of 8-bit pixels.
	Photos *report.PhotoCheck
	// OpenSeconds is how long opening took: the classifier's opening
	// (Info().OpenSeconds) and the checks of the preprocessing with
	// digits and photos, which on a model of a large fixed batch take
	// as long.
	OpenSeconds float64
	// CheckSeconds is the part of OpenSeconds spent checking the
	// preprocessing with digits and photos, which runs the model on
	// inputs of every preset: a model whose cost grows with its input
	// can spend most of the budget there.
	CheckSeconds float64
	// norm is the preprocessing the model was opened with.
	norm classifier.Normalization
}

// Open opens m and reads its labels. The end of ctx aborts the model runs
// that opening makes (probing the output, tuning the batch size, checking
// the preprocessing with digits and photos); their errors wrap
// classifier.ErrAborted and ctx's cause.
func Open(ctx context.Context, m Model) (*Opened, error) {
	start := time.Now()
	o := &Opened{Preset: m.Preset, Runtime: m.Runtime, norm: m.Options.Normalization, PreprocessingFrom: m.PreprocessingFrom}
	var sum [32]byte
	var err error
	if m.Path == "" {
		o.Name = demo.Name
		o.Classifier, err = classifier.OpenBytesContext(ctx, demo.Name, demo.Model, m.Options)
		sum = sha256.Sum256(demo.Model)
	} else {
		o.Name, o.Path = m.Path, m.Path
		if o.Classifier, err = classifier.OpenContext(ctx, m.Path, m.Options); err == nil {
			sum, err = modelSHA256(m.Path, o.ExternalFiles())
		}
	}
	if err != nil {
		if o.Classifier != nil {
			o.Close()
		}
		return nil, err
	}
	o.SHA256 = hex.EncodeToString(sum[:])
	o.norm = o.Normalization()
	from := o.Info().NormalizationFrom
	if from != "" {
		o.PreprocessingFrom = from
	}
	o.Defaulted = m.Options.AutoNormalization && o.PreprocessingFrom == "" && !o.TakesPixels()
	if o.TakesPixels() && m.Options.AutoNormalization || from != "" {
		// The classifier chose the preprocessing: the only one a model
		// of uint8 pixels has, or the one its metadata states.
		o.Preset = classifier.PresetName(o.norm)
	}
	k := o.Info().Classes
	named := m.Labels != "" || o.Info().ClassLabels != nil
	var configErr error
	if m.Labels == "" && m.ConfigLabels != "" {
		if o.Labels, configErr = classifier.ReadLabels(m.ConfigLabels, k); configErr == nil {
			o.LabelsFrom, named = "id2label in "+m.ConfigLabels, true
		}
	}
	var sideErr error
	if o.Labels == nil && m.Labels == "" && m.Path != "" && m.SideLabels != "" && len(o.Info().ClassLabels) != k {
		if o.Labels, sideErr = classifier.ReadLabels(m.SideLabels, k); sideErr == nil {
			o.LabelsFrom, named = "file "+m.SideLabels+", beside the model", true
		}
	}
	switch {
	case o.Labels != nil:
	case m.Labels != "":
		o.Labels, err = classifier.ReadLabels(m.Labels, k)
		o.LabelsFrom = "file " + m.Labels
	case m.Path == "":
		o.Labels, o.LabelsFrom = demo.Labels(), "the demo's digits 0-9"
	case len(o.Info().ClassLabels) == k:
		o.Labels, o.LabelsFrom = o.Info().ClassLabels, o.Info().ClassLabelsFrom
	case configErr != nil:
		// A config.json of another model, or of this one before its head
		// changed: the run goes on, and says why the names were left out.
		o.Labels, o.LabelsFrom = classifier.DefaultLabels(k), fmt.Sprintf("class 0 .. class %d (the id2label in %s was not used: %v)", k-1, m.ConfigLabels, configErr)
	case sideErr != nil:
		// Another model's labels, or this one's before its head changed.
		o.Labels, o.LabelsFrom = classifier.DefaultLabels(k), fmt.Sprintf("class 0 .. class %d (%s beside the model was not used: %v)", k-1, m.SideLabels, sideErr)
	case o.Info().ClassLabelsNote != "":
		o.Labels, o.LabelsFrom = classifier.DefaultLabels(k), fmt.Sprintf("class 0 .. class %d (%s)", k-1, o.Info().ClassLabelsNote)
	default:
		o.Labels, o.LabelsFrom = classifier.DefaultLabels(k), fmt.Sprintf("none given: class 0 .. class %d", k-1)
	}
	if err != nil {
		o.Close()
		return nil, err
	}
	// The checks run the model as often as tuning does, and on a model of
	// a large fixed batch take as long: the budget and a signal stop them
	// as they stop the rest of opening.
	checkStart := time.Now()
	stop := o.AbortOn(ctx)
	err = o.check(ctx, named)
	stop()
	o.CheckSeconds = time.Since(checkStart).Seconds()
	if err != nil {
		o.Close()
		if ce, ok := errors.AsType[*checkError](err); ok {
			ce.opened, ce.took = checkStart.Sub(start), time.Since(checkStart)
		}
		return nil, err
	}
	o.OpenSeconds = time.Since(start).Seconds()
	return o, nil
}

// check runs the checks of o's preprocessing, named saying that a file or
// the model named its classes.
func (o *Opened) check(ctx context.Context, named bool) error {
	var err error
	// Class names (from a file or the model) that are not the digits say the model reads
	// something else, and its digit labels would mean nothing.
	if !named || digits.NamesDigits(o.Labels) {
		if o.Digits, err = checkDigits(ctx, o.Classifier, o.norm, o.Defaulted); err != nil {
			return &checkError{err: err, with: "MNIST digits"}
		}
	}
	// The digits say more about a digit model than photos do, when they
	// speak; a 10-class gray model that reads them with no preset
	// (Fashion-MNIST's, whose labels are not given) gets the photos
	// too. A model of 8-bit pixels has one preprocessing only.
	if !digitsSpeak(o.Digits) && !o.TakesPixels() {
		if o.Photos, err = checkPhotos(ctx, o.Classifier, o.norm); err != nil {
			return &checkError{err: err, with: "photos"}
		}
	}
	return nil
}

// checkError is an error of a check of a model's preprocessing, with how
// long opening had taken before the check and how long the check ran: a
// model slow on some inputs spends most of a budget there, and a user
// told only that opening ran out would not know where.
type checkError struct {
	err error
	// with is what the check runs the model on: "MNIST digits" or
	// "photos".
	with         string
	opened, took time.Duration
}

// Error implements error.
func (e *checkError) Error() string { return e.err.Error() }

// Unwrap returns the check's error.
func (e *checkError) Unwrap() error { return e.err }

// digitsSpeak reports whether the digit check settles a model's
// preprocessing: it labelled at least digits.MinRight of the digits right
// with it, or named the preset it reads them with. A model that reads few
// with every preset reads no digits (a Fashion-MNIST classifier), and its
// labels of them say nothing about its preprocessing.
func digitsSpeak(d *report.DigitCheck) bool {
	return d.Mismatch() || d != nil && d.Digits > 0 && float64(d.Correct) >= digits.MinRight*float64(d.Digits)
}

// checkPhotos runs the photo check on c, whose preprocessing is own.
func checkPhotos(ctx context.Context, c *classifier.Classifier, own classifier.Normalization) (*report.PhotoCheck, error) {
	p, err := photocheck.Check(ctx, c, own)
	if err != nil {
		return nil, fmt.Errorf("checking the preprocessing with photos: %w", err)
	}
	return &report.PhotoCheck{Photos: p.Photos, Spread: p.Spread, LogitSpread: p.LogitSpread, Collapsed: p.Collapsed(), Certain: p.Spread < photocheck.Collapsed && !p.Collapsed(), TopClasses: p.Tops, SuggestedPresets: p.Suggested, SuggestedSpread: p.SuggestedSpread,
		NarrowerPresets: p.Narrower, NarrowerSpread: p.NarrowerSpread}, nil
}

// checkDigits runs the digit check on c, whose preprocessing is own, a
// default nobody gave when guessed.
func checkDigits(ctx context.Context, c *classifier.Classifier, own classifier.Normalization, guessed bool) (*report.DigitCheck, error) {
	d, ok, err := digits.Check(ctx, c, own, guessed)
	if err != nil {
		return nil, fmt.Errorf("checking the preprocessing with MNIST digits: %w", err)
	}
	if !ok {
		return nil, nil
	}
	rc := &report.DigitCheck{Digits: d.Digits, Correct: d.Correct, Confidence: d.Confidence, SuggestedPreset: d.Suggested, SuggestedCorrect: d.SuggestedCorrect, Unsure: d.Unsure,
		SurerPreset: d.Surer, SurerConfidence: d.SurerConfidence}
	if d.Suggested != "" {
		rc.SuggestedConfidence = d.SuggestedConfidence
	}
	return rc, nil
}

// preprocessingName names o's preprocessing as a user gives it: a preset,
// or its values.
func preprocessingName(o *Opened) string {
	if o.Preset != "" && o.Preset != "custom" {
		return "preset " + o.Preset
	}
	return o.Info().Normalization
}

// checkPreprocessing refuses to search o (what names it in the error) when
// the digit check found its preprocessing most likely wrong, unless spec
// trusts the preprocessing.
func (spec *Spec) checkPreprocessing(o *Opened, what string) error {
	if spec.TrustPreprocessing {
		return nil
	}
	given := preprocessingName(o)
	// The digits are evidence from the model's answers; a range read
	// from the graph comes second.
	if d := o.Digits; d.Mismatch() {
		why := "a search would feed it inputs unlike any it was trained on"
		if d.Unsure {
			why = "with this preprocessing no image would reach a threshold near 1, and the gate would pass a model it never tested"
		}
		own := "this preprocessing (" + given + ")"
		if o.Defaulted {
			if p := classifier.PresetName(o.norm); p != "" && p != "custom" {
				given = "preset " + p
			}
			own = "fooltest's default preprocessing (" + given + ", which nothing gave)"
		}
		err := fault.Invalidf(SettingPreprocessingCheck, "%s %s, so it was most likely trained with preset %s, and %s",
			what, d.Finding(own, "preset "+d.SuggestedPreset), d.SuggestedPreset, why)
		return fault.Suggest(err, d.SuggestedPreset)
	}
	r := o.Info().InputRange
	if !r.Mismatch() {
		return spec.checkPhotos(o, what, given)
	}
	names := make([]string, len(r.Suggested))
	best := make([]string, len(r.Suggested))
	for i, p := range r.Suggested {
		names[i] = fmt.Sprintf("%s (%.0f%%)", p.Preset, 100*p.Fit)
		best[i] = p.Preset
	}
	err := fault.Invalidf(SettingPreprocessingCheck, "%s quantizes its input to %s (%s), and this preprocessing (%s) fills only %.0f%% of that range where preset %s fills it, so the model was most likely calibrated with such inputs, and a search would feed it inputs unlike any it was built for",
		what, r.RangeString(), r.Via, given, math.Floor(100*r.Fit), strings.Join(names, " or "))
	if r.Kind == classifier.RangeScaling {
		for i, p := range r.Suggested {
			names[i] = fmt.Sprintf("%s gives %s", p.Preset, classifier.Interval(p.Lo, p.Hi))
		}
		err = fault.Invalidf(SettingPreprocessingCheck, "%s scales its input in its graph (%s) before %s, and with this preprocessing (%s) that layer gets values in %s, unlike normalised images, where preset %s, so the model was most likely trained with such inputs, and a search would feed it inputs unlike any it was trained on",
			what, r.Via, r.Next, given, r.RangeString(), strings.Join(names, " and "))
	}
	return fault.Suggest(err, best...)
}

// checkPhotos refuses to search o when the photo check found that its
// preprocessing (given, as the user named it) leaves the model unable to
// tell any two photos apart.
func (spec *Spec) checkPhotos(o *Opened, what, given string) error {
	p := o.Photos
	if !p.Mismatch() {
		return nil
	}
	err := fault.Invalidf(SettingPreprocessingCheck, "%s gives %d very different photos (a cat, coffee, a rocket, a portrait, grass, bricks) nearly the same scores with this preprocessing (%s: spread %.3f of 1), and far different ones with preset %s (%.2f), so this preprocessing squeezes every image into a sliver of the inputs the model was trained on, and a search could hardly move it",
		what, p.Photos, given, p.Spread, strings.Join(p.SuggestedPresets, " or "), p.SuggestedSpread)
	return fault.Suggest(err, p.SuggestedPresets...)
}

// modelSHA256 is the sha256 that identifies the model at path in reports,
// merges and baselines: of its file alone, or, for a model that keeps its
// weights in external files (external, relative to its folder), of its
// file followed by each external file's name and contents, so that two
// sets of weights behind the same graph are told apart.
func modelSHA256(path string, external []string) ([32]byte, error) {
	var sum [32]byte
	h := sha256.New()
	add := func(p string) error {
		f, err := os.Open(p)
		if err != nil {
			return fault.Invalidf(classifier.SettingModel, "cannot read model %s: %w", p, err)
		}
		defer f.Close()
		if _, err := io.Copy(h, f); err != nil {
			return fault.Invalidf(classifier.SettingModel, "cannot read model %s: %w", p, err)
		}
		return nil
	}
	if err := add(path); err != nil {
		return sum, err
	}
	for _, name := range external {
		// The name, NUL-terminated, keeps two splits of the same bytes
		// apart.
		h.Write([]byte{0})
		h.Write([]byte(name))
		h.Write([]byte{0})
		if err := add(filepath.Join(filepath.Dir(path), name)); err != nil {
			return sum, err
		}
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
