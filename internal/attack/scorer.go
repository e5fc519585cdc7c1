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
