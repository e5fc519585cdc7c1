// Sessions and their tensors: how a model is bound, run and aborted.

package classifier

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
	"github.com/fooltest/fooltest/internal/panics"
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
	bad           []bool
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

// pipeline runs jobs until jobs is closed, then closes done. A job that
// panics is done too: its panic is kept in c.pipePanic for the Score call
// that waits on it (see pipelineDone), and the goroutine goes on taking
// jobs, so that Close, which that Score's callers run as they unwind,
// still finds it and ends it.
func (c *Classifier) pipeline(jobs <-chan pipeJob, done chan<- struct{}) {
	defer close(done)
	for j := range jobs {
		c.pipePanic = c.runJob(j)
		done <- struct{}{}
	}
}

// runJob does j and returns its panic, if any: a panic here would
// otherwise end the process, with Go's exit code for one.
func (c *Classifier) runJob(j pipeJob) (p *panics.Panic) {
	defer func() {
		if r := recover(); r != nil {
			p = panics.From(r)
		}
	}()
	panics.Inject("pipeline")
	if j.rows > 0 {
		c.confidences(j.raw, j.rows, j.conf, j.bad)
	}
	if j.m > 0 {
		per := c.in.c * c.in.h * c.in.w
		c.fill(j.dst, j.src, j.m)
		copy(j.dst[j.m*per:], j.pad[j.m*per:])
	}
	return nil
}

// pipelineDone waits for the pipeline goroutine's job to be done and
// raises its panic again, if it had one, in the caller's goroutine. The
// send on done orders the goroutine's write of c.pipePanic before this
// read.
func (c *Classifier) pipelineDone() {
	if p := c.pipelineWait(); p != nil {
		panic(p)
	}
}

// pipelineWait waits for the pipeline goroutine's job as pipelineDone
// does, and returns its panic instead of raising it.
func (c *Classifier) pipelineWait() *panics.Panic {
	<-c.done
	p := c.pipePanic
	c.pipePanic = nil
	return p
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

// sessionLoader is a function that creates a new session of the model.
type sessionLoader func() (*ort.DynamicAdvancedSession, error)

// newLoader returns the function that creates the sessions that run the
// model, bound to its image input and its class-score output, on so, which
// must outlive it. A model that declares another float type than float32
// there is run as a copy of it whose graph casts from and to float32 at
// those two values (onnxcheck.CastIO), so that every buffer, kernel and
// check here stays float32; the copy is made once and loaded from memory,
// and its external data, if any, from the model's folder.
func newLoader(name string, src source, checked *onnxcheck.Model, in inputSpec, out outputSpec, so *ort.SessionOptions) (sessionLoader, error) {
	loadErr := func(err error) error {
		return fault.Invalidf("", "model %s cannot be loaded by ONNX Runtime: %s", name, onnxcheck.RuntimeMessage(err.Error()))
	}
	if in.elem == 0 && out.elem == 0 && !out.expose {
		return func() (*ort.DynamicAdvancedSession, error) {
			var sess *ort.DynamicAdvancedSession
			var err error
			if src.path {
				sess, err = ort.NewDynamicAdvancedSession(name, []string{in.name}, []string{out.name}, so)
			} else {
				sess, err = ort.NewDynamicAdvancedSessionWithONNXData(src.data, []string{in.name}, []string{out.name}, so)
			}
			if err != nil {
				return nil, loadErr(err)
			}
			return sess, nil
		}, nil
	}
	ob := onnxcheck.Boundary{Value: out.name, Elem: out.elem, Expose: out.expose}
	if q := out.quant; q != nil {
		ob.Scale, ob.Zero = q.scale, q.zero
	}
	data, inName, outName, err := onnxcheck.CastIO(src.data, onnxcheck.Boundary{Value: in.name, Elem: in.elem}, ob)
	if err != nil && in.elem == 0 && out.elem == 0 {
		return nil, fault.Invalidf("", "model %s: fooltest reads the class probabilities %q that its ZipMap node reads, but %v: export the model without the ZipMap (skl2onnx: options={'zipmap': False})", name, out.name, err)
	}
	if err != nil {
		return nil, fault.Invalidf("", "model %s: its input is %s and its output %s, which fooltest converts from and to float32, but %v: export the model with float32 inputs and outputs",
			name, typeName(in.elem), typeName(out.elem), err)
	}
	if checked.HasExternalData() {
		// Check has verified every location against this folder; the
		// copy in memory has no folder of its own.
		dir, err := filepath.Abs(filepath.Dir(name))
		if err != nil {
			return nil, fault.Invalidf("", "cannot resolve the folder of model %s: %v: check the path", name, err)
		}
		if err := so.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", dir); err != nil {
			return nil, fault.Environmentf("", "configuring ONNX Runtime session: %s", onnxcheck.RuntimeMessage(err.Error()))
		}
	}
	return func() (*ort.DynamicAdvancedSession, error) {
		sess, err := ort.NewDynamicAdvancedSessionWithONNXData(data, []string{inName}, []string{outName}, so)
		if err != nil {
			return nil, loadErr(err)
		}
		return sess, nil
	}, nil
}

