package classifier

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestOutputKindSafe: auto never reads a probability or sigmoid output as
// logits, whose softmax would cap every confidence below the threshold and
// let the gate pass a model it never tested; what it cannot tell apart it
// refuses, naming --output-kind.
func TestOutputKindSafe(t *testing.T) {
	base := func(post string) onnxtest.Model { return onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, post) }
	tests := []struct {
		name  string
		model onnxtest.Model
		want  OutputKind
		// refused is a part of the refusal's message; empty when the
		// model must open.
		refused string
	}{
		{"softmax", base("Softmax"), Probabilities, ""},
		{"softmax reshaped", base("Softmax").Then("Identity", nil).Then("Flatten", nil), Probabilities, ""},
		// Rows that sum to 1.0015, as a rescaled export leaves them.
		{"softmax times 1.0015", base("Softmax").Scaled(1.0015), Probabilities, ""},
		{"softmax times 0.99", base("Softmax").Scaled(0.99), Probabilities, ""},
		{"sigmoid", base("Sigmoid"), Sigmoid, ""},
		{"log-softmax", base("LogSoftmax"), Logits, ""},
		{"logits", base(""), Logits, ""},
		// Sigmoid scores behind another operator look like small
		// logits: refused.
		{"sigmoid scaled", base("Sigmoid").Scaled(0.999), "", "as sigmoid scores"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes("test.onnx", tc.model.Bytes(), Options{Threads: 1})
			if tc.refused != "" {
				if err == nil {
					c.Close()
					t.Fatalf("opened as %s; want a refusal", c.Info().OutputKind)
				}
				if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingOutputKind || !strings.Contains(err.Error(), tc.refused) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v (%v), want one line with %q, invalid input", err, fault.KindOf(err), tc.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.Info().OutputKind; got != tc.want {
				t.Fatalf("kind %s (%s), want %s", got, c.Info().KindEvidence, tc.want)
			}
			if c.Info().KindEvidence == "" {
				t.Fatal("no evidence recorded")
			}
		})
	}
}

// TestCeiling: logits that stay in [0,1] cannot give a confidence above
// e/(e+K-1); a forced --output-kind logits on such an output is flagged.
func TestCeiling(t *testing.T) {
	c := openModel(t, onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "Softmax"), Options{OutputKind: Logits})
	got := c.Ceiling()
	lo, hi := c.Info().OutputRange[0], c.Info().OutputRange[1]
	want := math.Exp(float64(hi-lo)) / (math.Exp(float64(hi-lo)) + 9)
	if got > 0.3 || math.Abs(got-want) > 1e-9 {
		t.Fatalf("ceiling %v, want %v (below e/(e+9) = 0.232)", got, want)
	}
	if c := openModel(t, onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "Softmax"), Options{}); c.Ceiling() != 1 {
		t.Fatalf("probabilities: ceiling %v, want 1", c.Ceiling())
	}
}

// nanModel returns a model whose every output is NaN.
func nanModel() onnxtest.Model {
	// log(-(|x|+1)) is NaN for every x.
	return onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "").Then("Abs", nil).
		Then("Add", []string{"one"}, onnxtest.Tensor{Name: "one", Dims: []int64{1}, Data: []float32{1}}).
		Then("Neg", nil).Then("Log", nil)
}

