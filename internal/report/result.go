// Package report holds fooltest's one result model and a writer per output
// format. Writers only read a Result; the verdict in it is decided by the
// gate package before any writer runs.
package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
)

// Schema is the version of the JSON result written to report.json.
const Schema = 1

// Result is everything a fooltest run found. It is serialised as report.json
// and every other format is derived from it.
type Result struct {
	Schema   int      `json:"schema"`
	Versions Versions `json:"versions"`
	Model    Model    `json:"model"`
	// DigitCheck is how the model labelled real MNIST test digits with the
	// run's preprocessing, when it is shaped like an MNIST classifier; nil
	// for other models.
	DigitCheck *DigitCheck `json:"digit_check,omitempty"`
	// RangeCheck is how the run's preprocessing fills the range of input
	// values that the model's graph quantizes its input to, for a model
	// whose graph states one (int8 exports); nil for other models.
	RangeCheck *RangeCheck `json:"range_check,omitempty"`
	// PhotoCheck is how far apart the model's scores of natural photos
	// were with the run's preprocessing; nil for models the digit check
	// covers and models of 8-bit pixels.
	PhotoCheck *PhotoCheck `json:"photo_check,omitempty"`
	Config     Config      `json:"config"`

	// Verdict is computed once, by the gate.
	Verdict Verdict `json:"verdict"`
	// FailedBy lists what failed the gate, each that holds whichever
	// decided the verdict: FailedByFooled, FailedByRegression and
	// FailedByMinScore. It is empty when nothing did, as for every pass.
	// The gate sets it with the verdict. Writers mark as failures (JUnit
	// failures, SARIF errors) only the findings it lists, and none under
	// fail-on never, so that no format turns a check red for a run the
	// gate let through.
	FailedBy []string `json:"failed_by,omitempty"`
	// Error says why the verdict is "error": what kept the run from
	// testing the model. It is empty otherwise. The gate writes it, each
	// time it evaluates the result: RunError when there is one, else a
	// reason of its own from the findings.
	Error string `json:"error,omitempty"`
	// RunError says what failed in the run itself, whatever its findings:
	// the model failed mid-search, the baseline's search cannot be
	// compared, or, in a merged result, a shard's run failed or shards
	// are missing. It always makes the verdict "error". It is kept apart
	// from the gate's own reasons (an interrupted run, too few
	// evaluations, an unmoved model, an unconfirmed preprocessing), which
	// the gate derives afresh from the findings, so that gating a result
	// again, or merging shards, judges the findings and not an earlier
	// verdict. Reports of builds before it have none: a merge takes such
	// a report's Error for a run failure only when its search stopped on
	// an error or its baseline could not be compared.
	RunError  string  `json:"run_error,omitempty"`
	Fooled    int     `json:"fooled"`
	Targets   int     `json:"targets"`
	Threshold float64 `json:"threshold"`
	// MaxFooled is the resolved number of fooled classes the gate allows.
	MaxFooled int `json:"max_fooled"`

	Evaluations    int64   `json:"evaluations"`
	ElapsedSeconds float64 `json:"elapsed_seconds"`
	// OpenSeconds is the time spent opening the model (loading it,
	// probing its output, tuning the batch size, checking the
	// preprocessing with digits or photos) before the search, which
	// counts against the budget too.
	OpenSeconds    float64 `json:"open_seconds"`
	EvalsPerSecond float64 `json:"evaluations_per_second"`
	BudgetSeconds  float64 `json:"budget_seconds"`
	// BudgetUsedSeconds is the time the budget counted: from the start
	// of the run, opening the model included, to the end of the search
	// (from the end of the baseline's search, when the run searched a
	// baseline model first); in a merge, the longest shard's. 0 in
	// reports written before it was recorded.
	BudgetUsedSeconds float64 `json:"budget_used_seconds,omitempty"`
	MedianConfidence  float64 `json:"median_confidence"`
	MaxConfidence     float64 `json:"max_confidence"`
	// NonFiniteOutputs is how many of the Evaluations gave a NaN or
	// ±Inf output, which counts as confidence 0 for every class, and
	// NonFiniteCause, when there were any, what most likely made them
	// and what fixes it.
	NonFiniteOutputs int64  `json:"non_finite_outputs"`
	NonFiniteCause   string `json:"non_finite_cause,omitempty"`
	// NonFiniteError says why the model was not tested when more of the
	// evaluations than a run may pass a model with gave NaN or ±Inf
	// outputs; empty otherwise. The gate makes it the error of a run that
	// would pass: one whose finite findings fail the gate is a fail all
	// the same, since the classes those images fooled were fooled.
	NonFiniteError string `json:"non_finite_error,omitempty"`
	Interrupted    bool   `json:"interrupted"`
	StoppedReason  string `json:"stopped_reason"`
	StartedAt      string `json:"started_at"`

	// Score is how hard the model was to fool, from the classes'
	// evaluations to the threshold under EvaluationBudget (see package
	// score): 0 when every class fell at the first evaluation, 1 when none
	// fell within the budget. The gate computes it.
	Score float64 `json:"score"`
	// ScoreVersion is the score's definition; scores of different
	// versions are never compared.
	ScoreVersion int `json:"score_version"`
	// EvaluationBudget is the B of the score: --max-evals, or the
	// evaluations made when there was none.
	EvaluationBudget int64 `json:"evaluation_budget"`
	// ScoreComparable is false when the wall clock (or a signal) stopped
	// a search before its evaluation budget: classes not fooled by then
	// might have fallen later, so the score is not comparable with
	// another run's.
	ScoreComparable bool `json:"score_comparable"`
	// FooledWithinBudget counts the classes with an evaluation count to
	// the threshold, and MedianEvaluations is the median of those counts
	// over all targets, classes not fooled counting as more than the
	// budget; nil when that median class was not fooled.
	FooledWithinBudget int    `json:"fooled_within_budget"`
	MedianEvaluations  *int64 `json:"median_evaluations_to_threshold"`
	// Repeats is how many independent searches the result summarises:
	// each class's evaluations to the threshold is their median, and its
	// image the best any of them found.
	Repeats int `json:"repeats"`
	// Baseline compares this run with a baseline's, when one was given.
	Baseline *Baseline `json:"baseline,omitempty"`
	// Shard says which part of the targets a sharded run searched
	// (fooltest run --shard), or, with Index 0, how many shards a merged
	// result (fooltest merge) was merged from; nil for a whole run.
	Shard *Shard `json:"shard,omitempty"`
	// TargetClasses lists every target class of a sharded or merged run,
	// in the order the shards were dealt from: Classes holds each of them,
	// whichever shard searched it.
	TargetClasses []int `json:"target_classes,omitempty"`
	// MissingShards lists, in a merged result, the shards (1-based) that
	// had no report; their classes are marked NotSearched.
	MissingShards []int `json:"missing_shards,omitempty"`

	Classes []Class `json:"classes"`
}

