package classifier

import "fmt"

// ScoreAs is Score with another preprocessing in place of the
// classifier's own, for checks of that preprocessing rather than for a
// search: the images it scores count in none of the classifier's output
// statistics (NonFinite, NonFiniteImages), and non-finite outputs give
// confidence 0 without an error, since a wrong preprocessing is what may
// cause them.
func (c *Classifier) ScoreAs(n Normalization, imgs []float32, count int, conf []float32) error {
	mul, add, err := n.perChannel(c.in.c)
	if err != nil {
		return err
	}
	per, k := c.in.c*c.in.h*c.in.w, c.out.k
	if count < 1 || len(imgs) < count*per || len(conf) < count*k {
		return fmt.Errorf("classifier: %d images need %d pixels and %d confidences, got %d and %d", count, count*per, count*k, len(imgs), len(conf))
	}
	saveMul, saveAdd, saveBGR := c.mul, c.add, c.bgr
	nonFinite, bad, scored := c.nonFinite, c.badImages, c.scored
	defer func() {
		c.mul, c.add, c.bgr = saveMul, saveAdd, saveBGR
		c.nonFinite, c.badImages, c.scored = nonFinite, bad, scored
	}()
	c.mul, c.add, c.bgr = mul, add, n.BGR && c.in.c == 3
	// A check scores a few batches, too few for the pipeline to pay.
	return c.scoreInline(imgs, count, conf, nil)
}
