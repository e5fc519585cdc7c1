// Package classifier scores canonical images with a user's ONNX image
// classifier through ONNX Runtime: it detects the model's input layout and
// output, maps canonical images (float32 in [0,1], planar C×H×W) to the
// model's preprocessing, runs batches through preallocated tensors, and turns
// the outputs into class confidences.
package classifier

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// OutputKind says how a model's raw outputs become confidences.
type OutputKind string

// The output kinds. Auto decides between Probabilities and Logits on a probe
// batch.
const (
	Auto          OutputKind = "auto"
	Probabilities OutputKind = "probabilities"
	Logits        OutputKind = "logits"
	Sigmoid       OutputKind = "sigmoid"
)

// ParseOutputKind validates --output-kind.
func ParseOutputKind(s string) (OutputKind, error) {
	switch k := OutputKind(s); k {
	case Auto, Probabilities, Logits, Sigmoid:
		return k, nil
	case "":
		return Auto, nil
	}
	return "", exitcode.Usagef("unknown --output-kind %q: use auto, probabilities, logits or sigmoid", s)
}

// Options configure how a model is opened.
type Options struct {
	// Normalization maps canonical pixels to model inputs; the zero value
	// is raw01 (x as it is).
	Normalization Normalization
	// InputShape is the --input-shape C,H,W override; nil to detect.
	InputShape *[3]int
	// Output names the output to read; empty picks the first float
	// output with more than one class.
	Output string
	// OutputKind is how outputs become confidences; empty means Auto.
	OutputKind OutputKind
	// Batch fixes the batch size; 0 auto-tunes it.
	Batch int
	// Threads is ONNX Runtime's intra-op thread count; 0 means one per CPU.
	Threads int
	// MaxModelBytes refuses larger model files; 0 means no limit.
	MaxModelBytes int64
}

// Info is what was detected about a model and how it will be scored.
type Info struct {
	Input      string  `json:"input"`
	InputShape []int64 `json:"input_shape"`
	Layout     Layout  `json:"layout"`
	Channels   int     `json:"channels"`
	Height     int     `json:"height"`
	Width      int     `json:"width"`
	// FixedBatch is the model's fixed batch size, or 0 when dynamic.
	FixedBatch    int        `json:"fixed_batch"`
	Output        string     `json:"output"`
	OutputShape   []int64    `json:"output_shape"`
	Classes       int        `json:"classes"`
	OutputKind    OutputKind `json:"output_kind"`
	KindDetected  bool       `json:"output_kind_detected"`
	Normalization string     `json:"normalization"`
	Batch         int        `json:"batch"`
	BatchTuned    bool       `json:"batch_tuned"`
	Threads       int        `json:"threads"`
}

