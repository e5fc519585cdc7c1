package attack

import (
	"context"
	"testing"
)

// TestZeroSignalClasses searches a stand-in model whose logits are 100
// times the linear scorer's, with classes 0 and 1 raised by 500: on almost
// any image every other class has a softmax of exactly 0, as on a public
// MNIST model whose logits span 10^5. Climbing such a class from its
// elite is blind; before the climbs drew new seed images for it, 9 seeds
// of these 10 left classes unfooled after 20,000 evaluations.
func TestZeroSignalClasses(t *testing.T) {
	bias := make([]float64, 10)
	bias[0], bias[1] = 500, 500
	s := fakeDemo(8).hot(100, bias)
	for seed := uint64(1); seed <= 10; seed++ {
		res, err := Run(context.Background(), s, Config{Encoding: EncodingDirect, Threshold: 0.9999, MaxEvals: 5000, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		for _, cl := range res.Classes {
			if !cl.Reached {
				t.Errorf("seed %d: class %d at %.4g after %d evaluations", seed, cl.Index, cl.Confidence, res.Evaluations)
			}
		}
	}
}
