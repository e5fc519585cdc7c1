package classifier

import (
	"math"
	"testing"
)

// TestScoreAs scores with other preprocessing on a model whose outputs
// are NaN for dark pixels, log(x - 0.75): the images ScoreAs scores count
// in none of the output statistics and raise no error, and the
// classifier's own preprocessing is back when it returns.
func TestScoreAs(t *testing.T) {
	c := openModel(t, darkNaN(), Options{OutputKind: Logits, Batch: 4})
	const n = 2 * nonFiniteMinImages
	dark := constImages(n, 4, 0)
	conf := make([]float32, n*3)

	// Dark pixels as they are: every output NaN, and still no error.
	if err := c.ScoreAs(Normalization{Scale: 1}, dark, n, conf); err != nil {
		t.Fatalf("ScoreAs with NaN outputs: %v", err)
	}
	for i, p := range conf {
		if p != 0 {
			t.Fatalf("confidence %d of an all-NaN row is %v, want 0", i, p)
		}
	}
	if bad, scored := c.NonFiniteImages(); bad != 0 || scored != 0 || c.NonFinite() != 0 {
		t.Fatalf("after ScoreAs: %d bad images of %d scored, %d non-finite values; want none counted", bad, scored, c.NonFinite())
	}

	// Shifted up by 1 (x - (-1)), the same pixels give finite scores.
	if err := c.ScoreAs(Normalization{Scale: 1, Mean: []float32{-1}}, dark, n, conf); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		var sum float64
		for _, p := range conf[i*3 : (i+1)*3] {
			sum += float64(p)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("image %d: confidences %v sum to %v, want 1", i, conf[i*3:(i+1)*3], sum)
		}
	}

	// The classifier's own preprocessing is back: Score sees the NaNs.
	if err := c.Score(dark, 1, conf); err != nil {
		t.Fatal(err)
	}
	if bad, scored := c.NonFiniteImages(); bad != 1 || scored != 1 {
		t.Fatalf("Score after ScoreAs: %d bad images of %d scored, want 1 of 1", bad, scored)
	}
	if err := c.ScoreAs(Normalization{Scale: 1, Mean: []float32{1, 2}}, dark, 1, conf); err == nil {
		t.Fatal("ScoreAs took two means for a one-channel model")
	}
}