// Shard is one shard of a run whose targets were split over several jobs:
// target class j (in TargetClasses order) belongs to shard j mod Count + 1.
// Every shard still keeps the best image it met for every target; it only
// works on its own.
type Shard struct {
	// Index is the shard, from 1 to Count; 0 in a merged result.
	Index int `json:"index"`
	Count int `json:"count"`
	// Seed is the seed the shard searched with: the run's seed plus
	// (Index-1) × ShardSeedStep. Config.Seed stays the run's.
	Seed uint64 `json:"seed,omitempty"`
	// Searched lists the target classes this shard worked on.
	Searched []int `json:"searched,omitempty"`
	// Merged lists, in a merged result, the shards that were merged.
	Merged []int `json:"merged,omitempty"`
	// Runs are, in a merged result, what each merged shard did, in the
	// order of Merged: the merged gate holds each shard to the rule a
	// single run is held to, which the sum over shards would hide. Merged
	// reports written before it have none.
	Runs []ShardRun `json:"runs,omitempty"`
}

// ShardRun is one shard's own search, as a merged result keeps it.
type ShardRun struct {
	Index int `json:"index"`
	// Targets is how many target classes the shard searched: its own.
	Targets int `json:"targets"`
	// Evaluations is how many model evaluations the shard made.
	Evaluations int64 `json:"evaluations"`
	// StoppedReason is why the shard's search stopped.
	StoppedReason string `json:"stopped_reason,omitempty"`
}

// ShardSeedStep separates the seeds of a run's shards, so that they do not
// repeat each other's searches; it is prime and far above the seeds
// --repeats adds (seed, seed+1, …, at most 100 of them).
const ShardSeedStep = 1_000_003

// MaxShards bounds a run's shard count: more jobs than this is no CI matrix
// (GitHub allows 256 jobs per matrix).
const MaxShards = 256

// DigitCheck is how a model with one input channel and 10 classes
// labelled a hundred MNIST test digits (ten of each) with the run's
// preprocessing, and, when it read far more of them with a preset, which
// one. fooltest refuses to search such a model with a preprocessing it
// cannot read unless told to go on, so a report that names a suggested
// preset comes from a run that was.
type DigitCheck struct {
	Digits  int `json:"digits"`
	Correct int `json:"correct"`
	// Confidence is the median of the model's top confidence over the
	// digits, with the run's preprocessing.
	Confidence float64 `json:"median_confidence,omitempty"`
	// SuggestedPreset is a preset with which the model labelled
	// SuggestedCorrect of the digits right, far more than Correct, or,
	// when Unsure, labelled them at a median confidence of
	// SuggestedConfidence, where the run's preprocessing left every label
	// unsure (see package digits); empty when no preset did.
	SuggestedPreset     string  `json:"suggested_preset,omitempty"`
	SuggestedCorrect    int     `json:"suggested_correct,omitempty"`
	SuggestedConfidence float64 `json:"suggested_median_confidence,omitempty"`
	Unsure              bool    `json:"unsure,omitempty"`
	// SurerPreset is, for fooltest's default preprocessing, a preset with
	// which the model read the digits as well and surer, at a median
	// confidence of SurerConfidence: the default is then not confirmed.
	SurerPreset     string  `json:"surer_preset,omitempty"`
	SurerConfidence float64 `json:"surer_median_confidence,omitempty"`
}