// Classifier scores canonical images with one ONNX model. It is not safe for
// concurrent use; Close releases its runtime resources.
type Classifier struct {
	info Info
	in   inputSpec
	out  outputSpec
	sess *ort.DynamicAdvancedSession
	// batch holds what the last fill left in the input tensor, padding
	// rows included. For large inputs, spare is filled with the next batch
	// while batch runs, and the two swap (see scorePipelined).
	batch, spare *binding
	mul, add     []float32
	// jobs and done talk to the pipeline goroutine. They are made once so
	// that Score allocates nothing; jobs is nil without a pipeline and
	// once closed.
	jobs chan pipeJob
	done chan struct{}
	// nonFinite counts model outputs that were NaN or ±Inf.
	nonFinite int64
	// inplace binds callers' buffers for ScoreInputs, by their first
	// value's address; they share one output tensor. A binding keeps its
	// buffer alive, so inplaceBytes counts what they hold, and
	// maxInplaceBytes bounds it (a field so that tests can lower it).
	inplace         map[*float32]*binding
	inplaceOut      *ort.Tensor[float32]
	inplaceBytes    int
	maxInplaceBytes int
	// raw holds ScoreInputs' outputs until their confidences are taken.
	raw []float32
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

// binding holds the preallocated tensors for one batch size, bound once so
// that a run allocates nothing.
type binding struct {
	size   int
	input  *ort.Tensor[float32]
	output *ort.Tensor[float32]
	io     *ort.IoBinding
}

// pipeJob is the pipeline goroutine's work while one batch runs: turn rows
// rows of raw outputs into confidences in conf, when rows > 0, then fill m
// images from src into dst, when m > 0, copying the padding rows past m from
// pad so that dst holds what one tensor filled again and again would hold.
type pipeJob struct {
	raw, conf     []float32
	rows          int
	dst, src, pad []float32
	m             int
}

func (b *binding) destroy() {
	if b == nil {
		return
	}
	if b.io != nil {
		b.io.Destroy()
	}
	if b.input != nil {
		b.input.Destroy()
	}
	if b.output != nil {
		b.output.Destroy()
	}
}

// Open loads the model at path. The path form resolves external data files
// next to the model. LoadRuntime must have succeeded first.
func Open(path string, opts Options) (*Classifier, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, exitcode.Usagef("cannot read model %s: %v: check --model", path, errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, exitcode.Usagef("model %s is not a regular file: give the path of an .onnx file", path)
	}
	if opts.MaxModelBytes > 0 && st.Size() > opts.MaxModelBytes {
		return nil, exitcode.Usagef("model %s is %d bytes, over the %d-byte limit: raise --max-model-bytes if you trust it", path, st.Size(), opts.MaxModelBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, exitcode.Usagef("cannot read model %s: %v: check its permissions", path, errors.Unwrap(err))
	}
	// The model may come from an untrusted pull request: refuse corrupt
	// protobuf and external data outside its folder before the runtime
	// parses it or opens any file it names.
	checked, err := onnxcheck.Check(path, data)
	if err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfo(path)
	if err != nil {
		return nil, checked.LoadError(path, err.Error())
	}
	return open(path, nil, ins, outs, opts)
}

// OpenBytes loads a model held in memory; name is used in messages.
func OpenBytes(name string, model []byte, opts Options) (*Classifier, error) {
	checked, err := onnxcheck.CheckBytes(name, model)
	if err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return nil, checked.LoadError(name, err.Error())
	}
	return open(name, model, ins, outs, opts)
}

func open(name string, data []byte, ins, outs []ort.InputOutputInfo, opts Options) (*Classifier, error) {
	if !ort.IsInitialized() {
		return nil, exitcode.Envf("ONNX Runtime is not loaded")
	}
	in, err := detectInput(ins, opts.InputShape)
	if err != nil {
		return nil, err
	}
	out, err := detectOutput(outs, opts.Output, in)
	if err != nil {
		return nil, err
	}
	mul, add, err := opts.Normalization.perChannel(in.c)
	if err != nil {
		return nil, err
	}
	kind, err := ParseOutputKind(string(opts.OutputKind))
	if err != nil {
		return nil, err
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	if opts.Batch < 0 {
		return nil, exitcode.Usagef("--batch %d: give a positive batch size, or 0 to tune it", opts.Batch)
	}
	if opts.Batch > 0 && in.batch > 0 && opts.Batch != in.batch {
		return nil, exitcode.Usagef("--batch %d: the model's input %q has a fixed batch of %d; omit --batch or pass --batch %d", opts.Batch, in.name, in.batch, in.batch)
	}
	// No custom-op library is ever registered on these options: it would
	// be native code chosen by whoever wrote the model.
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, exitcode.Envf("creating ONNX Runtime session options: %s", oneLine(err.Error()))
	}
	defer so.Destroy()
	if err := configure(so, threads); err != nil {
		return nil, exitcode.Envf("configuring ONNX Runtime session: %s", oneLine(err.Error()))
	}
	var sess *ort.DynamicAdvancedSession
	if data != nil {
		sess, err = ort.NewDynamicAdvancedSessionWithONNXData(data, []string{in.name}, []string{out.name}, so)
	} else {
		sess, err = ort.NewDynamicAdvancedSession(name, []string{in.name}, []string{out.name}, so)
	}
	if err != nil {
		return nil, exitcode.Usagef("model %s cannot be loaded by ONNX Runtime: %s", name, oneLine(err.Error()))
	}
	c := &Classifier{in: in, out: out, sess: sess, mul: mul, add: add, maxInplaceBytes: maxInplaceBytes}
	c.info = Info{
		Input: in.name, InputShape: in.dims, Layout: in.layout,
		Channels: in.c, Height: in.h, Width: in.w, FixedBatch: in.batch,
		Output: out.name, OutputShape: out.dims, Classes: out.k,
		OutputKind: kind, Normalization: opts.Normalization.String(),
		Threads: threads,
	}
	if err := c.chooseBatch(opts.Batch); err != nil {
		c.Close()
		return nil, err
	}
	if kind == Auto {
		if err := c.detectKind(); err != nil {
			c.Close()
			return nil, err
		}
	}
	if c.batch.size*in.c*in.h*in.w >= pipelineValues && threads < runtime.NumCPU() {
		if err := c.startPipeline(); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// pipelineValues is the smallest batch input, in values, that Score fills
// in the background. Handing work to the pipeline goroutine and back costs
// tens of microseconds of thread wake-ups, about what filling 50k values
// takes: on MNIST-sized batches the pipeline was slower than scoring in line.
// The pipeline also needs a core that the runtime's threads leave free:
// with MobileNetV2 at batch 8 on 2 cores and 2 threads, filling in the
// background scored 0.89–0.90 of the raw rate and filling in line 0.92–0.95
// (rounds interleaved in one process), since a fill that preempts a runtime
// thread stalls the whole parallel operator.
const pipelineValues = 1 << 17

// startPipeline makes the spare binding and starts the pipeline goroutine,
// which Close stops.
func (c *Classifier) startPipeline() error {
	var err error
	if c.spare, err = c.newBinding(c.batch.size); err != nil {
		return err
	}
	c.jobs, c.done = make(chan pipeJob), make(chan struct{})
	go c.pipeline(c.jobs, c.done)
	return nil
}

// pipeline runs jobs until jobs is closed, then closes done.
func (c *Classifier) pipeline(jobs <-chan pipeJob, done chan<- struct{}) {
	defer close(done)
	per := c.in.c * c.in.h * c.in.w
	for j := range jobs {
		if j.rows > 0 {
			c.confidences(j.raw, j.rows, j.conf)
		}
		if j.m > 0 {
			c.fill(j.dst, j.src, j.m)
			copy(j.dst[j.m*per:], j.pad[j.m*per:])
		}
		done <- struct{}{}
	}
}

func configure(so *ort.SessionOptions, threads int) error {
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		return err
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		return err
	}
	if err := so.SetExecutionMode(ort.ExecutionModeSequential); err != nil {
		return err
	}
	if err := so.SetGraphOptimizationLevel(ort.GraphOptimizationLevelEnableAll); err != nil {
		return err
	}
	// Workers spin between the operators of a run, which keeps them and
	// their cores awake: on a 2-core virtual machine, MobileNetV2 at
	// batch 8 and the LeNet at batch 64 ran about 5% faster than with
	// workers that sleep whenever an operator ends. They stop spinning
	// when the run returns, so that work between runs (the search renders
	// its next images on every core) does not compete with idle spinners.
	if err := so.AddSessionConfigEntry("session.intra_op.allow_spinning", "1"); err != nil {
		return err
	}
	return so.AddSessionConfigEntry("session.force_spinning_stop", "1")
}

func (c *Classifier) newBinding(size int) (*binding, error) {
	b := &binding{size: size}
	var err error
	if b.input, err = ort.NewEmptyTensor[float32](c.in.shape(size)); err != nil {
		return nil, exitcode.Envf("allocating input tensor: %s", oneLine(err.Error()))
	}
	if b.output, err = ort.NewEmptyTensor[float32](c.out.shape(size)); err != nil {
		b.input.Destroy()
		return nil, exitcode.Envf("allocating output tensor: %s", oneLine(err.Error()))
	}
	if b.io, err = c.sess.CreateIoBinding(); err == nil {
		if err = b.io.BindInput(c.in.name, b.input); err == nil {
			err = b.io.BindOutput(c.out.name, b.output)
		}
	}
	if err != nil {
		b.destroy()
		return nil, exitcode.Envf("binding tensors: %s", oneLine(err.Error()))
	}
	return b, nil
}

// run runs the model once on the bound batch.
func (c *Classifier) run(b *binding) error {
	if err := c.sess.RunWithBinding(b.io); err != nil {
		return exitcode.Envf("the model failed at run time: %s", oneLine(err.Error()))
	}
	return nil
}

// Info returns what was detected about the model.
func (c *Classifier) Info() Info { return c.info }

// Shape implements attack.Scorer.
func (c *Classifier) Shape() (ch, h, w, k int) { return c.in.c, c.in.h, c.in.w, c.out.k }

// BatchSize implements attack.Scorer: the batch size every run uses.
func (c *Classifier) BatchSize() int { return c.batch.size }

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
	b := c.batch
	if c.spare != nil && n > b.size {
		return c.scorePipelined(imgs, n, conf)
	}
	for off := 0; off < n; off += b.size {
		m := min(b.size, n-off)
		c.fill(b.input.GetData(), imgs[off*per:(off+m)*per], m)
		if err := c.run(b); err != nil {
			return err
		}
		c.confidences(b.output.GetData(), m, conf[off*k:(off+m)*k])
	}
	return nil
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
			j.raw, j.conf, j.rows = c.spare.output.GetData(), conf[(off-size)*k:off*k], size
		}
		next := off + size
		if next < n {
			j.m = min(size, n-next)
			j.dst, j.src, j.pad = c.spare.input.GetData(), imgs[next*per:(next+j.m)*per], b.input.GetData()
		}
		c.jobs <- j
		err := c.run(b)
		// Wait even after an error: the goroutine must be idle when
		// Score returns.
		<-c.done
		if err != nil {
			return err
		}
		if next >= n {
			c.confidences(b.output.GetData(), n-off, conf[off*k:n*k])
			return nil
		}
		c.batch, c.spare = c.spare, c.batch
	}
}

