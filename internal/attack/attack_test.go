package attack

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/cppn"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/score"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// combos are every algorithm with every encoding.
var combos = []struct{ alg, enc string }{
	{AlgorithmDefault, EncodingDirect},
	{AlgorithmDefault, EncodingCPPN},
	{AlgorithmDefault, EncodingBoth},
	{AlgorithmPaper, EncodingDirect},
	{AlgorithmPaper, EncodingCPPN},
	{AlgorithmPaper, EncodingBoth},
}

func TestConfigValidation(t *testing.T) {
	s := fakeDemo(8)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"unknown algorithm", Config{Algorithm: "nes", Threshold: 0.9}},
		{"unknown encoding", Config{Encoding: "hsl", Threshold: 0.9}},
		{"zero threshold", Config{Threshold: 0}},
		{"threshold above 1", Config{Threshold: 1.5}},
		{"NaN threshold", Config{Threshold: math.NaN()}},
		{"negative max evals", Config{Threshold: 0.9, MaxEvals: -1}},
		{"target too large", Config{Threshold: 0.9, Targets: []int{3, 10}}},
		{"negative target", Config{Threshold: 0.9, Targets: []int{-1}}},
		{"focus outside the targets", Config{Threshold: 0.9, Targets: []int{1, 2}, Focus: []int{2, 3}}},
		{"focus outside the model", Config{Threshold: 0.9, Focus: []int{10}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), s, tc.cfg)
			if !errors.Is(err, fault.Invalid) {
				t.Fatalf("Run: %v (%v), want invalid input", err, fault.KindOf(err))
			}
		})
	}
}

// TestArchiveRules checks MAP-Elites' insertion rule: an image takes cell y
// if the cell is empty or its confidence for y beats the elite's, ties going
// to the image whose other classes sum lower; one image may take several
// cells.
func TestArchiveRules(t *testing.T) {
	d := newDirect(1, 2, 2)
	img := func() *genome { return d.alloc() }
	type offer struct {
		row      []float32
		wantTook int
	}
	tests := []struct {
		name    string
		targets []int
		offers  []offer
		// owner[i] is the offer whose image holds cell i at the end.
		owner []int
	}{
		{"empty cells take anything", []int{0, 1, 2}, []offer{
			{[]float32{0.2, 0.3, 0.5}, 3},
		}, []int{0, 0, 0}},
		{"higher confidence takes the cell", []int{0, 1, 2}, []offer{
			{[]float32{0.2, 0.3, 0.5}, 3},
			{[]float32{0.6, 0.1, 0.3}, 1},
			{[]float32{0.1, 0.2, 0.7}, 1},
		}, []int{1, 0, 2}},
		{"lower confidence is refused", []int{0, 1, 2}, []offer{
			{[]float32{0.5, 0.3, 0.2}, 3},
			{[]float32{0.4, 0.2, 0.1}, 0},
		}, []int{0, 0, 0}},
		{"ties go to the lower sum of other classes", []int{0}, []offer{
			{[]float32{1, 1e-6, 1e-6}, 1},
			{[]float32{1, 1e-7, 1e-7}, 1},
			{[]float32{1, 1e-6, 1e-7}, 0},
		}, []int{1}},
		{"only target cells compete", []int{2}, []offer{
			{[]float32{0.9, 0.05, 0.05}, 1},
			{[]float32{0.0, 0.9, 0.1}, 1},
			{[]float32{0.0, 0.3, 0.7}, 1},
			{[]float32{0.0, 0.1, 0.9}, 1},
		}, []int{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newArchive(tc.targets)
			var imgs []*genome
			for i, o := range tc.offers {
				g := img()
				hold(g)
				imgs = append(imgs, g)
				if took, _ := a.offer(g, o.row, int64(i+1), -1); took != o.wantTook {
					t.Errorf("offer %d took %d cells, want %d", i, took, o.wantTook)
				}
			}
			for i, want := range tc.owner {
				if a.cells[i].elite != imgs[want] {
					t.Errorf("cell %d (class %d) is held by the wrong image, want offer %d", i, tc.targets[i], want)
				}
			}
			if len(a.occupied) != len(tc.targets) {
				t.Errorf("%d occupied cells, want %d", len(a.occupied), len(tc.targets))
			}
		})
	}
}