// Mismatch reports whether the check found the run's preprocessing to be
// most likely not the model's.
func (d *DigitCheck) Mismatch() bool { return d != nil && d.SuggestedPreset != "" }

// Confirms reports whether the digits confirm the run's preprocessing: the
// model labelled at least 85 of every 100 right with it (digits.MinRight),
// and no preset did far better, or as well and surer.
func (d *DigitCheck) Confirms() bool {
	return d != nil && !d.Mismatch() && d.Digits > 0 && 100*d.Correct >= 85*d.Digits && !d.Unsure && d.SurerPreset == ""
}

// Finding says, for a mismatch, what the model did with the digits under
// the run's preprocessing and under the suggested preset, as a clause
// that follows "the model": "labelled only 17 of 100 MNIST test digits
// right with this preprocessing, and 98 with preset mnist". own names the
// run's preprocessing ("this preprocessing (preset raw01)") and preset the
// suggested one, as the caller writes them.
func (d *DigitCheck) Finding(own, preset string) string {
	if d.Unsure {
		return fmt.Sprintf("labelled %d of %d MNIST test digits right with %s but at a median confidence of only %.2f, against %.2f with %s (%d right)",
			d.Correct, d.Digits, own, d.Confidence, d.SuggestedConfidence, preset, d.SuggestedCorrect)
	}
	return fmt.Sprintf("labelled only %d of %d MNIST test digits right with %s, and %d with %s",
		d.Correct, d.Digits, own, d.SuggestedCorrect, preset)
}

// RangeCheck compares the preprocessing's input values with what the
// model's graph says about them: the range its input quantizer spans (a
// QuantizeLinear whose scale and zero point were calibrated on
// preprocessed images), or the scaling it applies first.
type RangeCheck struct {
	// Kind is "quantizer" or "scaling".
	Kind string `json:"kind"`
	// Lo and Hi bound, per model channel, the quantizer's range in input
	// values, or, for scaling, the values the first layer after it gets
	// with this preprocessing.
	Lo []float64 `json:"lo"`
	Hi []float64 `json:"hi"`
	// Via names the operators from the input on; Next, for scaling, the
	// layer the scaled values go to.
	Via  string `json:"via"`
	Next string `json:"next,omitempty"`
	// Fit is, for a quantizer, the overlap of the preprocessing's values
	// with the range over their union, averaged over the channels (1 when
	// they coincide); for scaling, 1 when the first layer's values look
	// like normalised images and 0 when not.
	Fit float64 `json:"fit"`
	// SuggestedPresets fill the range far better, best first, when Fit
	// is low; empty when it is not.
	SuggestedPresets []string `json:"suggested_presets,omitempty"`
}

// Mismatch reports whether the check found the run's preprocessing to be
// most likely not the model's.
func (r *RangeCheck) Mismatch() bool { return r != nil && len(r.SuggestedPresets) > 0 }

// PhotoCheck is how far apart a model's scores of six natural photos (a
// cat, coffee, a rocket, a portrait, grass, bricks) were with the run's
// preprocessing: the mean total-variation distance between their score
// distributions, from 0 (the same scores for every photo) to 1. When they
// all but coincided and a preset set them far apart, the preprocessing
// squeezed every image into a sliver of what the model takes, and the
// presets that did not are suggested. fooltest refuses to search a model
// with such a preprocessing unless told to go on, so a report that names
// suggested presets comes from a run that was.
type PhotoCheck struct {
	Photos int     `json:"photos"`
	Spread float64 `json:"spread"`
	// LogitSpread is how far apart the photos' log-scores were, in nats,
	// and Collapsed whether the check took the photos for collapsed: a
	// spread near 0 with log-scores far apart is a model certain of one
	// class for every photo, not one that cannot tell them apart.
	LogitSpread float64 `json:"logit_spread"`
	Collapsed   bool    `json:"collapsed"`
	// Certain says that the photos' scores nearly coincided (a spread
	// under the check's bound for collapsed photos) while their log-scores
	// were far apart: a model certain of its answers, not collapsed.
	Certain bool `json:"certain,omitempty"`
	// TopClasses is how many different classes topped the photos' scores.
	TopClasses int `json:"top_classes,omitempty"`
	// SuggestedPresets spread the photos far apart, widest first;
	// SuggestedSpread is the first one's spread. Empty when Spread is not
	// near 0 or no preset did.
	SuggestedPresets []string `json:"suggested_presets,omitempty"`
	SuggestedSpread  float64  `json:"suggested_spread,omitempty"`
	// NarrowerPresets spread the photos far apart, most first, where they
	// collapsed with one class topping them all and no wider preset set
	// them apart: presets whose values span a tenth of the run's range or
	// less, so the run's values may be far wider than the model's and
	// saturate it. NarrowerSpread is the first one's spread. A hint only:
	// a model so saturated is easy to fool, not falsely hard, so nothing
	// is refused and the verdict stands. Empty otherwise.
	NarrowerPresets []string `json:"narrower_presets,omitempty"`
	NarrowerSpread  float64  `json:"narrower_spread,omitempty"`
}

