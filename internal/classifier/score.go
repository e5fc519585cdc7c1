// Scoring: images in, class confidences out, through preallocated
// bindings, in line or with a background pipeline for large batches.

package classifier

import (
	"fmt"
	"math"
	"slices"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
	"github.com/fooltest/fooltest/internal/panics"
)

// NonFinite returns how many model outputs were NaN or ±Inf so far; they
// count as confidence 0.
func (c *Classifier) NonFinite() int64 { return c.nonFinite }

// Score writes the n×K confidences of n canonical images (n×C×H×W values in
// [0,1]) into conf. Batches are padded to the chosen batch size.
func (c *Classifier) Score(imgs []float32, n int, conf []float32) error {
	per, k := c.in.c*c.in.h*c.in.w, c.out.k
	if len(imgs) < n*per || len(conf) < n*k {
		return fmt.Errorf("classifier: %d images need %d pixels and %d confidences, got %d and %d", n, n*per, n*k, len(imgs), len(conf))
	}
	c.resetRows(n)
	if c.spare != nil && n > c.batch.size {
		return c.scorePipelined(imgs, n, conf)
	}
	if err := c.scoreInline(imgs, n, conf, c.rowBad); err != nil {
		return err
	}
	return c.nonFiniteErr(nonFiniteMinImages)
}

// resetRows makes rowBad n rows, none of them bad.
func (c *Classifier) resetRows(n int) {
	c.rowBad = slices.Grow(c.rowBad[:0], n)[:n]
	clear(c.rowBad)
}

// scoreInline is Score one batch after another, without the pipeline and
// without judging the outputs' finiteness; rows marks the images whose
// outputs were not finite, when not nil.
func (c *Classifier) scoreInline(imgs []float32, n int, conf []float32, rows []bool) error {
	per, k, size := c.in.c*c.in.h*c.in.w, c.out.k, c.batch.size
	for off := 0; off < n; off += size {
		m := min(size, n-off)
		b, err := c.smallBinding(c.runSize(m))
		if err != nil {
			return err
		}
		c.fill(b.input.GetData(), imgs[off*per:(off+m)*per], m)
		if err := c.run(b); err != nil {
			return err
		}
		c.confidences(b.output.GetData(), m, conf[off*k:(off+m)*k], rowsOf(rows, off, m))
	}
	return nil
}

// rowsOf is rows[off:off+m], or nil when rows is.
func rowsOf(rows []bool, off, m int) []bool {
	if rows == nil {
		return nil
	}
	return rows[off : off+m]
}

// scorePipelined is Score for more than one batch with a pipeline. The
// runtime leaves a core idle for much of a run, so while batch i runs, the
// pipeline goroutine turns batch i-1's outputs into confidences and fills
// batch i+1 into the spare binding; only the first fill and the last
// confidences remain between runs.
func (c *Classifier) scorePipelined(imgs []float32, n int, conf []float32) error {
	per, k, size := c.in.c*c.in.h*c.in.w, c.out.k, c.batch.size
	c.fill(c.batch.input.GetData(), imgs[:size*per], size)
	for off := 0; ; off += size {
		b := c.batch
		var j pipeJob
		if off > 0 {
			// The previous batch was full: only the last can be partial.
			j.raw, j.conf, j.rows, j.bad = c.spare.output.GetData(), conf[(off-size)*k:off*k], size, c.rowBad[off-size:off]
		}
		next := off + size
		if next < n {
			j.m = min(size, n-next)
			j.dst, j.src, j.pad = c.spare.input.GetData(), imgs[next*per:(next+j.m)*per], b.input.GetData()
		}
		c.jobs <- j
		// Wait even after an error or a panic of the run: the goroutine
		// must be idle when Score returns or its panic goes on, since it
		// writes into conf and the spare binding.
		var err error
		func() {
			defer func() {
				if r := recover(); r != nil {
					// The run's panic is the one to report; a panic
					// of the goroutine's at the same time is dropped.
					c.pipelineWait()
					panic(panics.From(r))
				}
			}()
			err = c.run(b)
		}()
		c.pipelineDone()
		if err != nil {
			return err
		}
		if next >= n {
			c.confidences(b.output.GetData(), n-off, conf[off*k:n*k], c.rowBad[off:n])
			return c.nonFiniteErr(nonFiniteMinImages)
		}
		c.batch, c.spare = c.spare, c.batch
	}
}

// InputAffine reports how canonical values become model inputs when the
// input is planar (NCHW, or one channel): value*mul[ch] + add[ch], computed
// in float32 exactly so. ok is false for inputs that interleave channels,
// take them in BGR order or take uint8 pixels, which only Score handles.
func (c *Classifier) InputAffine() (mul, add []float32, ok bool) {
	if !c.planar() || c.bgr || c.pixels {
		return nil, nil, false
	}
	return slices.Clone(c.mul), slices.Clone(c.add), true
}

// planar reports whether the model takes each channel as one plane, as
// canonical images hold them.
func (c *Classifier) planar() bool { return c.in.layout != NHWC || c.in.c == 1 }