// TestArchiveRecordsThreshold checks threshold crossings and history.
func TestArchiveRecordsThreshold(t *testing.T) {
	a := newArchive([]int{0})
	a.track, a.threshold = true, 0.9
	d := newDirect(1, 1, 1)
	for i, p := range []float32{0.5, 0.5, 0.95, 0.97, 0.99} {
		a.offer(d.alloc(), []float32{p, 1 - p}, int64(i+1), -1)
	}
	cl := a.cells[0]
	if !cl.reached || cl.evalsAt != 3 || a.reached != 1 {
		t.Errorf("reached %v at %d (count %d), want true at evaluation 3 (count 1)", cl.reached, cl.evalsAt, a.reached)
	}
	want := []Point{{1, 0.5}, {3, float64(float32(0.95))}, {4, float64(float32(0.97))}, {5, float64(float32(0.99))}}
	if got := a.finalHistory(0); !reflect.DeepEqual(got, want) {
		t.Errorf("history %v, want %v", got, want)
	}
}

// TestDirectMutation checks the direct encoding's paper mutation: each gene
// changes with probability 0.1, by polynomial steps of index 15, and stays
// in [0,1] (0..255 as bytes).
func TestDirectMutation(t *testing.T) {
	d := newDirect(3, 64, 64)
	rng := rand.New(rand.NewPCG(5, 6))
	parent := d.alloc()
	for i := range parent.pix {
		parent.pix[i] = 128
	}
	const children = 200
	changed, small, total := 0, 0, 0
	for range children {
		child := mutate(d, rng, parent)
		for i, v := range child.pix {
			if v != parent.pix[i] {
				changed++
				// |delta| < 0.1 of the range has probability
				// 1-0.9^16 for index 15 (rounding to bytes moves
				// the boundary by under half a step).
				if math.Abs(float64(v)-128) < 25.5 {
					small++
				}
			}
		}
		total += len(child.pix)
		d.release(child)
	}
	// A mutated gene keeps its byte when |delta| < 1/510, probability
	// about 16/510 for index 15, so 0.1*(1-0.031) of genes change.
	rate := float64(changed) / float64(total)
	if want := 0.1 * (1 - 16.0/510); math.Abs(rate-want) > 0.003 {
		t.Errorf("%.4f of genes changed, want %.4f", rate, want)
	}
	frac := float64(small) / float64(changed)
	if want := 1 - math.Pow(0.9, 16); math.Abs(frac-want) > 0.01 {
		t.Errorf("%.3f of changes under 0.1, want %.3f", frac, want)
	}
	for _, v := range parent.pix {
		if v != 128 {
			t.Fatal("mutation changed the parent")
		}
	}
}

// TestDirectMutationUsesPoly checks the direct encoding's steps against
// polynomial mutation on [0, 1] with cppn's step, on the same random
// stream: the formula lives in one place.
func TestDirectMutationUsesPoly(t *testing.T) {
	d := newDirect(1, 1, 1)
	parent := d.alloc()
	parent.pix[0] = 200
	for seed := range uint64(50) {
		// With one gene, a mutation happens iff the first gap is 0.
		rng := rand.New(rand.NewPCG(seed, 1))
		child := mutate(d, rng, parent)
		ref := rand.New(rand.NewPCG(seed, 1))
		want := parent.pix[0]
		if int(ref.ExpFloat64()*d.skip) == 0 {
			want = toByte(min(1, max(0, 200.0/255+cppn.PolynomialDeltaAt(ref.Float64(), cppn.PaperEta))))
		}
		if child.pix[0] != want {
			t.Fatalf("seed %d: gene %d, want %d", seed, child.pix[0], want)
		}
	}
}