// DefaultPreprocessing is Config.PreprocessingFrom when nothing gave the
// preprocessing, so that a report read later (a PR comment, a stored
// report.json) says the preset was not chosen.
const DefaultPreprocessing = "none given: fooltest's default, which may not be the model's"

// Mismatch reports whether the check found the run's preprocessing to be
// most likely not the model's.
func (p *PhotoCheck) Mismatch() bool { return p != nil && len(p.SuggestedPresets) > 0 }

// TooWide reports whether the check found far narrower presets that spread
// the photos the run's preprocessing collapsed: a hint that it may be far
// wider than the model's.
func (p *PhotoCheck) TooWide() bool { return p != nil && len(p.NarrowerPresets) > 0 }

// photoWarning says, when the photo check found the preprocessing most
// likely wrong, or could not tell the photos apart under any preset, what
// that means for the run; "" otherwise.
func photoWarning(res *Result, untrusted func(string) string) string {
	p := res.PhotoCheck
	if p.TooWide() && !p.Mismatch() {
		presets := mapStrings(p.NarrowerPresets, untrusted)
		// A hint, not a refusal: a model saturated so is easy to fool
		// rather than falsely hard, so the verdict stands.
		return fmt.Sprintf("With this run's preprocessing the model gave %d very different photos nearly the same scores (spread %.3f of 1), one class topping them all, and with preset %s, of a tenth of its range or less, far different ones (%.2f): "+
			"this preprocessing may be far wider than the model's, saturating it into one answer for nearly every image, and then this search tested it on inputs unlike its own. Check the model's preprocessing.",
			p.Photos, p.Spread, strings.Join(presets, " or "), p.NarrowerSpread)
	}
	if p != nil && p.Collapsed && !p.Mismatch() {
		// Nothing to suggest, and the gate errs only on a default nobody
		// gave: a pass on a preprocessing the user chose stands, and the
		// reader of the report must know what it rests on.
		return fmt.Sprintf("With this run's preprocessing the model gave %d very different photos nearly the same scores (spread %.3f of 1), and no preset of a far wider range set them apart (presets of a similar range were not tried): "+
			"either the model reads inputs other than photos (spectrograms, sensor data), or the preprocessing squeezes every image together, and then this search could hardly move it and the verdict says little about it.",
			p.Photos, p.Spread)
	}
	if !p.Mismatch() {
		return ""
	}
	presets := mapStrings(p.SuggestedPresets, untrusted)
	return fmt.Sprintf("With this run's preprocessing the model gave %d very different photos nearly the same scores (spread %.3f of 1), and with preset %s far different ones (%.2f): "+
		"the preprocessing squeezed every image into a sliver of what the model takes, so this search could hardly move it, and the verdict says little about it. Run again with the model's preprocessing.",
		p.Photos, p.Spread, strings.Join(presets, " or "), p.SuggestedSpread)
}

// photoRow is the summary's value for the photo check.
func photoRow(p *PhotoCheck, untrusted func(string) string) string {
	if p.TooWide() && !p.Mismatch() {
		return fmt.Sprintf("%.3f of 1; far narrower preset %s: %.2f", p.Spread, untrusted(p.NarrowerPresets[0]), p.NarrowerSpread)
	}
	if !p.Mismatch() && p.Collapsed {
		return fmt.Sprintf("%.3f of 1; no far wider preset sets them apart", p.Spread)
	}
	if !p.Mismatch() {
		s := fmt.Sprintf("%.3f of 1 (%d photos)", p.Spread, p.Photos)
		switch {
		case p.Certain && p.TopClasses == 1:
			s += fmt.Sprintf("; log-scores %.1f apart: certain of the same class for every photo", p.LogitSpread)
		case p.Certain:
			s += fmt.Sprintf("; log-scores %.1f apart: certain of one class for each", p.LogitSpread)
		}
		return s
	}
	return fmt.Sprintf("%.3f of 1; preset %s: %.2f", p.Spread, untrusted(p.SuggestedPresets[0]), p.SuggestedSpread)
}

