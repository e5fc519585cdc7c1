package attack

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestArchiveTiesNearOne checks ties between images whose confidence rounds
// to 1 in float32 and whose other classes sum to less than an ulp of 1:
// subtracting the confidence from the row's total would leave 0 for both,
// so the archive must sum the other classes themselves.
func TestArchiveTiesNearOne(t *testing.T) {
	d := newDirect(1, 1, 1)
	a := newArchive([]int{0, 1})
	first, second := d.alloc(), d.alloc()
	hold(first)
	hold(second)
	a.offer(first, []float32{1, 1e-20, 1e-20}, 1, -1)
	if took, _ := a.offer(second, []float32{1, 1e-21, 1e-21}, 2, -1); took != 1 || a.cells[0].elite != second {
		t.Fatalf("the image with lower other classes took %d cells, holds cell 0: %v; want it to win the tie", took, a.cells[0].elite == second)
	}
	want := -math.Log(2 * float64(float32(1e-21)))
	if m := margin(a.cells[0].conf, a.cells[0].others); math.Abs(m-want) > 1e-12 {
		t.Errorf("margin %v, want %v", m, want)
	}
}

// TestOthersOf compares othersOf with the sum of the other classes: bit for
// bit where a class holds most of the row, and within a few ulps elsewhere.
func TestOthersOf(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		k := 2 + rng.IntN(2000)
		row := make([]float32, k)
		for j := range row {
			// Softmax-like rows: a wide range of magnitudes, and
			// sometimes one class holding nearly everything.
			row[j] = float32(math.Exp(-40 * rng.Float64()))
		}
		if trial%2 == 0 {
			row[rng.IntN(k)] = 1
		}
		total := rowTotal(row)
		for c := range row {
			want, got := othersSum(row, c), othersOf(row, c, total)
			if float64(row[c]) > total/2 {
				if got != want {
					t.Fatalf("trial %d class %d holding %v of %v: got %v, want exactly %v", trial, c, row[c], total, got, want)
				}
				continue
			}
			if math.Abs(got-want) > 1e-13*want {
				t.Fatalf("trial %d class %d: got %v, want %v", trial, c, got, want)
			}
		}
	}
}

// BenchmarkOffer100k measures the archive's work for one image that takes
// every cell of a 100,000-class archive (the cells are reset before each
// offer, which costs little beside it): O(K) per image, where summing the
// other classes for each cell cost O(K²).
func BenchmarkOffer100k(b *testing.B) {
	const k = 100000
	targets := make([]int, k)
	row := make([]float32, k)
	for j := range targets {
		targets[j] = j
		row[j] = 1.0 / k
	}
	a := newArchive(targets)
	a.track, a.threshold = true, 0.99
	g := newDirect(1, 8, 8).alloc()
	hold(g)
	var eval int64
	for b.Loop() {
		for i := range a.cells {
			a.cells[i].conf = 0
		}
		eval++
		if took, _ := a.offer(g, row, eval, -1); took != k {
			b.Fatalf("took %d cells, want %d", took, k)
		}
	}
}