// ScoreInputs is Score for images that the caller already wrote in the
// model's input format (see InputAffine): inputs is handed to the runtime
// as it is, which saves Score's copy of every image. inputs must hold whole
// batches, rows past n being padding, and must not change until
// ScoreInputs returns. Each batch-sized part of inputs is bound once, by
// its address, so callers should score from a few fixed buffers; a binding
// keeps its buffer alive until the classifier releases it (at 256 bindings
// or 64 MB of buffers) or closes.
func (c *Classifier) ScoreInputs(inputs []float32, n int, conf []float32) error {
	return c.scoreInputs(inputs, n, conf, maxInplaceBytes)
}

// scoreInputs is ScoreInputs keeping bindings of at most maxBytes of
// buffers, so that tests can reach that bound with small buffers.
func (c *Classifier) scoreInputs(inputs []float32, n int, conf []float32, maxBytes int) error {
	per, k, w, size := c.in.c*c.in.h*c.in.w, c.out.k, c.out.width(), c.batch.size
	if !c.planar() {
		return fmt.Errorf("classifier: ScoreInputs needs a planar input, %q is NHWC", c.in.name)
	}
	if c.bgr {
		return fmt.Errorf("classifier: ScoreInputs needs inputs in canonical channel order, %q takes BGR", c.in.name)
	}
	full := (n + size - 1) / size * size
	if n < 1 || len(inputs) < full*per || len(conf) < n*k {
		return fmt.Errorf("classifier: %d images in batches of %d need %d input values and %d confidences, got %d and %d", n, size, full*per, n*k, len(inputs), len(conf))
	}
	// The runs go back to back and confidences come after them all: the
	// runtime's threads stop spinning when a run returns (see configure),
	// and work between runs left them asleep for the next one.
	c.resetRows(n)
	if cap(c.raw) < n*w {
		c.raw = make([]float32, n*w)
	}
	c.raw = c.raw[:n*w]
	for off := 0; off < n; off += size {
		run := c.runSize(n - off)
		b, err := c.bindInplace(inputs[off*per:(off+run)*per], maxBytes)
		if err != nil {
			return err
		}
		if err := c.run(b); err != nil {
			return err
		}
		m := min(size, n-off)
		copy(c.raw[off*w:(off+m)*w], b.output.GetData())
	}
	c.confidences(c.raw, n, conf, c.rowBad)
	return c.nonFiniteErr(nonFiniteMinImages)
}

// ScoreInputs keeps at most maxInplace bindings holding at most
// maxInplaceBytes of callers' buffers; past either bound it releases them
// all and binds again as needed. A search scores from two buffers of at
// most 16 MB, so neither bound is reached within one search, while
// searches run one after another on one classifier do not pin the buffers
// of finished ones for long.
const (
	maxInplace      = 256
	maxInplaceBytes = 64 << 20
)

// bindInplace returns the binding of one batch of a caller's buffer,
// releasing every binding first when one more would hold over maxBytes.
func (c *Classifier) bindInplace(in []float32, maxBytes int) (*binding, error) {
	per := c.in.c * c.in.h * c.in.w
	size := len(in) / per
	key := inplaceKey{&in[0], size}
	if b, ok := c.inplace[key]; ok {
		return b, nil
	}
	if len(c.inplace) >= maxInplace || c.inplaceBytes+4*len(in) > maxBytes {
		c.dropInplace()
	}
	if c.inplace == nil {
		c.inplace = make(map[inplaceKey]*binding)
		c.inplaceOut = make(map[int]*ort.Tensor[float32])
	}
	var err error
	out := c.inplaceOut[size]
	if out == nil {
		if out, err = ort.NewEmptyTensor[float32](c.out.shape(size)); err != nil {
			return nil, fault.Environmentf("", "allocating output tensor: %s", onnxcheck.RuntimeMessage(err.Error()))
		}
		c.inplaceOut[size] = out
	}
	b := &binding{size: size, output: out}
	if b.input, err = ort.NewTensor(c.in.shape(size), in); err != nil {
		return nil, fault.Environmentf("", "binding input tensor: %s", onnxcheck.RuntimeMessage(err.Error()))
	}
	b.bind()
	c.inplace[key] = b
	c.inplaceBytes += 4 * len(in)
	return b, nil
}

// inplaceKey identifies a caller's buffer bound for ScoreInputs: its first
// value and its size in images.
type inplaceKey struct {
	at   *float32
	size int
}

// runSize returns the batch size a chunk of m images runs at: the batch,
// or for a model that takes any batch (flex), the least power of two that
// holds them.
func (c *Classifier) runSize(m int) int {
	size := c.batch.size
	if !c.flex || m >= size {
		return size
	}
	p := 1
	for p < m {
		p *= 2
	}
	return min(p, size)
}

// smallBinding returns Score's binding of size images, made on first use.
func (c *Classifier) smallBinding(size int) (*binding, error) {
	if size == c.batch.size {
		return c.batch, nil
	}
	if b := c.small[size]; b != nil {
		return b, nil
	}
	b, err := c.newBinding(size)
	if err != nil {
		return nil, err
	}
	if c.small == nil {
		c.small = make(map[int]*binding)
	}
	c.small[size] = b
	return b, nil
}

