package cppn

import (
	"fmt"
	"testing"
)

// benchGenomes is how many typical elites a render benchmark cycles
// through: the renderer's cost depends on how many nodes need per-pixel
// work, which varies from genome to genome, so one genome would flatter or
// slander it.
const benchGenomes = 16

// eliteLike returns n genomes after 50 mutations at rates each whose every
// output varies in both x and y (radially or otherwise). Without selection
// many random walks end with an output cut off from the inputs or from one
// axis (a flat or striped image, nearly free to render); elites that fool a
// classifier are rarely like that, so those walks are skipped. At
// PaperRates they have about 15 hidden nodes; at GrowingRates about twice
// as many, as the elites of a many-class search have after 150,000
// evaluations (a median of 22 to 29 on MobileNetV2).
func eliteLike(tb testing.TB, n, channels int, rates MutationRates) []*Genome {
	tb.Helper()
	probe, err := NewRenderer(8, 8, channels, Options{})
	if err != nil {
		tb.Fatal(err)
	}
	var gs []*Genome
	for seed := uint64(1000); len(gs) < n; seed++ {
		g := evolvedAt(tb, seed, channels, 50, rates)
		if err := probe.compile(g); err != nil {
			tb.Fatal(err)
		}
		full := true
		for o := range channels {
			d := probe.dom[numInputs+o]
			full = full && (d.full() || d == domRadial)
		}
		if full {
			gs = append(gs, g)
		}
	}
	return gs
}

// benchRender renders elite-like genomes at w×h; ns/op is the mean per
// render.
func benchRender(b *testing.B, w, h, channels, size int, rates MutationRates) {
	gs := eliteLike(b, benchGenomes, channels, rates)
	hidden, links := 0, 0
	for _, g := range gs {
		hidden += g.numHidden()
		links += g.numLinks()
	}
	r, err := NewRenderer(w, h, channels, Options{RenderSize: size})
	if err != nil {
		b.Fatal(err)
	}
	dst := make([]float32, channels*w*h)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := r.Render(gs[i%benchGenomes], dst); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(hidden)/benchGenomes, "hidden/genome")
	b.ReportMetric(float64(links)/benchGenomes, "links/genome")
}

func BenchmarkRender224(b *testing.B) {
	for _, size := range []int{0, 112, 56} {
		name := "full"
		if size > 0 {
			name = fmt.Sprintf("at%d", size)
		}
		b.Run(name, func(b *testing.B) { benchRender(b, 224, 224, 3, size, PaperRates()) })
	}
	// Tiled images, as many-class searches make them, render one tile of
	// 56 or 28 pixels (and copy it); their networks grow faster.
	for _, size := range []int{56, 28} {
		b.Run(fmt.Sprintf("tile%d/paper", size), func(b *testing.B) { benchRender(b, size, size, 3, 0, PaperRates()) })
		b.Run(fmt.Sprintf("tile%d/grown", size), func(b *testing.B) { benchRender(b, size, size, 3, 0, GrowingRates()) })
	}
}

func BenchmarkRender28(b *testing.B) {
	for _, size := range []int{0, 14} {
		name := "full"
		if size > 0 {
			name = fmt.Sprintf("at%d", size)
		}
		b.Run(name, func(b *testing.B) { benchRender(b, 28, 28, 1, size, PaperRates()) })
	}
}

func BenchmarkMutate(b *testing.B) {
	g := eliteLike(b, 1, 3, PaperRates())[0]
	rng := newRNG(44)
	for b.Loop() {
		c := g.Clone()
		c.Mutate(rng, PaperRates())
	}
}