// rangeWarning says, when the range check found the preprocessing most
// likely wrong, what that means for the run; "" otherwise.
func rangeWarning(res *Result, untrusted func(string) string) string {
	r := res.RangeCheck
	if !r.Mismatch() {
		return ""
	}
	presets := mapStrings(r.SuggestedPresets, untrusted)
	if r.Kind == "scaling" {
		return fmt.Sprintf("The model scales its input in its graph, and with this run's preprocessing its first layer got values unlike normalised images, where preset %s gives such values: "+
			"it was most likely trained with such inputs, so this search fed it inputs unlike any it was trained on, and the verdict says little about it. Run again with the model's preprocessing.",
			strings.Join(presets, " or "))
	}
	return fmt.Sprintf("The model quantizes its input to a range that this run's preprocessing fills only %.0f%% of, and preset %s far better: "+
		"it was most likely calibrated with such inputs, so this search fed it inputs unlike any it was built for, and the verdict says little about it. Run again with the model's preprocessing.",
		math.Floor(100*r.Fit), strings.Join(presets, " or "))
}

// preprocessingWarning joins the warnings of the digit, range and photo
// checks; "" when none found the preprocessing wrong.
func preprocessingWarning(res *Result, untrusted func(string) string) string {
	var parts []string
	for _, w := range []string{digitWarning(res, untrusted), rangeWarning(res, untrusted), photoWarning(res, untrusted)} {
		if w != "" {
			parts = append(parts, w)
		}
	}
	return strings.Join(parts, " ")
}

// rangeRow is the summary's value for the range check.
func rangeRow(r *RangeCheck, untrusted func(string) string) string {
	if r.Kind == "scaling" {
		s := fmt.Sprintf("scaled in the graph (%s)", untrusted(r.Via))
		if r.Mismatch() {
			s += fmt.Sprintf(" to values unlike normalised images; preset %s gives such values", untrusted(r.SuggestedPresets[0]))
		}
		return s
	}
	s := fmt.Sprintf("%.0f%% (%s)", 100*r.Fit, untrusted(r.Via))
	if r.Mismatch() {
		s += fmt.Sprintf("; preset %s fills it far better", untrusted(r.SuggestedPresets[0]))
	}
	return s
}

// digitsRow is the summary's value for the digit check; untrusted cleans
// the preset's name, which a merged report.json could hold anything in.
func digitsRow(d *DigitCheck, untrusted func(string) string) string {
	s := fmt.Sprintf("%d of %d", d.Correct, d.Digits)
	switch {
	case d.Mismatch() && d.Unsure:
		s += fmt.Sprintf(" at a median confidence of %.2f (%.2f with preset %s)", d.Confidence, d.SuggestedConfidence, untrusted(d.SuggestedPreset))
	case d.Mismatch():
		s += fmt.Sprintf(" (%d with preset %s)", d.SuggestedCorrect, untrusted(d.SuggestedPreset))
	}
	return s
}

// digitWarning says, when the digit check found the preprocessing most
// likely wrong, what that means for the run; "" otherwise. untrusted
// cleans the preset's name for the format.
func digitWarning(res *Result, untrusted func(string) string) string {
	d := res.DigitCheck
	if !d.Mismatch() {
		return ""
	}
	preset := untrusted(d.SuggestedPreset)
	return fmt.Sprintf("The model %s: "+
		"it was most likely trained with that preset, so this search fed it inputs unlike any it was trained on, and the verdict says little about it. Run again with preset %s.",
		d.Finding("this run's preprocessing", "preset "+preset), preset)
}

// Versions names the software that produced a Result.
type Versions struct {
	Fooltest    string `json:"fooltest"`
	ONNXRuntime string `json:"onnxruntime"`
}

// Model describes the classifier under test.
type Model struct {
	// Path is relative to the working directory (the workspace in
	// Actions), or DemoModelPath for the embedded demo model.
	Path string `json:"path"`
	// RepoPath is the model file's path in the repository, with forward
	// slashes: relative to $GITHUB_WORKSPACE in Actions, else to the root
	// of the git work tree fooltest ran in, else to the working
	// directory. It is empty for the embedded demo model and for a model
	// outside that root. report.sarif locates its results there, so
	// that code scanning finds the file from any working directory.
	RepoPath string `json:"repo_path,omitempty"`
	SHA256   string `json:"sha256"`
	Classes  int    `json:"classes"`
	Input    string `json:"input"`
	// InputType is the element type of the model's input when it is
	// not float32: float16, bfloat16 or double (cast from float32), or
	// uint8 (pixels of 0 to 255).
	InputType  string `json:"input_type,omitempty"`
	Layout     string `json:"layout"`
	Width      int    `json:"width"`
	Height     int    `json:"height"`
	Channels   int    `json:"channels"`
	Output     string `json:"output"`
	OutputKind string `json:"output_kind"`
	// BinaryOutput says that the output holds one score per image, which
	// is class 1's confidence (its sigmoid, for a logit), class 0's being
	// 1 minus it: a binary classifier's two classes from one score.
	BinaryOutput bool `json:"binary_output,omitempty"`
	// OutputsNotSearched are the model's other outputs that fooltest
	// could read scores from but did not search, as name and shape
	// (`"mask_logits" [1 1 192 288]`): another head's class scores, or
	// scores along several axes (a segmentation mask, a text reader's
	// characters). The verdict speaks for Output alone, so every format
	// that names the output names these too. Empty when there are none.
	OutputsNotSearched []string `json:"outputs_not_searched,omitempty"`
}

