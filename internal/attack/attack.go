package attack

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fooltest/fooltest/internal/fault"
)

// Algorithm names accepted in Config.Algorithm.
const (
	// AlgorithmDefault is fooltest's own search: per-class hill climbs
	// whose every proposal is also offered to every other class's cell.
	AlgorithmDefault = "default"
	// AlgorithmPaper is MAP-Elites over classes with the parameters of
	// Nguyen, Yosinski & Clune (CVPR 2015).
	AlgorithmPaper = "paper"
)

// Encoding names accepted in Config.Encoding and reported per class.
const (
	// EncodingDirect evolves one gene per pixel and channel.
	EncodingDirect = "direct"
	// EncodingCPPN evolves compositional pattern-producing networks.
	EncodingCPPN = "cppn"
	// EncodingBoth uses both encodings: the paper's algorithm alternates
	// generations between them; the default climbs with direct patches
	// on models of at most 64 classes (after CPPN seeds on colour images,
	// patch seeds on gray ones) and with CPPNs alone on larger ones.
	EncodingBoth = "both"
)

// Reasons a search stopped, reported in Result.Stopped.
const (
	// StoppedAllReached: every target reached the threshold.
	StoppedAllReached = "all-reached"
	// StoppedBudget: the context's deadline passed.
	StoppedBudget = "budget"
	// StoppedMaxEvals: Config.MaxEvals evaluations were made.
	StoppedMaxEvals = "max-evals"
	// StoppedCanceled: the context was canceled before its deadline.
	StoppedCanceled = "canceled"
	// StoppedError: the Scorer failed.
	StoppedError = "error"
)

// SearchVersion names what the searches find: a change to the search that
// changes its results for a seed (another image, another evaluation count)
// raises it. Query costs compare only between searches of one version, so
// report.json records it and a baseline report of another is refused. The
// fingerprints of testdata/fingerprints.json are recorded with it, and the
// test that rewrites them refuses new ones under an old version.
const SearchVersion = 3

// DefaultGeneration is the generation unit of every search Run makes. It
// is a multiple of every power-of-two batch size up to it, which the
// classifier's batch tuning stays within.
const DefaultGeneration = 64

// progressEvery bounds how often Config.Progress is called.
const progressEvery = 200 * time.Millisecond

// Config says what to search for and when to stop. The time budget is the
// deadline of the context passed to Run.
type Config struct {
	// Algorithm is AlgorithmDefault or AlgorithmPaper; empty means
	// AlgorithmDefault.
	Algorithm string
	// Encoding is EncodingDirect, EncodingCPPN or EncodingBoth; empty means
	// EncodingBoth.
	Encoding string
	// Targets are the class indices to fool, each in [0, K); nil or empty
	// means every class. Duplicates are ignored.
	Targets []int
	// Focus lists the classes the search works on, each one of Targets;
	// nil or empty means every target. The archive still keeps a cell
	// for every target and every scored image still competes for all of
	// them, so a search that shares its targets with others (fooltest
	// run --shard) keeps the best image it met for each target; but the
	// Focus classes breed children and give parents, and the search
	// stops early once every Focus class reaches the threshold. Progress
	// counts the Focus classes. On a model of more than 64 classes the
	// default algorithm searches as for many classes, however few the
	// Focus classes, and climbs the other targets' near misses too,
	// behind its own at equal promise; on a smaller model only the Focus
	// classes climb.
	Focus []int
	// Threshold is the confidence in (0, 1] at which a target counts as
	// fooled; the search stops early once every target reaches it.
	Threshold float64
	// MaxEvals caps the number of images scored; 0 means no cap. The
	// default search on many classes spends the last fifth of it, or of
	// the time to ctx's deadline if that runs out first, converting the
	// near misses it has rather than finding new ones (the package
	// README's "Endgame").
	MaxEvals int64
	// Seed makes the search reproducible: with MaxEvals as the only
	// stopping rule and a deterministic Scorer, the same seed gives the
	// same Result.
	Seed uint64
	// Progress, when set, is called from Run's goroutine at most every
	// 200 ms and once at the end. It must return quickly.
	Progress func(Progress)
}

