package attack

import (
	"math"
	"time"
)

// historyStep is the smallest rise in log-odds that gets its own history
// point; it bounds a class's history to a few thousand points however long
// the run, while keeping every visible step of the curve.
const historyStep = 0.01

// cell is one class's slot in a MAP-Elites archive: the best image seen for
// that class and how good it is.
type cell struct {
	elite *genome
	// conf is the elite's confidence for the class, and others the sum of
	// its other classes' confidences. Comparing conf and, on ties, others
	// orders images as the class margin log(conf/others) does while
	// staying exact where conf rounds to 1 in float32.
	conf   float32
	others float64

	// Bookkeeping for results, kept only in the engine's archive.
	reached bool
	evalsAt int64
	timeAt  time.Duration
	history []Point
	// lastLogit is the margin at the last history point, and takenAt the
	// evaluation number of the current elite.
	lastLogit float64
	takenAt   int64
}

// margin returns log(conf/others), the class's log-odds for softmax outputs.
func margin(conf float32, others float64) float64 {
	return math.Log(float64(conf)) - math.Log(others)
}

// othersSum returns the sum of row's confidences except class c, in float64
// so that many tiny values keep their precision.
func othersSum(row []float32, c int) float64 {
	var s float64
	for j, v := range row {
		if j != c {
			s += float64(v)
		}
	}
	return s
}

// rowTotal returns the sum of all of row's confidences, in float64 as
// othersSum sums them.
func rowTotal(row []float32) float64 {
	var s float64
	for _, v := range row {
		s += float64(v)
	}
	return s
}

// othersOf returns the sum of row's confidences except class c, given total
// from rowTotal. An image may take every cell, so summing the rest of the
// row for each would cost O(K²) per image; total minus the class's own
// confidence costs O(1) and, while that confidence is at most half the
// total, loses only an ulp or two to the subtraction. Above half, the
// subtraction cancels: a confidence that rounds to 1 in float32 leaves
// others tiny or zero, and ties between such images are decided on exactly
// that difference, so others is summed again without c, as before. At most
// one class of a row holds more than half its total, so a row still costs
// O(K).
func othersOf(row []float32, c int, total float64) float64 {
	if p := float64(row[c]); p <= total/2 {
		return total - p
	}
	return othersSum(row, c)
}

// archive holds one cell per target class. Every scored image competes for
// every cell: it takes cell y if the cell is empty or its confidence for y
// beats the elite's, so one image may hold several cells.
type archive struct {
	targets []int
	cells   []cell
	// occupied lists the indices of non-empty cells in the order they
	// were first filled, for uniform parent selection.
	occupied []int32

	// track turns on results bookkeeping: threshold crossings and
	// history, at evaluation numbers passed to offer and time now.
	track     bool
	threshold float64
	now       time.Duration
	reached   int
	// focus marks the cells whose reaching the threshold ends the search
	// (nil: every cell), focusCells counts them and focusReached counts
	// those that reached it.
	focus        []bool
	focusCells   int
	focusReached int
}

func newArchive(targets []int) *archive {
	return &archive{targets: targets, cells: make([]cell, len(targets)), focusCells: len(targets)}
}

// setFocus makes only the cells marked in focus (nil: every cell) count
// towards done.
func (a *archive) setFocus(focus []bool, cells int) {
	a.focus, a.focusCells = focus, cells
}

// done reports whether every focus cell reached the threshold.
func (a *archive) done() bool { return a.focusReached == a.focusCells }

// inFocus reports whether cell i is a focus cell.
func (a *archive) inFocus(i int) bool { return a.focus == nil || a.focus[i] }

// beats reports whether an image with confidence p for class c (row holds
// all its confidences, total their sum) should replace cell's elite. It also
// returns the sum of the image's other confidences when it computed it (NaN
// otherwise).
func (cl *cell) beats(p float32, row []float32, c int, total float64) (bool, float64) {
	if cl.elite == nil || p > cl.conf {
		return true, math.NaN()
	}
	if p < cl.conf {
		return false, math.NaN()
	}
	o := othersOf(row, c, total)
	return o < cl.others, o
}

// put makes g the elite of cell i. others may be NaN if not yet computed.
func (a *archive) put(i int, g *genome, p float32, others float64, row []float32, total float64) {
	cl := &a.cells[i]
	if math.IsNaN(others) {
		others = othersOf(row, a.targets[i], total)
	}
	if cl.elite == nil {
		a.occupied = append(a.occupied, int32(i))
	}
	hold(g)
	drop(cl.elite)
	cl.elite, cl.conf, cl.others = g, p, others
}

// offer lets image g (its confidences in row, scored as evaluation number
// eval) compete for every cell. It returns how many cells it took and
// whether it took cell want (-1 for none).
func (a *archive) offer(g *genome, row []float32, eval int64, want int) (took int, tookWant bool) {
	total := rowTotal(row)
	for i, c := range a.targets {
		p := row[c]
		if ok, o := a.cells[i].beats(p, row, c, total); ok {
			a.put(i, g, p, o, row, total)
			if a.track {
				a.record(i, eval)
			}
			took++
			tookWant = tookWant || i == want
		}
	}
	return took, tookWant
}

// record updates cell i's results bookkeeping after its elite changed at
// evaluation number eval: threshold crossing and history.
func (a *archive) record(i int, eval int64) {
	cl := &a.cells[i]
	cl.takenAt = eval
	newly := !cl.reached && float64(cl.conf) >= a.threshold
	if newly {
		cl.reached, cl.evalsAt, cl.timeAt = true, eval, a.now
		a.reached++
		if a.inFocus(i) {
			a.focusReached++
		}
	}
	// Margins keep rising after the confidence rounds to 1, but only
	// visible changes make points.
	m := margin(cl.conf, cl.others)
	h := cl.history
	if len(h) == 0 || newly || m >= cl.lastLogit+historyStep && float64(cl.conf) > h[len(h)-1].Confidence {
		cl.history = append(cl.history, Point{Evaluations: eval, Confidence: float64(cl.conf)})
		cl.lastLogit = m
	}
}

// finalHistory returns cell i's history ending with its current elite's
// confidence.
func (a *archive) finalHistory(i int) []Point {
	cl := &a.cells[i]
	h := cl.history
	if cl.elite != nil && (len(h) == 0 || h[len(h)-1].Confidence < float64(cl.conf)) {
		h = append(h, Point{Evaluations: cl.takenAt, Confidence: float64(cl.conf)})
	}
	return h
}
