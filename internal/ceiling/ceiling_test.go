package ceiling

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/onnxcheck"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

func load(t *testing.T, path string) *onnxcheck.Model {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnxcheck.Check(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTanhFixture checks the bounds on mnist-tanh-ls, whose logits are
// fc2(tanh(fc1(...))), against the maxima of each class's log-odds over the
// box [-1, 1]^64 found from the weights by an independent projected
// gradient ascent (numpy, float64, 5 starts each):
//
//	/usr/bin/python3: max over h of z_c - logsumexp(z_others), z = W h + b
//
// A bound must lie above the maximum (it is an upper bound) and, with the
// ascent converged, only a little further above it than the float32
// rounding it allows for (under 1e-4 in log-odds here).
func TestTanhFixture(t *testing.T) {
	m := load(t, filepath.Join("..", "..", "testdata", "models", "mnist-tanh-ls.onnx"))
	l := Find(m, "scores", 10, SoftmaxApplied)
	if l == nil {
		t.Fatal("no bounded layer found before the scores")
	}
	if l.Op != "Tanh" || l.Lo != -1 || l.Hi != 1 || l.H != 64 || l.K != 10 {
		t.Fatalf("layer %+v, want Tanh in [-1, 1], 64 → 10", l)
	}
	want := []float64{0.950803, 0.965880, 0.974791, 0.965010, 0.952830, 0.950700, 0.965134, 0.947347, 0.987938, 0.984120}
	classes := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	// goal 1: the ascent runs to convergence.
	got := l.Ceilings(classes, 1)
	for c, w := range want {
		lw, lg := logOdds(w), logOdds(got[c])
		if lg < lw-1e-4 || lg > lw+1e-3 {
			t.Errorf("class %d: ceiling %.6f (log-odds %.4f), want just above %.6f (%.4f)", c, got[c], lg, w, lw)
		}
	}
	// With a goal above every maximum, each class is settled below it.
	for c, g := range l.Ceilings(classes, 0.9999) {
		if g >= 0.9999 {
			t.Errorf("class %d: bound %.6f, not below 0.9999", c, g)
		}
	}
}

// TestUnboundedModels checks that models whose scores are affine in an
// unbounded layer (ReLU) have no bounded layer.
func TestUnboundedModels(t *testing.T) {
	m, err := onnxcheck.CheckBytes(demo.Name, demo.Model)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []Applied{AsIs, SoftmaxApplied} {
		if l := Find(m, "prob", 10, a); l != nil {
			t.Errorf("demo LeNet (ReLU before its last Gemm), applied %d: found %v", a, l)
		}
	}
	flat := load(t, filepath.Join("..", "..", "testdata", "models", "mnist-flat-ls.onnx"))
	if l := Find(flat, "scores", 10, SoftmaxApplied); l != nil {
		t.Errorf("mnist-flat-ls: found %v", l)
	}
}

// TestSharedModels runs Find on every model in ../shared/models: none of
// them ends in a bounded layer, so none may report one.
func TestSharedModels(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "..", "shared", "models", "*", "*.onnx"))
	if len(paths) == 0 {
		t.Skip("../shared/models is absent")
	}
	for _, p := range paths {
		m := load(t, p)
		for _, out := range m.OutputNames() {
			for _, a := range []Applied{AsIs, SoftmaxApplied} {
				for _, k := range []int{10, 1000} {
					if l := Find(m, out, k, a); l != nil {
						t.Errorf("%s output %q: found %v", p, out, l)
					}
				}
			}
		}
	}
}

// TestClampedCIFAR100 reads a public CIFAR-100 model converted from
// TensorFlow (analogdevicesinc/ai8x-training, in the model cache when
// fetched; see docs/measurements.md): every layer clamped to [-1, 1] by Min
// and Max, the last hidden one after a ReLU, and the logits a 1×1 Conv on
// the 1×1 map, clamped to ±131072 and reshaped. Six classes cannot reach
// 0.99: a numpy ascent over the box finds maxima of 0.9854, 0.9869,
// 0.9879, 0.9899, 0.9745 and 0.9892 for classes 2, 4, 11, 38, 72 and 98,
// and at least 0.9908 for every other class.
func TestClampedCIFAR100(t *testing.T) {
	l := cachedLayer(t, filepath.Join("github", "analogdevicesinc-cifar100.onnx"), "analogdevicesinc-cifar100 is not in the model cache", 100)
	if l == nil || l.Op != "Min/Max clamp" || l.Lo != 0 || l.Hi != 1 || l.H != 128 {
		t.Fatalf("found %v, want a Min/Max clamp layer of 128 values in [0, 1]", l)
	}
	classes := make([]int, 100)
	for i := range classes {
		classes[i] = i
	}
	var below []int
	for c, v := range l.Ceilings(classes, 0.99) {
		if v < 0.99 {
			below = append(below, c)
		}
	}
	if want := []int{2, 4, 11, 38, 72, 98}; !slices.Equal(below, want) {
		t.Fatalf("classes below 0.99: %v, want %v", below, want)
	}
}

