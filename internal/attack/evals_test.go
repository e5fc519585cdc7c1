package attack

import (
	"context"
	"flag"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
)

var measure = flag.Bool("attack.measure", false, "measure evaluations to threshold for every algorithm and encoding (slow)")

// evalsToAll runs seeds 1..n and returns, per seed, the evaluations until
// every class reached threshold (cap+1 when the cap came first).
func evalsToAll(t *testing.T, s Scorer, alg, enc string, threshold float64, cap int64, n int) []int64 {
	t.Helper()
	var out []int64
	for seed := range uint64(n) {
		r, err := Run(context.Background(), s, Config{Algorithm: alg, Encoding: enc, Threshold: threshold, MaxEvals: cap, Seed: seed + 1})
		if err != nil {
			t.Fatal(err)
		}
		need := int64(0)
		for _, c := range r.Classes {
			if !c.Reached {
				need = cap + 1
				break
			}
			need = max(need, c.EvaluationsToThreshold)
		}
		out = append(out, need)
	}
	return out
}

func medianInt(v []int64) int64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// TestDefaultNeedsFewEvaluations guards the default search's reason to
// exist: with the direct encoding it fools every class of the embedded LeNet
// at 0.9999 within 1,000 evaluations (median of 5 seeds), where the paper's
// algorithm needs about 25,000.
func TestDefaultNeedsFewEvaluations(t *testing.T) {
	for _, batch := range []int{1, 64} {
		got := evalsToAll(t, openDemo(t, batch), AlgorithmDefault, EncodingDirect, 0.9999, 5000, 5)
		t.Logf("batch %d: evaluations to all classes at 0.9999: %v", batch, got)
		if m := medianInt(got); m > 1000 {
			t.Errorf("batch %d: median %d evaluations, want at most 1000", batch, m)
		}
	}
}

// TestDefaultMeetsGoals checks the default search as users get it (both
// encodings) against its goals on third-party models from ../shared/models,
// each with the preset its MODEL.md gives: every class of an MNIST model at
// 0.9999 within 500 evaluations, of a CIFAR-10 model at 0.99 within 1,000
// (median of 5 seeds). Not here: mnist-nhwc-wuhan-sm, where one class stops
// near 0.52 under every algorithm; mnist-zoo12, whose outputs are mnist-8's;
// and cifar10-resnet8-lawrence, which needs about 2,000 (docs/measurements.md).
func TestDefaultMeetsGoals(t *testing.T) {
	if testing.Short() {
		t.Skip("searches eight third-party models five times each")
	}
	models := []struct {
		rel, preset string
		// batch is 0 for models with a fixed batch.
		batch     int
		threshold float64
		most      int64
	}{
		{"mnist-zoo8/mnist-8.onnx", "raw01", 0, 0.9999, 500},
		{"mnist-cnn-andrewrgarcia/mnist_model.onnx", "pm1", 16, 0.9999, 500},
		{"mnist-cnn-baskov/mnist-load.onnx", "pm1", 16, 0.9999, 500},
		{"mnist-extdata-zuramai/mnist.onnx", "pm1", 16, 0.9999, 500},
		{"mnist-mlp-ohhmkar/mnist.onnx", "raw01", 16, 0.9999, 500},
		{"mnist-mlp-zackproser/mnist_model.onnx", "mnist", 0, 0.9999, 500},
		{"cifar10-keras-anshaj/cifar10_model.onnx", "raw01", 16, 0.99, 1000},
		{"cifar10-tutorial-refrain7/cifar_net.onnx", "pm1", 0, 0.99, 1000},
	}
	for _, m := range models {
		t.Run(filepath.Dir(m.rel), func(t *testing.T) {
			s := openShared(t, m.rel, m.preset, classifier.Options{Threads: 1, Batch: m.batch})
			got := evalsToAll(t, s, AlgorithmDefault, EncodingBoth, m.threshold, 20*m.most, 5)
			t.Logf("evaluations to all classes at %g: %v", m.threshold, got)
			if med := medianInt(got); med > m.most {
				t.Errorf("median %d evaluations, want at most %d", med, m.most)
			}
		})
	}
}

// TestMeasureEvaluations logs evaluations to 0.9999 for every algorithm and
// encoding on the embedded LeNet; run it with -attack.measure.
// scripts/bench-search.sh prints the same as a table for more models.
func TestMeasureEvaluations(t *testing.T) {
	if !*measure {
		t.Skip("run with -attack.measure")
	}
	s := openDemo(t, 64)
	for _, tc := range combos {
		got := evalsToAll(t, s, tc.alg, tc.enc, 0.9999, 100000, 5)
		t.Logf("%s/%s: median %d, seeds %v", tc.alg, tc.enc, medianInt(got), got)
	}
}
