package demo_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/testsupport/mnist"
	"github.com/fooltest/fooltest/internal/testsupport/ortload"
)

// TestDemoAccuracy re-measures the embedded model on all 10,000 t10k images
// through the classifier and the real runtime: the demo must be the
// paper's well-trained LeNet (>= 99.0%), not just any network.
func TestDemoAccuracy(t *testing.T) {
	_, err := ortload.Load()
	if err != nil {
		t.Fatal(err)
	}
	set, err := mnist.LoadTest()
	if err != nil {
		t.Fatalf("MNIST t10k (shipped by the GoMNIST module) not found: %v", err)
	}
	norm, err := classifier.Preset(demo.Preset)
	if err != nil {
		t.Fatal(err)
	}
	c, err := classifier.OpenBytes(demo.Name, demo.Model, classifier.Options{Normalization: norm, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	info := c.Info()
	if info.Classes != len(demo.Labels()) || info.OutputKind != classifier.Probabilities || info.FixedBatch != 0 {
		t.Fatalf("demo model detected as %+v", info)
	}
	n := set.Len()
	conf := make([]float32, n*10)
	if err := c.Score(set.Images, n, conf); err != nil {
		t.Fatal(err)
	}
	right := 0
	for i := range n {
		best := 0
		for j := range 10 {
			if conf[i*10+j] > conf[i*10+best] {
				best = j
			}
		}
		if best == int(set.Labels[i]) {
			right++
		}
	}
	acc := float64(right) / float64(n)
	t.Logf("embedded LeNet: %d/%d = %.2f%% on t10k", right, n, 100*acc)
	if acc < 0.99 {
		t.Fatalf("accuracy %.2f%% is below 99.0%%", 100*acc)
	}
}

func TestLabels(t *testing.T) {
	l := demo.Labels()
	if len(l) != 10 {
		t.Fatalf("%d labels", len(l))
	}
	for i, s := range l {
		if s != fmt.Sprint(i) {
			t.Fatalf("label %d is %q", i, s)
		}
	}
	l[0] = "changed"
	if demo.Labels()[0] != "0" {
		t.Fatal("Labels returns shared state")
	}
}

// TestModelFileMatchesEmbedded keeps the committed file and the embedded
// bytes one and the same model.
func TestModelFileMatchesEmbedded(t *testing.T) {
	b, err := os.ReadFile("lenet.onnx")
	if err != nil {
		t.Fatal(err)
	}
	a, e := sha256.Sum256(b), sha256.Sum256(demo.Model)
	if hex.EncodeToString(a[:]) != hex.EncodeToString(e[:]) {
		t.Fatal("embedded model differs from lenet.onnx")
	}
}