// dropInplace releases ScoreInputs' bindings, but not their shared output.
func (c *Classifier) dropInplace() {
	for key, b := range c.inplace {
		b.output = nil
		b.destroy()
		delete(c.inplace, key)
	}
	c.inplaceBytes = 0
}

// fill writes m canonical images into the input tensor in the model's layout
// and preprocessing. Rows past m keep what they held: they are padding.
func (c *Classifier) fill(dst, src []float32, m int) {
	ch, hw := c.in.c, c.in.h*c.in.w
	per := ch * hw
	for i := range m {
		s, d := src[i*per:(i+1)*per], dst[i*per:(i+1)*per]
		if !c.planar() {
			if c.bgr {
				// Three channels (see open), each the other way round.
				for p := range hw {
					for cc := range 3 {
						d[p*3+cc] = s[(2-cc)*hw+p]*c.mul[cc] + c.add[cc]
					}
				}
				continue
			}
			for p := range hw {
				for cc := range ch {
					d[p*ch+cc] = s[cc*hw+p]*c.mul[cc] + c.add[cc]
				}
			}
			continue
		}
		for cc := range ch {
			mul, add := c.mul[cc], c.add[cc]
			sc := cc
			if c.bgr {
				sc = 2 - cc
			}
			sp, dp := s[sc*hw:(sc+1)*hw], d[cc*hw:(cc+1)*hw]
			for p, v := range sp {
				dp[p] = v*mul + add
			}
		}
	}
	if c.pixels {
		pixelRound(dst[:m*per])
	}
}

// pixelRound rounds values to the whole numbers from 0 to 255 that a uint8
// input holds. The session's Cast truncates, and leaves values out of range
// undefined, so images on the byte grid reach the model as their own bytes
// (b/255 times 255 may come out a hair below b) and any others as the
// nearest byte, as 8-bit image files store them.
func pixelRound(d []float32) {
	for i, v := range d {
		d[i] = float32(math.Round(float64(min(max(v, 0), 255))))
	}
}

// confidences turns m rows of raw outputs into confidences, marking in
// rows (when not nil) those with a NaN or ±Inf output.
func (c *Classifier) confidences(raw []float32, m int, conf []float32, rows []bool) {
	k, w := c.out.k, c.out.width()
	// Scores read as they are, percentages as a hundredth of each.
	div := float32(1)
	if c.info.OutputKind == Percentages {
		div = 100
	}
	for i := range m {
		r, o := raw[i*w:(i+1)*w], conf[i*k:(i+1)*k]
		var bad int64
		switch {
		case c.out.binary:
			bad = binaryConfidences(r[0]/div, c.info.OutputKind == Logits || c.info.OutputKind == MultiLabelLogits, o)
		case c.info.OutputKind == Logits:
			bad = softmax(r, o)
		case c.info.OutputKind == MultiLabelLogits:
			for j, v := range r {
				if !finite(v) {
					bad++
					o[j] = 0
					continue
				}
				o[j] = float32(1 / (1 + math.Exp(-float64(v))))
			}
		default:
			for j, v := range r {
				if !finite(v) {
					bad++
					v = 0
				}
				o[j] = min(max(v/div, 0), 1)
			}
		}
		c.nonFinite += bad
		if bad > 0 {
			c.badImages++
			if rows != nil {
				rows[i] = true
			}
		}
	}
	c.scored += int64(m)
}

// binaryConfidences writes the confidences of a binary classifier's score
// v into o: class 1 gets the score (its sigmoid, for a logit: the softmax
// of the logits 0 and v) and class 0 the rest. A non-finite score gives
// both 0 and is counted.
func binaryConfidences(v float32, logit bool, o []float32) int64 {
	switch {
	case !finite(v):
		o[0], o[1] = 0, 0
		return 1
	case logit:
		// Each side from its own exponential, so that a class near 1
		// keeps its distance from 1 in float32.
		o[1] = float32(1 / (1 + math.Exp(-float64(v))))
		o[0] = float32(1 / (1 + math.Exp(float64(v))))
	default:
		p := min(max(v, 0), 1)
		o[0], o[1] = 1-p, p
	}
	return 0
}

// softmax writes the softmax of the finite logits in r to o; non-finite
// logits get probability 0 and are counted.
func softmax(r, o []float32) int64 {
	var bad int64
	hi := float32(math.Inf(-1))
	for _, v := range r {
		if finite(v) && v > hi {
			hi = v
		} else if !finite(v) {
			bad++
		}
	}
	var sum float32
	for j, v := range r {
		if !finite(v) {
			o[j] = 0
			continue
		}
		e := float32(math.Exp(float64(v - hi)))
		o[j] = e
		sum += e
	}
	if sum > 0 {
		inv := 1 / sum
		for j := range o {
			o[j] *= inv
		}
	}
	return bad
}

func finite(v float32) bool { return v-v == 0 }