// DemoModelPath stands for the embedded demo model in Model.Path: it has
// no file.
const DemoModelPath = "(embedded demo model)"

// Config is every setting in effect for the run, as the user gave it or as
// defaulted.
type Config struct {
	Encoding  string    `json:"encoding"`
	Algorithm string    `json:"algorithm"`
	Budget    string    `json:"budget"`
	MaxEvals  int64     `json:"max_evals"`
	Classes   string    `json:"classes"`
	Threshold float64   `json:"threshold"`
	MaxFooled string    `json:"max_fooled"`
	FailOn    string    `json:"fail_on"`
	Seed      uint64    `json:"seed"`
	Batch     int       `json:"batch"`
	Threads   int       `json:"threads"`
	Preset    string    `json:"preset"`
	Scale     float64   `json:"scale"`
	Mean      []float64 `json:"mean"`
	Std       []float64 `json:"std"`
	// ChannelOrder is "bgr" for a model that takes its colour channels
	// blue first, and empty for RGB (and for one-channel models).
	ChannelOrder string `json:"channel_order,omitempty"`
	// PreprocessingFrom says where the preprocessing came from when no
	// flag gave it: the model's image metadata, the image processor's
	// settings beside it, or, when nothing gave it, fooltest's default.
	// Empty when flags gave it.
	PreprocessingFrom string `json:"preprocessing_from,omitempty"`
	// PreprocessingUnchecked says that the run went on whatever its
	// preprocessing checks found (--preprocessing-check=false).
	PreprocessingUnchecked bool   `json:"preprocessing_unchecked,omitempty"`
	InputShape             string `json:"input_shape"`
	Output                 string `json:"output"`
	OutputKind             string `json:"output_kind"`
	// Labels is the --labels file as given, empty when none was.
	Labels string `json:"labels"`
	// LabelsFrom says where the labels came from when --labels did not
	// give them: a labels file found beside the model, a config.json's
	// id2label, the model's metadata, the demo's digits, or none. Empty
	// when --labels gave them, and in reports written before it existed.
	LabelsFrom    string   `json:"labels_from,omitempty"`
	ReportDir     string   `json:"report_dir"`
	Formats       []string `json:"formats"`
	ExportDataset bool     `json:"export_dataset"`
	// Generation is the search's generation unit.
	Generation int `json:"generation"`
	// SearchVersion is the version of the search (attack.SearchVersion)
	// that made the result: query costs compare only between searches of
	// one version. 0 in reports written before it was recorded.
	SearchVersion int `json:"search_version"`
	// Repeats is --repeats: independent searches with seeds Seed,
	// Seed+1, ….
	Repeats int `json:"repeats"`
	// Baseline is the --baseline path, a model or a report.json.
	Baseline string `json:"baseline"`
	// BaselinePreset is --baseline-preset: the preset the baseline model
	// takes when it differs from the model's ("custom" for a baseline
	// report searched with values of its own), or empty when the
	// baseline takes the model's preprocessing.
	BaselinePreset string `json:"baseline_preset,omitempty"`
	// Alpha and Tolerance set when a candidate counts as easier to fool
	// than its baseline; MinScore is a floor for the score (0: none).
	Alpha     float64 `json:"alpha"`
	Tolerance float64 `json:"tolerance"`
	MinScore  float64 `json:"min_score"`
	// ImageBaseURL is --image-base-url: where the report directory's
	// images are published, so that report.md shows them from
	// ImageBaseURL/<relative path> ("" when not given). ArtifactURL is
	// --artifact-url: where the report directory can be downloaded, which
	// report.md links to when there is no ImageBaseURL. Both say where
	// this report's own files are, so they describe the report, not the
	// search: a merge or a comparison with a baseline does not compare
	// them, and merge takes its own.
	ImageBaseURL string `json:"image_base_url"`
	ArtifactURL  string `json:"artifact_url"`
}

// Class is the best image found for one target class.
type Class struct {
	Index      int     `json:"index"`
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
	Fooled     bool    `json:"fooled"`
	Encoding   string  `json:"encoding"`
	// EvaluationsToThreshold is the run's evaluation count when the class
	// first reached the threshold; nil when it never did.
	EvaluationsToThreshold *int64   `json:"evaluations_to_threshold"`
	SecondsToThreshold     *float64 `json:"seconds_to_threshold"`
	// NotSearched marks, in a merged result, a class whose shard was
	// missing: its image is the best the other shards met while searching
	// their own classes.
	NotSearched bool `json:"not_searched,omitempty"`
	// Unreachable, for a class that was not fooled, says why it looks
	// impossible to fool on this model; nil otherwise. Such a class is
	// still not fooled, and counts as not fooled for the gate.
	Unreachable *Unreachable `json:"unreachable,omitempty"`
	// Image is the PNG's path relative to the report directory.
	Image   string  `json:"image"`
	History []Point `json:"history"`

	// Pixels is the best image in canonical form; writers that draw
	// images read it, and it is not serialised.
	Pixels *Image `json:"-"`
}

