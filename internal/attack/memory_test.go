package attack

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// imageNetSizeModel is a 1000-class classifier of 224×224 RGB images that
// costs almost nothing to run: the mean of each channel times a 3×1000
// weight matrix. It lets a test hold a full ImageNet-size archive without
// the minutes a real network would take.
func imageNetSizeModel(t *testing.T) *classifier.Classifier {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 5))
	w := make([]float32, 3*1000)
	for i := range w {
		w[i] = float32(rng.NormFloat64() * 20)
	}
	m := onnxtest.Model{
		Inputs:       []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: []int64{-1, 3, 224, 224}}},
		Outputs:      []onnxtest.Value{{Name: "logits", Type: onnxtest.Float, Dims: []int64{-1, 1000}}},
		Initializers: []onnxtest.Tensor{{Name: "w", Dims: []int64{3, 1000}, Data: w}},
		Nodes: []onnxtest.Node{
			{Op: "GlobalAveragePool", Inputs: []string{"image"}, Outputs: []string{"pooled"}},
			{Op: "Flatten", Inputs: []string{"pooled"}, Outputs: []string{"flat"}, Ints: map[string]int64{"axis": 1}},
			{Op: "MatMul", Inputs: []string{"flat", "w"}, Outputs: []string{"logits"}},
		},
	}
	c, err := classifier.OpenBytes("imagenet-size.onnx", m.Bytes(), classifier.Options{Threads: 1, Batch: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestArchiveMemoryImageNetSize bounds the heap that the result of a
// 1000-class search over 224×224×3 images keeps alive. A canonical float32
// image per class would be 602 MB; compact elites (a byte per value, CPPNs
// as graphs) and the search's reusable buffers stay far below.
func TestArchiveMemoryImageNetSize(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a 1000-class archive")
	}
	c := imageNetSizeModel(t)
	h := heldByResult(t, c, 6000)
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
func heldByResult(t *testing.T, c *classifier.Classifier, evals int64) held {
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