// TestNonFiniteFails: a model whose outputs are NaN is never scored as if
// it resisted the search.
func TestNonFiniteFails(t *testing.T) {
	all := openModel(t, nanModel(), Options{Batch: 8})
	var nf *NonFiniteError
	err := all.Score(constImages(8, 16, 0.5), 8, make([]float32, 8*3))
	if err == nil {
		err = all.CheckFinite()
	}
	if !errors.As(err, &nf) || !errors.Is(err, fault.Model) {
		t.Fatalf("an all-NaN model: got %v, want a *NonFiniteError (exit 3)", err)
	}
	// Its NaN come from a Log, not from a softmax written with Exp.
	if nf.ExpSoftmax || strings.Contains(err.Error(), "Softmax operator") {
		t.Errorf("a Log's NaN blamed on a softmax written with Exp: %v", err)
	}
	// NaN only for pixels above 1.5, which opening never feeds it:
	// log(1.5 - x) before the classifier.
	m := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax")
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "bright", Dims: []int64{1}, Data: []float32{1.5}})
	m.Nodes[0].Inputs = []string{"logged"}
	m.Nodes = append([]onnxtest.Node{
		{Op: "Sub", Inputs: []string{"bright", "image"}, Outputs: []string{"room"}},
		{Op: "Log", Inputs: []string{"room"}, Outputs: []string{"logged"}},
	}, m.Nodes...)
	c := openModel(t, m, Options{Batch: 8})
	imgs := constImages(8, 16, 2)
	conf := make([]float32, 8*3)
	var scored int
	for scored = 0; scored < 1000; scored += 8 {
		if err = c.Score(imgs, 8, conf); err != nil {
			break
		}
	}
	if !errors.As(err, &nf) {
		t.Fatalf("Score over %d NaN images: %v, want a *NonFiniteError", scored, err)
	}
	if scored+8 < nonFiniteMinImages || scored > nonFiniteMinImages {
		t.Fatalf("failed after %d images, want at about %d", scored+8, nonFiniteMinImages)
	}
	if err := c.CheckFinite(); !errors.As(err, &nf) || nf.Images != nf.Scored {
		t.Fatalf("CheckFinite: %v", err)
	}
	// A few non-finite outputs are counted, not fatal.
	fine := openModel(t, onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax"), Options{Batch: 8})
	imgs = constImages(8, 16, 0.5)
	for range 20 {
		if err := fine.Score(imgs, 8, conf); err != nil {
			t.Fatal(err)
		}
	}
	if err := fine.CheckFinite(); err != nil {
		t.Fatal(err)
	}
}

// TestInputSizeBounded: a tiny model that declares a huge image is refused
// before its buffers are allocated; a large but allowed image gets batch 1
// rather than no batch at all.
func TestInputSizeBounded(t *testing.T) {
	pool := func(dims []int64) onnxtest.Model {
		return onnxtest.Model{
			Inputs:  []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: dims}},
			Outputs: []onnxtest.Value{{Name: "scores", Type: onnxtest.Float, Dims: []int64{dims[0], 3}}},
			Nodes: []onnxtest.Node{
				{Op: "GlobalAveragePool", Inputs: []string{"image"}, Outputs: []string{"pooled"}},
				{Op: "Flatten", Inputs: []string{"pooled"}, Outputs: []string{"logits"}, Ints: map[string]int64{"axis": 1}},
				{Op: "Softmax", Inputs: []string{"logits"}, Outputs: []string{"scores"}, Ints: map[string]int64{"axis": 1}},
			},
		}
	}
	for _, tc := range []struct {
		name string
		dims []int64
		opts Options
	}{
		{"20000x20000", []int64{1, 3, 20000, 20000}, Options{}},
		{"fixed batch", []int64{4096, 3, 224, 224}, Options{}},
		{"--batch", []int64{-1, 3, 224, 224}, Options{Batch: 1024}},
		{"lowered limit", []int64{-1, 3, 224, 224}, Options{MaxInputBytes: 100_000}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OpenBytes("big.onnx", pool(tc.dims).Bytes(), tc.opts)
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingMaxInputBytes {
				t.Fatalf("got %v, want invalid input about the input size limit", err)
			}
		})
	}
	// Over tuning's 32 MiB per batch: batch 1, no panic.
	c := openModel(t, pool([]int64{-1, 3, -1, -1}), Options{InputShape: &[3]int{3, 1673, 1673}})
	if c.Info().Batch != 1 {
		t.Fatalf("batch %d, want 1", c.Info().Batch)
	}
}

// abortGrace is how long after its context ends a run stuck in a model
// may take to return, beyond the work around the run: a stuck run that
// ORT does not terminate runs for hours.
const abortGrace = 5 * time.Second

// abortBound is how long a call that ends a stuck run may take, where ref
// is how long the same call took on a run that was not stuck, measured in
// the same test: the machine's load and the race detector slow both alike,
// and each run of a loaded machine then gets a bound of its own.
func abortBound(wait, ref time.Duration) time.Duration {
	return wait + raceSlowdown*abortGrace + 10*ref
}

