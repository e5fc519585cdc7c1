package attack

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
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

// BenchmarkTilePatchRender measures rendering one 224×224 CPPN image, untiled
// and tiled 4×4, with no tile patches and with 100 (a long climb's list,
// drawn on the schedule a class's patches follow).
func BenchmarkTilePatchRender(b *testing.B) {
	const c, h, w = 3, 224, 224
	e, err := newCPPN(c, h, w, 1)
	if err != nil {
		b.Fatal(err)
	}
	e.setOutput(newAffine([]float32{1 / 0.229, 1 / 0.224, 1 / 0.225}, []float32{-0.485 / 0.229, -0.456 / 0.224, -0.406 / 0.225}))
	rng := rand.New(rand.NewPCG(1, 2))
	base := e.random(rng)
	dst := make([]float32, c*h*w)
	for _, tile := range []int{1, 4} {
		for _, n := range []int{0, 100} {
			g := &genome{enc: e, net: base.net, view: newView()}
			g.view.tile = tile
			for i := range n {
				g = e.addTilePatch(rng, g, scheduledArea(tileArea, i))
			}
			b.Run(fmt.Sprintf("tile%d/patches%d", tile, n), func(b *testing.B) {
				for b.Loop() {
					if err := e.render(g, dst, 0); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkToGrid measures rounding one 224×224×3 render to the byte grid,
// which every CPPN render pays before it is scored; compare it with
// BenchmarkTilePatchRender's untiled render in the same run.
func BenchmarkToGrid(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 3*224*224)
	for i := range src {
		src[i] = rng.Float32()
	}
	p := make([]float32, len(src))
	for b.Loop() {
		copy(p, src)
		toGrid(p)
	}
}

// BenchmarkShortSearch measures whole default searches of the embedded
// LeNet to 0.9999 (a few hundred evaluations, as an MNIST model's take),
// set-up included, against the classifier's raw throughput measured between
// them: search/raw is the searches' evaluations per second of Run over the
// raw images per second, and setup the share of Run's time spent before the
// search's clock starts (Result.Elapsed). Both are ratios within one run,
// so they compare builds on a loaded machine where times do not.
func BenchmarkShortSearch(b *testing.B) {
	s := openDemo(b, 64)
	var evals, raw int64
	var runs, rawTook, searching time.Duration
	seed := uint64(0)
	for b.Loop() {
		seed++
		t0 := time.Now()
		r, err := Run(context.Background(), s, Config{Threshold: 0.9999, MaxEvals: 20000, Seed: seed})
		took := time.Since(t0)
		if err != nil {
			b.Fatal(err)
		}
		evals, runs, searching = evals+r.Evaluations, runs+took, searching+r.Elapsed
		n, d, err := s.Raw(took)
		if err != nil {
			b.Fatal(err)
		}
		raw, rawTook = raw+n, rawTook+d
	}
	b.ReportMetric((float64(evals)/runs.Seconds())/(float64(raw)/rawTook.Seconds()), "search/raw")
	b.ReportMetric(1-searching.Seconds()/runs.Seconds(), "setup")
	b.ReportMetric(float64(evals)/float64(b.N), "evals/op")
}
