package attack

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"testing"
)

// countingScorer counts the images its Scorer was asked to score.
type countingScorer struct {
	Scorer
	rows int64
}

func (s *countingScorer) Score(imgs []float32, n int, conf []float32) error {
	s.rows += int64(n)
	return s.Scorer.Score(imgs, n, conf)
}

// TestMemoChangesCostNotCourse: with the memo, the default search makes the
// same moves and finds the same images as when it queries every image, and
// its evaluations are the model's queries, fewer by the repeats it answered
// from memory. Each search runs until every class reaches the threshold, so
// that both stop at the same proposal.
func TestMemoChangesCostNotCourse(t *testing.T) {
	for _, tc := range []struct {
		name      string
		s         Scorer
		enc       string
		threshold float64
	}{
		{"gray patches", fakeDemo(8), EncodingDirect, 0.99},
		{"colour", newLinearScorer(3, 16, 16, 10, 8, 2), EncodingBoth, 0.99},
		{"many classes", newLinearScorer(3, 8, 8, 70, 8, 3), EncodingBoth, 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Encoding: tc.enc, Threshold: tc.threshold, MaxEvals: 200000, Seed: 5}
			var res [2]*Result
			for i, off := range []bool{false, true} {
				s := &countingScorer{Scorer: tc.s}
				r, err := run(context.Background(), s, cfg, options{noMemo: off})
				if err != nil {
					t.Fatal(err)
				}
				if r.Stopped != StoppedAllReached {
					t.Fatalf("memo off %v: stopped %q after %d evaluations", off, r.Stopped, r.Evaluations)
				}
				// The images scored after the one that fooled the last
				// class, in the same chunk, are not counted.
				if s.rows < r.Evaluations || s.rows >= r.Evaluations+256 {
					t.Fatalf("memo off %v: the scorer scored %d images, the result counts %d evaluations", off, s.rows, r.Evaluations)
				}
				res[i] = r
			}
			with, without := res[0], res[1]
			t.Logf("%d evaluations and %d repeats, against %d evaluations", with.Evaluations, with.Repeats, without.Evaluations)
			if without.Repeats != 0 {
				t.Fatalf("without the memo, %d repeats", without.Repeats)
			}
			if with.Repeats == 0 {
				t.Fatal("the search repeated no image: this test would prove nothing")
			}
			if with.Evaluations+with.Repeats != without.Evaluations {
				t.Fatalf("%d evaluations + %d repeats, want the %d images the search scored without the memo", with.Evaluations, with.Repeats, without.Evaluations)
			}
			requireSameImages(t, with, without, "the memo")
		})
	}
}