// TestBoundsHold draws random layers and checks every bound against the
// confidences of many points of the box, the box's vertices first, and
// that the ascent's bound is close to the best point found when the layer
// is small enough to search well.
func TestBoundsHold(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 40 {
		k, h := 2+rng.IntN(9), 1+rng.IntN(6)
		l := &Layer{Op: "Tanh", K: k, H: h, Lo: -1 + rng.Float64(), Hi: 1 + rng.Float64(),
			w: make([]float32, k*h), b: make([]float64, k), scores: scores(trial % 3)}
		for i := range l.w {
			l.w[i] = float32(rng.NormFloat64() * 2)
		}
		for i := range l.b {
			l.b[i] = rng.NormFloat64()
		}
		classes := make([]int, k)
		for i := range classes {
			classes[i] = i
		}
		bounds := l.Ceilings(classes, 1)
		best := make([]float64, k)
		for c := range best {
			best[c] = math.Inf(-1)
		}
		x := make([]float64, h)
		for n := range 20000 {
			for i := range x {
				switch {
				case n < 1<<h:
					x[i] = l.Lo
					if n>>i&1 == 1 {
						x[i] = l.Hi
					}
				default:
					x[i] = l.Lo + (l.Hi-l.Lo)*rng.Float64()
				}
			}
			for c, p := range l.confidences(x) {
				best[c] = max(best[c], p)
			}
		}
		// The log-odds are concave in h: cyclic coordinate ascent,
		// exact line searches by ternary search, converges to each
		// class's maximum.
		if l.scores == softmaxOf {
			for c := range k {
				best[c] = max(best[c], l.coordinateMax(c))
			}
		}
		for c := range k {
			if best[c] > bounds[c] {
				t.Fatalf("trial %d (scores %d), class %d: a point reaches %.9f above the bound %.9f", trial, l.scores, c, best[c], bounds[c])
			}
			if l.scores == softmaxOf && logOdds(bounds[c])-logOdds(best[c]) > 0.01 {
				t.Errorf("trial %d, class %d: bound %.6f far above the best point %.6f", trial, c, bounds[c], best[c])
			}
		}
	}
}

// TestAscentBudget: an ascent spends no more multiply-adds than its budget,
// its first evaluation of the log-odds included, and a budget that cannot
// pay for that and one step leaves the bound as it was. (Evaluating the
// start of every class of a 1000-class, 1280-wide layer cost seconds, ten
// times Work.)
func TestAscentBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	k, h := 20, 30
	l := &Layer{Op: "Tanh", K: k, H: h, Lo: -1, Hi: 1, w: make([]float32, k*h), b: make([]float64, k)}
	for i := range l.w {
		l.w[i] = float32(rng.NormFloat64())
	}
	per := 2 * k * h
	for _, budget := range []int{0, per, per + per/2 - 1, per + per/2, 10 * per, 1000 * per} {
		s := newSoftmaxBound(l)
		start := s.onePass(3)
		got, spent := s.ascend(3, start, math.Inf(1), budget)
		if spent > budget || got > start {
			t.Errorf("budget %d: spent %d, bound %.6f from %.6f", budget, spent, got, start)
		}
		if budget < per+per/2 && (spent != 0 || got != start) {
			t.Errorf("budget %d, too small for a step: spent %d, bound %.6f from %.6f", budget, spent, got, start)
		}
		if budget >= 10*per && got >= start {
			t.Errorf("budget %d: the bound %.6f did not improve on %.6f", budget, got, start)
		}
	}
}

