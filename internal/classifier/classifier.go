// Package classifier scores canonical images with a user's ONNX image
// classifier through ONNX Runtime: it detects the model's input layout and
// output, maps canonical images (float32 in [0,1], planar C×H×W) to the
// model's preprocessing, runs batches through preallocated tensors, and turns
// the outputs into class confidences.
package classifier

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// Options configure how a model is opened.
type Options struct {
	// Normalization maps canonical pixels to model inputs; the zero value
	// is raw01 (x as it is).
	Normalization Normalization
	// InputShape is the image shape C,H,W the user gives; nil to detect it.
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
	// MaxInputBytes refuses a model whose input tensor for one batch (one
	// image when the batch is dynamic, else the fixed batch), or whose
	// output for one batch, would take more bytes; 0 means
	// DefaultMaxInputBytes.
	MaxInputBytes int64
}

// DefaultMaxInputBytes bounds one batch's input or output tensor unless
// Options.MaxInputBytes says otherwise: 256 MiB holds a 3×4096×4096 image.
// A model file of a few hundred bytes can declare any image size, and the
// buffers the declared size calls for are allocated before the model runs,
// so the bound is checked before anything is allocated.
const DefaultMaxInputBytes = 256 << 20

// MaxClasses bounds the class count K a model may declare: every scored
// image carries K confidences through the search.
const MaxClasses = 1_000_000