// TestMemoPaperQueriesEveryImage: the paper's algorithm counts its cost as
// the paper does, every image it breeds.
func TestMemoPaperQueriesEveryImage(t *testing.T) {
	s := &countingScorer{Scorer: fakeDemo(8)}
	r, err := Run(context.Background(), s, Config{Algorithm: AlgorithmPaper, Encoding: EncodingDirect, Threshold: 0.99, MaxEvals: 2000, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r.Repeats != 0 || s.rows != r.Evaluations || r.Evaluations != 2000 {
		t.Fatalf("%d evaluations, %d repeats, %d images scored; want 2000, 0, 2000", r.Evaluations, r.Repeats, s.rows)
	}
}

func TestMemoRing(t *testing.T) {
	m := newMemo(2)
	n := m.size
	if n != memoMax {
		t.Fatalf("%d entries for 2 classes, want %d", n, memoMax)
	}
	if big := newMemo(1000); big.size*1000*4 > memoBytes || big.size < memoMin {
		t.Fatalf("%d entries for 1000 classes", big.size)
	}
	conf := func(i int) []float32 { return []float32{float32(i), -float32(i)} }
	for i := range n + 3 {
		m.store(uint64(1000+i), conf(i))
	}
	got := make([]float32, 2)
	for i := range n + 3 {
		ok := m.lookup(uint64(1000+i), got)
		if want := i >= 3; ok != want {
			t.Fatalf("image %d of %d: remembered %v, want %v (the oldest are forgotten)", i, n+3, ok, want)
		}
		if ok && !slices.Equal(got, conf(i)) {
			t.Fatalf("image %d: %v, want %v", i, got, conf(i))
		}
	}
	if len(m.slot) != n {
		t.Fatalf("%d fingerprints indexed for %d entries", len(m.slot), n)
	}
}

// TestMemoGrowsWithUse: a memo takes memory for the entries it holds, not
// for its whole ring at once. The ring of a 10-class model is 65,536
// entries; made at once, it and its map's table took longer to allocate
// and clear than a whole MNIST search that stores a few hundred images.
// Bytes are counted, not timed, so that the test does not depend on the
// machine.
func TestMemoGrowsWithUse(t *testing.T) {
	for _, tc := range []struct {
		k, stored int
		// most bounds the bytes allocated by newMemo and the stores.
		most uint64
	}{
		{k: 1, stored: 0, most: 4 << 10},
		{k: 10, stored: 0, most: 4 << 10},
		{k: 1000, stored: 0, most: 4 << 10},
		{k: 10, stored: 300, most: 96 << 10},
		{k: 1000, stored: 300, most: 4 << 20},
	} {
		t.Run(fmt.Sprintf("k%d/stored%d", tc.k, tc.stored), func(t *testing.T) {
			conf := make([]float32, tc.k)
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			m := newMemo(tc.k)
			for i := range tc.stored {
				conf[0] = float32(i)
				m.store(uint64(i)*0x9e3779b97f4a7c15, conf)
			}
			runtime.ReadMemStats(&after)
			if got := after.TotalAlloc - before.TotalAlloc; got > tc.most {
				t.Errorf("%d bytes allocated for a memo of %d entries holding %d, want at most %d", got, m.size, tc.stored, tc.most)
			}
			got := make([]float32, tc.k)
			for i := range tc.stored {
				if !m.lookup(uint64(i)*0x9e3779b97f4a7c15, got) || got[0] != float32(i) {
					t.Fatalf("entry %d: remembered %v", i, got[0])
				}
			}
		})
	}
}

// TestMemoTurnsOff: a search that does nothing but repeat itself queries the
// model again, so that it spends its evaluation budget.
func TestMemoTurnsOff(t *testing.T) {
	m := newMemo(1)
	m.store(7, []float32{0.5})
	for range maxRepeatRun - 1 {
		m.repeated()
	}
	m.queried()
	for range maxRepeatRun - 1 {
		m.repeated()
	}
	got := []float32{0}
	if !m.lookup(7, got) || got[0] != 0.5 {
		t.Fatal("a query between two runs of repeats turned the memo off")
	}
	m.repeated()
	if m.lookup(7, got) {
		t.Fatalf("still answering after %d repeats in a row", maxRepeatRun)
	}
	m.store(8, []float32{1})
	if m.lookup(8, got) {
		t.Fatal("a memo turned off still remembers")
	}
}

// TestImageKeyDiscerns: any change of any value, including a zero's sign and
// the values past the last whole lane group, changes the key.
func TestImageKeyDiscerns(t *testing.T) {
	for _, n := range []int{1, 7, 8, 9, 784, 3 * 224 * 224} {
		img := make([]float32, n)
		for i := range img {
			img[i] = float32(i%251) / 251
		}
		base := imageKey(img)
		if imageKey(slices.Clone(img)) != base {
			t.Fatalf("%d values: a copy has another key", n)
		}
		for _, i := range []int{0, n / 2, n - 1} {
			for _, v := range []float32{img[i] + 1e-7, float32(math.Copysign(0, -1)), 1} {
				if v == img[i] && math.Signbit(float64(v)) == math.Signbit(float64(img[i])) {
					continue
				}
				old := img[i]
				img[i] = v
				if imageKey(img) == base {
					t.Fatalf("%d values: setting value %d from %v to %v left the key", n, i, old, v)
				}
				img[i] = old
			}
		}
		if n > 1 && imageKey(img[:n-1]) == base {
			t.Fatalf("%d values: the key ignores the length", n)
		}
	}
}

// BenchmarkImageKey: the key of one 224×224 colour image, which the render
// workers compute beside rendering it (about 75 µs of CPU time with the
// vector kernels on MobileNetV2's tiled CPPNs).
func BenchmarkImageKey(b *testing.B) {
	img := make([]float32, 3*224*224)
	for i := range img {
		img[i] = float32(i%251) / 251
	}
	b.SetBytes(int64(4 * len(img)))
	for b.Loop() {
		imageKey(img)
	}
}

// requireSameImages fails t unless a and b found the same best image and
// confidence for every class; how is what a has and b lacks.
func requireSameImages(t *testing.T, a, b *Result, how string) {
	t.Helper()
	for i := range a.Classes {
		ca, cb := &a.Classes[i], &b.Classes[i]
		ia, err := ca.Image()
		if err != nil {
			t.Fatal(err)
		}
		ib, err := cb.Image()
		if err != nil {
			t.Fatal(err)
		}
		if ca.Confidence != cb.Confidence || !slices.Equal(ia, ib) {
			t.Fatalf("class %d: %v with %s, %v without, or another image", ca.Index, ca.Confidence, how, cb.Confidence)
		}
	}
}