// confidences computes every class's confidence at h directly.
func (l *Layer) confidences(h []float64) []float64 {
	z := make([]float64, l.K)
	mx := math.Inf(-1)
	for j := range l.K {
		z[j] = l.b[j]
		for i := range h {
			z[j] += float64(l.w[j*l.H+i]) * h[i]
		}
		mx = max(mx, z[j])
	}
	out := make([]float64, l.K)
	var s float64
	for j := range z {
		switch l.scores {
		case softmaxOf:
			out[j] = math.Exp(z[j] - mx)
			s += out[j]
		case sigmoidOf:
			out[j] = sigmoid(z[j])
		default:
			out[j] = z[j]
		}
	}
	if l.scores == softmaxOf {
		for j := range out {
			out[j] /= s
		}
	}
	return out
}

// coordinateMax returns class c's highest softmax found by cyclic coordinate
// ascent from the box's centre.
func (l *Layer) coordinateMax(c int) float64 {
	x := make([]float64, l.H)
	for i := range x {
		x[i] = (l.Lo + l.Hi) / 2
	}
	at := func() float64 { return l.confidences(x)[c] }
	for range 200 {
		for i := range x {
			lo, hi := l.Lo, l.Hi
			for range 60 {
				m1, m2 := lo+(hi-lo)/3, hi-(hi-lo)/3
				x[i] = m1
				f1 := logOdds(at())
				x[i] = m2
				f2 := logOdds(at())
				if f1 < f2 {
					lo = m1
				} else {
					hi = m2
				}
			}
			x[i] = (lo + hi) / 2
		}
	}
	return at()
}

// cachedLayer runs Find on the first output, of k classes, of the model at
// rel in the model cache, skipping the test with why when it is absent.
func cachedLayer(t *testing.T, rel, why string, k int) *Layer {
	t.Helper()
	home, _ := os.UserHomeDir()
	p := filepath.Join(home, ".cache", "fooltest-models", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skip(why)
	}
	m := load(t, p)
	return Find(m, m.OutputNames()[0], k, SoftmaxApplied)
}

// TestClipLayer reads the float MobileNetV2 that scripts/dequantize-model.py
// derives (absent unless built), whose scores are an affine map of a Clip to
// [0, 6] given by constant inputs (opset 12), through global average pooling
// and a reshape.
func TestClipLayer(t *testing.T) {
	l := cachedLayer(t, "mobilenetv2-12-float.onnx", "the float MobileNetV2 is not built (scripts/dequantize-model.py)", 1000)
	if l == nil || l.Op != "Clip" || l.Lo != 0 || l.Hi != 6 || l.H != 1280 {
		t.Fatalf("found %v, want a Clip layer of 1280 values in [0, 6]", l)
	}
	// Whatever the budget leaves, no bound may claim a class that the
	// search fools at 0.99 on this model (most of them) is unreachable.
	for c, v := range l.Ceilings([]int{0, 1, 2, 3}, 0.99) {
		if v < 0.99 {
			t.Errorf("class %d: bound %.4f below 0.99", c, v)
		}
	}
}

// FuzzFind reads arbitrary models: Find must return nil or a layer whose
// bounds Ceilings can compute, never panic or allocate without bound. The
// seeds hold a Tanh head and transformer heads (onnxtest.NormHead).
func FuzzFind(f *testing.F) {
	tanh, err := os.ReadFile(filepath.Join("..", "..", "testdata", "models", "mnist-tanh-ls.onnx"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tanh)
	f.Add(demo.Model)
	f.Add(onnxtest.NormHead(false, false).Bytes())
	f.Add(onnxtest.NormHead(true, true).Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnxcheck.CheckBytes("fuzz", data)
		if err != nil {
			return
		}
		for _, out := range m.OutputNames() {
			for _, a := range []Applied{AsIs, SoftmaxApplied} {
				// 10 classes as mnist-tanh-ls has, 4 as NormHead.
				for _, k := range []int{10, 4} {
					l := Find(m, out, k, a)
					if l == nil {
						continue
					}
					for _, v := range l.Ceilings([]int{0, k - 1}, 0.99) {
						if math.IsNaN(v) {
							t.Fatalf("NaN bound from %v", l)
						}
					}
				}
			}
		}
	})
}

