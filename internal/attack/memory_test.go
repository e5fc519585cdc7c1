package attack

import (
	"context"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/onnxtest"
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

// TestArchiveMemoryImageNetSize bounds the memory a 1000-class archive of
// 224×224×3 elites holds: elites must stay compact (a byte per pixel value,
// CPPNs as graphs), not canonical float32 images (602 KB each).
func TestArchiveMemoryImageNetSize(t *testing.T) {
	if testing.Short() {
		t.Skip("fills a 1000-class archive")
	}
	c := imageNetSizeModel(t)
	for _, enc := range []string{EncodingDirect, EncodingBoth} {
		t.Run(enc, func(t *testing.T) {
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			res, err := Run(context.Background(), c, Config{Encoding: enc, Threshold: 0.99, MaxEvals: 4000, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			distinct := map[*genome]bool{}
			direct := 0
			for i := range res.Classes {
				if g := res.Classes[i].elite; g != nil && !distinct[g] {
					distinct[g] = true
					if g.pix != nil {
						direct++
					}
				}
			}
			held := int64(after.HeapInuse) - int64(before.HeapInuse)
			t.Logf("%s: %d distinct elites (%d direct) hold %.1f MiB", enc, len(distinct), direct, float64(held)/(1<<20))
			if direct < 50 {
				t.Fatalf("only %d distinct direct elites: the bound below would prove nothing", direct)
			}
			// A byte per value is 150,528 bytes per direct elite; float32
			// would be four times that.
			if limit := int64(direct)*200_000 + 64<<20; held > limit {
				t.Fatalf("archive holds %d bytes for %d direct elites, over %d", held, direct, limit)
			}
			runtime.KeepAlive(res)
		})
	}
}
