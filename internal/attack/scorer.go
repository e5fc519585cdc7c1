// Package attack evolves unrecognizable images that a classifier assigns to
// target classes with high confidence: MAP-Elites over classes, as in
// Nguyen, Yosinski & Clune (CVPR 2015), and fooltest's faster default.
package attack

// Scorer turns canonical images into class confidences. The classifier
// package implements it over ONNX Runtime.
//
// Canonical images are float32 in [0,1], planar C×H×W, stored back to back.
type Scorer interface {
	// Shape returns the canonical image shape and the number of classes K.
	Shape() (c, h, w, k int)
	// BatchSize is the number of images the scorer prefers per call.
	BatchSize() int
	// Score writes n×K confidences in [0,1] into conf for the n images in
	// imgs (n×C×H×W values). It may be called with any n >= 1.
	Score(imgs []float32, n int, conf []float32) error
}

// inputScorer is implemented by scorers that can score images the search
// writes straight in the model's input format, which saves copying every
// image into the model's input (the classifier package implements it for
// planar inputs).
type inputScorer interface {
	// InputAffine reports that model inputs are planar and equal
	// value*mul[ch] + add[ch] for canonical values; ok is false otherwise.
	InputAffine() (mul, add []float32, ok bool)
	// ScoreInputs is Score for images in the model's input format. inputs
	// holds whole batches (rows past n are padding) and stays unchanged
	// until it returns.
	ScoreInputs(inputs []float32, n int, conf []float32) error
}

// finiteRows is implemented by scorers that say which images of their last
// Score or ScoreInputs call gave a NaN or ±Inf output, so that the search
// counts such images among its evaluations: the images it scored after
// fooling its last class are not evaluations, and a figure over every
// image scored would disagree with them.
type finiteRows interface {
	NonFiniteRows() []bool
}

// scoredAll is implemented by errors that a scorer returns after scoring
// every image it was given, to judge them (too many NaN outputs): the
// search counts those images, then stops with the error.
type scoredAll interface {
	ScoredAll() bool
}

// affine maps canonical values to model inputs, per channel; a nil affine
// leaves them as they are.
type affine struct{ mul, add []float32 }

// newAffine returns nil for the identity.
func newAffine(mul, add []float32) *affine {
	for ch := range mul {
		if mul[ch] != 1 || add[ch] != 0 {
			return &affine{mul: mul, add: add}
		}
	}
	return nil
}

// apply maps channel ch's values in p, the same float32 operations as the
// classifier's own input fill.
func (a *affine) apply(p []float32, ch int) {
	if a == nil {
		return
	}
	mul, add := a.mul[ch], a.add[ch]
	for i := affineVec(p, mul, add); i < len(p); i++ {
		p[i] = p[i]*mul + add
	}
}