// renewSession replaces the session with a new one from load. ONNX
// Runtime's CPU arena keeps every region it grew until its session is
// destroyed, so a session that ran a larger batch than the classifier
// goes on to use holds that batch's memory for the whole search: the float
// MobileNetV2 tuned to batch 2 searched in 244 MB against 144 MB at
// --batch 2 (docs/measurements.md, "Memory after batch tuning"). The old
// session is destroyed first, so that the two are never held at once.
func (c *Classifier) renewSession(load sessionLoader) error {
	err := c.sess.Destroy()
	c.sess = nil
	if err != nil {
		return fault.Environmentf("", "releasing the ONNX Runtime session after batch tuning: %s", onnxcheck.RuntimeMessage(err.Error()))
	}
	c.sess, err = load()
	return err
}

func (c *Classifier) newBinding(size int) (*binding, error) {
	b := &binding{size: size}
	var err error
	if b.input, err = ort.NewEmptyTensor[float32](c.in.shape(size)); err != nil {
		return nil, fault.Environmentf("", "allocating input tensor: %s", onnxcheck.RuntimeMessage(err.Error()))
	}
	if b.output, err = ort.NewEmptyTensor[float32](c.out.shape(size)); err != nil {
		b.input.Destroy()
		return nil, fault.Environmentf("", "allocating output tensor: %s", onnxcheck.RuntimeMessage(err.Error()))
	}
	b.bind()
	return b, nil
}

// run runs the model once on the bound batch. The run options make it
// abortable (see AbortOn), which a run through an IoBinding would not be:
// onnxruntime_go runs bindings without run options.
func (c *Classifier) run(b *binding) error {
	// The context ended between runs: ONNX Runtime may not see the
	// termination before the run starts.
	if cause := c.abort.get(); cause != nil {
		return fmt.Errorf("%w: %w", ErrAborted, cause)
	}
	if err := c.sess.RunWithOptions(b.ins, b.outs, c.ro); err != nil {
		if cause := c.abort.get(); cause != nil {
			return fmt.Errorf("%w: %w", ErrAborted, cause)
		}
		msg := onnxcheck.RuntimeMessage(err.Error())
		if outOfMemory(msg) {
			// Not a broken model: the machine is too small for it at
			// this batch, which a runner or a batch size fixes.
			return fault.Environmentf(SettingMemory, "%w at batch %d (%s)", ErrOutOfMemory, b.size, memoryDetail(msg))
		}
		return fault.Modelf("%s: %s", runFailed, msg)
	}
	return nil
}

// ErrOutOfMemory is wrapped by the errors of model runs that failed for
// want of memory.
var ErrOutOfMemory = errors.New("the model ran out of memory")

// arenaFailure matches the arena's message: the node, then the
// allocator's C++ signature, then the size it asked for.
var arenaFailure = regexp.MustCompile(`^(\S+) node: .*Failed to allocate memory for requested buffer of size (\d+)`)

// memoryDetail shortens the arena's message to the node and the size it
// asked for; the allocator's signature says nothing to a user.
func memoryDetail(msg string) string {
	m := arenaFailure.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	n, err := strconv.ParseFloat(m[2], 64)
	if err != nil {
		return msg
	}
	return fmt.Sprintf("ONNX Runtime could not allocate %.1f MiB for its %s node", n/(1<<20), m[1])
}

// outOfMemory reports whether a run failed for want of memory: ONNX
// Runtime's arena says "Failed to allocate memory", and an allocation that
// throws in an operator's own code says bad_alloc.
func outOfMemory(msg string) bool {
	return strings.Contains(msg, "Failed to allocate memory") || strings.Contains(msg, "bad_alloc")
}

// runFailed begins the message of a failed model run.
const runFailed = "the model failed at run time"

// ErrAborted is wrapped by the errors of model runs that were stopped
// because the context given to AbortOn (or OpenContext) ended; those errors
// also wrap the context's cause, such as context.DeadlineExceeded.
var ErrAborted = errors.New("model run aborted")

// AbortedBy returns the error of a model run that the end of ctx stopped
// (it wraps ErrAborted and ctx's cause), or nil while ctx lasts. Checks
// that make many runs return it between them, so that callers tell their
// stop from an aborted run's as they would from one.
func AbortedBy(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrAborted, context.Cause(ctx))
}

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