// options are the settings of a search that no caller of Run chooses: Run
// uses their zero value, and tests pass others to run.
type options struct {
	// generation is the generation unit: the search sizes its
	// generations in multiples of it (the default widens its hill climbs'
	// generations to a whole unit). 0 means DefaultGeneration. It is part
	// of the search's definition, like the seed: the same seed, budget
	// and unit give the same result whatever the Scorer's batch size,
	// which only splits generations into runs.
	generation int
	// workers is how many goroutines render images, and breed the
	// paper's children, between the Scorer's calls; 0 means GOMAXPROCS.
	// Work too small to be worth waking them runs on one. Results do not
	// depend on it.
	workers int
	// alwaysSpread makes every parallel job use all workers, however
	// small, so that tests exercise them.
	alwaysSpread bool
	// noMemo makes the default search query the model for every image,
	// repeats included, as the paper's algorithm does; for the tests that
	// show the memo changes what a search costs and not what it finds.
	noMemo bool
	// noRestarts keeps stalled climbs on their elites (see staleAfter and
	// manyStale), for the tests that show what restarts change.
	noRestarts bool
	// paperVariant, when set, changes the paper algorithm's direct
	// encoding, for the measurements that compare it with the paper.
	paperVariant *paperVariant
}

// Progress is a snapshot of a running search.
type Progress struct {
	// Evaluations is the number of images scored so far.
	Evaluations int64
	// Elapsed is the time since Run started.
	Elapsed time.Duration
	// AtThreshold is the number of targets (Focus classes, when given)
	// at or above the threshold.
	AtThreshold int
	// Targets is the number of target classes (Focus classes, when
	// given).
	Targets int
	// MedianBest is the median over those classes of the best confidence
	// so far.
	MedianBest float64
}

// Result is what a search found.
type Result struct {
	// Evaluations is the number of images the model scored.
	Evaluations int64
	// Repeats is the number of images the search proposed again and
	// answered from the confidences the model gave them before, without a
	// query; they are not in Evaluations.
	Repeats int64
	// NonFinite is how many of the Evaluations gave a NaN or ±Inf output,
	// when the scorer says (see finiteRows); 0 otherwise.
	NonFinite int64
	// ByEncoding splits Evaluations by the encoding of the scored images
	// (EncodingDirect, EncodingCPPN).
	ByEncoding map[string]int64
	// Elapsed is the search's wall-clock time.
	Elapsed time.Duration
	// Stopped is one of the Stopped* reasons.
	Stopped string
	// Algorithm and Encoding are the resolved settings.
	Algorithm, Encoding string
	// Generation is the generation unit the search used.
	Generation int
	// Threshold is the confidence that counts as fooled.
	Threshold float64
	// C, H and W are the canonical image shape of every class's Pixels.
	C, H, W int
	// Classes holds one entry per target, in ascending class order.
	Classes []Class
}

// Class is the best image found for one target class.
type Class struct {
	// Index is the class index in the model's output.
	Index int
	// Confidence is the best confidence found; 0 if no image was scored.
	Confidence float64
	// Encoding is the encoding that produced the best image (EncodingDirect
	// or EncodingCPPN); empty if no image was scored.
	Encoding string
	// Reached reports whether Confidence ever reached the threshold.
	Reached bool
	// EvaluationsToThreshold is the run's evaluation count (counting the
	// image that did it) when the class first reached the threshold, and
	// ElapsedToThreshold the time; both are 0 unless Reached.
	EvaluationsToThreshold int64
	ElapsedToThreshold     time.Duration
	// Unreachable, for a class that did not reach the threshold, says why
	// it looks impossible to reach on this model; nil when the search
	// found no such reason (it is then an ordinary unfooled class). It
	// never counts as fooled.
	Unreachable *Unreachable
	// History lists the best confidence as it improved. Improvements
	// smaller than 0.01 in log-odds are left out, except the last one.
	History []Point

	elite *genome
}

// Point is a class's best confidence after a number of evaluations.
type Point struct {
	Evaluations int64
	Confidence  float64
}

// Image returns the class's best image, finished as reports write it:
// planar C×H×W bytes (shape from the Result), 0 for 0.0 and 255 for 1.0;
// nil if no image was scored. Elites are kept compact during the search and
// rendered only here, so each call allocates a new image. It is safe to
// call from several goroutines at once.
func (c *Class) Image() ([]uint8, error) {
	if c.elite == nil {
		return nil, nil
	}
	return c.elite.enc.image(c.elite)
}

// resolved is a validated Config with defaults applied.
type resolved struct {
	Config
	options
	targets []int
	// focus lists the archive cells (indices into targets) of the Focus
	// classes, ascending: every cell when Focus is empty. inFocus marks
	// them, and is nil when every cell is in focus.
	focus   []int
	inFocus []bool
}

