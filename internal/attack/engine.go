package attack

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/fooltest/fooltest/internal/panics"
	"github.com/fooltest/fooltest/internal/score"
)

// algorithm breeds generations; the engine scores them, offers every image
// to every cell of the archive, and decides when to stop.
type algorithm interface {
	// breed appends the next generation to g: genomes, and per genome the
	// archive cell it was made for (-1 for none). It must add at least one
	// genome. It runs on the search goroutine and may read the archive.
	breed(g *generation)
	// after sees g once its first g.scored images were scored and offered
	// to the archive; g.took says which took the cell they were made for.
	after(g *generation)
}

// generation is one batch of children on their way through the engine.
type generation struct {
	genomes []*genome
	// want is the cell each genome was made for, or -1.
	want []int32
	// conf holds K confidences per scored genome.
	conf []float32
	// took reports, per scored genome, whether it took cell want, and
	// cells how many cells it took.
	took  []bool
	cells []int32
	// scored is how many genomes were scored; fewer than len(genomes)
	// when the run stopped mid-generation.
	scored int
}

func (g *generation) add(x *genome, want int) {
	g.genomes = append(g.genomes, x)
	g.want = append(g.want, int32(want))
}

// engine runs a search: it owns the archive, the random source, the
// rendering workers and the stopping rules.
type engine struct {
	ctx context.Context
	s   Scorer
	// inputs, when the scorer takes images in its input format, makes
	// the encodings render in that format.
	inputs inputScorer
	cfg    resolved
	rng    *rand.Rand
	start  time.Time

	c, h, w, k, per int
	// batch is the scorer's batch size, which sizes chunks; unit is the
	// generation unit, which sizes generations. Results depend on unit
	// and never on batch.
	batch, unit int

	arch   *archive
	direct *direct
	cppn   *cppnEncoding
	evals  int64
	// nonFinite counts the evaluations that gave a NaN or ±Inf output
	// (see finiteRows); rows are the last scoring call's, by its row.
	nonFinite int64
	rows      []bool
	byEnc     map[encoding]int64
	// memo answers repeated images (nil for the paper's algorithm, whose
	// cost is counted as the paper counts it: every image it breeds);
	// repeats counts the images it answered.
	memo    *memo
	repeats int64
	// probe records the outputs' range for the unreachable-class
	// analysis.
	probe   *rangeProbe
	stopped string

	// A generation is rendered and scored in chunks of whole batches:
	// workers render a chunk into imgs, then the scorer scores it.
	chunk, maxChunk int
	workers         int
	renders         spread
	imgs            []float32
	lastProgress    time.Time
	// With a memo: fps holds the fingerprints of a chunk's images; of
	// image i, from[i] is the row of qconf that scores it (-1 when the
	// memo answered it) and fresh[i] whether it was queried rather than
	// repeated; pending maps a fingerprint to its row while the chunk's
	// queries are gathered.
	fps     []uint64
	from    []int32
	fresh   []bool
	qconf   []float32
	pending map[uint64]int32
}

// targetChunk is how long rendering and scoring one chunk should take: short
// enough that a canceled run returns promptly, long enough that the pause
// between the scorer's runs, while the workers render, comes rarely.
const targetChunk = 100 * time.Millisecond

// maxChunkBytes bounds the images of one chunk.
const maxChunkBytes = 32 << 20