// InputAffine reports how canonical values become model inputs when the
// input is planar (NCHW, or one channel): value*mul[ch] + add[ch], computed
// in float32 exactly so. ok is false for inputs that interleave channels,
// which only Score handles.
func (c *Classifier) InputAffine() (mul, add []float32, ok bool) {
	if !c.planar() {
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
	per, k, size := c.in.c*c.in.h*c.in.w, c.out.k, c.batch.size
	if !c.planar() {
		return fmt.Errorf("classifier: ScoreInputs needs a planar input, %q is NHWC", c.in.name)
	}
	full := (n + size - 1) / size * size
	if n < 1 || len(inputs) < full*per || len(conf) < n*k {
		return fmt.Errorf("classifier: %d images in batches of %d need %d input values and %d confidences, got %d and %d", n, size, full*per, n*k, len(inputs), len(conf))
	}
	// The runs go back to back and confidences come after them all: the
	// runtime's threads stop spinning when a run returns (see configure),
	// and work between runs left them asleep for the next one.
	if cap(c.raw) < n*k {
		c.raw = make([]float32, n*k)
	}
	c.raw = c.raw[:n*k]
	for off := 0; off < n; off += size {
		b, err := c.bindInplace(inputs[off*per : (off+size)*per])
		if err != nil {
			return err
		}
		if err := c.run(b); err != nil {
			return err
		}
		m := min(size, n-off)
		copy(c.raw[off*k:(off+m)*k], b.output.GetData())
	}
	c.confidences(c.raw, n, conf)
	return nil
}

// bindInplace returns the binding of one batch of a caller's buffer.
func (c *Classifier) bindInplace(in []float32) (*binding, error) {
	if b, ok := c.inplace[&in[0]]; ok && len(b.input.GetData()) == len(in) {
		return b, nil
	}
	if len(c.inplace) >= maxInplace || c.inplaceBytes+4*len(in) > c.maxInplaceBytes {
		c.dropInplace()
	}
	if c.inplace == nil {
		c.inplace = make(map[*float32]*binding)
	}
	size := c.batch.size
	var err error
	if c.inplaceOut == nil {
		if c.inplaceOut, err = ort.NewEmptyTensor[float32](c.out.shape(size)); err != nil {
			return nil, exitcode.Envf("allocating output tensor: %s", oneLine(err.Error()))
		}
	}
	b := &binding{size: size, output: c.inplaceOut}
	if b.input, err = ort.NewTensor(c.in.shape(size), in); err != nil {
		return nil, exitcode.Envf("binding input tensor: %s", oneLine(err.Error()))
	}
	if b.io, err = c.sess.CreateIoBinding(); err == nil {
		if err = b.io.BindInput(c.in.name, b.input); err == nil {
			err = b.io.BindOutput(c.out.name, b.output)
		}
	}
	if err != nil {
		b.output = nil // shared: not this binding's to destroy
		b.destroy()
		return nil, exitcode.Envf("binding tensors: %s", oneLine(err.Error()))
	}
	if old, ok := c.inplace[&in[0]]; ok {
		c.inplaceBytes -= 4 * len(old.input.GetData())
		old.output = nil
		old.destroy()
	}
	c.inplace[&in[0]] = b
	c.inplaceBytes += 4 * len(in)
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
			for p := range hw {
				for cc := range ch {
					d[p*ch+cc] = s[cc*hw+p]*c.mul[cc] + c.add[cc]
				}
			}
			continue
		}
		for cc := range ch {
			mul, add := c.mul[cc], c.add[cc]
			sp, dp := s[cc*hw:(cc+1)*hw], d[cc*hw:(cc+1)*hw]
			for p, v := range sp {
				dp[p] = v*mul + add
			}
		}
	}
}