// TestStepTable checks the direct encoding's table of byte steps against
// the formula it tabulates: every draw gets the step that rounding
// the mutated value to a byte gives, at bucket edges, on either side of
// them and at random.
func TestStepTable(t *testing.T) {
	steps := byteSteps()
	n := len(steps.step)
	rng := rand.New(rand.NewPCG(8, 9))
	draws := []float64{0, math.Nextafter(1, 0), 0.5, math.Nextafter(0.5, 0)}
	for b := 1; b < n; b++ {
		edge := float64(b) / float64(n)
		draws = append(draws, edge, math.Nextafter(edge, 0))
	}
	for range 200000 {
		draws = append(draws, rng.Float64())
	}
	exact := 0
	for _, b := range steps.step {
		if b == noStep {
			exact++
		}
	}
	// Index 15 puts most draws within a few steps of 0: only buckets
	// that straddle one of the 511 step changes fall back to the formula.
	if exact == 0 || exact > 511 {
		t.Fatalf("%d of %d buckets fall back to the formula, want 1 to 511", exact, n)
	}
	for _, r := range draws {
		delta := cppn.PolynomialDeltaAt(r, cppn.PaperEta)
		got := steps.draw(r)
		if want := int(math.Round(255 * delta)); got != want {
			t.Fatalf("draw %v: step %d, want %d", r, got, want)
		}
		for _, v := range []int{0, 1, 77, 128, 254, 255} {
			want := toByte(min(1, max(0, float64(v)/255+delta)))
			if b := uint8(min(255, max(0, v+got))); b != want {
				t.Fatalf("draw %v from %d: byte %d, want %d as the formula gives", r, v, b, want)
			}
		}
	}
}

// TestUnitsToBytes checks the fast conversion against toByte on every value
// near a rounding edge (k/255 and (k+0.5)/255, and their neighbours), the
// ends of the range and beyond, and random values.
func TestUnitsToBytes(t *testing.T) {
	var src []float32
	for k := range 256 {
		for _, x := range []float32{float32(k) / 255, (float32(k) + 0.5) / 255} {
			src = append(src, x, math.Nextafter32(x, -1), math.Nextafter32(x, 2))
		}
	}
	src = append(src, 0, 1, -0.1, 1.1, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()))
	rng := rand.New(rand.NewPCG(2, 7))
	for range 100000 {
		src = append(src, rng.Float32())
	}
	got := make([]uint8, len(src))
	unitsToBytes(got, src)
	for i, v := range src {
		if want := toByte(float64(v)); got[i] != want {
			t.Fatalf("%v: %d, want %d", v, got[i], want)
		}
	}
}