func newEngine(ctx context.Context, s Scorer, cfg resolved) (*engine, error) {
	c, h, w, k := s.Shape()
	e := &engine{
		ctx: ctx, s: s, cfg: cfg,
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x666f6f6c74657374)), // "fooltest"
		c:   c, h: h, w: w, k: k, per: c * h * w,
		batch: s.BatchSize(), unit: cfg.generation,
	}
	e.byEnc = make(map[encoding]int64, 2)
	e.arch = newArchive(cfg.targets)
	e.arch.track, e.arch.threshold = true, cfg.Threshold
	e.arch.setFocus(cfg.inFocus, len(cfg.focus))
	e.probe = newRangeProbe(k, len(cfg.targets), cfg.Encoding != EncodingDirect)
	e.direct = newDirect(c, h, w)
	var err error
	e.workers = cfg.workers
	if e.workers == 0 {
		e.workers = runtime.GOMAXPROCS(0)
	}
	if e.cppn, err = newCPPN(c, h, w, e.workers); err != nil {
		return nil, err
	}
	if is, ok := s.(inputScorer); ok {
		if mul, add, ok := is.InputAffine(); ok && len(mul) == c && len(add) == c {
			e.inputs = is
			out := newAffine(mul, add)
			e.direct.setOutput(out)
			e.cppn.setOutput(out)
		}
	}
	e.chunk = e.batch
	e.maxChunk = max(1, min(256, maxChunkBytes/(4*e.per))/e.batch) * e.batch
	if cfg.Algorithm != AlgorithmPaper && !cfg.noMemo {
		e.memo = newMemo(k)
		e.fps = make([]uint64, e.maxChunk)
		e.from = make([]int32, e.maxChunk)
		e.fresh = make([]bool, e.maxChunk)
		e.qconf = make([]float32, e.maxChunk*k)
		e.pending = make(map[uint64]int32, e.maxChunk)
	}
	return e, nil
}

// roundUnit rounds n to the nearest positive multiple of the generation
// unit. Scorer batches that divide the unit (every power of two up to it)
// then leave no padded rows.
func (e *engine) roundUnit(n int) int {
	return max(1, (n+e.unit/2)/e.unit) * e.unit
}

// stopReason returns why the search must stop now, or "".
func (e *engine) stopReason() string {
	switch {
	case e.arch.done():
		return StoppedAllReached
	case e.cfg.MaxEvals > 0 && e.evals >= e.cfg.MaxEvals:
		return StoppedMaxEvals
	}
	switch err := e.ctx.Err(); {
	case errors.Is(err, context.DeadlineExceeded):
		return StoppedBudget
	case err != nil:
		return StoppedCanceled
	}
	return ""
}

// spent returns the share of its budget the search has used: of MaxEvals,
// or of the time from the start to the context's deadline, whichever is the
// larger; 0 with neither. Only a search stopped by MaxEvals alone reads it
// deterministically.
func (e *engine) spent() float64 {
	f := 0.0
	if e.cfg.MaxEvals > 0 {
		f = float64(e.evals) / float64(e.cfg.MaxEvals)
	}
	if dl, ok := e.ctx.Deadline(); ok {
		if total := dl.Sub(e.start); total > 0 {
			f = max(f, float64(time.Since(e.start))/float64(total))
		} else {
			f = 1
		}
	}
	return f
}

// run breeds, scores and archives generations until a stopping rule holds.
func (e *engine) run(alg algorithm) (err error) {
	e.start = time.Now()
	e.lastProgress = e.start
	var g generation
	for {
		if e.stopped = e.stopReason(); e.stopped != "" {
			break
		}
		g.genomes, g.want, g.scored = g.genomes[:0], g.want[:0], 0
		alg.breed(&g)
		if e.cfg.MaxEvals > 0 {
			if left := e.cfg.MaxEvals - e.evals; int64(len(g.genomes)) > left {
				for _, x := range g.genomes[left:] {
					hold(x)
					drop(x)
				}
				g.genomes, g.want = g.genomes[:left], g.want[:left]
			}
		}
		// The generation holds its genomes so that an archive cell
		// dropping one mid-generation does not recycle it.
		for _, x := range g.genomes {
			hold(x)
		}
		err = e.evaluate(&g)
		if g.scored > 0 {
			alg.after(&g)
		}
		for _, x := range g.genomes {
			drop(x)
		}
		if err != nil {
			return err
		}
	}
	e.progress(true)
	return nil
}