// Info is what was detected about a model and how it will be scored.
type Info struct {
	Input      string  `json:"input"`
	InputShape []int64 `json:"input_shape"`
	Layout     Layout  `json:"layout"`
	Channels   int     `json:"channels"`
	Height     int     `json:"height"`
	Width      int     `json:"width"`
	// FixedBatch is the model's fixed batch size, or 0 when dynamic.
	FixedBatch   int        `json:"fixed_batch"`
	Output       string     `json:"output"`
	OutputShape  []int64    `json:"output_shape"`
	Classes      int        `json:"classes"`
	OutputKind   OutputKind `json:"output_kind"`
	KindDetected bool       `json:"output_kind_detected"`
	// KindEvidence says what the output kind was decided from: the
	// operator that computes the output, or its values on probe images.
	KindEvidence string `json:"output_kind_evidence"`
	// OutputRange is the least and greatest finite raw output seen on
	// the probe images.
	OutputRange   [2]float32 `json:"output_range"`
	Normalization string     `json:"normalization"`
	Batch         int        `json:"batch"`
	BatchTuned    bool       `json:"batch_tuned"`
	Threads       int        `json:"threads"`
	// OpenSeconds is how long opening took: loading the model, probing
	// its output and tuning the batch size.
	OpenSeconds float64 `json:"open_seconds"`
	// TuneSeconds is the part of OpenSeconds spent tuning the batch size.
	TuneSeconds float64 `json:"tune_seconds"`
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
	// nonFinite counts model outputs that were NaN or ±Inf, badImages
	// the images with at least one such output, and scored every image
	// scored.
	nonFinite, badImages, scored int64
	// ro are the options of every run; terminating them aborts the run
	// in progress (see AbortOn).
	ro    *ort.RunOptions
	abort abortState
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

// binding holds the preallocated tensors for one batch size, made once so
// that a run allocates nothing of fooltest's.
type binding struct {
	size   int
	input  *ort.Tensor[float32]
	output *ort.Tensor[float32]
	// ins and outs hold input and output as the runtime takes them.
	ins, outs []ort.Value
}

// bind sets ins and outs from input and output.
func (b *binding) bind() {
	b.ins, b.outs = []ort.Value{b.input}, []ort.Value{b.output}
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
	return OpenContext(context.Background(), path, opts)
}

// OpenContext is Open with a context whose end aborts the model runs that
// opening makes (probing the output, tuning the batch size); batch tuning
// also takes at most a tenth of the time left before its deadline. Errors
// of aborted runs wrap ErrAborted and the context's cause.
func OpenContext(ctx context.Context, path string, opts Options) (*Classifier, error) {
	start := time.Now()
	st, err := os.Stat(path)
	if err != nil {
		return nil, fault.Invalidf(SettingModel, "cannot read model %s: %v", path, errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fault.Invalidf("", "model %s is not a regular file: give the path of an .onnx file", path)
	}
	if opts.MaxModelBytes > 0 && st.Size() > opts.MaxModelBytes {
		return nil, fault.Invalidf(SettingMaxModelBytes, "model %s is %d bytes, over the %d-byte limit", path, st.Size(), opts.MaxModelBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Invalidf("", "cannot read model %s: %v: check its permissions", path, errors.Unwrap(err))
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
	return open(ctx, start, path, nil, checked, ins, outs, opts)
}

// OpenBytes loads a model held in memory; name is used in messages.
func OpenBytes(name string, model []byte, opts Options) (*Classifier, error) {
	return OpenBytesContext(context.Background(), name, model, opts)
}

// OpenBytesContext is OpenBytes with a context, as OpenContext.
func OpenBytesContext(ctx context.Context, name string, model []byte, opts Options) (*Classifier, error) {
	start := time.Now()
	checked, err := onnxcheck.CheckBytes(name, model)
	if err != nil {
		return nil, err
	}
	ins, outs, err := ort.GetInputOutputInfoWithONNXData(model)
	if err != nil {
		return nil, checked.LoadError(name, err.Error())
	}
	return open(ctx, start, name, model, checked, ins, outs, opts)
}

func open(ctx context.Context, start time.Time, name string, data []byte, checked *onnxcheck.Model, ins, outs []ort.InputOutputInfo, opts Options) (*Classifier, error) {
	if !ort.IsInitialized() {
		return nil, fault.Environmentf(SettingRuntime, "ONNX Runtime is not loaded")
	}
	in, err := detectInput(ins, opts.InputShape)
	if err != nil {
		return nil, err
	}
	out, err := detectOutput(outs, opts.Output, in)
	if err != nil {
		return nil, err
	}
	if err := checkSizes(in, out, opts); err != nil {
		return nil, err
	}
	mul, add, err := opts.Normalization.perChannel(in.c)
	if err != nil {
		return nil, err
	}
	kind := cmp.Or(opts.OutputKind, Auto)
	if !slices.Contains(OutputKinds, kind) {
		return nil, fault.Invalidf(SettingOutputKind, "unknown output kind %q: use auto, probabilities, logits or sigmoid", kind)
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	if opts.Batch < 0 {
		return nil, fault.Invalidf(SettingBatch, "batch %d is not a positive size", opts.Batch)
	}
	if opts.Batch > 0 && in.batch > 0 && opts.Batch != in.batch {
		return nil, fault.Invalidf(SettingBatch, "batch %d: the model's input %q has a fixed batch of %d", opts.Batch, in.name, in.batch)
	}
	// No custom-op library is ever registered on these options: it would
	// be native code chosen by whoever wrote the model.
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fault.Environmentf("", "creating ONNX Runtime session options: %s", oneLine(err.Error()))
	}
	defer so.Destroy()
	if err := configure(so, threads); err != nil {
		return nil, fault.Environmentf("", "configuring ONNX Runtime session: %s", oneLine(err.Error()))
	}
	var sess *ort.DynamicAdvancedSession
	if data != nil {
		sess, err = ort.NewDynamicAdvancedSessionWithONNXData(data, []string{in.name}, []string{out.name}, so)
	} else {
		sess, err = ort.NewDynamicAdvancedSession(name, []string{in.name}, []string{out.name}, so)
	}
	if err != nil {
		return nil, fault.Invalidf("", "model %s cannot be loaded by ONNX Runtime: %s", name, oneLine(err.Error()))
	}
	c := &Classifier{in: in, out: out, sess: sess, mul: mul, add: add, maxInplaceBytes: maxInplaceBytes}
	if c.ro, err = ort.NewRunOptions(); err != nil {
		c.Close()
		return nil, fault.Environmentf("", "creating ONNX Runtime run options: %s", oneLine(err.Error()))
	}
	c.info = Info{
		Input: in.name, InputShape: in.dims, Layout: in.layout,
		Channels: in.c, Height: in.h, Width: in.w, FixedBatch: in.batch,
		Output: out.name, OutputShape: out.dims, Classes: out.k,
		OutputKind: kind, Normalization: opts.Normalization.String(),
		Threads: threads,
	}
	stop := c.AbortOn(ctx)
	tuneStart := time.Now()
	err = c.chooseBatch(opts.Batch, tuneDeadline(ctx, tuneStart))
	c.info.TuneSeconds = time.Since(tuneStart).Seconds()
	if err == nil {
		err = c.probeKind(checked.OutputOp(out.name))
	}
	stop()
	if err != nil {
		c.Close()
		return nil, err
	}
	// Probe images are not the user's: only the search's count.
	c.nonFinite, c.badImages, c.scored = 0, 0, 0
	c.info.OpenSeconds = time.Since(start).Seconds()
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
		return nil, fault.Environmentf("", "allocating input tensor: %s", oneLine(err.Error()))
	}
	if b.output, err = ort.NewEmptyTensor[float32](c.out.shape(size)); err != nil {
		b.input.Destroy()
		return nil, fault.Environmentf("", "allocating output tensor: %s", oneLine(err.Error()))
	}
	b.bind()
	return b, nil
}

// run runs the model once on the bound batch. The run options make it
// abortable (see AbortOn), which a run through an IoBinding would not be:
// onnxruntime_go runs bindings without run options.
func (c *Classifier) run(b *binding) error {
	if err := c.sess.RunWithOptions(b.ins, b.outs, c.ro); err != nil {
		if cause := c.abort.get(); cause != nil {
			return fmt.Errorf("%w: %w", ErrAborted, cause)
		}
		return fault.Modelf("the model failed at run time: %s", oneLine(err.Error()))
	}
	return nil
}

// ErrAborted is wrapped by the errors of model runs that were stopped
// because the context given to AbortOn (or OpenContext) ended; those errors
// also wrap the context's cause, such as context.DeadlineExceeded.
var ErrAborted = errors.New("model run aborted")

// abortState records why runs were terminated.
type abortState struct {
	sync.Mutex
	cause error
}

func (a *abortState) get() error {
	a.Lock()
	defer a.Unlock()
	return a.cause
}

func (a *abortState) set(err error) {
	a.Lock()
	a.cause = err
	a.Unlock()
}

// AbortOn makes the end of ctx abort the model run in progress, and fail
// every later one at once, until stop is called. ONNX Runtime checks for
// termination between operators, loop iterations included, so even a model
// that would run for hours returns within moments. After stop the
// classifier runs normally again.
func (c *Classifier) AbortOn(ctx context.Context) (stop func()) {
	c.abort.set(nil)
	fired := make(chan struct{})
	unregister := context.AfterFunc(ctx, func() {
		defer close(fired)
		c.abort.set(context.Cause(ctx))
		_ = c.ro.Terminate()
	})
	return func() {
		if !unregister() {
			<-fired
			_ = c.ro.UnsetTerminate()
			c.abort.set(nil)
		}
	}
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
	return c.nonFiniteErr(nonFiniteMinImages)
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
			return c.nonFiniteErr(nonFiniteMinImages)
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
	return c.nonFiniteErr(nonFiniteMinImages)
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
			return nil, fault.Environmentf("", "allocating output tensor: %s", oneLine(err.Error()))
		}
	}
	b := &binding{size: size, output: c.inplaceOut}
	if b.input, err = ort.NewTensor(c.in.shape(size), in); err != nil {
		return nil, fault.Environmentf("", "binding input tensor: %s", oneLine(err.Error()))
	}
	b.bind()
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
		var bad int64
		switch c.info.OutputKind {
		case Logits:
			bad = softmax(r, o)
		default:
			for j, v := range r {
				if !finite(v) {
					bad++
					v = 0
				}
				o[j] = min(max(v, 0), 1)
			}
		}
		c.nonFinite += bad
		if bad > 0 {
			c.badImages++
		}
	}
	c.scored += int64(m)
}