// TestFindForms builds the graph tails Find reads, and the ones it must
// refuse, in code.
func TestFindForms(t *testing.T) {
	w := onnxtest.Tensor{Name: "W", Dims: []int64{3, 4}, Data: []float32{1, -1, 0.5, 0, 0, 2, -1, 1, -0.5, 0, 0, 1}}
	wT := onnxtest.Tensor{Name: "WT", Dims: []int64{4, 3}, Data: []float32{1, 0, -0.5, -1, 2, 0, 0.5, -1, 0, 0, 1, 1}}
	b := onnxtest.Tensor{Name: "b", Dims: []int64{3}, Data: []float32{0.1, 0, -0.1}}
	gemm := onnxtest.Node{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"out"}, Ints: map[string]int64{"transB": 1}}
	act := func(op string, inputs ...string) onnxtest.Node {
		return onnxtest.Node{Op: op, Inputs: append([]string{"x"}, inputs...), Outputs: []string{"a"}}
	}
	copyTo := func(op string, inputs ...string) onnxtest.Node {
		return onnxtest.Node{Op: op, Inputs: append([]string{"a"}, inputs...), Outputs: []string{"h"}}
	}
	lo := onnxtest.Tensor{Name: "lo", Dims: []int64{}, Data: []float32{0}}
	hi := onnxtest.Tensor{Name: "hi", Dims: []int64{}, Data: []float32{6}}
	one := onnxtest.Tensor{Name: "one", Dims: []int64{1, 1, 1, 1}, Data: []float32{1}}
	minusOne := onnxtest.Tensor{Name: "minusOne", Dims: []int64{1}, Data: []float32{-1}}
	big := onnxtest.Tensor{Name: "big", Dims: []int64{1, 1}, Data: []float32{1e5}}
	minusBig := onnxtest.Tensor{Name: "minusBig", Dims: []int64{}, Data: []float32{-1e5}}
	half := onnxtest.Tensor{Name: "half", Dims: []int64{}, Data: []float32{0.5}}
	w4 := onnxtest.Tensor{Name: "W4", Dims: []int64{3, 4, 1, 1}, Data: w.Data}
	w33 := onnxtest.Tensor{Name: "W33", Dims: []int64{3, 4, 3, 3}, Data: make([]float32, 3*4*9)}
	flat := onnxtest.Tensor{Name: "shape", Dims: []int64{2}, Int64s: []int64{-1, 3}}
	node := func(op string, in []string, out string) onnxtest.Node {
		return onnxtest.Node{Op: op, Inputs: in, Outputs: []string{out}}
	}
	// TensorFlow's converters write a clamp as Relu, Min and Max with
	// constants, and a 1×1 Conv on a 1×1 map as the dense layer.
	clamp := []onnxtest.Node{node("Relu", []string{"x"}, "r"), node("Min", []string{"r", "one"}, "mn"), node("Max", []string{"mn", "minusOne"}, "a"), copyTo("MaxPool")}
	convHead := func(weights string, tail ...onnxtest.Node) []onnxtest.Node {
		nodes := append(slices.Clone(clamp), onnxtest.Node{Op: "Conv", Inputs: []string{"h", weights, "b"}, Outputs: []string{"c"}, IntLists: map[string][]int64{"kernel_shape": {1, 1}}})
		return append(nodes, tail...)
	}
	reshape := node("Reshape", []string{"c", "shape"}, "out")
	tests := []struct {
		name    string
		nodes   []onnxtest.Node
		inits   []onnxtest.Tensor
		k       int
		applied Applied
		op      string // "" when Find must refuse
		lo, hi  float64
	}{
		{"tanh gemm", []onnxtest.Node{act("Tanh"), copyTo("Identity"), gemm}, []onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "Tanh", -1, 1},
		{"sigmoid, relu", []onnxtest.Node{act("Sigmoid"), copyTo("Relu"), gemm}, []onnxtest.Tensor{w, b}, 3, AsIs, "Sigmoid", 0, 1},
		{"tanh gemm, a sigmoid of each", []onnxtest.Node{act("Tanh"), copyTo("Identity"), gemm}, []onnxtest.Tensor{w, b}, 3, SigmoidApplied, "Tanh", -1, 1},
		{"tanh, relu", []onnxtest.Node{act("Tanh"), copyTo("Relu"), gemm}, []onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "Tanh", 0, 1},
		{"inference dropout", []onnxtest.Node{act("Tanh"), copyTo("Dropout"), gemm}, []onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "Tanh", -1, 1},
		{"training dropout", []onnxtest.Node{act("Tanh"), copyTo("Dropout", "b", "b"), gemm}, []onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "", 0, 0},
		{"clip inputs, matmul and add, softmax", []onnxtest.Node{act("Clip", "lo", "hi"), copyTo("Flatten"),
			{Op: "MatMul", Inputs: []string{"h", "WT"}, Outputs: []string{"m"}},
			{Op: "Add", Inputs: []string{"b", "m"}, Outputs: []string{"z"}},
			{Op: "Softmax", Inputs: []string{"z"}, Outputs: []string{"out"}, Ints: map[string]int64{"axis": -1}}},
			[]onnxtest.Tensor{wT, b, lo, hi}, 3, AsIs, "Clip", 0, 6},
		{"matmul under a softmax over axis 1", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "MatMul", Inputs: []string{"h", "WT"}, Outputs: []string{"z"}},
			{Op: "Softmax", Inputs: []string{"z"}, Outputs: []string{"out"}, Ints: map[string]int64{"axis": 1}}},
			[]onnxtest.Tensor{wT}, 3, AsIs, "", 0, 0},
		{"gemm under a softmax over axis 1", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"z"}, Ints: map[string]int64{"transB": 1}},
			{Op: "Softmax", Inputs: []string{"z"}, Outputs: []string{"out"}, Ints: map[string]int64{"axis": 1}}},
			[]onnxtest.Tensor{w, b}, 3, AsIs, "Tanh", -1, 1},
		{"clip without max", []onnxtest.Node{act("Clip", "lo"), copyTo("Identity"), gemm}, []onnxtest.Tensor{w, b, lo}, 3, SoftmaxApplied, "", 0, 0},
		{"relu only", []onnxtest.Node{act("Relu"), copyTo("Identity"), gemm}, []onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "", 0, 0},
		{"transposed input", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"out"}, Ints: map[string]int64{"transA": 1, "transB": 1}}},
			[]onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "", 0, 0},
		{"other class count", []onnxtest.Node{act("Tanh"), copyTo("Identity"), gemm}, []onnxtest.Tensor{w, b}, 5, SoftmaxApplied, "", 0, 0},
		{"softmax through float16 and back", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"z"}, Ints: map[string]int64{"transB": 1}},
			{Op: "Softmax", Inputs: []string{"z"}, Outputs: []string{"p"}},
			{Op: "Cast", Inputs: []string{"p"}, Outputs: []string{"p16"}, Ints: map[string]int64{"to": onnxcheck.TypeFloat16}},
			{Op: "Identity", Inputs: []string{"p16"}, Outputs: []string{"p16b"}},
			{Op: "Cast", Inputs: []string{"p16b"}, Outputs: []string{"out"}, Ints: map[string]int64{"to": onnxcheck.TypeFloat}}},
			[]onnxtest.Tensor{w, b}, 3, AsIs, "Tanh", -1, 1},
		{"softmax through an integer cast", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"z"}, Ints: map[string]int64{"transB": 1}},
			{Op: "Softmax", Inputs: []string{"z"}, Outputs: []string{"p"}},
			{Op: "Cast", Inputs: []string{"p"}, Outputs: []string{"pi"}, Ints: map[string]int64{"to": onnxcheck.TypeUint8}},
			{Op: "Cast", Inputs: []string{"pi"}, Outputs: []string{"out"}, Ints: map[string]int64{"to": onnxcheck.TypeFloat}}},
			[]onnxtest.Tensor{w, b}, 3, AsIs, "", 0, 0},
		{"logits cast before the softmax", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"z"}, Ints: map[string]int64{"transB": 1}},
			{Op: "Cast", Inputs: []string{"z"}, Outputs: []string{"z16"}, Ints: map[string]int64{"to": onnxcheck.TypeFloat16}},
			{Op: "Softmax", Inputs: []string{"z16"}, Outputs: []string{"out"}}},
			[]onnxtest.Tensor{w, b}, 3, AsIs, "", 0, 0},
		{"relu, min and max; 1×1 conv, reshape", convHead("W4", reshape), []onnxtest.Tensor{w4, b, one, minusOne, flat}, 3, SoftmaxApplied, "Min/Max clamp", 0, 1},
		{"1×1 conv, idle clamps of the scores, transpose, reshape", convHead("W4",
			node("Min", []string{"big", "c"}, "c1"), node("Max", []string{"c1", "minusBig"}, "c2"),
			onnxtest.Node{Op: "Transpose", Inputs: []string{"c2"}, Outputs: []string{"t"}, IntLists: map[string][]int64{"perm": {0, 2, 3, 1}}},
			node("Reshape", []string{"t", "shape"}, "out")),
			[]onnxtest.Tensor{w4, b, one, minusOne, flat, big, minusBig}, 3, SoftmaxApplied, "Min/Max clamp", 0, 1},
		{"a clamp of the scores that binds", convHead("W4", node("Min", []string{"c", "half"}, "c1"), node("Reshape", []string{"c1", "shape"}, "out")),
			[]onnxtest.Tensor{w4, b, one, minusOne, flat, half}, 3, SoftmaxApplied, "", 0, 0},
		{"a transpose that moves the batch", convHead("W4",
			onnxtest.Node{Op: "Transpose", Inputs: []string{"c"}, Outputs: []string{"t"}, IntLists: map[string][]int64{"perm": {1, 0, 2, 3}}},
			node("Reshape", []string{"t", "shape"}, "out")),
			[]onnxtest.Tensor{w4, b, one, minusOne, flat}, 3, SoftmaxApplied, "", 0, 0},
		{"3×3 conv", convHead("W33", reshape), []onnxtest.Tensor{w33, b, one, minusOne, flat}, 3, SoftmaxApplied, "", 0, 0},
		{"grouped conv", append(slices.Clone(clamp), onnxtest.Node{Op: "Conv", Inputs: []string{"h", "W4", "b"}, Outputs: []string{"c"}, Ints: map[string]int64{"group": 2}}, reshape),
			[]onnxtest.Tensor{w4, b, one, minusOne, flat}, 3, SoftmaxApplied, "", 0, 0},
		{"padded conv", append(slices.Clone(clamp), onnxtest.Node{Op: "Conv", Inputs: []string{"h", "W4", "b"}, Outputs: []string{"c"}, IntLists: map[string][]int64{"pads": {1, 1, 1, 1}}}, reshape),
			[]onnxtest.Tensor{w4, b, one, minusOne, flat}, 3, SoftmaxApplied, "", 0, 0},
		{"1×1 conv under a softmax node", convHead("W4", node("Reshape", []string{"c", "shape"}, "z"), node("Softmax", []string{"z"}, "out")),
			[]onnxtest.Tensor{w4, b, one, minusOne, flat}, 3, AsIs, "", 0, 0},
		{"reshape between a gemm and the softmax", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"z"}, Ints: map[string]int64{"transB": 1}},
			node("Reshape", []string{"z", "shape"}, "z2"), node("Softmax", []string{"z2"}, "out")},
			[]onnxtest.Tensor{w, b, flat}, 3, AsIs, "", 0, 0},
		{"relu6 as relu and min", []onnxtest.Node{node("Relu", []string{"x"}, "r"), node("Min", []string{"hi", "r"}, "a"), copyTo("Identity"), gemm},
			[]onnxtest.Tensor{w, b, hi}, 3, SoftmaxApplied, "Min/Max clamp", 0, 6},
		{"min without a lower bound", []onnxtest.Node{node("Min", []string{"x", "hi"}, "a"), copyTo("Identity"), gemm},
			[]onnxtest.Tensor{w, b, hi}, 3, SoftmaxApplied, "", 0, 0},
		{"min of two values", []onnxtest.Node{node("Relu", []string{"x"}, "r"), node("Min", []string{"r", "x"}, "a"), copyTo("Identity"), gemm},
			[]onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "", 0, 0},
		{"min of two constants", []onnxtest.Node{node("Min", []string{"hi", "lo"}, "a"), copyTo("Identity"), gemm},
			[]onnxtest.Tensor{w, b, lo, hi}, 3, SoftmaxApplied, "", 0, 0},
		{"softmax output read as logits", []onnxtest.Node{act("Tanh"), copyTo("Identity"),
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"z"}, Ints: map[string]int64{"transB": 1}},
			{Op: "Softmax", Inputs: []string{"z"}, Outputs: []string{"out"}}},
			[]onnxtest.Tensor{w, b}, 3, SoftmaxApplied, "", 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model := onnxtest.Model{
				Inputs:       []onnxtest.Value{{Name: "x", Type: onnxtest.Float, Dims: []int64{-1, 4}}},
				Outputs:      []onnxtest.Value{{Name: "out", Type: onnxtest.Float, Dims: []int64{-1, 3}}},
				Nodes:        tc.nodes,
				Initializers: tc.inits,
			}
			m, err := onnxcheck.CheckBytes("model", model.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			l := Find(m, "out", tc.k, tc.applied)
			switch {
			case tc.op == "" && l != nil:
				t.Fatalf("found %v, want none", l)
			case tc.op == "":
			case l == nil:
				t.Fatalf("found none, want a %s layer", tc.op)
			case l.Op != tc.op || l.Lo != tc.lo || l.Hi != tc.hi || l.H != 4 || l.K != 3:
				t.Fatalf("found %v (H %d, K %d), want %s in [%g, %g], 4 → 3", l, l.H, l.K, tc.op, tc.lo, tc.hi)
			case strings.Contains(tc.name, "float16") && l.castRel < 0x1p-11:
				t.Fatalf("found %v with cast rounding %g, want at least float16's 2^-11", l, l.castRel)
			}
		})
	}
}

