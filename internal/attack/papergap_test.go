package attack

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
)

// TestPaperGap measures what the paper's direct-encoding settings are worth:
// the evaluations the paper algorithm needs until every MNIST class reaches
// 0.9999, median of 5 seeds, for variants of its generation size, crossover
// and mutation rate, on the demo LeNet and the ONNX Model Zoo's mnist-8; and
// until every CIFAR-10 class reaches 0.99 on cifar10-keras-anshaj, with and
// without crossover and HLS colour genes. It takes minutes, so it runs only
// with FOOLTEST_PAPER_GAP=1; docs/measurements.md records its output:
//
//	FOOLTEST_PAPER_GAP=1 go test ./internal/attack -run TestPaperGap -v -timeout 2h
//
// FOOLTEST_PAPER_GAP_ONLY, a regular expression, limits it to the runs
// whose "model | variant" it matches.
func TestPaperGap(t *testing.T) {
	if os.Getenv("FOOLTEST_PAPER_GAP") != "1" {
		t.Skip("a measurement, not a test: set FOOLTEST_PAPER_GAP=1")
	}
	only, err := regexp.Compile(os.Getenv("FOOLTEST_PAPER_GAP_ONLY"))
	if err != nil {
		t.Fatal(err)
	}
	type variant struct {
		name string
		v    *paperVariant
	}
	variants := []variant{
		{"paper code: SBX 0.5, 200 children/generation", &paperVariant{pop: 200}},
		{"no crossover, 200/generation", &paperVariant{pop: 200, noCross: true}},
		{"SBX 0.5, 400/generation (2 per pair, as Sferes2's MapElite)", &paperVariant{pop: 400}},
		{"no crossover, 400/generation", &paperVariant{pop: 400, noCross: true}},
		{"SBX 1.0, 200/generation", &paperVariant{pop: 200, crossRate: 1}},
		{"no crossover, mutation rate 0.05", &paperVariant{pop: 200, noCross: true, mutationRate: 0.05}},
		{"no crossover, mutation rate 0.02", &paperVariant{pop: 200, noCross: true, mutationRate: 0.02}},
		{"no crossover, mutation rate 0.2", &paperVariant{pop: 200, noCross: true, mutationRate: 0.2}},
		{"no crossover, mutation rate 0.4", &paperVariant{pop: 200, noCross: true, mutationRate: 0.4}},
		{"SBX 0.5, mutation rate 0.2", &paperVariant{pop: 200, mutationRate: 0.2}},
	}
	// Colour models separate the paper's two colour-relevant operators.
	colourVariants := []variant{
		{"paper code: SBX 0.5, HLS genes", &paperVariant{pop: 200}},
		{"SBX 0.5, RGB genes", &paperVariant{pop: 200, noHLS: true}},
		{"no crossover, HLS genes", &paperVariant{pop: 200, noCross: true}},
		{"no crossover, RGB genes (fooltest's paper mode before)", &paperVariant{pop: 200, noCross: true, noHLS: true}},
	}
	norm, err := classifier.Preset(demo.Preset)
	if err != nil {
		t.Fatal(err)
	}
	type model struct {
		name      string
		open      func() (*classifier.Classifier, error)
		threshold float64
		variants  []variant
	}
	opts := classifier.Options{Normalization: norm, Batch: 64}
	models := []model{{"embedded LeNet", func() (*classifier.Classifier, error) {
		return classifier.OpenBytes(demo.Name, demo.Model, opts)
	}, 0.9999, variants}}
	if zoo := "../../../shared/models/mnist-zoo8/mnist-8.onnx"; fileExists(zoo) {
		models = append(models, model{"mnist-zoo8", func() (*classifier.Classifier, error) {
			return classifier.Open(zoo, classifier.Options{Normalization: norm})
		}, 0.9999, variants})
	}
	if cifar := "../../../shared/models/cifar10-keras-anshaj/cifar10_model.onnx"; fileExists(cifar) {
		raw, err := classifier.Preset("raw01")
		if err != nil {
			t.Fatal(err)
		}
		models = append(models, model{"cifar10-keras-anshaj", func() (*classifier.Classifier, error) {
			return classifier.Open(cifar, classifier.Options{Normalization: raw, Batch: 64})
		}, 0.99, colourVariants})
	}
	const seeds, cap = 5, 100000
	for _, m := range models {
		c, err := m.open()
		if err != nil {
			t.Fatal(err)
		}
		for _, vr := range m.variants {
			if !only.MatchString(m.name + " | " + vr.name) {
				continue
			}
			var needs []int64
			var per []string
			for seed := range uint64(seeds) {
				res, err := run(context.Background(), c, Config{
					Algorithm: AlgorithmPaper, Encoding: EncodingDirect, Threshold: m.threshold,
					MaxEvals: cap, Seed: seed + 1,
				}, options{paperVariant: vr.v, generation: 8})
				if err != nil {
					t.Fatal(err)
				}
				need := int64(cap + 1)
				if res.Stopped == StoppedAllReached {
					need = res.Evaluations
				}
				needs = append(needs, need)
				per = append(per, fmt.Sprint(need))
			}
			slices.Sort(needs)
			t.Logf("%s | %s | median %d | seeds %s", m.name, vr.name, needs[seeds/2], strings.Join(per, " "))
		}
		c.Close()
	}
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
