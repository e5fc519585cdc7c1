package attack

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestUnreachableTiedClass searches a model with class 3's logit repeated
// as an eleventh class: classes 3 and 10 always tie, so neither can pass
// one half. Both must be marked bounded, each with the other as partner
// and a ceiling near one half; every other class is fooled and carries no
// mark.
func TestUnreachableTiedClass(t *testing.T) {
	c := fakeDemo(64).withCopy(3)
	for _, alg := range []string{AlgorithmDefault, AlgorithmPaper} {
		t.Run(alg, func(t *testing.T) {
			res, err := Run(context.Background(), c, Config{Algorithm: alg, Encoding: EncodingDirect, Threshold: 0.99, MaxEvals: 6000, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			for _, cl := range res.Classes {
				u := cl.Unreachable
				switch cl.Index {
				case 3, 10:
					if cl.Reached || u == nil {
						t.Fatalf("class %d: reached %v, confidence %.4f, unreachable %+v; want marked unreachable", cl.Index, cl.Reached, cl.Confidence, u)
					}
					// The tie makes the logits span 9 of 10
					// dimensions, over which the class's softmax
					// peaks at one half.
					if u.Kind != UnreachableBounded || u.Rank != 9 || u.Ceiling < 0.49 || u.Ceiling > 0.5001 || u.Images != res.Evaluations {
						t.Errorf("class %d: %+v, want bounded by rank 9 at 0.5 from %d images", cl.Index, *u, res.Evaluations)
					}
				default:
					if u != nil {
						t.Errorf("class %d (confidence %.4f, reached %v): marked %+v", cl.Index, cl.Confidence, cl.Reached, *u)
					}
				}
			}
		})
	}
}

// TestUnreachableJudge covers the rules besides the rank bound: a dead
// class, a class still rising, many classes without patterns, too few
// images, and scores that do not sum to one (sigmoid), which bound nothing.
func TestUnreachableJudge(t *testing.T) {
	feed := func(p *rangeProbe, n int, row []float32) {
		for range n {
			p.observe(row)
		}
	}
	dead := newRangeProbe(3, 3, true)
	feed(dead, 3000, []float32{1e-7, 0.5, 0.5})
	if u := dead.judge(0, 1e-7, []Point{{Evaluations: 1, Confidence: 1e-7}}, 3000, 0.99); u == nil || u.Kind != UnreachableDead {
		t.Errorf("dead class: %+v, want dead", u)
	}
	if u := dead.judge(0, 5e-5, []Point{{Evaluations: 1, Confidence: 1e-7}, {Evaluations: 2900, Confidence: 5e-5}}, 3000, 0.99); u != nil {
		t.Errorf("a class still rising was marked: %+v", u)
	}
	// On a model of many classes, direct images alone are no evidence.
	manyRow := make([]float32, probePairsMax+1)
	manyRow[0], manyRow[1] = 1e-9, 1
	for _, patterns := range []bool{true, false} {
		many := newRangeProbe(len(manyRow), len(manyRow), patterns)
		feed(many, 3000, manyRow)
		u := many.judge(0, 1e-9, []Point{{Evaluations: 1, Confidence: 1e-9}}, 3000, 0.99)
		if got := u != nil && u.Kind == UnreachableDead; got != patterns {
			t.Errorf("%d classes, patterns scored %v: %+v, want dead %v", len(manyRow), patterns, u, patterns)
		}
	}
	// A confidence of exactly 0 everywhere is an underflow, not a trace.
	zero := newRangeProbe(3, 3, true)
	feed(zero, 3000, []float32{0, 0, 1})
	if u := zero.judge(0, 0, []Point{{Evaluations: 1, Confidence: 0}}, 3000, 0.99); u != nil {
		t.Errorf("a class at exactly 0 was marked: %+v", u)
	}
	few := newRangeProbe(3, 3, true)
	feed(few, 100, []float32{1e-7, 0.5, 0.5})
	if u := few.judge(0, 1e-7, []Point{{Evaluations: 1, Confidence: 1e-7}}, 100, 0.99); u != nil {
		t.Errorf("marked after 100 images: %+v", u)
	}
	// Two patterns span one dimension of two: for softmax outputs that
	// would bound class 0, but these rows sum to more than 1.
	sig := newRangeProbe(3, 3, true)
	feed(sig, 1500, []float32{0.45, 0.45, 0.9})
	feed(sig, 1500, []float32{0.2, 0.45, 0.9})
	if u := sig.judge(0, 0.45, []Point{{Evaluations: 1, Confidence: 0.45}}, 3000, 0.99); u != nil {
		t.Errorf("sigmoid scores bounded a class: %+v", u)
	}
}

// TestUnreachableManyClasses: on a model of 21,843 classes, whose even
// share 1/K is 4.6e-5, a class's best of 8.6e-5 is no trace and is not
// dead, while 1e-6, far under 1/K, is; and after fewer evaluations than
// target classes, most of which were then never tried, no class is judged,
// nor when a shard searched a share of them and the run made fewer than
// its share.
func TestUnreachableManyClasses(t *testing.T) {
	const k = 21843
	row := make([]float32, k)
	for j := range row {
		row[j] = 1 / float32(k)
	}
	for _, tc := range []struct {
		name    string
		targets int
		images  int
		best    float64
		dead    bool
	}{
		{"trace under 1/K", k, 30000, 1e-6, true},
		{"above 1/K", k, 30000, 8.6e-5, false},
		{"just above a tenth of 1/K", k, 30000, 5e-6, false},
		{"fewer evaluations than target classes", k, 3000, 1e-6, false},
		{"a shard's share, tried", 2000, 3000, 1e-6, true},
		{"a shard's share, not tried", 5000, 3000, 1e-6, false},
	} {
		p := newRangeProbe(k, tc.targets, true)
		for range tc.images {
			p.observe(row)
		}
		u := p.judge(0, tc.best, []Point{{Evaluations: 1, Confidence: tc.best}}, int64(tc.images), 0.99)
		if got := u != nil && u.Kind == UnreachableDead; got != tc.dead {
			t.Errorf("%s: %+v, want dead %v", tc.name, u, tc.dead)
		}
	}
}

// TestUnreachableRank feeds the softmax of logits that span two dimensions,
// z = Wᵀu with class weights (1,0), (0,1), (-1,-1) and (0,0): class 3's
// weight lies inside the triangle of the others', so its softmax peaks at
// 1/4 (at u = 0) whatever u is, while class 0 can reach any confidence.
func TestUnreachableRank(t *testing.T) {
	p := newRangeProbe(4, 4, true)
	rng := rand.New(rand.NewPCG(1, 1))
	for range 3000 {
		u1, u2 := 4*rng.NormFloat64(), 4*rng.NormFloat64()
		z := []float64{u1, u2, -u1 - u2, 0}
		var s float64
		for _, v := range z {
			s += math.Exp(v)
		}
		row := make([]float32, 4)
		for j, v := range z {
			row[j] = float32(math.Exp(v) / s)
		}
		p.observe(row)
	}
	u := p.judge(3, 0.2, []Point{{Evaluations: 5, Confidence: 0.2}}, 3000, 0.99)
	if u == nil || u.Kind != UnreachableBounded || u.Rank != 2 || math.Abs(u.Ceiling-0.25) > 1e-6 {
		t.Fatalf("class 3: %+v, want bounded at 0.25 by rank 2", u)
	}
	if u := p.judge(0, 0.2, []Point{{Evaluations: 5, Confidence: 0.2}}, 3000, 0.99); u != nil {
		t.Errorf("class 0, which can reach any confidence, marked: %+v", u)
	}
}

// BenchmarkRangeProbe measures what the unreachable-class analysis adds to
// every scored image, for 10 and 64 classes (the most it keeps moments for)
// and 1000 (counting only).
func BenchmarkRangeProbe(b *testing.B) {
	for _, k := range []int{10, 64, 1000} {
		b.Run(fmt.Sprint(k), func(b *testing.B) {
			p := newRangeProbe(k, k, true)
			row := make([]float32, k)
			for j := range row {
				row[j] = 1 / float32(k)
			}
			for b.Loop() {
				p.observe(row)
			}
		})
	}
}
