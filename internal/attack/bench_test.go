package attack

import (
	"context"
	"testing"
)

// BenchmarkPaperDirect measures the paper's search on the embedded LeNet:
// evaluations per second and allocations per evaluation.
func BenchmarkPaperDirect(b *testing.B) {
	benchSearch(b, AlgorithmPaper, EncodingDirect, 20000)
}

// BenchmarkDefaultDirect measures fooltest's default search on the embedded
// LeNet until every class reaches confidence 1 (as a float32).
func BenchmarkDefaultDirect(b *testing.B) {
	benchSearch(b, AlgorithmDefault, EncodingDirect, 20000)
}

// BenchmarkPaperCPPN measures the paper's CPPN search on the embedded LeNet.
func BenchmarkPaperCPPN(b *testing.B) {
	benchSearch(b, AlgorithmPaper, EncodingCPPN, 20000)
}

func benchSearch(b *testing.B, alg, enc string, evals int64) {
	s := openDemo(b, 0)
	b.ReportAllocs()
	var total int64
	seed := uint64(0)
	for b.Loop() {
		seed++
		r, err := Run(context.Background(), s, Config{Algorithm: alg, Encoding: enc, Threshold: 1, MaxEvals: evals, Seed: seed})
		if err != nil {
			b.Fatal(err)
		}
		total += r.Evaluations
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "evals/s")
	b.ReportMetric(float64(total)/float64(b.N), "evals/op")
}

// BenchmarkDirectRender measures turning one ImageNet-size direct genome
// into MobileNetV2's input values (the imagenet mapping).
func BenchmarkDirectRender(b *testing.B) {
	d := newDirect(3, 224, 224)
	d.setOutput(newAffine([]float32{1 / 0.229, 1 / 0.224, 1 / 0.225}, []float32{-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225}))
	g := &genome{pix: make([]uint8, d.n)}
	for i := range g.pix {
		g.pix[i] = uint8(i * 7)
	}
	dst := make([]float32, d.n)
	for b.Loop() {
		if err := d.render(g, dst, 0); err != nil {
			b.Fatal(err)
		}
	}
}