// resolve validates cfg for a model of k classes and applies the defaults,
// those of the options included.
func resolve(cfg Config, k int) (resolved, error) {
	r := resolved{Config: cfg, options: options{generation: DefaultGeneration}}
	switch r.Algorithm {
	case "":
		r.Algorithm = AlgorithmDefault
	case AlgorithmDefault, AlgorithmPaper:
	default:
		return r, fault.Invalidf("", "unknown algorithm %q: use %s or %s", cfg.Algorithm, AlgorithmDefault, AlgorithmPaper)
	}
	switch r.Encoding {
	case "":
		r.Encoding = EncodingBoth
	case EncodingDirect, EncodingCPPN, EncodingBoth:
	default:
		return r, fault.Invalidf("", "unknown encoding %q: use %s, %s or %s", cfg.Encoding, EncodingDirect, EncodingCPPN, EncodingBoth)
	}
	if !(r.Threshold > 0 && r.Threshold <= 1) {
		return r, fault.Invalidf("", "threshold %v: give a confidence in (0, 1]", cfg.Threshold)
	}
	if r.MaxEvals < 0 {
		return r, fault.Invalidf("", "max evaluations %d: give 0 (no cap) or a positive number", cfg.MaxEvals)
	}
	if len(cfg.Targets) == 0 {
		r.targets = make([]int, k)
		for i := range r.targets {
			r.targets[i] = i
		}
	} else {
		r.targets = slices.Clone(cfg.Targets)
		slices.Sort(r.targets)
		r.targets = slices.Compact(r.targets)
		for _, t := range r.targets {
			if t < 0 || t >= k {
				return r, fault.Invalidf("", "target class %d: the model has classes 0 to %d", t, k-1)
			}
		}
	}
	return r, r.resolveFocus()
}

// setOptions replaces the default options with opt.
func (r *resolved) setOptions(opt options) error {
	switch {
	case opt.workers < 0:
		return fmt.Errorf("attack: %d workers: give 0 (one per CPU) or a positive number", opt.workers)
	case opt.generation == 0:
		opt.generation = DefaultGeneration
	case opt.generation < 1 || opt.generation > 4096:
		return fmt.Errorf("attack: generation unit %d: give a size from 1 to 4096, or 0 for %d", opt.generation, DefaultGeneration)
	}
	r.options = opt
	return nil
}

// resolveFocus maps Config.Focus to archive cells.
func (r *resolved) resolveFocus() error {
	if len(r.Focus) == 0 {
		r.focus = make([]int, len(r.targets))
		for i := range r.focus {
			r.focus[i] = i
		}
		return nil
	}
	r.inFocus = make([]bool, len(r.targets))
	for _, f := range r.Focus {
		i, ok := slices.BinarySearch(r.targets, f)
		if !ok {
			return fault.Invalidf("", "focus class %d is not one of the target classes", f)
		}
		r.inFocus[i] = true
	}
	for i, in := range r.inFocus {
		if in {
			r.focus = append(r.focus, i)
		}
	}
	return nil
}

// Run searches for images that s assigns to each target class with high
// confidence. It stops when every target reaches cfg.Threshold, when
// cfg.MaxEvals images were scored, or when ctx is done (its deadline is the
// time budget), and returns within about a second of ctx being done with
// everything found so far and a nil error. A Scorer whose run ctx aborted
// may return an error that wraps ctx's error; that ends the search the same
// way. Errors are invalid configurations, with a nil Result, and failures
// of the Scorer, with the Result of what was scored before the failure
// (Stopped is StoppedError).
func Run(ctx context.Context, s Scorer, cfg Config) (*Result, error) {
	return run(ctx, s, cfg, options{})
}

// run is Run with the options only tests change.
func run(ctx context.Context, s Scorer, cfg Config, opt options) (*Result, error) {
	c, h, w, k := s.Shape()
	if c != 1 && c != 3 || h < 1 || w < 1 || k < 1 {
		return nil, fmt.Errorf("attack: scorer shape %d×%d×%d with %d classes: need 1 or 3 channels and at least one class", c, h, w, k)
	}
	if s.BatchSize() < 1 {
		return nil, fmt.Errorf("attack: scorer batch size %d", s.BatchSize())
	}
	r, err := resolve(cfg, k)
	if err == nil {
		err = r.setOptions(opt)
	}
	if err != nil {
		return nil, err
	}
	e, err := newEngine(ctx, s, r)
	if err != nil {
		return nil, err
	}
	var alg algorithm
	switch r.Algorithm {
	case AlgorithmPaper:
		alg = newPaper(e)
	default:
		alg = newClimb(e)
	}
	if err := e.run(alg); err != nil {
		e.stopped = StoppedError
		return e.result(), err
	}
	return e.result(), nil
}
