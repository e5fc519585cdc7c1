// Command benchsearch measures fooltest's searches. For each seed it runs one
// search and prints how many evaluations it took until every target class
// reached the threshold (">cap" when the cap came first), then the median
// over seeds. For large models it also prints how many classes a
// time-limited run fooled and the run's throughput against the classifier's
// raw throughput. scripts/bench-search.sh drives it.
//
// Usage:
//
//	go run ./internal/tools/benchsearch [flags]
//
// The model is the embedded LeNet unless -model names an ONNX file.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/ortlib"
	"github.com/fooltest/fooltest/internal/score"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "benchsearch:", err)
		os.Exit(1)
	}
}

type flags struct {
	model, preset, alg, enc string
	seeds                   int
	seed0                   uint64
	maxEvals                int64
	threshold               float64
	budget, bench           time.Duration
	interleave              time.Duration
	batch, threads          int
	verbose, history        bool
	cpuprofile, dump        string
	at                      []int64
}

func run() error {
	var f flags
	flag.StringVar(&f.model, "model", "demo", "ONNX model path, or demo for the embedded LeNet")
	flag.StringVar(&f.preset, "preset", "raw01", "input normalization preset")
	flag.StringVar(&f.alg, "algorithm", attack.AlgorithmDefault, "default or paper")
	flag.StringVar(&f.enc, "encoding", attack.EncodingDirect, "direct, cppn or both")
	flag.IntVar(&f.seeds, "seeds", 5, "number of seeds, counting from -seed0")
	flag.Uint64Var(&f.seed0, "seed0", 1, "first seed")
	flag.Int64Var(&f.maxEvals, "max-evals", 100000, "evaluation cap per run (0: none)")
	flag.Float64Var(&f.threshold, "threshold", 0.9999, "confidence that counts as fooled")
	flag.DurationVar(&f.budget, "budget", 0, "time budget per run (0: none)")
	flag.DurationVar(&f.bench, "bench", 0, "first measure the classifier's raw throughput for this long")
	flag.DurationVar(&f.interleave, "interleave", 0, "every this long, measure raw throughput for a quarter of it during the search, so that both see the same machine load")
	flag.IntVar(&f.batch, "batch", 0, "scorer batch for models with a dynamic batch (0: tune)")
	flag.IntVar(&f.threads, "threads", 0, "ONNX Runtime threads (0: one per CPU)")
	flag.BoolVar(&f.verbose, "v", false, "print when each class reached the threshold")
	flag.BoolVar(&f.history, "history", false, "with -v, also print each class's history of (evaluations, best confidence)")
	flag.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile of the searches")
	flag.StringVar(&f.dump, "dump", "", "write the best images of the last seed as PNGs into this folder")
	flag.Func("at", "also report, for runs of more than 20 classes, the counts at these evaluation counts (comma-separated), read from the classes' histories: where the search stood after N evaluations (a many-class run capped at N fools more there, having spent its last fifth in its endgame)", func(v string) error {
		for _, x := range strings.Split(v, ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("%q is not a positive evaluation count", x)
			}
			f.at = append(f.at, n)
		}
		return nil
	})
	flag.Parse()
	if f.maxEvals == 0 && f.budget == 0 {
		return errors.New("give -max-evals or -budget: a search needs a stopping rule")
	}
	path, err := ortlib.Find("", os.Getenv)
	if err == nil {
		_, err = classifier.LoadRuntime(path)
	}
	if err != nil {
		return err
	}
	c, err := open(f)
	if err != nil {
		return err
	}
	defer c.Close()
	info := c.Info()
	fmt.Printf("model %s: %d classes, batch %d, %d threads; %s/%s, threshold %g\n",
		f.model, info.Classes, info.Batch, info.Threads, f.alg, f.enc, f.threshold)
	if f.bench > 0 {
		b, err := c.Bench(f.bench)
		if err != nil {
			return err
		}
		fmt.Printf("bench: raw %.0f images/s, pipeline %.0f images/s at batch %d\n", b.RawImagesPerSecond, b.PipelineImagesPerSecond, b.Batch)
	}
	if f.cpuprofile != "" {
		out, err := os.Create(f.cpuprofile)
		if err != nil {
			return err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var needs []int64
	flagged := map[int][]*attack.Unreachable{}
	var all interleaved
	for s := range uint64(f.seeds) {
		need, err := search(c, f, f.seed0+s, flagged, &all)
		if err != nil {
			return err
		}
		needs = append(needs, need)
	}
	if f.interleave > 0 && f.seeds > 1 {
		// Searches that stop within a few slices say little each; their
		// sums say more.
		fmt.Printf("interleaved, all seeds: %s\n", all.ratio())
	}
	fmt.Printf("median evaluations to all: %s\n", format(median(needs), f.maxEvals))
	fmt.Printf("looks unreachable: %s\n", unreachableSummary(flagged, f.seeds))
	fmt.Printf("peak RSS: %s\n", peakRSS())
	return nil
}

// open opens the model, with -batch where the model's batch is dynamic.
func open(f flags) (*classifier.Classifier, error) {
	norm, err := classifier.Preset(f.preset)
	if err != nil {
		return nil, err
	}
	opts := classifier.Options{Normalization: norm, Batch: f.batch, Threads: f.threads}
	o := func() (*classifier.Classifier, error) {
		if f.model == "demo" {
			return classifier.OpenBytes(demo.Name, demo.Model, opts)
		}
		return classifier.Open(f.model, opts)
	}
	c, err := o()
	if err != nil && f.batch > 0 {
		// A fixed-batch model refuses -batch; it runs at its own.
		opts.Batch = 0
		if c2, err2 := o(); err2 == nil {
			if c2.Info().FixedBatch > 0 {
				return c2, nil
			}
			c2.Close()
		}
	}
	return c, err
}

// unreachableSummary lists the classes that looked unreachable in more than
// half of the seeds, with the lowest ceiling any seed saw, or "none".
func unreachableSummary(flagged map[int][]*attack.Unreachable, seeds int) string {
	var parts []string
	// Classes a bounded layer caps are listed together: the layer caps
	// most classes of a model at once.
	var capped []int
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, class := range slices.Sorted(maps.Keys(flagged)) {
		us := flagged[class]
		if 2*len(us) <= seeds {
			continue
		}
		low := us[0]
		for _, u := range us {
			if u.Ceiling < low.Ceiling {
				low = u
			}
		}
		if low.Kind == boundedLayer {
			capped = append(capped, class)
			lo, hi = min(lo, low.Ceiling), max(hi, low.Ceiling)
			continue
		}
		parts = append(parts, describe(class, low))
	}
	switch {
	case len(capped) == 1:
		parts = append(parts, describe(capped[0], &attack.Unreachable{Kind: boundedLayer, Ceiling: lo}))
	case len(capped) > 1:
		list := make([]string, len(capped))
		for i, c := range capped {
			list[i] = strconv.Itoa(c)
		}
		parts = append(parts, fmt.Sprintf("%s (at most %.4f to %.4f: a bounded layer feeds the scores)", strings.Join(list, ", "), lo, hi))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// boundedLayer marks, in this tool's output, a class whose confidence the
// weights of a bounded layer before the scores keep below the threshold
// (classifier.LayerCeilings), as fooltest run's reports do.
const boundedLayer = "bounded-layer"

// markBoundedLayer marks the classes of res that were not reached, and that
// the search did not explain, as unreachable where c's bounded layer keeps
// them below threshold.
func markBoundedLayer(c *classifier.Classifier, res *attack.Result, threshold float64) {
	var idx []int
	for _, cl := range res.Classes {
		if !cl.Reached && cl.Unreachable == nil {
			idx = append(idx, cl.Index)
		}
	}
	ceilings := c.LayerCeilings(idx, threshold)
	for i, j := 0, 0; ceilings != nil && i < len(res.Classes) && j < len(idx); i++ {
		cl := &res.Classes[i]
		if cl.Index != idx[j] {
			continue
		}
		if ceilings[j] < threshold {
			cl.Unreachable = &attack.Unreachable{Kind: boundedLayer, Ceiling: ceilings[j]}
		}
		j++
	}
}

// describe says in a few words why class looks unreachable.
func describe(class int, u *attack.Unreachable) string {
	switch u.Kind {
	case attack.UnreachableDead:
		return fmt.Sprintf("%d (dead: best %.2g)", class, u.Ceiling)
	case boundedLayer:
		return fmt.Sprintf("%d (at most %.4f: a bounded layer feeds the scores)", class, u.Ceiling)
	}
	return fmt.Sprintf("%d (softmax at most %.4f: outputs span %d dimensions)", class, u.Ceiling, u.Rank)
}

// search runs one seed and returns the evaluations it needed until every
// target reached the threshold, or -1. Classes that look unreachable
// (attack.Class.Unreachable) do not count: the count is then the
// evaluations until every other class reached it, and flagged collects
// them. With -interleave, all adds up the run's measurements.
func search(c *classifier.Classifier, f flags, seed uint64, flagged map[int][]*attack.Unreachable, all *interleaved) (int64, error) {
	ctx := context.Background()
	if f.budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.budget)
		defer cancel()
	}
	var s attack.Scorer = c
	var il *interleaved
	if f.interleave > 0 {
		il = &interleaved{Classifier: c, every: f.interleave, next: time.Now().Add(f.interleave)}
		s = il
	}
	res, err := attack.Run(ctx, s, attack.Config{
		Algorithm: f.alg, Encoding: f.enc, Threshold: f.threshold,
		MaxEvals: f.maxEvals, Seed: seed,
	})
	if err != nil {
		return 0, err
	}
	if il != nil {
		il.evals, il.took = res.Evaluations, res.Elapsed
		fmt.Printf("interleaved: %s\n", il.ratio())
		all.add(il)
	}
	markBoundedLayer(c, res, f.threshold)
	need, reached, unreachable := int64(0), 0, 0
	var confs []float64
	var at, unr []string
	for _, cl := range res.Classes {
		confs = append(confs, cl.Confidence)
		switch {
		case cl.Reached:
			reached++
			need = max(need, cl.EvaluationsToThreshold)
			at = append(at, strconv.FormatInt(cl.EvaluationsToThreshold, 10))
		case cl.Unreachable != nil:
			unreachable++
			flagged[cl.Index] = append(flagged[cl.Index], cl.Unreachable)
			unr = append(unr, describe(cl.Index, cl.Unreachable))
			at = append(at, "x")
		default:
			at = append(at, "-")
		}
	}
	switch {
	case reached+unreachable < len(res.Classes):
		need = -1
	case reached == 0:
		need = noneReachable
	}
	if f.dump != "" {
		if err := dump(f.dump, res); err != nil {
			return 0, err
		}
	}
	slices.Sort(confs)
	fmt.Printf("seed %d: evaluations to all %s; %d/%d reached; median best %.4f; %d evaluations in %.2fs (%.0f/s, %v); stopped %s; %d repeats\n",
		seed, format(need, f.maxEvals), reached, len(res.Classes), confs[len(confs)/2],
		res.Evaluations, res.Elapsed.Seconds(), float64(res.Evaluations)/res.Elapsed.Seconds(), res.ByEncoding, res.Stopped, res.Repeats)
	if len(unr) > 0 {
		fmt.Printf("  looks unreachable: %s\n", strings.Join(unr, "; "))
	}
	if f.verbose && len(res.Classes) <= 20 {
		fmt.Println("  reached at:", strings.Join(at, " "))
		if f.history {
			for _, cl := range res.Classes {
				fmt.Printf("  class %d:", cl.Index)
				for _, p := range cl.History {
					fmt.Printf(" %d:%.4f", p.Evaluations, p.Confidence)
				}
				fmt.Println()
			}
		}
	}
	if len(res.Classes) > 20 {
		count := func(t float64) int { return atLeast(confs, t) }
		fmt.Printf("  classes at >=0.5: %d, >=0.9: %d, >=0.99: %d, >=0.999: %d; quartiles %.4f %.4f %.4f\n",
			count(0.5), count(0.9), count(0.99), count(0.999), confs[len(confs)/4], confs[len(confs)/2], confs[3*len(confs)/4])
		for _, n := range f.at {
			printAt(res, n)
		}
	}
	return need, nil
}

// median of evaluation counts, where -1 (never) ranks above every count;
// -1 when the median run never got there.
// noneReachable is the count of a run whose every class looks unreachable:
// there is nothing to count.
const noneReachable = -2

func median(v []int64) int64 {
	t := make([]int64, len(v))
	none := 0
	for i, x := range v {
		t[i] = x
		switch x {
		case noneReachable:
			t[i] = 0
			none++
		case -1:
			t[i] = score.Censored
		}
	}
	if none == len(v) && none > 0 {
		return noneReachable
	}
	if m, ok := score.Median(t); ok {
		return m
	}
	return -1
}

func format(n, limit int64) string {
	if n == noneReachable {
		return "none reachable"
	}
	if n < 0 {
		if limit == 0 {
			return "never"
		}
		return ">" + strconv.FormatInt(limit, 10)
	}
	return strconv.FormatInt(n, 10)
}

// peakRSS reads the process's peak resident set size from /proc.
func peakRSS() string {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// dump writes each class's best image as class-confidence.png.
func dump(dir string, res *attack.Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range res.Classes {
		cl := &res.Classes[i]
		px, err := cl.Image()
		if err != nil {
			return err
		}
		if px == nil {
			continue
		}
		img := image.NewNRGBA(image.Rect(0, 0, res.W, res.H))
		hw := res.H * res.W
		for p := range hw {
			var rgb [3]uint8
			for ch := range 3 {
				src := min(ch, res.C-1)
				rgb[ch] = px[src*hw+p]
			}
			img.Pix[4*p], img.Pix[4*p+1], img.Pix[4*p+2], img.Pix[4*p+3] = rgb[0], rgb[1], rgb[2], 255
		}
		name := filepath.Join(dir, fmt.Sprintf("%04d-%.4f-%s.png", cl.Index, cl.Confidence, cl.Encoding))
		out, err := os.Create(name)
		if err != nil {
			return err
		}
		if err := png.Encode(out, img); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
	}
	return nil
}

// interleaved scores through a classifier and, every so often, first
// measures the classifier's raw throughput for a quarter of that period, so
// that a search and the runtime alone are timed under the same machine
// load. Its raw slices count in the search's elapsed time; search
// subtracts them.
type interleaved struct {
	*classifier.Classifier
	every     time.Duration
	next      time.Time
	rawImages int64
	rawTook   time.Duration
	slices    int
	// calls and images count the search's scoring calls and the images
	// they held: the runtime's rate depends on the batch it runs, and raw
	// slices always run full batches.
	calls, images int64
	// evals and took are the search's evaluations and elapsed time, raw
	// slices included.
	evals int64
	took  time.Duration
}

// add adds o's counts to s's.
func (s *interleaved) add(o *interleaved) {
	s.rawImages, s.rawTook, s.slices = s.rawImages+o.rawImages, s.rawTook+o.rawTook, s.slices+o.slices
	s.calls, s.images, s.evals, s.took = s.calls+o.calls, s.images+o.images, s.evals+o.evals, s.took+o.took
}

// ratio describes the search's rate over its own time against the raw rate
// over the slices.
func (s *interleaved) ratio() string {
	own := s.took - s.rawTook
	search := float64(s.evals) / own.Seconds()
	raw := float64(s.rawImages) / s.rawTook.Seconds()
	return fmt.Sprintf("search %.0f/s over %.3fs, raw %.0f/s over %.3fs in %d slices: ratio %.3f; %.1f images per scoring call",
		search, own.Seconds(), raw, s.rawTook.Seconds(), s.slices, search/raw, float64(s.images)/float64(max(s.calls, 1)))
}

func (s *interleaved) tick() error {
	if time.Now().Before(s.next) {
		return nil
	}
	n, took, err := s.Raw(s.every / 4)
	s.rawImages, s.rawTook, s.slices = s.rawImages+n, s.rawTook+took, s.slices+1
	s.next = time.Now().Add(s.every)
	return err
}

func (s *interleaved) Score(imgs []float32, n int, conf []float32) error {
	if err := s.tick(); err != nil {
		return err
	}
	s.calls, s.images = s.calls+1, s.images+int64(n)
	return s.Classifier.Score(imgs, n, conf)
}

func (s *interleaved) ScoreInputs(inputs []float32, n int, conf []float32) error {
	if err := s.tick(); err != nil {
		return err
	}
	s.calls, s.images = s.calls+1, s.images+int64(n)
	return s.Classifier.ScoreInputs(inputs, n, conf)
}

// printAt prints what res held after n evaluations: the classes at the
// threshold (exact, from EvaluationsToThreshold), and the classes at 0.5 and
// 0.9 and the median best from the histories, whose thinning (rises under
// 0.01 in log-odds left out) can only understate them slightly.
func printAt(res *attack.Result, n int64) {
	if n > res.Evaluations {
		fmt.Printf("  at %d evaluations: not reached (the run made %d)\n", n, res.Evaluations)
		return
	}
	reached := 0
	best := make([]float64, 0, len(res.Classes))
	for _, cl := range res.Classes {
		if cl.Reached && cl.EvaluationsToThreshold <= n {
			reached++
		}
		b := 0.0
		for _, p := range cl.History {
			if p.Evaluations > n {
				break
			}
			b = p.Confidence
		}
		best = append(best, b)
	}
	slices.Sort(best)
	fmt.Printf("  at %d evaluations: >=threshold %d, >=0.9 %d, >=0.5 %d, median best %.4f\n",
		n, reached, atLeast(best, 0.9), atLeast(best, 0.5), best[len(best)/2])
}

// atLeast counts the values of sorted (ascending) that are t or more.
func atLeast(sorted []float64, t float64) int {
	i, _ := slices.BinarySearch(sorted, t)
	return len(sorted) - i
}
