package classifier

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/panics"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// batchMixer returns a model whose every score depends on the whole batch,
// padding rows included: the log of each row's scores plus their sum over
// the batch. Real models keep rows apart, so only such a model shows whether
// padding rows hold what they would with one tensor filled again and again.
// A black image scores -Inf, which counts as non-finite. Its batch is fixed
// at 4: with a dynamic batch, the classifier would find that it mixes the
// images of a batch and score one image at a time (see checkBatch), while a
// fixed batch is always filled, padding included.
func batchMixer() onnxtest.Model {
	m := onnxtest.Classifier([]int64{4, 1, 4, 4}, 3, "")
	m.Nodes[1].Outputs = []string{"logits"}
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "axes", Dims: []int64{1}, Int64s: []int64{0}})
	m.Nodes = append(m.Nodes,
		onnxtest.Node{Op: "Log", Inputs: []string{"logits"}, Outputs: []string{"log"}},
		onnxtest.Node{Op: "ReduceSum", Inputs: []string{"logits", "axes"}, Outputs: []string{"sum"}},
		onnxtest.Node{Op: "Add", Inputs: []string{"log", "sum"}, Outputs: []string{"scores"}})
	return m
}

// TestPipelineMatchesSerial scores the same calls, many with a partial last
// batch, with and without the pipeline: the confidences and the count of
// non-finite outputs must be identical.
func TestPipelineMatchesSerial(t *testing.T) {
	opts := Options{Batch: 4, OutputKind: Logits}
	serial := openModel(t, batchMixer(), opts)
	piped := openModel(t, batchMixer(), opts)
	if serial.spare != nil {
		t.Fatal("a 16-value model is filled in the background")
	}
	if err := piped.startPipeline(); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for call, n := range []int{7, 3, 9, 4, 1, 12, 2, 6, 5, 13} {
		imgs := make([]float32, n*16)
		for i := range imgs {
			imgs[i] = rng.Float32()
		}
		if call%3 == 1 {
			clear(imgs[(n-1)/2*16:][:16])
		}
		want, got := make([]float32, n*3), make([]float32, n*3)
		if err := serial.Score(imgs, n, want); err != nil {
			t.Fatal(err)
		}
		if err := piped.Score(imgs, n, got); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("call %d (%d images), confidence %d: %v with the pipeline, %v without", call, n, i, got[i], want[i])
			}
		}
	}
	if got, want := piped.NonFinite(), serial.NonFinite(); got != want || want == 0 {
		t.Fatalf("%d non-finite outputs with the pipeline, %d without; want the same, over 0", got, want)
	}
	if err := piped.Close(); err != nil {
		t.Fatal(err)
	}
	if err := piped.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// TestPipelineChosen checks that large batches are filled in the
// background when the runtime's threads leave a core free, and small ones
// always in line.
func TestPipelineChosen(t *testing.T) {
	free := runtime.NumCPU() > 1
	for _, tc := range []struct {
		dims    []int64
		batch   int
		threads int
		want    bool
	}{
		{[]int64{-1, 3, 224, 224}, 8, 1, free},
		{[]int64{1, 3, 224, 224}, 0, 1, free},
		{[]int64{-1, 3, 224, 224}, 8, runtime.NumCPU(), false},
		{[]int64{-1, 1, 28, 28}, 64, 1, false},
	} {
		c := openModel(t, onnxtest.Classifier(tc.dims, 2, ""), Options{Batch: tc.batch, Threads: tc.threads})
		if got := c.spare != nil; got != tc.want {
			t.Errorf("%v batch %d, %d threads on %d CPUs: background fill %v, want %v", tc.dims, c.BatchSize(), tc.threads, runtime.NumCPU(), got, tc.want)
		}
	}
}

