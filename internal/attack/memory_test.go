package attack

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// imageNetSize is a 1000-class scorer of 224×224 RGB images that costs
// almost nothing to run: softmax of the mean of each channel times a
// 3×1000 weight matrix. It lets a test hold a full ImageNet-size archive
// without the minutes a real network would take.
type imageNetSize struct{ w []float64 }

func newImageNetSize() imageNetSize {
	rng := rand.New(rand.NewPCG(5, 5))
	w := make([]float64, 3*1000)
	for i := range w {
		w[i] = rng.NormFloat64() * 20
	}
	return imageNetSize{w}
}

func (imageNetSize) Shape() (c, h, w, k int) { return 3, 224, 224, 1000 }

func (imageNetSize) BatchSize() int { return 16 }

func (s imageNetSize) Score(imgs []float32, n int, conf []float32) error {
	const plane, k = 224 * 224, 1000
	for i := range n {
		var mean [3]float64
		for ch := range mean {
			for _, v := range imgs[(3*i+ch)*plane : (3*i+ch+1)*plane] {
				mean[ch] += float64(v)
			}
			mean[ch] /= plane
		}
		logits := make([]float64, k)
		top := math.Inf(-1)
		for y := range logits {
			logits[y] = mean[0]*s.w[y] + mean[1]*s.w[k+y] + mean[2]*s.w[2*k+y]
			top = max(top, logits[y])
		}
		sum := 0.0
		for y := range logits {
			logits[y] = math.Exp(logits[y] - top)
			sum += logits[y]
		}
		for y := range logits {
			conf[i*k+y] = float32(logits[y] / sum)
		}
	}
	return nil
}

// TestArchiveMemoryImageNetSize bounds the heap that the result of a
// 1000-class search over 224×224×3 images keeps alive. A canonical float32
// image per class would be 602 MB; compact elites (a byte per value, CPPNs
// as graphs) and the search's reusable buffers stay far below.
func TestArchiveMemoryImageNetSize(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a 1000-class archive")
	}
	h := heldByResult(t, newImageNetSize(), 6000)
	t.Logf("%d distinct direct elites; the result holds %.1f MiB", h.direct, float64(h.bytes)/(1<<20))
	if h.direct < 50 {
		t.Fatalf("only %d distinct direct elites: the bound below would prove little", h.direct)
	}
	if limit := int64(160 << 20); h.bytes > limit {
		t.Fatalf("the result of a 1000-class search holds %d bytes, over %d", h.bytes, limit)
	}
}

type held struct {
	direct int
	bytes  int64
}

// heldByResult runs a direct search for evals evaluations and returns the
// number of distinct elites and the heap its result keeps alive.
func heldByResult(t *testing.T, c Scorer, evals int64) held {
	t.Helper()
	inUse := func() int64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapInuse)
	}
	res, err := Run(context.Background(), c, Config{Encoding: EncodingDirect, Threshold: 0.99, MaxEvals: evals, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[*genome]bool{}
	for i := range res.Classes {
		if g := res.Classes[i].elite; g != nil && g.pix != nil {
			distinct[g] = true
		}
	}
	h := held{direct: len(distinct)}
	clear(distinct)
	with := inUse()
	runtime.KeepAlive(res)
	res = nil
	h.bytes = with - inUse()
	return h
}

// TestEngineTakesMemoryAsUsed: a few-class search takes memory for the
// images it scores, not for the largest chunk and memo it might use. Set up
// at once, they took longer to allocate and clear than a whole search of an
// MNIST or CIFAR-10 model (docs/measurements.md, "The search's own costs on
// small models"): 8.6 MB for CIFAR-10 images at batch 64. Bytes are
// counted, not timed, so that the test does not depend on the machine.
func TestEngineTakesMemoryAsUsed(t *testing.T) {
	for _, tc := range []struct {
		name           string
		c, h, w, batch int
		// most bounds the bytes newEngine allocates, and the bytes
		// its image buffer holds after a search of 2,000 evaluations.
		most, used int
	}{
		{"mnist batch 64", 1, 28, 28, 64, 512 << 10, 64 * 28 * 28 * 4},
		{"cifar10 batch 64", 3, 32, 32, 64, 512 << 10, 64 * 3 * 32 * 32 * 4},
		{"cifar10 batch 1", 3, 32, 32, 1, 512 << 10, 64 * 3 * 32 * 32 * 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newLinearScorer(tc.c, tc.h, tc.w, 10, tc.batch, 1)
			cfg, err := resolve(Config{Threshold: 0.99, MaxEvals: 2000, Seed: 1}, 10)
			if err == nil {
				// Each worker has render state of its own: a fixed
				// count keeps the bound from depending on the cores
				// (128 of them took it past 512 KB).
				err = cfg.setOptions(options{workers: 2})
			}
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			e, err := newEngine(context.Background(), s, cfg)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > uint64(tc.most) {
				t.Errorf("setting up the search allocated %d bytes, want at most %d", got, tc.most)
			}
			if err := e.run(newClimb(e)); err != nil {
				t.Fatal(err)
			}
			if e.evals == 0 {
				t.Fatal("the search scored nothing")
			}
			if got := 4 * len(e.imgs); got > tc.used {
				t.Errorf("after %d evaluations the image buffer holds %d bytes, want at most %d (the chunks' images, in whole batches)", e.evals, got, tc.used)
			}
		})
	}
}
