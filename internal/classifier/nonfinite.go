// Non-finite outputs: a model whose scores are NaN or infinite cannot be tested.

package classifier

import (
	"fmt"

	"github.com/fooltest/fooltest/internal/fault"
)

// maxNonFiniteShare is the share of scored images whose outputs may hold
// NaN or ±Inf before scoring fails with a *nonFiniteError. Such outputs
// count as confidence 0, so a model that gives them for many images would
// otherwise look hard to fool when it was never really tested.
const maxNonFiniteShare = 0.01

// nonFiniteMinImages is how many images Score sees before it judges the
// share: one bad image among the first few says little.
const nonFiniteMinImages = 100

// nonFiniteError reports a model whose outputs were NaN or ±Inf for more
// than maxNonFiniteShare of the images scored.
type nonFiniteError struct {
	// Images is how many images had a non-finite output, of Scored.
	Images, Scored int64
	// Values is how many outputs were non-finite.
	Values int64
}

func (e *nonFiniteError) Error() string {
	return fmt.Sprintf("the model's outputs were NaN or infinite for %d of %d scored images (%d values), more than the %g%% allowed, so it cannot be tested",
		e.Images, e.Scored, e.Values, 100*maxNonFiniteShare)
}

// Is makes a nonFiniteError a fault.Model error.
func (e *nonFiniteError) Is(target error) bool { return target == fault.Model }

// nonFiniteErr returns a *nonFiniteError when more than maxNonFiniteShare of
// the images scored since opening gave non-finite outputs, once at least
// minImages were scored.
func (c *Classifier) nonFiniteErr(minImages int64) error {
	if c.scored == 0 || c.scored < minImages || float64(c.badImages) <= maxNonFiniteShare*float64(c.scored) {
		return nil
	}
	return &nonFiniteError{Images: c.badImages, Scored: c.scored, Values: c.nonFinite}
}

// CheckFinite returns a *nonFiniteError when more than maxNonFiniteShare of
// all the images scored so far gave NaN or ±Inf outputs, however few they
// were. Score checks the same once 100 images were scored; a run that
// scored fewer should call CheckFinite at its end.
func (c *Classifier) CheckFinite() error { return c.nonFiniteErr(1) }

// NonFiniteImages returns how many scored images had at least one NaN or
// ±Inf output, and how many images were scored.
func (c *Classifier) NonFiniteImages() (bad, scored int64) { return c.badImages, c.scored }
