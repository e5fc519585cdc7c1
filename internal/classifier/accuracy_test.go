package classifier

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/mnist"
)

// accuracy scores every t10k image and returns the fraction classified
// right.
func accuracy(t *testing.T, c *Classifier, set *mnist.Set) float64 {
	t.Helper()
	n, k := set.Len(), c.Info().Classes
	conf := make([]float32, n*k)
	if err := c.Score(set.Images, n, conf); err != nil {
		t.Fatal(err)
	}
	right := 0
	for i := range n {
		row := conf[i*k : (i+1)*k]
		best := 0
		for j := range row {
			if row[j] > row[best] {
				best = j
			}
		}
		if best == int(set.Labels[i]) {
			right++
		}
	}
	return float64(right) / float64(n)
}

func loadT10k(t *testing.T) *mnist.Set {
	t.Helper()
	set, err := mnist.LoadTest()
	if err != nil {
		t.Skipf("MNIST t10k not available: %v", err)
	}
	return set
}

// TestSharedMNISTAccuracy re-measures each third-party MNIST model on t10k
// through the classifier with its documented preset: a wrong layout,
// preprocessing or output reading shows up as lost accuracy.
func TestSharedMNISTAccuracy(t *testing.T) {
	documented := map[string]float64{
		"mnist-cnn-andrewrgarcia": 99.47,
		"mnist-cnn-baskov":        99.06,
		"mnist-extdata-zuramai":   97.37,
		"mnist-mlp-ohhmkar":       97.41,
		"mnist-mlp-zackproser":    97.46,
		"mnist-nhwc-wuhan-sm":     83.21,
		"mnist-zoo12":             98.90,
		"mnist-zoo8":              98.90,
	}
	sharedModels(t)
	set := loadT10k(t)
	for _, tc := range sharedCases {
		want, ok := documented[tc.dir]
		if !ok {
			continue
		}
		t.Run(tc.dir, func(t *testing.T) {
			c := openShared(t, tc, Options{Threads: 2})
			got := 100 * accuracy(t, c, set)
			t.Logf("%s: %.2f%% (MODEL.md %.2f%%)", filepath.Join(tc.dir, tc.file), got, want)
			if math.Abs(got-want) > 0.5 {
				t.Fatalf("accuracy %.2f%%, MODEL.md says %.2f%%", got, want)
			}
		})
	}
}