// Kinds of Unreachable, as the search reports them.
const (
	// UnreachableDead: no scored image gave the class more than a trace of
	// confidence.
	UnreachableDead = "dead"
	// UnreachableBounded: the model's outputs vary in fewer dimensions
	// than its classes allow, and nowhere in that space does the class's
	// softmax reach the threshold, whatever the input.
	UnreachableBounded = "bounded"
	// UnreachableBoundedLayer: the class scores are an affine map of a
	// layer whose values are bounded (a Tanh, for one), and over every
	// value that layer can take the class's confidence stays below the
	// threshold: the model's weights show it, whatever the input.
	UnreachableBoundedLayer = "bounded-layer"
)

// Unreachable is the evidence that a class cannot reach the threshold on
// this model: from the outputs of every scored image (dead, bounded), or
// from the weights of the layer that feeds the class scores (bounded-layer).
type Unreachable struct {
	// Kind is UnreachableDead, UnreachableBounded or
	// UnreachableBoundedLayer.
	Kind string `json:"kind"`
	// Ceiling is the highest confidence the class can have, for
	// UnreachableBounded and UnreachableBoundedLayer; its best confidence,
	// for UnreachableDead.
	Ceiling float64 `json:"ceiling"`
	// Rank is the dimension of the space the model's outputs vary in,
	// for UnreachableBounded.
	Rank int `json:"rank,omitempty"`
	// Layer describes the bounded layer, for UnreachableBoundedLayer.
	Layer string `json:"layer,omitempty"`
	// Reason says it in a sentence, for people.
	Reason string `json:"reason"`
}

// UnreachableReason is the sentence reports show for an unreachable class
// whose best confidence is best, from images scored images; rank is the
// dimension of the outputs' space, for UnreachableBounded.
func UnreachableReason(kind string, best, ceiling float64, rank int, images int64) string {
	if kind == UnreachableDead {
		return fmt.Sprintf("no image of the %d scored gave it a confidence above %.2g: its output looks dead", images, ceiling)
	}
	return fmt.Sprintf("its best confidence is %.4f: the model's outputs over the %s scored vary in only %s (a narrow linear layer before the softmax), and nowhere in that space does this class's softmax exceed %.4f, whatever the input",
		best, count(images, "image", "images"), count(rank, "dimension", "dimensions"), ceiling)
}

// BoundedLayerReason is the sentence reports show for a class that cannot
// reach the threshold because the layer that feeds the class scores is
// bounded: best is its best confidence, ceiling the most it can have, and
// layer says what the layer is.
func BoundedLayerReason(best, ceiling float64, layer string) string {
	return fmt.Sprintf("its best confidence is %.4f: the class scores are an affine map of a %s, and over every value that layer can take this class's confidence stays below %s, whatever the input (read from the model's weights)",
		best, layer, ceilingText(ceiling))
}

// ceilingText writes a ceiling to 4 decimals, or to 6 where 4 would round
// it to a threshold users write (a ceiling of 0.98996 is not "below
// 0.9900" at a glance when the threshold is 0.99).
func ceilingText(c float64) string {
	s := fmt.Sprintf("%.4f", c)
	if long := fmt.Sprintf("%.6f", c); strings.HasSuffix(s, "00") && !strings.HasSuffix(long, "0000") {
		return long
	}
	return s
}

// unreachableCount is how many classes of res look unreachable.
func unreachableCount(res *Result) int {
	n := 0
	for i := range res.Classes {
		if res.Classes[i].Unreachable != nil {
			n++
		}
	}
	return n
}

// unreachableClasses returns the classes that look unreachable, in class
// order.
func unreachableClasses(res *Result) []*Class {
	var out []*Class
	for i := range res.Classes {
		if res.Classes[i].Unreachable != nil {
			out = append(out, &res.Classes[i])
		}
	}
	return out
}

// unreachableNote is the sentence that introduces the unreachable classes
// in every report.
const unreachableNote = "These classes were not fooled, and fooltest found why they look impossible to fool on this model; they count as not fooled for the gate."

// allUnreachableNote follows unreachableNote when every target class looks
// unreachable: a pass then says nothing about the model at this threshold.
const allUnreachableNote = "Every target class looks unreachable at this threshold, so this gate cannot fail on this model: a lower threshold tests it."