// TestSigmoidApplied: read with a sigmoid of each logit (a multi-label
// classifier's), each class's ceiling is the sigmoid of its own largest
// logit over the box, whatever the other classes do.
func TestSigmoidApplied(t *testing.T) {
	w := []float32{1, -1, 0.5, 0, 0, 2, -1, 1, -0.5, 0, 0, 1}
	b := []float32{0.1, 0, -0.1}
	model := onnxtest.Model{
		Inputs:  []onnxtest.Value{{Name: "x", Type: onnxtest.Float, Dims: []int64{-1, 4}}},
		Outputs: []onnxtest.Value{{Name: "out", Type: onnxtest.Float, Dims: []int64{-1, 3}}},
		Nodes: []onnxtest.Node{
			{Op: "Tanh", Inputs: []string{"x"}, Outputs: []string{"h"}},
			{Op: "Gemm", Inputs: []string{"h", "W", "b"}, Outputs: []string{"out"}, Ints: map[string]int64{"transB": 1}},
		},
		Initializers: []onnxtest.Tensor{{Name: "W", Dims: []int64{3, 4}, Data: w}, {Name: "b", Dims: []int64{3}, Data: b}},
	}
	m, err := onnxcheck.CheckBytes("model", model.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	l := Find(m, "out", 3, SigmoidApplied)
	if l == nil {
		t.Fatal("no bounded layer found")
	}
	got := l.Ceilings([]int{0, 1, 2}, 0.99)
	for c := range 3 {
		z := float64(b[c])
		for _, x := range w[c*4 : (c+1)*4] {
			z += math.Abs(float64(x))
		}
		if want := 1 / (1 + math.Exp(-z)); got[c] < want || got[c] > want+1e-5 {
			t.Errorf("class %d: ceiling %v, want the sigmoid of its largest logit %v, %v", c, got[c], z, want)
		}
	}
}

// TestCastRounding: float casts after the scores raise each ceiling by
// what their rounding may add, so that a class proved below a threshold
// stays below it as the cast model computes it: a float16 cast rounds
// 0.99985 to 1.
func TestCastRounding(t *testing.T) {
	l := &Layer{Op: "Tanh", K: 2, H: 1, Lo: -1, Hi: 1, w: []float32{4, -4}, b: []float64{0, 0}, scores: softmaxOf}
	plain := l.Ceilings([]int{0, 1}, 0.9999)
	for _, tc := range []struct {
		name  string
		types []int64
		rel   float64
	}{
		{"float16", []int64{onnxcheck.TypeFloat16}, 0x1p-11},
		{"float16 then float32", []int64{onnxcheck.TypeFloat16, onnxcheck.TypeFloat}, 0x1p-11 + 0x1p-24},
		{"bfloat16", []int64{onnxcheck.TypeBFloat16}, 0x1p-8},
		{"double", []int64{onnxcheck.TypeDouble}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := *l
			c.castRel, c.castAbs = 0, 0
			for _, to := range tc.types {
				rel := castRounding[to]
				c.castRel = (1+c.castRel)*(1+rel) - 1
				c.castAbs = c.castAbs*(1+rel) + castAbsolute
			}
			got := c.Ceilings([]int{0, 1}, 0.9999)
			for i := range got {
				// The rounded value of the plain bound in the cast's
				// type must lie at or below the raised bound.
				if r := plain[i] * (1 + tc.rel); got[i] < r {
					t.Fatalf("class %d: %.9f after casts, below %.9f that rounding may reach", i, got[i], r)
				}
				if got[i]-plain[i] > plain[i]*tc.rel*1.01+float64(len(tc.types))*castAbsolute*1.01 {
					t.Fatalf("class %d: %.9f after casts, far above %.9f", i, got[i], plain[i])
				}
			}
		})
	}
}