// evaluate renders and scores g chunk by chunk and offers each scored chunk
// to the archive. It stops early, with g.scored short, when the context is
// done.
//
// Rendering and scoring take turns rather than overlap. The runtime's
// threads take every core while a batch runs, so a render beside them
// preempts one of them and stalls each parallel operator it is part of: on
// 2 cores, MobileNetV2 ran 12% slower per batch beside the search's
// rendering. Rendering on every core between runs costs the scorer only the
// render time divided by the number of cores.
func (e *engine) evaluate(g *generation) error {
	n := len(g.genomes)
	g.conf = slices.Grow(g.conf[:0], n*e.k)[:n*e.k]
	g.took = slices.Grow(g.took[:0], n)[:n]
	g.cells = slices.Grow(g.cells[:0], n)[:n]
	e.room(n)
	for off := 0; off < n; {
		t0 := time.Now()
		m := min(e.chunk, n-off)
		if err := e.render(g, off, m); err != nil {
			return err
		}
		conf := g.conf[off*e.k : (off+m)*e.k]
		q, qconf := m, conf
		if e.memo != nil {
			q = e.dedupe(conf, m)
			qconf = e.qconf[:q*e.k]
		}
		var err error
		switch {
		case q == 0:
		case e.inputs != nil:
			// Whole batches: ScoreInputs scores the buffer as it is,
			// rows past q being padding.
			full := (q + e.batch - 1) / e.batch * e.batch
			err = e.inputs.ScoreInputs(e.imgs[:full*e.per], q, qconf)
		default:
			err = e.s.Score(e.imgs[:q*e.per], q, qconf)
		}
		var judged scoredAll
		if err != nil && (!errors.As(err, &judged) || !judged.ScoredAll()) {
			// A scorer whose run the context aborted has scored
			// nothing of this chunk: the search stops as at any
			// other end of its budget.
			if e.ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
				return nil
			}
			return fmt.Errorf("attack: scoring images: %w", err)
		}
		e.rows = nil
		if fr, ok := e.s.(finiteRows); ok && q > 0 {
			e.rows = fr.NonFiniteRows()
		}
		if e.memo != nil {
			e.recall(conf, m, q)
		}
		more := e.offer(g, off, m)
		if err != nil {
			// The chunk was scored and counted; the error judged it.
			return fmt.Errorf("attack: scoring images: %w", err)
		}
		e.tune(m, time.Since(t0))
		off += m
		e.progress(false)
		if !more || e.ctx.Err() != nil {
			break
		}
	}
	return nil
}

// room makes e.imgs hold the chunks of a generation of n images, in whole
// batches, at most maxChunk images. It grows with the generations rather
// than taking maxChunk images at the start: those of a few-class search
// hold a few dozen images, and clearing 256 CIFAR-10 images (3 MB) took 8%
// of a profile of cifar10-tutorial-refrain7's searches (docs/measurements.md,
// "The search's own costs on small models"). A many-class search's first
// generation takes maxChunk at once, so that ScoreInputs' bindings hold no
// smaller buffers beside it. A new buffer leaves the padding rows of the
// last batch zero rather than holding older images, which no score depends
// on: the classifier runs a model whose rows change each other's scores at
// batch 1.
func (e *engine) room(n int) {
	need := min(e.maxChunk, (n+e.batch-1)/e.batch*e.batch)
	if need*e.per <= len(e.imgs) {
		return
	}
	e.imgs = make([]float32, min(e.maxChunk, max(need, 2*len(e.imgs)/e.per))*e.per)
}

// tune sizes chunks to about targetChunk of scoring, in whole batches so that
// every image keeps its position within the scorer's batches (which keeps
// results independent of timing).
func (e *engine) tune(m int, d time.Duration) {
	if d <= 0 {
		return
	}
	want := int(float64(m) * float64(targetChunk) / float64(d))
	c := max(1, want/e.batch) * e.batch
	c = min(c, e.maxChunk)
	// Grow gently so that one fast call does not make the next slow.
	e.chunk = min(c, 2*e.chunk)
}