// TestPipelinePanic: a panic in the pipeline goroutine is raised again in
// the Score call that waits on it, with the stack of the goroutine where it
// happened, instead of ending the process; the goroutine still takes the
// next Score's jobs, and Close ends it.
func TestPipelinePanic(t *testing.T) {
	c := openModel(t, batchMixer(), Options{Batch: 4, OutputKind: Logits})
	if err := c.startPipeline(); err != nil {
		t.Fatal(err)
	}
	// A spare binding of one image: the goroutine's fill of the second
	// batch, four images, runs past its end. The first fill, Score's own,
	// goes into the binding of four.
	good, short := shortSpare(t, c)
	imgs, conf := constImages(12, 16, 0.5), make([]float32, 12*3)
	p, err := scorePanic(c, imgs, 12, conf)
	if err != nil {
		t.Fatal(err)
	}
	if p == nil {
		t.Fatal("Score did not panic")
	}
	var re runtime.Error
	if !errors.As(p, &re) || !strings.Contains(re.Error(), "out of range") {
		t.Fatalf("Score panicked with %v, want the pipeline's slice error", p.Value)
	}
	for _, fn := range []string{"(*Classifier).fill", "(*Classifier).pipeline"} {
		if !strings.Contains(string(p.Stack), fn) {
			t.Errorf("stack does not name %s:\n%s", fn, p.Stack)
		}
	}
	// The panic left no binding swapped.
	if c.spare != short {
		t.Fatal("Score swapped the bindings after the pipeline panicked")
	}
	c.spare = good
	if p, err := scorePanic(c, imgs, 12, conf); p != nil || err != nil {
		t.Fatalf("Score after the panic: %v, %v", p, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// scorePanic calls c.Score and returns what it panicked with, or its
// error.
func scorePanic(c *Classifier, imgs []float32, n int, conf []float32) (p *panics.Panic, err error) {
	defer func() {
		if r := recover(); r != nil {
			var ok bool
			if p, ok = r.(*panics.Panic); !ok {
				panic(r)
			}
		}
	}()
	return nil, c.Score(imgs, n, conf)
}

// TestRunPanicWaitsForPipeline makes the model run itself panic while the
// pipeline goroutine works on the next batch: Score must wait for the
// goroutine before the panic goes on, since it writes into the
// confidences and the spare binding, and a later Score must not find it
// still blocked on its reply.
func TestRunPanicWaitsForPipeline(t *testing.T) {
	c := openModel(t, batchMixer(), Options{Batch: 4, OutputKind: Logits})
	if err := c.startPipeline(); err != nil {
		t.Fatal(err)
	}
	imgs, conf := constImages(12, 16, 0.5), make([]float32, 12*3)
	sess := c.sess
	// A nil session makes the run panic inside onnxruntime_go.
	c.sess = nil
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("Score with a nil session did not panic")
			}
		}()
		_ = c.Score(imgs, 12, conf)
	}()
	// The run and the goroutine both panic (its spare binding is too
	// short for the next batch): the run's panic, the one Score itself
	// hit, goes on.
	good, _ := shortSpare(t, c)
	func() {
		defer func() {
			p, ok := recover().(*panics.Panic)
			if !ok || !strings.Contains(fmt.Sprint(p.Value), "nil pointer") {
				t.Fatalf("Score panicked with %v, want the run's nil session", p)
			}
		}()
		_ = c.Score(imgs, 12, conf)
	}()
	c.spare = good
	c.sess = sess
	done := make(chan error, 1)
	go func() { done <- c.Score(imgs, 12, conf) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		// Only a hang gets here: the pipeline goroutine still waiting
		// to hand over the batch it worked on during the panic.
		t.Fatal("Score after a run's panic is still blocked after 60 s")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
}

// shortSpare replaces c's spare binding with one of a single image, which
// the pipeline goroutine's fill of a larger batch runs past (a panic), and
// returns the binding it replaced and the short one, which is destroyed
// when t ends.
func shortSpare(t *testing.T, c *Classifier) (good, short *binding) {
	t.Helper()
	good = c.spare
	short, err := c.newBinding(1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(short.destroy)
	c.spare = short
	return good, short
}