// MaxNonFiniteShare is the share of scored images whose outputs may hold
// NaN or ±Inf before scoring fails with a *NonFiniteError. Such outputs
// count as confidence 0, so a model that gives them for many images would
// otherwise look hard to fool when it was never really tested.
const MaxNonFiniteShare = 0.01

// nonFiniteMinImages is how many images Score sees before it judges the
// share: one bad image among the first few says little.
const nonFiniteMinImages = 100

// NonFiniteError reports a model whose outputs were NaN or ±Inf for more
// than MaxNonFiniteShare of the images scored.
type NonFiniteError struct {
	// Images is how many images had a non-finite output, of Scored.
	Images, Scored int64
	// Values is how many outputs were non-finite.
	Values int64
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("the model's outputs were NaN or infinite for %d of %d scored images (%d values), more than the %g%% allowed, so it cannot be tested",
		e.Images, e.Scored, e.Values, 100*MaxNonFiniteShare)
}

// Is makes a NonFiniteError a fault.Model error.
func (e *NonFiniteError) Is(target error) bool { return target == fault.Model }

// nonFiniteErr returns a *NonFiniteError when more than MaxNonFiniteShare of
// the images scored since opening gave non-finite outputs, once at least
// minImages were scored.
func (c *Classifier) nonFiniteErr(minImages int64) error {
	if c.scored == 0 || c.scored < minImages || float64(c.badImages) <= MaxNonFiniteShare*float64(c.scored) {
		return nil
	}
	return &NonFiniteError{Images: c.badImages, Scored: c.scored, Values: c.nonFinite}
}

// CheckFinite returns a *NonFiniteError when more than MaxNonFiniteShare of
// all the images scored so far gave NaN or ±Inf outputs, however few they
// were. Score checks the same once 100 images were scored; a run that
// scored fewer should call CheckFinite at its end.
func (c *Classifier) CheckFinite() error { return c.nonFiniteErr(1) }

