// Non-finite outputs: a model whose scores are NaN or infinite cannot be tested.

package classifier

import (
	"fmt"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// maxNonFiniteShare is the share of scored images whose outputs may hold
// NaN or ±Inf before scoring fails with a *nonFiniteError. Such outputs
// count as confidence 0, so a model that gives them for many images would
// otherwise look hard to fool when it was never really tested.
const maxNonFiniteShare = 0.01

// nonFiniteMinImages is how many images Score sees before it judges the
// share: one bad image among the first few says little.
const nonFiniteMinImages = 100

// NonFiniteError reports a model whose outputs were NaN or ±Inf for more
// than maxNonFiniteShare of the images scored. It is a fault.Model error.
// What the images with finite outputs showed still stands: a class one of
// them fooled was fooled.
type NonFiniteError struct {
	// Images is how many images had a non-finite output, of Scored. A
	// search judges the images it counts as evaluations (see
	// JudgeFinite), so that every report gives the same figures.
	Images, Scored int64
	// ExpSoftmax says that the graph computes the output as a softmax
	// written out with Exp (see expSoftmax), the likely cause.
	ExpSoftmax bool
}

func (e *NonFiniteError) Error() string {
	images := "images"
	if e.Scored == 1 {
		images = "image"
	}
	msg := fmt.Sprintf("the model's outputs were NaN or infinite for %d of %d %s evaluated, more than the %g%% allowed, so it cannot be tested",
		e.Images, e.Scored, images, 100*maxNonFiniteShare)
	if e.ExpSoftmax {
		msg += ": " + expSoftmaxCause
	}
	return msg
}

// ScoredAll reports that the images were scored before the error judged
// them: their confidences stand, and a search counts them before it stops.
func (e *NonFiniteError) ScoredAll() bool { return true }

// expSoftmaxCause is the cause and fix of NaN outputs from a softmax
// written with Exp.
const expSoftmaxCause = "the model computes its output as a softmax written with Exp (an Exp divided by its sum), which overflows to infinity, and the division to NaN, once a logit passes about 88; export the softmax with the Softmax operator, which subtracts the largest logit first and never overflows"

// NonFiniteCause says what most likely made the model's outputs NaN or
// infinite and what fixes it, for reports of a run where some were: a
// softmax written with Exp when the graph has one, else where to look.
func (c *Classifier) NonFiniteCause() string {
	if c.expSoftmax {
		return expSoftmaxCause
	}
	return "the model's graph gave them (an overflowing exponential, a division by zero, a logarithm of zero or less) for inputs of this preprocessing's range; check the operators before its output and the input preprocessing"
}

// JudgeFinite returns a *NonFiniteError when more than maxNonFiniteShare
// of images, bad of which gave NaN or ±Inf outputs, did. A search calls it
// with the images it counted as evaluations, which leave out those scored
// after it fooled its last class, so that its verdict and every report
// agree with its evaluations.
func (c *Classifier) JudgeFinite(bad, images int64) error {
	if images <= 0 || float64(bad) <= maxNonFiniteShare*float64(images) {
		return nil
	}
	return &NonFiniteError{Images: bad, Scored: images, ExpSoftmax: c.expSoftmax}
}

// Is makes a NonFiniteError a fault.Model error.
func (e *NonFiniteError) Is(target error) bool { return target == fault.Model }

// nonFiniteErr returns a *NonFiniteError when more than maxNonFiniteShare of
// the images scored since opening gave non-finite outputs, once at least
// minImages were scored.
func (c *Classifier) nonFiniteErr(minImages int64) error {
	if c.scored == 0 || c.scored < minImages || float64(c.badImages) <= maxNonFiniteShare*float64(c.scored) {
		return nil
	}
	return &NonFiniteError{Images: c.badImages, Scored: c.scored, ExpSoftmax: c.expSoftmax}
}

// expSoftmax reports whether m computes output, through operators that
// only reshape or copy it, as a Div whose dividend an Exp computes: a
// softmax written out (Exp, ReduceSum, Div), as some exporters and
// hand-written models give it. Without the Softmax operator's subtraction
// of the largest logit, exp overflows float32 above about 88.7.
func expSoftmax(m *onnxcheck.Model, output string) bool {
	if m == nil {
		return false
	}
	div := m.OutputNode(output)
	if div == nil || div.Op != "Div" || len(div.Inputs) == 0 {
		return false
	}
	exp := m.OutputNode(div.Inputs[0])
	return exp != nil && exp.Op == "Exp"
}

// CheckFinite returns a *NonFiniteError when more than maxNonFiniteShare of
// all the images scored so far gave NaN or ±Inf outputs, however few they
// were. Score checks the same once 100 images were scored; a run that
// scored fewer should call CheckFinite at its end.
func (c *Classifier) CheckFinite() error { return c.nonFiniteErr(1) }

// NonFiniteImages returns how many scored images had at least one NaN or
// ±Inf output, and how many images were scored.
func (c *Classifier) NonFiniteImages() (bad, scored int64) { return c.badImages, c.scored }

// NonFiniteRows says which images of the last Score or ScoreInputs call
// had at least one NaN or ±Inf output, by row; it is valid until the next
// call. A search reads it to count such images among its evaluations.
func (c *Classifier) NonFiniteRows() []bool { return c.rowBad }