// render writes images off..off+m-1 of g into e.imgs on every worker. An
// image depends only on its genome, so the result does not depend on which
// worker rendered it.
func (e *engine) render(g *generation, off, m int) error {
	return e.parallel(&e.renders, m, func(w, i int) error {
		x := g.genomes[off+i]
		img := e.imgs[i*e.per : (i+1)*e.per]
		if err := x.enc.render(x, img, w); err != nil {
			return err
		}
		if e.memo != nil {
			e.fps[i] = imageKey(img)
		}
		return nil
	})
}

// dedupe answers the chunk's m rendered images that the memo remembers
// (their confidences go to conf) and moves the others to the front of
// e.imgs, an image that repeats one before it in the chunk only once. It
// returns how many images the model must score.
func (e *engine) dedupe(conf []float32, m int) int {
	clear(e.pending)
	q := 0
	for i := range m {
		fp := e.fps[i]
		e.fresh[i] = false
		if e.memo.lookup(fp, conf[i*e.k:(i+1)*e.k]) {
			e.from[i] = -1
			continue
		}
		if r, ok := e.pending[fp]; ok {
			e.from[i] = r
			continue
		}
		if q != i {
			copy(e.imgs[q*e.per:(q+1)*e.per], e.imgs[i*e.per:(i+1)*e.per])
		}
		e.pending[fp] = int32(q)
		e.from[i], e.fresh[i] = int32(q), true
		e.fps[q] = fp
		q++
	}
	return q
}

// recall copies the confidences of the q scored images (e.qconf) to the
// chunk's m images in conf, and remembers them.
func (e *engine) recall(conf []float32, m, q int) {
	// fps[:q] were overwritten by dedupe with the scored images' own
	// fingerprints, so store before the rows are spread.
	for r := range q {
		e.memo.store(e.fps[r], e.qconf[r*e.k:(r+1)*e.k])
	}
	for i := range m {
		if r := e.from[i]; r >= 0 {
			copy(conf[i*e.k:(i+1)*e.k], e.qconf[int(r)*e.k:(int(r)+1)*e.k])
		}
	}
}

// spread is what the engine knows of one kind of parallel work: its cost
// per item, measured on its last call.
type spread struct{ perItem time.Duration }

// parallelMin is the least work, in time on one core, that parallel spreads
// over the workers. Waking another goroutine costs more than its share of a
// small job, and worse, the scorer's next run after such a wake ran slow: on
// 2 cores, 3 batches of the LeNet after 0.15 ms of work on each core scored
// at 0.83 to 0.94 of the raw rate, and after 0.3 ms on one core at 0.93 to
// 0.95. MobileNetV2's chunks take about 4 ms to render on one core and stay
// parallel; the LeNet's generations take under 1 ms to breed and render,
// and no longer wake a second core.
const parallelMin = 2 * time.Millisecond

// parallel calls f(w, i) once for every i in [0, n), spread over the
// engine's workers unless s's last call says the work is small; w, in [0,
// e.workers), names the worker, and the calling goroutine is worker 0.
// Indices are claimed one at a time, so workers that draw cheap items take
// more of them. It returns the errors f returned; a panic of f, on any
// worker, is raised again in the caller once every worker has returned.
func (e *engine) parallel(s *spread, n int, f func(w, i int) error) error {
	workers := min(e.workers, n)
	// The build that injects panics spreads every job, so that its
	// render workers' panic comes from a worker on any machine.
	if !e.cfg.alwaysSpread && !panics.Injecting && s.perItem > 0 && time.Duration(n)*s.perItem < parallelMin {
		workers = 1
	}
	start := time.Now()
	defer func() {
		if n > 0 {
			s.perItem = time.Since(start) * time.Duration(workers) / time.Duration(n)
		}
	}()
	if workers <= 1 {
		for i := range n {
			if err := f(0, i); err != nil {
				return err
			}
		}
		return nil
	}
	var next atomic.Int64
	errs := make([]error, workers)
	work := func(w int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			if err := f(w, i); err != nil {
				errs[w] = err
				return
			}
		}
	}
	// Waiting for every worker before a panic goes on keeps the others
	// from writing into buffers that the caller's callers reuse.
	var g panics.Group
	for w := 1; w < workers; w++ {
		g.Go(func() {
			panics.Inject("render")
			work(w)
		})
	}
	g.Do(func() { work(0) })
	g.Wait()
	return errors.Join(errs...)
}

