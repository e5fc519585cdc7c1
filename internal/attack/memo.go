package attack

import (
	"math"
	"slices"
	"unsafe"
)

// memo remembers the confidences of the images a search scored most
// recently, keyed by a fingerprint of the image as the model receives it,
// so that an image the search proposes again is answered without querying
// the model. A search repeats itself more often than one might think: a
// circular shift by a whole tile, a nudge of a weight whose node saturates,
// a patch that paints a colour the image already has. On MobileNetV2 int8
// one image in fourteen of the default search's first 150,000 was a repeat
// and four in five of those repeated one of the last 4,096 images; on
// mnist-8 one in ten (docs/measurements.md, "Repeated images").
//
// The memo changes what a search costs, never what it finds: a repeat
// gets the confidences the model gave the same input before, and the
// search goes on as if it had been scored again. Evaluations count the
// model's queries only.
type memo struct {
	k    int
	slot map[uint64]int32
	// keys and conf form a ring of size entries, the oldest overwritten
	// first. They and slot grow as entries come rather than at once: a
	// whole ring is 65,536 entries below 128 classes, and allocating and
	// clearing it (with the map's table, about 5 MB at 10 classes) took
	// as long as a whole search of a fast MNIST model, which stores a
	// few hundred entries, and 4% to 11% of the searches of the others
	// measured (docs/measurements.md, "The search's own costs on small
	// models"). conf is kept in blocks of memoBlock
	// entries, made as the ring first reaches them, so that growing it
	// copies nothing and leaves no garbage: 32 MB of confidences at 1000
	// classes, grown by doubling, had raised a MobileNetV2 search's peak
	// memory by 55 MB.
	keys         []uint64
	conf         [][]float32
	size         int
	next, filled int
	// run counts the repeats since the last query; off is set once a run
	// reaches maxRepeatRun, after which every image is queried (see
	// maxRepeatRun).
	run int
	off bool
}

// memoBytes bounds the memo's confidences; memoMin and memoMax bound its
// entries. With 1000 classes that keeps the last 8,192 images (32 MB),
// which held nine in ten of MobileNetV2's repeats.
const (
	memoBytes = 32 << 20
	memoMin   = 1 << 10
	memoMax   = 1 << 16
	// memoFirst is how many keys the ring first makes room for, and
	// memoBlock how many entries' confidences a block holds.
	memoFirst = 256
	memoBlock = 256
)

// maxRepeatRun is how many repeats in a row turn the memo off for the rest
// of the search. A search that proposes nothing but images it has scored
// would otherwise spin without spending its evaluation budget; with the
// memo off it spends it as every search did before the memo. No search
// measured came near: the worst, mnist-nhwc-wuhan-sm stalled on a class it
// cannot reach, repeated about one image in two.
const maxRepeatRun = 1 << 16

func newMemo(k int) *memo {
	n := min(memoMax, max(memoMin, memoBytes/(4*max(k, 1))))
	return &memo{k: k, slot: make(map[uint64]int32), size: n}
}

// lookup copies the remembered confidences of the image with fingerprint fp
// into dst and reports whether there were any.
func (m *memo) lookup(fp uint64, dst []float32) bool {
	if m.off {
		return false
	}
	i, ok := m.slot[fp]
	if !ok {
		return false
	}
	copy(dst, m.entry(int(i)))
	return true
}

// entry returns the confidences of entry i.
func (m *memo) entry(i int) []float32 {
	j := i % memoBlock * m.k
	return m.conf[i/memoBlock][j : j+m.k]
}

// repeated records an image answered by lookup or by an identical image of
// the same chunk; queried records an image the model scored.
func (m *memo) repeated() {
	if m.run++; m.run >= maxRepeatRun {
		m.off = true
		clear(m.slot)
	}
}

func (m *memo) queried() { m.run = 0 }

// store remembers conf (k confidences) for the image with fingerprint fp.
func (m *memo) store(fp uint64, conf []float32) {
	if m.off {
		return
	}
	i := m.next
	m.next = (m.next + 1) % m.size
	if m.filled == m.size {
		if old := m.keys[i]; m.slot[old] == int32(i) {
			delete(m.slot, old)
		}
		m.keys[i] = fp
	} else {
		// Until the ring is full, entry i is the next one appended.
		// Doubling, and taking all keys once a doubling would pass
		// half of them, keeps append from overshooting the ring.
		if m.filled == cap(m.keys) {
			n := max(memoFirst, 2*m.filled)
			if 2*n > m.size {
				n = m.size
			}
			m.keys = slices.Grow(m.keys, n-m.filled)
		}
		if i%memoBlock == 0 {
			m.conf = append(m.conf, make([]float32, min(memoBlock, m.size-i)*m.k))
		}
		m.filled++
		m.keys = append(m.keys, fp)
	}
	copy(m.entry(i), conf)
	m.slot[fp] = int32(i)
}

// imageKey hashes img bit for bit (so 0 and -0 differ, as they may to a
// model) with a fixed function, so that a search's course does not depend
// on the process; four independent lanes keep the multiplications from
// waiting on each other. A collision of two different images, which would
// give one the other's confidences, has a chance of about n²/2⁶⁵ over n
// images: under 10⁻⁹ for a million.
func imageKey(img []float32) uint64 {
	const (
		p1 = 0x9e3779b97f4a7c15
		p2 = 0xc2b2ae3d27d4eb4f
	)
	h0, h1, h2, h3 := uint64(p1), uint64(p2), uint64(p1^p2), uint64(p1>>1)
	n := len(img) &^ 7
	// The values as words of two, in the machine's byte order: keys
	// only say which images are equal, which no byte order changes.
	words := unsafe.Slice((*uint64)(unsafe.Pointer(unsafe.SliceData(img))), n/2)
	for i := 0; i < len(words); i += 4 {
		v := words[i : i+4 : i+4]
		h0 = (h0 ^ v[0]) * p1
		h1 = (h1 ^ v[1]) * p1
		h2 = (h2 ^ v[2]) * p1
		h3 = (h3 ^ v[3]) * p1
		h0 ^= h0 >> 29
		h1 ^= h1 >> 29
		h2 ^= h2 >> 29
		h3 ^= h3 >> 29
	}
	x := uint64(len(img))
	for i := n; i < len(img); i++ {
		x = (x ^ uint64(math.Float32bits(img[i]))) * p2
	}
	for _, v := range [4]uint64{h0, h1, h2, h3} {
		x = (x ^ v) * p2
		x ^= x >> 32
	}
	return x
}