// TestWorkersKeepResults runs every algorithm and encoding with one worker
// and with three: images render, and the paper's children breed, on any
// worker, each from its own genome and random stream, so the results are
// identical.
func TestWorkersKeepResults(t *testing.T) {
	s := fakeDemo(8)
	for _, tc := range combos {
		t.Run(tc.alg+"/"+tc.enc, func(t *testing.T) {
			run := func(workers int) summary {
				r, err := run(context.Background(), s, Config{Algorithm: tc.alg, Encoding: tc.enc, Threshold: 0.99, MaxEvals: 1500, Seed: 4}, options{alwaysSpread: true, workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				return summarize(r)
			}
			if a, b := run(1), run(3); !reflect.DeepEqual(a, b) {
				t.Errorf("results differ between one worker and three")
			}
		})
	}
}

// summary is the comparable part of a Result.
type summary struct {
	Evaluations int64
	ByEncoding  map[string]int64
	Stopped     string
	Classes     []classSummary
}

type classSummary struct {
	Index                  int
	Confidence             float64
	Encoding               string
	Reached                bool
	EvaluationsToThreshold int64
	History                []Point
	Image                  []uint8
}

func summarize(r *Result) summary {
	s := summary{Evaluations: r.Evaluations, ByEncoding: r.ByEncoding, Stopped: r.Stopped}
	for i := range r.Classes {
		c := &r.Classes[i]
		img, err := c.Image()
		if err != nil {
			panic(err)
		}
		s.Classes = append(s.Classes, classSummary{c.Index, c.Confidence, c.Encoding, c.Reached, c.EvaluationsToThreshold, c.History, img})
	}
	return s
}

// canonical renders class c's best image as the search scored it.
func canonical(t *testing.T, c *Class, n int) []float32 {
	t.Helper()
	img := make([]float32, n)
	switch e := c.elite.enc.(type) {
	case *direct:
		unpack(img, c.elite.pix, &byteToUnit, nil, 0)
	case *paperDirect:
		// Its genes may be HLS: the image is the RGB it scored.
		pix, err := e.image(c.elite)
		if err != nil {
			t.Fatal(err)
		}
		unpack(img, pix, &byteToUnit, nil, 0)
	case *cppnEncoding:
		if err := e.canonical(c.elite, img); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("unknown encoding %T", e)
	}
	return img
}

// TestDeterminism runs every algorithm and encoding twice with the same seed
// and compares everything but timings; rendering on several workers must not
// change results. A third run with another seed must differ, so that the
// comparison can fail.
func TestDeterminism(t *testing.T) {
	s := fakeDemo(4)
	for _, tc := range combos {
		t.Run(tc.alg+"/"+tc.enc, func(t *testing.T) {
			run := func(seed uint64) summary {
				r, err := Run(context.Background(), s, Config{Algorithm: tc.alg, Encoding: tc.enc, Threshold: 0.99, MaxEvals: 700, Seed: seed})
				if err != nil {
					t.Fatal(err)
				}
				return summarize(r)
			}
			a, b, c := run(7), run(7), run(8)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("same seed, different results")
			}
			if reflect.DeepEqual(a, c) {
				t.Errorf("different seeds, same results")
			}
		})
	}
}

// TestMaxEvals checks that the cap is met exactly even when it ends a
// generation midway.
func TestMaxEvals(t *testing.T) {
	s := fakeDemo(8)
	for _, tc := range combos {
		t.Run(tc.alg+"/"+tc.enc, func(t *testing.T) {
			r, err := Run(context.Background(), s, Config{Algorithm: tc.alg, Encoding: tc.enc, Threshold: 1, MaxEvals: 333, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if r.Evaluations != 333 || r.Stopped != StoppedMaxEvals {
				t.Errorf("%d evaluations, stopped %q; want 333, %q", r.Evaluations, r.Stopped, StoppedMaxEvals)
			}
			var sum int64
			for _, n := range r.ByEncoding {
				sum += n
			}
			if sum != r.Evaluations {
				t.Errorf("evaluations by encoding %v sum to %d, want %d", r.ByEncoding, sum, r.Evaluations)
			}
		})
	}
}

// TestEarlyStopAndPixels runs to a threshold every algorithm reaches fast,
// checks that the search stops there, and rescores every reported image to
// prove that Pixels returns exactly what was scored.
func TestEarlyStopAndPixels(t *testing.T) {
	s := fakeDemo(8)
	_, _, _, k := s.Shape()
	for _, tc := range combos {
		t.Run(tc.alg+"/"+tc.enc, func(t *testing.T) {
			const threshold, cap = 0.9, 100000
			r, err := Run(context.Background(), s, Config{Algorithm: tc.alg, Encoding: tc.enc, Threshold: threshold, MaxEvals: cap, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			if r.Stopped != StoppedAllReached || r.Evaluations >= cap {
				t.Fatalf("stopped %q after %d evaluations, want %q", r.Stopped, r.Evaluations, StoppedAllReached)
			}
			if len(r.Classes) != k {
				t.Fatalf("%d classes, want %d", len(r.Classes), k)
			}
			var last int64
			for i, c := range r.Classes {
				if c.Index != i || !c.Reached || c.Confidence < threshold {
					t.Errorf("class %d: index %d reached %v confidence %v", i, c.Index, c.Reached, c.Confidence)
				}
				if c.EvaluationsToThreshold < 1 || c.EvaluationsToThreshold > r.Evaluations {
					t.Errorf("class %d reached at evaluation %d of %d", i, c.EvaluationsToThreshold, r.Evaluations)
				}
				last = max(last, c.EvaluationsToThreshold)
				h := c.History
				if len(h) == 0 || h[len(h)-1].Confidence != c.Confidence {
					t.Errorf("class %d history %v does not end at %v", i, h, c.Confidence)
				}
				for j := 1; j < len(h); j++ {
					if h[j].Evaluations <= h[j-1].Evaluations || h[j].Confidence <= h[j-1].Confidence {
						t.Errorf("class %d history not increasing: %v", i, h)
						break
					}
				}
				if c.Encoding != EncodingDirect && c.Encoding != EncodingCPPN {
					t.Errorf("class %d encoding %q", i, c.Encoding)
				}
				if tc.enc != EncodingBoth && c.Encoding != tc.enc {
					t.Errorf("class %d encoding %q in a %s run", i, c.Encoding, tc.enc)
				}
				img, err := c.Image()
				if err != nil || len(img) != r.C*r.H*r.W {
					t.Fatalf("class %d: %d pixels (%v), want %d", i, len(img), err, r.C*r.H*r.W)
				}
				px := canonical(t, &c, len(img))
				for j, v := range px {
					if want := toByte(float64(v)); img[j] != want {
						t.Fatalf("class %d: finished pixel %d is %d, want %d (its canonical value %v rounded)", i, j, img[j], want, v)
					}
				}
				conf := make([]float32, k)
				if err := s.Score(px, 1, conf); err != nil {
					t.Fatal(err)
				}
				if got := float64(conf[c.Index]); math.Abs(got-c.Confidence) > 1e-6 {
					t.Errorf("class %d: its image rescores %v, reported %v", i, got, c.Confidence)
				}
			}
			if last != r.Evaluations {
				t.Errorf("the last class reached at evaluation %d but the run made %d", last, r.Evaluations)
			}
		})
	}
}

// TestTargets checks that only the requested classes are searched and
// reported.
func TestTargets(t *testing.T) {
	s := fakeDemo(8)
	r, err := Run(context.Background(), s, Config{Threshold: 0.9, Targets: []int{7, 3, 7}, MaxEvals: 5000, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, c := range r.Classes {
		got = append(got, c.Index)
	}
	if !slices.Equal(got, []int{3, 7}) {
		t.Errorf("classes %v, want [3 7]", got)
	}
	if r.Stopped != StoppedAllReached {
		t.Errorf("stopped %q, want %q", r.Stopped, StoppedAllReached)
	}
}

// TestEncodingBoth checks how each algorithm uses both encodings. The
// paper's alternates generations between them. The default climbs with the
// encoding that works for the model's regime: with few classes, direct
// patches, after patch seeds on gray images (exactly as EncodingDirect
// does) and CPPN seeds on colour ones; with many, CPPNs alone, exactly as
// EncodingCPPN does.
func TestEncodingBoth(t *testing.T) {
	s := fakeDemo(8)
	t.Run(AlgorithmPaper, func(t *testing.T) {
		r, err := Run(context.Background(), s, Config{Algorithm: AlgorithmPaper, Encoding: EncodingBoth, Threshold: 1, MaxEvals: 4000, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		d, c := r.ByEncoding[EncodingDirect], r.ByEncoding[EncodingCPPN]
		if d < r.Evaluations/4 || c < r.Evaluations/4 {
			t.Errorf("direct %d and cppn %d of %d evaluations: want each at least a quarter", d, c, r.Evaluations)
		}
	})
	t.Run(AlgorithmDefault+"/few gray", func(t *testing.T) {
		// Gray images: patch seeds and patch climbs, the direct search
		// bit for bit.
		var got [2]*Result
		for i, enc := range []string{EncodingBoth, EncodingDirect} {
			r, err := Run(context.Background(), s, Config{Encoding: enc, Threshold: 1, MaxEvals: 4000, Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			got[i] = r
		}
		if c := got[0].ByEncoding[EncodingCPPN]; c != 0 || got[0].Evaluations == 0 {
			t.Errorf("both scored %d CPPN images of %d on gray images, want none", c, got[0].Evaluations)
		}
		if a, b := fingerprint(t, got[0]), fingerprint(t, got[1]); a != b {
			t.Errorf("both and direct differ on gray images (fingerprints %s, %s), want the same search", a, b)
		}
	})
	t.Run(AlgorithmDefault+"/few colour", func(t *testing.T) {
		// Colour images start from CPPN seeds alone, then climb with
		// direct patches.
		colour, err := classifier.OpenBytes("colour.onnx", onnxtest.Classifier([]int64{-1, 3, 16, 16}, 10, "Softmax").Bytes(), classifier.Options{Threads: 1, Batch: 8})
		if err != nil {
			t.Fatal(err)
		}
		defer colour.Close()
		r, err := Run(context.Background(), colour, Config{Encoding: EncodingBoth, Threshold: 1, MaxEvals: 600, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		// Seeds that render to the bytes of an earlier one (plain
		// colours, on 16×16 images) are answered from memory.
		d, c := r.ByEncoding[EncodingDirect], r.ByEncoding[EncodingCPPN]
		if c > colourSeeds || c < colourSeeds-r.Repeats || d != r.Evaluations-c || d == 0 {
			t.Errorf("direct %d and cppn %d of %d evaluations (%d repeats): want cppn %d (every seed but repeats), direct the rest", d, c, r.Evaluations, r.Repeats, colourSeeds)
		}
	})
	t.Run(AlgorithmDefault+"/many", func(t *testing.T) {
		many := newLinearScorer(1, 8, 8, 2*maxClimbers, 16, 2)
		var got [2]*Result
		for i, enc := range []string{EncodingBoth, EncodingCPPN} {
			r, err := Run(context.Background(), many, Config{Encoding: enc, Threshold: 0.99, MaxEvals: 1500, Seed: 2})
			if err != nil {
				t.Fatal(err)
			}
			got[i] = r
		}
		if got[0].ByEncoding[EncodingDirect] != 0 {
			t.Errorf("both scored %d direct images with %d classes, want none", got[0].ByEncoding[EncodingDirect], 2*maxClimbers)
		}
		if a, b := fingerprint(t, got[0]), fingerprint(t, got[1]); a != b {
			t.Errorf("both and cppn differ with %d classes (fingerprints %s, %s), want the same search", 2*maxClimbers, a, b)
		}
	})
}

// stopping ends the search's context during its Nth scoring call, as a
// SIGINT or the end of the budget arriving while the model runs does, and
// counts the images scored after that call.
type stopping struct {
	Scorer
	calls, at int
	stop      func()
	// after counts the images scored in the calls after the Nth.
	after int
}

func (c *stopping) Score(imgs []float32, n int, conf []float32) error {
	c.calls++
	switch {
	case c.calls == c.at:
		c.stop()
	case c.calls > c.at:
		c.after += n
	}
	return c.Scorer.Score(imgs, n, conf)
}

// expiring is a context with a deadline that passes when expire is called,
// not on the clock: the end of a time budget at a chosen point of the
// search.
type expiring struct {
	context.Context
	deadline time.Time
	done     chan struct{}
	once     sync.Once
}

func newExpiring() *expiring {
	return &expiring{Context: context.Background(), deadline: time.Now().Add(time.Hour), done: make(chan struct{})}
}

func (c *expiring) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *expiring) Done() <-chan struct{}       { return c.done }

func (c *expiring) Err() error {
	select {
	case <-c.done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (c *expiring) expire() { c.once.Do(func() { close(c.done) }) }

// TestStop ends runs midway, by a cancel (a signal) or by their deadline
// (the budget): Run returns the results so far and no error, says why it
// stopped, and scores at most one more batch once the context is done,
// since it checks the context after every chunk it scores. Counted, not
// timed: a chunk is about a tenth of a second of scoring, so no more than
// a batch after the stop is what makes a run stop promptly.
func TestStop(t *testing.T) {
	demo := fakeDemo(8)
	for _, tc := range combos {
		for _, how := range []string{StoppedCanceled, StoppedBudget} {
			t.Run(tc.alg+"/"+tc.enc+"/"+how, func(t *testing.T) {
				var ctx context.Context
				var stop func()
				if how == StoppedBudget {
					e := newExpiring()
					ctx, stop = e, e.expire
				} else {
					c, cancel := context.WithCancel(t.Context())
					defer cancel()
					ctx, stop = c, cancel
				}
				s := &stopping{Scorer: demo, at: 4, stop: stop}
				r, err := Run(ctx, s, Config{Algorithm: tc.alg, Encoding: tc.enc, Threshold: 1, Seed: 1})
				if err != nil {
					t.Fatal(err)
				}
				if s.calls < s.at {
					t.Fatalf("the run ended after %d scoring calls, before the stop in call %d", s.calls, s.at)
				}
				if s.after > demo.BatchSize() {
					t.Errorf("%d images scored after the stop, want at most one batch (%d)", s.after, demo.BatchSize())
				}
				if r.Stopped != how {
					t.Errorf("stopped %q, want %q", r.Stopped, how)
				}
				if r.Evaluations == 0 || r.Classes[0].Confidence == 0 {
					t.Errorf("no partial results: %d evaluations", r.Evaluations)
				}
			})
		}
	}
}

// TestBudgetSpent: a deadline already past when the search starts stops it
// as "budget" before it scores anything.
func TestBudgetSpent(t *testing.T) {
	s := &stopping{Scorer: fakeDemo(8), at: -1, stop: func() {}}
	e := newExpiring()
	e.expire()
	r, err := Run(e, s, Config{Algorithm: AlgorithmPaper, Encoding: EncodingDirect, Threshold: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Stopped != StoppedBudget || s.calls != 0 || r.Evaluations != 0 {
		t.Errorf("stopped %q after %d scoring calls and %d evaluations, want %q before any", r.Stopped, s.calls, r.Evaluations, StoppedBudget)
	}
}

// TestProgress checks that progress reports are spaced and end with the
// final state.
func TestProgress(t *testing.T) {
	s := fakeDemo(8)
	var got []Progress
	var at []time.Time
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	r, err := Run(ctx, s, Config{Algorithm: AlgorithmPaper, Encoding: EncodingDirect, Threshold: 1, Seed: 1,
		Progress: func(p Progress) { got, at = append(got, p), append(at, time.Now()) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 2 {
		t.Fatalf("%d progress reports in 700ms, want at least 2", len(got))
	}
	for i := 1; i < len(got)-1; i++ {
		if d := at[i].Sub(at[i-1]); d < progressEvery {
			t.Errorf("reports %d and %d only %v apart", i-1, i, d)
		}
	}
	last := got[len(got)-1]
	if last.Evaluations != r.Evaluations || last.Targets != 10 {
		t.Errorf("last report %+v, result has %d evaluations", last, r.Evaluations)
	}
	best := make([]float64, len(r.Classes))
	for i, c := range r.Classes {
		best[i] = c.Confidence
	}
	if m := score.MedianFloat(best); last.MedianBest != m {
		t.Errorf("median best %v, want %v", last.MedianBest, m)
	}
}

// failing fails after a number of calls, as a model that breaks at run
// time does.
type failing struct {
	Scorer
	calls, failAt int
}

var errBroken = errors.New("model broke")

func (f *failing) Score(imgs []float32, n int, conf []float32) error {
	if f.calls++; f.calls >= f.failAt {
		return errBroken
	}
	return f.Scorer.Score(imgs, n, conf)
}

func TestScoreErrorIsReturned(t *testing.T) {
	s := &failing{Scorer: fakeDemo(8), failAt: 5}
	_, err := Run(context.Background(), s, Config{Threshold: 1, MaxEvals: 10000})
	if !errors.Is(err, errBroken) {
		t.Fatalf("Run: %v, want the scorer's error wrapped", err)
	}
}

// scoreOnly hides a classifier's ScoreInputs, so the search renders
// canonical images and the classifier copies them into its input.
type scoreOnly struct{ Scorer }

// eachRealSearch calls test, as subtest model/algorithm/encoding, for every
// algorithm and encoding on the embedded LeNet, whose searches make
// lenetEvals evaluations, and for those with CPPN images on MobileNetV2 int8
// (1000 classes: tiled CPPN views, colour channels), whose searches make
// mobileEvals and which skips when ../shared is absent. Both run through the
// real runtime.
func eachRealSearch(t *testing.T, lenetEvals, mobileEvals int64, test func(t *testing.T, c *classifier.Classifier, alg, enc string, evals int64)) {
	t.Helper()
	norm, err := classifier.Preset("mnist")
	if err != nil {
		t.Fatal(err)
	}
	lenet, err := classifier.OpenBytes(demo.Name, demo.Model, classifier.Options{Normalization: norm, Threads: 1, Batch: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer lenet.Close()
	models := []struct {
		name  string
		open  func(t *testing.T) *classifier.Classifier
		evals int64
	}{
		{"lenet", func(*testing.T) *classifier.Classifier { return lenet }, lenetEvals},
		{"mobilenetv2", func(t *testing.T) *classifier.Classifier {
			return openShared(t, "imagenet-mobilenetv2-int8/mobilenetv2-12-int8.onnx", "imagenet", classifier.Options{Threads: 1, Batch: 8})
		}, mobileEvals},
	}
	for _, m := range models {
		for _, tc := range combos {
			if m.name != "lenet" && tc.enc != EncodingCPPN {
				continue
			}
			t.Run(m.name+"/"+tc.alg+"/"+tc.enc, func(t *testing.T) {
				test(t, m.open(t), tc.alg, tc.enc, m.evals)
			})
		}
	}
}

// TestInputsMatchCanonical runs every algorithm and encoding once rendering
// straight into the model's input format and once through Score, with a
// preprocessing that is not the identity: the results must be identical.
// MobileNetV2 (1000 classes) covers the tiled CPPN views and colour
// channels when ../shared is present. It needs the real runtime: the
// input format, InputAffine and ScoreInputs are the classifier's.
func TestInputsMatchCanonical(t *testing.T) {
	eachRealSearch(t, 300, 64, func(t *testing.T, c *classifier.Classifier, alg, enc string, evals int64) {
		if _, _, ok := c.InputAffine(); !ok {
			t.Fatal("the model's input is not planar")
		}
		run := func(s Scorer) summary {
			r, err := Run(context.Background(), s, Config{Algorithm: alg, Encoding: enc, Threshold: 0.99, MaxEvals: evals, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			return summarize(r)
		}
		if a, b := run(c), run(scoreOnly{c}); !reflect.DeepEqual(a, b) {
			t.Errorf("results differ between rendering into the model's input and Score")
		}
	})
}

// TestImagesRescore scores every class's written image, its 8-bit pixels
// as a report's PNG holds them, through the real classifier: each must
// score exactly the confidence reported for it. CPPN renders are rounded to
// the byte grid before they are scored; on MobileNetV2 int8 (when ../shared
// is present), rounding only the written image had left half of the classes
// reported at 0.99 or more below 0.99 from their images.
func TestImagesRescore(t *testing.T) {
	eachRealSearch(t, 600, 512, func(t *testing.T, c *classifier.Classifier, alg, enc string, evals int64) {
		r, err := Run(context.Background(), c, Config{Algorithm: alg, Encoding: enc, Threshold: 0.99, MaxEvals: evals, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, k := c.Shape()
		px := make([]float32, r.C*r.H*r.W)
		conf := make([]float32, k)
		checked := 0
		for i := range r.Classes {
			cl := &r.Classes[i]
			img, err := cl.Image()
			if err != nil {
				t.Fatal(err)
			}
			if img == nil {
				continue
			}
			for j, b := range img {
				px[j] = float32(b) / 255
			}
			if err := c.Score(px, 1, conf); err != nil {
				t.Fatal(err)
			}
			if got := float64(conf[cl.Index]); got != cl.Confidence {
				t.Errorf("class %d (%s): its written image scores %v, reported %v", cl.Index, cl.Encoding, got, cl.Confidence)
			}
			checked++
		}
		if checked < len(r.Classes)/2 {
			t.Errorf("only %d of %d classes had an image", checked, len(r.Classes))
		}
	})
}

// TestParallelSpreads checks when parallel wakes the other workers: not
// for work its last call measured as small, and for work of unknown or
// large cost; either way every item runs once.
func TestParallelSpreads(t *testing.T) {
	tests := []struct {
		name    string
		perItem time.Duration
		n       int
		spread  bool
	}{
		{"unknown cost", 0, 64, true},
		{"small", time.Microsecond, 64, false},
		{"large", time.Millisecond, 64, true},
		{"one item", time.Millisecond, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &engine{workers: 4}
			s := spread{perItem: tc.perItem}
			seen := make([]atomic.Int32, tc.n)
			var others atomic.Bool
			err := e.parallel(&s, tc.n, func(w, i int) error {
				seen[i].Add(1)
				if w != 0 {
					others.Store(true)
				}
				// Spread work must reach another worker: the first
				// item waits for it.
				if tc.spread && w == 0 && i == 0 {
					for deadline := time.Now().Add(10 * time.Second); !others.Load(); time.Sleep(time.Millisecond) {
						if time.Now().After(deadline) {
							return errors.New("no other worker took an item")
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range seen {
				if c := seen[i].Load(); c != 1 {
					t.Fatalf("item %d ran %d times", i, c)
				}
			}
			if !tc.spread && others.Load() {
				t.Errorf("work of %v per item × %d ran on other workers", tc.perItem, tc.n)
			}
			if s.perItem <= 0 {
				t.Errorf("cost per item not measured: %v", s.perItem)
			}
		})
	}
}