// NonFiniteImages returns how many scored images had at least one NaN or
// ±Inf output, and how many images were scored.
func (c *Classifier) NonFiniteImages() (bad, scored int64) { return c.badImages, c.scored }

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
// the requested batch, or the candidate with the best measured images per second,
// tuned until deadline at the latest.
func (c *Classifier) chooseBatch(requested int, deadline time.Time) error {
	switch {
	case c.in.batch > 0:
		requested = c.in.batch
	case requested > 0:
	default:
		best, err := c.tuneBatch(deadline)
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

// maxBatchBytes bounds one batch's input tensor during tuning. Batch 1 is
// always a candidate, whatever its size (checkSizes bounds it).
const maxBatchBytes = 32 << 20

// maxTunedBatch is the largest batch tuning tries. Tuned sizes are powers
// of two up to it, so they divide the search's generation unit (64) and
// split its generations into runs without padding.
const maxTunedBatch = 64

// tuneShare is the share of the time left before the context's deadline
// that batch tuning may take, and tuneMax its limit without a deadline.
const (
	tuneShare = 0.1
	tuneMax   = 10 * time.Second
)

// tuneDeadline returns when batch tuning must end: a tenth of the time left
// before ctx's deadline, so that a slow model leaves most of the budget to
// the search.
func tuneDeadline(ctx context.Context, now time.Time) time.Time {
	limit := tuneMax
	if d, ok := ctx.Deadline(); ok {
		limit = min(limit, time.Duration(tuneShare*float64(d.Sub(now))))
	}
	return now.Add(limit)
}

// tuneBatch times doubling batch sizes and keeps the fastest per image. A
// larger batch must win by 3% to be chosen, since it also costs latency and
// padding in the search's last batch of a generation. Past deadline it
// keeps the best size measured so far, batch 1 at least.
func (c *Classifier) tuneBatch(deadline time.Time) (*binding, error) {
	per := c.in.c * c.in.h * c.in.w
	var best *binding
	bestRate := 0.0
	worse := 0
	for size := 1; size <= maxTunedBatch && (size == 1 || size*per*4 <= maxBatchBytes); size *= 2 {
		if size > 1 && !time.Now().Before(deadline) {
			break
		}
		b, err := c.newBinding(size)
		if err != nil {
			best.destroy()
			return nil, err
		}
		rate, err := c.measure(b, deadline)
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
// runs until 40 ms and 3 runs have passed, or deadline has.
func (c *Classifier) measure(b *binding, deadline time.Time) (float64, error) {
	data := b.input.GetData()
	for i := range data {
		data[i] = 0.5
	}
	start := time.Now()
	if err := c.run(b); err != nil {
		return 0, err
	}
	runs := 1
	if time.Now().Before(deadline) {
		// The warm-up run pays for first-run allocations: time only
		// the runs after it.
		start, runs = time.Now(), 0
		for runs < 3 || time.Since(start) < 40*time.Millisecond {
			if err := c.run(b); err != nil {
				return 0, err
			}
			runs++
			if !time.Now().Before(deadline) {
				break
			}
		}
	}
	return float64(runs*b.size) / time.Since(start).Seconds(), nil
}

// checkSizes refuses, before anything is allocated, a model whose declared
// input or output would need buffers over the limit: a model file of a few
// hundred bytes can declare a 20000×20000 image or a billion classes.
func checkSizes(in inputSpec, out outputSpec, opts Options) error {
	limit := opts.MaxInputBytes
	if limit <= 0 {
		limit = DefaultMaxInputBytes
	}
	if out.k > MaxClasses {
		return fault.Invalidf(SettingOutput, "model output %q has %d classes, more than the %d fooltest supports", out.name, out.k, MaxClasses)
	}
	// In float64: declared sizes can overflow an int product.
	batch := float64(max(1, in.batch, opts.Batch))
	what := "one image"
	switch {
	case in.batch == 1:
		what = "its fixed batch of one image"
	case in.batch > 1:
		what = fmt.Sprintf("its fixed batch of %d images", in.batch)
	case opts.Batch > 0:
		what = fmt.Sprintf("a batch of %d images", opts.Batch)
	}
	image := 4 * float64(in.c) * float64(in.h) * float64(in.w)
	if need := batch * image; need > float64(limit) {
		return fault.Invalidf(SettingMaxInputBytes, "model input %q of %d×%d×%d needs %s for %s, over the %s limit",
			in.name, in.c, in.h, in.w, byteSize(need), what, byteSize(float64(limit)))
	}
	if need := batch * 4 * float64(out.k); need > float64(limit) {
		return fault.Invalidf(SettingMaxInputBytes, "model output %q of %d classes needs %s for %s, over the %s limit",
			out.name, out.k, byteSize(need), what, byteSize(float64(limit)))
	}
	return nil
}

// byteSize formats n bytes for messages.
func byteSize(n float64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", n/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", n/(1<<20))
	}
	return fmt.Sprintf("%.0f bytes", n)
}