// TestRunsAbortable: a model whose runs never end is stopped by the
// context, while opening and while scoring, within abortBound of how long
// the same call takes on a model that is not stuck.
func TestRunsAbortable(t *testing.T) {
	// A model that loops only on pixel values above 1.5, which opening
	// never feeds it: it opens, then AbortOn stops a Score stuck in a run.
	slow := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax").Looping(0, 3)
	slow.Initializers = slow.Initializers[:len(slow.Initializers)-1]
	slow.Initializers = append(slow.Initializers,
		onnxtest.Tensor{Name: "bright", Dims: []int64{}, Data: []float32{1.5}},
		onnxtest.Tensor{Name: "many", Dims: []int64{}, Data: []float32{1e15}})
	slow.Nodes = append([]onnxtest.Node{
		{Op: "ReduceMax", Inputs: []string{"image"}, Outputs: []string{"peak"}, Ints: map[string]int64{"keepdims": 0}},
		{Op: "Sub", Inputs: []string{"peak", "bright"}, Outputs: []string{"over"}},
		{Op: "Relu", Inputs: []string{"over"}, Outputs: []string{"excess"}},
		{Op: "Mul", Inputs: []string{"excess", "many"}, Outputs: []string{"tripsf"}},
		{Op: "Cast", Inputs: []string{"tripsf"}, Outputs: []string{"loop_trips"}, Ints: map[string]int64{"to": onnxtest.Int64}},
	}, slow.Nodes...)
	// Opening it, whose runs all end, is the reference for opening one
	// whose first run never does.
	start := time.Now()
	c, err := OpenBytes("endless.onnx", slow.Bytes(), Options{Threads: 1, Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	openRef := time.Since(start)

	endless := onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax").Looping(1<<50, 3)
	const openWait = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), openWait)
	defer cancel()
	start = time.Now()
	_, err = OpenBytesContext(ctx, "endless.onnx", endless.Bytes(), Options{Threads: 1, Batch: 2})
	if !errors.Is(err, ErrAborted) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("open: got %v, want ErrAborted and the deadline", err)
	}
	if d, bound := time.Since(start), abortBound(openWait, openRef); d > bound {
		t.Fatalf("open returned after %v, over %v (opening a model that does not loop took %v)", d, bound, openRef)
	} else {
		t.Logf("open returned after %v, within %v", d, bound)
	}

	// Dark images, which do not loop, score in the reference time.
	start = time.Now()
	if err := c.Score(constImages(2, 16, 0), 2, make([]float32, 6)); err != nil {
		t.Fatal(err)
	}
	scoreRef := time.Since(start)
	const scoreWait = 200 * time.Millisecond
	ctx, cancel = context.WithCancel(context.Background())
	stop := c.AbortOn(ctx)
	time.AfterFunc(scoreWait, cancel)
	start = time.Now()
	err = c.Score(constImages(2, 16, 2), 2, make([]float32, 6))
	stop()
	if !errors.Is(err, ErrAborted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("score: got %v, want ErrAborted and context.Canceled", err)
	}
	if d, bound := time.Since(start), abortBound(scoreWait, scoreRef); d > bound {
		t.Fatalf("score returned after %v, over %v (scoring images that do not loop took %v)", d, bound, scoreRef)
	} else {
		t.Logf("score returned after %v, within %v", d, bound)
	}
}

// TestTuneDeadline: batch tuning takes at most a tenth of the time left
// before the context's deadline, so a slow model leaves the budget to the
// search; a model whose first run outlasts that gets batch 1.
func TestTuneDeadline(t *testing.T) {
	now := time.Now()
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(20*time.Second))
	defer cancel()
	if got := tuneDeadline(ctx, now).Sub(now); got != 2*time.Second {
		t.Fatalf("20 s left: tuning may take %v, want 2s", got)
	}
	if got := tuneDeadline(context.Background(), now).Sub(now); got != tuneMax {
		t.Fatalf("no deadline: tuning may take %v, want %v", got, tuneMax)
	}
	// A deadline already past: only batch 1, measured by its first run.
	c := openModel(t, onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "Softmax"), Options{})
	b, _, err := c.tuneBatch(context.Background(), time.Now().Add(-time.Second), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.destroy()
	if b.size != 1 {
		t.Fatalf("past deadline: batch %d, want 1", b.size)
	}
}