// confidences turns m rows of raw outputs into confidences.
func (c *Classifier) confidences(raw []float32, m int, conf []float32) {
	k := c.out.k
	for i := range m {
		r, o := raw[i*k:(i+1)*k], conf[i*k:(i+1)*k]
		switch c.info.OutputKind {
		case Logits:
			c.nonFinite += softmax(r, o)
		default:
			for j, v := range r {
				if !finite(v) {
					c.nonFinite++
					v = 0
				}
				o[j] = min(max(v, 0), 1)
			}
		}
	}
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

// detectKind decides between probabilities and logits: outputs that lie in
// [0,1] and sum to 1 on a probe batch of noise images are probabilities.
func (c *Classifier) detectKind() error {
	b := c.batch
	rng := rand.New(rand.NewPCG(1, 2))
	per := c.in.c * c.in.h * c.in.w
	imgs := make([]float32, b.size*per)
	for i := range imgs {
		imgs[i] = rng.Float32()
	}
	// One flat image too: a constant input separates logits from
	// probabilities on models whose noise outputs saturate.
	for i := range per {
		imgs[i] = 0.5
	}
	c.fill(b.input.GetData(), imgs, b.size)
	if err := c.run(b); err != nil {
		return err
	}
	raw, k := b.output.GetData(), c.out.k
	probs := true
	for i := range b.size {
		var sum float64
		for _, v := range raw[i*k : (i+1)*k] {
			if !finite(v) {
				continue
			}
			if v < 0 || v > 1 {
				probs = false
			}
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-3 {
			probs = false
		}
	}
	c.info.OutputKind, c.info.KindDetected = Logits, true
	if probs {
		c.info.OutputKind = Probabilities
	}
	return nil
}

// Close releases the session and tensors.
func (c *Classifier) Close() error {
	if c.jobs != nil {
		close(c.jobs)
		c.jobs = nil
		// Wait for the pipeline goroutine to leave: it uses c.
		<-c.done
	}
	c.batch.destroy()
	c.spare.destroy()
	c.batch, c.spare = nil, nil
	c.dropInplace()
	if c.inplaceOut != nil {
		c.inplaceOut.Destroy()
		c.inplaceOut = nil
	}
	if c.sess != nil {
		err := c.sess.Destroy()
		c.sess = nil
		return err
	}
	return nil
}

// chooseBatch fixes the batch size: the model's fixed batch, the user's
// --batch, or the candidate with the best measured images per second.
func (c *Classifier) chooseBatch(requested int) error {
	switch {
	case c.in.batch > 0:
		requested = c.in.batch
	case requested > 0:
	default:
		best, err := c.tuneBatch()
		if err != nil {
			return err
		}
		c.batch, c.info.Batch, c.info.BatchTuned = best, best.size, true
		return nil
	}
	b, err := c.newBinding(requested)
	if err != nil {
		return err
	}
	if err := c.run(b); err != nil {
		b.destroy()
		return err
	}
	c.batch, c.info.Batch = b, requested
	return nil
}

// maxBatchBytes bounds one batch's input tensor during tuning.
const maxBatchBytes = 32 << 20

// tuneBatch times doubling batch sizes and keeps the fastest per image. A
// larger batch must win by 3% to be chosen, since it also costs latency and
// padding in the search's last batch of a generation.
func (c *Classifier) tuneBatch() (*binding, error) {
	per := c.in.c * c.in.h * c.in.w
	var best *binding
	bestRate := 0.0
	worse := 0
	for size := 1; size <= 256 && size*per*4 <= maxBatchBytes; size *= 2 {
		b, err := c.newBinding(size)
		if err != nil {
			best.destroy()
			return nil, err
		}
		rate, err := c.measure(b)
		if err != nil {
			b.destroy()
			best.destroy()
			return nil, err
		}
		if best == nil || rate > bestRate*1.03 {
			best.destroy()
			best, bestRate, worse = b, rate, 0
			continue
		}
		b.destroy()
		// Throughput has peaked once two larger sizes fail to beat it.
		if worse++; worse == 2 {
			break
		}
	}
	return best, nil
}

// measure returns images per second for one binding: a warm-up run, then
// runs until 40 ms and 3 runs have passed.
func (c *Classifier) measure(b *binding) (float64, error) {
	data := b.input.GetData()
	for i := range data {
		data[i] = 0.5
	}
	if err := c.run(b); err != nil {
		return 0, err
	}
	start := time.Now()
	runs := 0
	for runs < 3 || time.Since(start) < 40*time.Millisecond {
		if err := c.run(b); err != nil {
			return 0, err
		}
		runs++
	}
	return float64(runs*b.size) / time.Since(start).Seconds(), nil
}
