package attack

import (
	"context"
	"errors"
	"testing"
)

// flaggingScorer is a linearScorer that flags every image it scores as
// having given a NaN output (see finiteRows) while scoring it as usual,
// and, from its call failAt on (when set), returns a judged error after
// scoring, as a classifier does when too many outputs were not finite.
type flaggingScorer struct {
	*linearScorer
	rows          []bool
	scored, calls int
	failAt        int
}

func (s *flaggingScorer) Score(imgs []float32, n int, conf []float32) error {
	if err := s.linearScorer.Score(imgs, n, conf); err != nil {
		return err
	}
	s.rows = make([]bool, n)
	for i := range s.rows {
		s.rows[i] = true
	}
	s.scored += n
	if s.calls++; s.failAt > 0 && s.calls >= s.failAt {
		return judgedError{}
	}
	return nil
}

func (s *flaggingScorer) NonFiniteRows() []bool { return s.rows }

// judgedError is an error returned after the images were scored.
type judgedError struct{}

func (judgedError) Error() string   { return "too many NaN outputs" }
func (judgedError) ScoredAll() bool { return true }

// TestNonFiniteCountsEvaluations: the images flagged as not finite are
// counted among the evaluations only, not among the images scored after
// the last class fell, which are no evaluations; and a judged error stops
// the search after the chunk it judged is counted, so that the figures a
// report gives for such images agree with its evaluations.
func TestNonFiniteCountsEvaluations(t *testing.T) {
	for _, alg := range []string{AlgorithmDefault, AlgorithmPaper} {
		t.Run(alg, func(t *testing.T) {
			s := &flaggingScorer{linearScorer: fakeDemo(64)}
			res, err := Run(context.Background(), s, Config{Algorithm: alg, Encoding: EncodingDirect, Threshold: 0.9, MaxEvals: 20000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			if res.Stopped != StoppedAllReached || int64(s.scored) <= res.Evaluations {
				t.Fatalf("stopped %s after %d evaluations of %d images scored; want every class reached mid-chunk", res.Stopped, res.Evaluations, s.scored)
			}
			if res.NonFinite != res.Evaluations {
				t.Errorf("%d non-finite images of %d evaluations (%d scored), want every evaluation", res.NonFinite, res.Evaluations, s.scored)
			}

			j := &flaggingScorer{linearScorer: fakeDemo(64), failAt: 2}
			res, err = Run(context.Background(), j, Config{Algorithm: alg, Encoding: EncodingDirect, Threshold: 0.9999, MaxEvals: 20000, Seed: 1})
			if !errors.Is(err, judgedError{}) || res == nil {
				t.Fatalf("got %v, want the judged error with a result", err)
			}
			if res.Evaluations != int64(j.scored) || res.NonFinite != res.Evaluations {
				t.Errorf("judged: %d evaluations, %d non-finite, %d images scored; want the judged chunk counted", res.Evaluations, res.NonFinite, j.scored)
			}
		})
	}
}