// offer hands images off..off+m-1 of g to the archive. It stops after the
// image that brings the last target to the threshold and then reports
// false: the rest of the generation is not counted, so the number of
// evaluations does not depend on how the generation was chunked.
func (e *engine) offer(g *generation, off, m int) bool {
	e.arch.now = time.Since(e.start)
	for i := off; i < off+m; i++ {
		if e.memo == nil || e.fresh[i-off] {
			e.evals++
			row := i - off
			if e.memo != nil {
				row = int(e.from[i-off])
			}
			if row < len(e.rows) && e.rows[row] {
				e.nonFinite++
			}
			e.byEnc[g.genomes[i].enc]++
			e.probe.observe(g.conf[i*e.k : (i+1)*e.k])
			if e.memo != nil {
				e.memo.queried()
			}
		} else {
			e.repeats++
			e.memo.repeated()
		}
		var cells int
		cells, g.took[i] = e.arch.offer(g.genomes[i], g.conf[i*e.k:(i+1)*e.k], e.evals, int(g.want[i]))
		g.cells[i] = int32(cells)
		g.scored = i + 1
		if e.arch.done() {
			return false
		}
	}
	return true
}

// progress reports to Config.Progress at most every progressEvery, and
// always when final.
func (e *engine) progress(final bool) {
	if e.cfg.Progress == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(e.lastProgress) < progressEvery {
		return
	}
	e.lastProgress = now
	best := make([]float64, len(e.cfg.focus))
	for j, i := range e.cfg.focus {
		best[j] = float64(e.arch.cells[i].conf)
	}
	e.cfg.Progress(Progress{
		Evaluations: e.evals,
		Elapsed:     now.Sub(e.start),
		AtThreshold: e.arch.focusReached,
		Targets:     e.arch.focusCells,
		MedianBest:  score.MedianFloat(best),
	})
}

// result builds the Result from the archive.
func (e *engine) result() *Result {
	r := &Result{
		Evaluations: e.evals,
		NonFinite:   e.nonFinite,
		Repeats:     e.repeats,
		Elapsed:     time.Since(e.start),
		Stopped:     e.stopped,
		Algorithm:   e.cfg.Algorithm,
		Generation:  e.cfg.generation,
		Encoding:    e.cfg.Encoding,
		Threshold:   e.cfg.Threshold,
		C:           e.c, H: e.h, W: e.w,
		Classes:    make([]Class, len(e.arch.cells)),
		ByEncoding: make(map[string]int64, len(e.byEnc)),
	}
	for enc, n := range e.byEnc {
		r.ByEncoding[enc.name()] += n
	}
	for i := range e.arch.cells {
		cl := &e.arch.cells[i]
		out := Class{Index: e.arch.targets[i], History: e.arch.finalHistory(i)}
		if cl.elite != nil {
			out.Confidence = float64(cl.conf)
			out.Encoding = cl.elite.enc.name()
			out.elite = cl.elite
		}
		if cl.reached {
			out.Reached = true
			out.EvaluationsToThreshold = cl.evalsAt
			out.ElapsedToThreshold = cl.timeAt
		} else {
			out.Unreachable = e.probe.judge(out.Index, out.Confidence, out.History, e.evals, e.cfg.Threshold)
		}
		r.Classes[i] = out
	}
	return r
}