// unreachableIntro is what introduces res's unreachable classes.
func unreachableIntro(res *Result) string {
	// Writers call this once per class they list: it stops at the first
	// class that is not unreachable, where counting them all made the
	// HTML report of a 100,000-class run take 22 s instead of 0.6 s.
	for i := range res.Classes {
		if res.Classes[i].Unreachable == nil {
			return unreachableNote
		}
	}
	if len(res.Classes) == 0 {
		return unreachableNote
	}
	return unreachableNote + " " + allUnreachableNote
}

// Baseline is a run's comparison with the baseline it was given.
type Baseline struct {
	// Path is the baseline as given: a model, searched in the same run,
	// or an earlier run's report.json.
	Path string `json:"path"`
	// SHA256 is the baseline model's.
	SHA256 string `json:"sha256"`
	// Score is the baseline's score, under the same budget.
	Score float64 `json:"score"`
	// ScoreDifference is the candidate's score minus the baseline's:
	// negative when the candidate is easier to fool.
	ScoreDifference float64 `json:"score_difference"`
	// PValue is the one-sided p-value of the Wilcoxon signed-rank test,
	// over the classes, of "the candidate is easier to fool".
	PValue float64 `json:"p_value"`
	// Easier and Harder count the classes the candidate fell faster and
	// slower on.
	Easier int `json:"easier"`
	Harder int `json:"harder"`
	// Change is "easier to fool", "no significant change" or "harder to
	// fool"; "not compared" when the verdict is "error", whose run did not
	// test its model.
	Change string `json:"change"`
	// Regression is true when the candidate is significantly easier to
	// fool (PValue below alpha) and its score lower by more than the
	// tolerance.
	Regression bool `json:"regression"`
	// Classes are the baseline's per class, in the candidate's class
	// order.
	Classes []BaselineClass `json:"classes"`
}

// MarshalJSON writes b as its fields, but with a null score_difference and
// p_value when it was not compared: a run that tested nothing states no
// difference or test, in report.json as in every other format (a p-value
// of 1 beside "not compared" read as a measured one). Read back, null
// leaves them 0.
func (b Baseline) MarshalJSON() ([]byte, error) {
	type plain Baseline
	if b.Change != notComparedChange {
		return json.Marshal(plain(b))
	}
	return json.Marshal(struct {
		plain
		ScoreDifference *float64 `json:"score_difference"`
		PValue          *float64 `json:"p_value"`
	}{plain: plain(b)})
}

// Regressed reports whether class c regressed, as the gate recorded it
// (BaselineClass.Regressed) in a run that regressed.
func (b *Baseline) Regressed(c BaselineClass) bool {
	return b != nil && b.Regression && c.Regressed
}

// BaselineClass is one class of the baseline.
type BaselineClass struct {
	Index int `json:"index"`
	// EvaluationsToThreshold is the baseline's count; nil when it was not
	// fooled within the budget.
	EvaluationsToThreshold *int64 `json:"evaluations_to_threshold"`
	// LogRatio is ln(candidate's cost / baseline's), a class not fooled
	// within the budget costing the budget plus one: negative when the
	// candidate fell faster.
	LogRatio float64 `json:"log_ratio"`
	// Regressed marks a class that regressed: the run as a whole did, and
	// the candidate fooled the class at half its baseline cost or less
	// (the gate decides; junit.xml and report.sarif mark these classes).
	Regressed bool `json:"regressed,omitempty"`
	// History is the baseline's best confidence as it improved.
	History []Point `json:"history,omitempty"`
}

// Point is one step of a class's best confidence against evaluations.
type Point struct {
	Evaluations int64   `json:"evaluations"`
	Confidence  float64 `json:"confidence"`
}

// Image is a canonical image quantized to bytes, as PNGs store it: planar
// C×H×W, 0 for 0.0 and 255 for 1.0. Bytes keep a thousand ImageNet-size
// images at 150 KB each while reports are written.
type Image struct {
	C, H, W int
	Pix     []uint8
}

// Verdict is what the gate decided about a Result.
type Verdict string

// What can fail the gate, as Result.FailedBy lists it.
const (
	// FailedByFooled: more classes were fooled than MaxFooled allows,
	// under fail-on fooled or never.
	FailedByFooled = "fooled"
	// FailedByRegression: the model is significantly easier to fool
	// than its baseline, under fail-on regression.
	FailedByRegression = "regression"
	// FailedByMinScore: the score is under Config.MinScore.
	FailedByMinScore = "min-score"
)

// The verdicts.
const (
	VerdictPass Verdict = "pass"
	VerdictFail Verdict = "fail"
	// VerdictError means the run did not test the model enough to pass
	// it; Result.Error says why.
	VerdictError Verdict = "error"
)

// mapStrings returns f of each of names, in order: preset names cleaned
// for the format that shows them.
func mapStrings(names []string, f func(string) string) []string {
	out := make([]string, len(names))
	for i, name := range names {
		out[i] = f(name)
	}
	return out
}
