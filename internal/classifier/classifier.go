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
	"os"
	"runtime"
	"slices"
	"strconv"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/ceiling"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
	"github.com/fooltest/fooltest/internal/panics"
)

// Options configure how a model is opened.
type Options struct {
	// Normalization maps canonical pixels to model inputs; the zero value
	// is raw01 (x as it is).
	Normalization Normalization
	// AutoNormalization says that the user chose no preprocessing, so
	// that a model whose input is uint8 gets raw255 pixels (with
	// Normalization's channel order) rather than Normalization. A model
	// with a uint8 input given another preprocessing than raw255 is
	// refused: it normalises its pixels itself.
	AutoNormalization bool
	// ModelMetadata says that the user gave no preprocessing values (no
	// preset, scale, mean or std), so that the image metadata a model
	// states (ONNX's Image.NominalPixelRange and Image.BitmapPixelFormat)
	// replaces Normalization's values.
	ModelMetadata bool
	// ChannelOrderSet says that the user gave the channel order, which
	// Normalization holds: the metadata's pixel format does not replace
	// it, though its range still applies.
	ChannelOrderSet bool
	// InputShape is the image shape C,H,W the user gives; nil to detect it.
	InputShape *[3]int
	// ImageSize is the height and width of the images the model's own
	// image processor makes (a Hugging Face preprocessor_config.json). It
	// gives the size of an input that declares its height and width
	// dynamic when InputShape is nil; a declared size wins over it.
	ImageSize *[2]int
	// Output names the output to read; empty picks the float output with
	// more than one class (among several of one width, one that a
	// Softmax, LogSoftmax or Sigmoid computes, else the first; several
	// widths are refused), else the first with one score per image (a
	// binary classifier's).
	Output string
	// OutputKind is how outputs become confidences; empty means Auto.
	OutputKind OutputKind
	// MultiLabel, when not empty, says where the model's configuration
	// states that its classes are independent (a multi-label
	// classifier), for Auto to read logits with a sigmoid per class
	// rather than a softmax.
	MultiLabel string
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

// maxClasses bounds the class count K a model may declare: every scored
// image carries K confidences through the search.
const maxClasses = 1_000_000

// Info is what was detected about a model and how it will be scored.
type Info struct {
	Input      string  `json:"input"`
	InputShape []int64 `json:"input_shape"`
	Layout     Layout  `json:"layout"`
	Channels   int     `json:"channels"`
	Height     int     `json:"height"`
	Width      int     `json:"width"`
	// NormalizationFrom says where the preprocessing came from when the
	// model's own metadata stated it (see Options.ModelMetadata); empty
	// otherwise.
	NormalizationFrom string `json:"normalization_from,omitempty"`
	// MetadataOverridden is, when the user's preprocessing values replaced
	// what the model's own image metadata states, that preprocessing and
	// where it came from; empty otherwise. A model that states BGR pixels
	// of 0..255 and is given [0, 1] is squeezed, and flags win silently
	// no more.
	MetadataOverridden string `json:"metadata_overridden,omitempty"`
	// SizeFromProcessor says that the input declares a dynamic image size
	// and Height and Width came from Options.ImageSize.
	SizeFromProcessor bool `json:"size_from_processor,omitempty"`
	// SizeFrom says where Height and Width came from when the input
	// declares a dynamic image size and the model's own metadata gave
	// them (an Ultralytics export's imgsz); empty otherwise.
	SizeFrom string `json:"size_from,omitempty"`
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
	// BatchNote says why images are scored one at a time although the
	// model declares a dynamic batch: it fails at a larger batch, or its
	// scores of an image change with the other images in the batch (see
	// checkBatch). Empty otherwise.
	BatchNote string `json:"batch_note,omitempty"`
	Threads   int    `json:"threads"`
	// OpenSeconds is how long opening took: loading the model, probing
	// its output and tuning the batch size.
	OpenSeconds float64 `json:"open_seconds"`
	// TuneSeconds is the part of OpenSeconds spent tuning the batch size.
	TuneSeconds float64 `json:"tune_seconds"`
	// BoundedLayer describes the bounded layer whose affine map computes
	// the class scores, when the graph shows one (see LayerCeilings); empty
	// otherwise.
	BoundedLayer string `json:"bounded_layer,omitempty"`
	// InputType and OutputType are the element types the model declares
	// for its image input and its class scores: float32, or float16,
	// bfloat16 or double, which the session converts from and to float32
	// (see newSession).
	InputType  string `json:"input_type"`
	OutputType string `json:"output_type"`
	// OutputLevels says, for 8-bit class scores, what their levels stand
	// for: the scale and zero point that dequantize them, and the highest
	// score they can give; empty for float scores.
	OutputLevels string `json:"output_levels,omitempty"`
	// InputRange is the range of input values that the model's graph
	// quantizes its input to, and how the preprocessing's values fill it;
	// nil when the graph states no such range (see package inputrange).
	InputRange *InputRange `json:"input_range,omitempty"`
	// BinaryOutput says that the output holds one score per image, a
	// binary classifier's, read as two classes: class 1 is the score
	// (its sigmoid, for a logit) and class 0 its complement.
	BinaryOutput bool `json:"binary_output,omitempty"`
	// ZipMapOutput names the model output, a sequence of maps from class
	// label to probability, whose ZipMap node reads Output: scikit-learn
	// models converted by skl2onnx end in one. Empty for other models.
	ZipMapOutput string `json:"zipmap_output,omitempty"`
	// OtherScoreOutputs are the model's other outputs shaped as class
	// scores, of another width than Output, that fooltest passed over,
	// as name and shape: wider ones because a Softmax, LogSoftmax or
	// Sigmoid computes Output and not them (another head of a model of
	// several), and one score per image beside Output (a binary head, or
	// a summary of the classes such as their maximum).
	OtherScoreOutputs []string `json:"other_score_outputs,omitempty"`
	// SpreadOutputs are the model's float outputs with scores along
	// several axes (another head's, such as a text reader's scores per
	// character beside a colour classifier's), which fooltest does not
	// search, as name and shape.
	SpreadOutputs []string `json:"spread_outputs,omitempty"`
	// ClassLabelsFrom says where ClassLabels came from, for people;
	// ClassLabelsNote says why class names the model gives were not
	// used (a count that differs from the output's), when it gives some.
	ClassLabelsFrom string `json:"-"`
	ClassLabelsNote string `json:"-"`
	// ClassLabels are the class names the model itself gives (a ZipMap's
	// class labels, or the names in an exporter's metadata), in class
	// order; nil when it gives none.
	ClassLabels []string `json:"-"`
}

// Classifier scores canonical images with one ONNX model. It is not safe for
// concurrent use; Close releases its runtime resources.
type Classifier struct {
	info Info
	// external lists the files beside the model that hold its external
	// data (see ExternalFiles).
	external []string
	in       inputSpec
	out      outputSpec
	sess     *ort.DynamicAdvancedSession
	// batch holds what the last fill left in the input tensor, padding
	// rows included. For large inputs, spare is filled with the next batch
	// while batch runs, and the two swap (see scorePipelined).
	batch, spare *binding
	mul, add     []float32
	// bgr says that the model's channel c is canonical channel 2-c (see
	// Normalization.BGR); only for three-channel models.
	bgr bool
	// multiLabel is Options.MultiLabel.
	multiLabel string
	// pixels says that the model takes uint8 pixels: fill rounds its
	// values to whole numbers from 0 to 255, which the session's Cast
	// then keeps exactly.
	pixels bool
	// norm is the preprocessing the classifier applies (see
	// Normalization).
	norm Normalization
	// jobs and done talk to the pipeline goroutine. They are made once so
	// that Score allocates nothing; jobs is nil without a pipeline and
	// once closed.
	jobs chan pipeJob
	done chan struct{}
	// pipePanic is the panic of the pipeline goroutine's last job, nil
	// if none; written there before its send on done, read after it.
	pipePanic *panics.Panic
	// nonFinite counts model outputs that were NaN or ±Inf, badImages
	// the images with at least one such output, and scored every image
	// scored.
	nonFinite, badImages, scored int64
	// rowBad marks the images of the last Score or ScoreInputs call
	// with such an output (see NonFiniteRows).
	rowBad []bool
	// expSoftmax says that the graph computes the output as a softmax
	// written with Exp, which overflows on large logits (see
	// NonFiniteError).
	expSoftmax bool
	// ro are the options of every run; terminating them aborts the run
	// in progress (see AbortOn).
	ro    *ort.RunOptions
	abort abortState
	// inplace binds callers' buffers for ScoreInputs, by their first
	// value's address and their size in images; bindings of one size
	// share one output tensor. A binding keeps its buffer alive, so
	// inplaceBytes counts what they hold, which maxInplaceBytes bounds.
	inplace      map[inplaceKey]*binding
	inplaceOut   map[int]*ort.Tensor[float32]
	inplaceBytes int
	// flex says that the model runs at any batch size and scores each
	// image alone as in a batch, so that a last chunk of fewer images
	// than the batch runs in a tensor of the next power of two instead:
	// a search of few classes scores generations of a few images, and a
	// padded batch costs the time of a full one. small holds those
	// smaller bindings for Score, by size.
	flex  bool
	small map[int]*binding
	// raw holds ScoreInputs' outputs until their confidences are taken.
	raw []float32
	// layer is the bounded layer whose affine map computes the scores,
	// or nil (see package ceiling).
	layer *ceiling.Layer
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
		return nil, fault.Invalidf(SettingModel, "cannot read model %s: %w", path, errors.Unwrap(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fault.Invalidf("", "model %s is not a regular file: give the path of an .onnx file", path)
	}
	if opts.MaxModelBytes > 0 && st.Size() > opts.MaxModelBytes {
		return nil, fault.Invalidf(SettingMaxModelBytes, "model %s is %d bytes, over the %d-byte limit", path, st.Size(), opts.MaxModelBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fault.Invalidf("", "cannot read model %s: %w: check its permissions", path, errors.Unwrap(err))
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
	return open(ctx, start, path, source{data: data, path: true}, checked, ins, outs, opts)
}

// ExternalFiles lists the files that hold the external data of a model
// opened from a path, relative to the model's folder, each once; nil for a
// model without any. A model's identity is its file and these.
func (c *Classifier) ExternalFiles() []string { return c.external }

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
	return open(ctx, start, name, source{data: model}, checked, ins, outs, opts)
}

// source is the model as opened: its bytes, and whether they were read
// from the file named by the name open gets, whose folder holds any
// external data.
type source struct {
	data []byte
	path bool
}

func open(ctx context.Context, start time.Time, name string, src source, checked *onnxcheck.Model, ins, outs []ort.InputOutputInfo, opts Options) (*Classifier, error) {
	if !ort.IsInitialized() {
		return nil, fault.Environmentf(SettingRuntime, "ONNX Runtime is not loaded")
	}
	meta := readExportMeta(checked)
	if err := meta.notClassifier(); err != nil {
		return nil, err
	}
	size, sizeFrom := opts.ImageSize, ""
	if size == nil && meta.size[0] > 0 {
		size, sizeFrom = &meta.size, fmt.Sprintf("imgsz %d×%d in %s", meta.size[0], meta.size[1], meta.source())
	}
	in, err := detectInput(ins, opts.InputShape, size, checked)
	if err != nil {
		return nil, err
	}
	outs, zipped := unzip(outs, checked)
	want := opts.Output
	for _, z := range zipped {
		if want == z.output {
			want = z.Input
		}
	}
	out, err := detectOutput(outs, want, in, checked)
	if err != nil {
		if meta.yolov5 && errors.Is(err, fault.Invalid) {
			return nil, fault.Invalidf(fault.SettingOf(err), "%v; its metadata (stride and names, no author) is what YOLOv5's exporter writes, for its detectors as for its classifiers (-cls models), and this one gives no class scores per image", err)
		}
		return nil, err
	}
	z, unzipped := zipped[out.name]
	out.expose = unzipped && !z.declared
	if err := checkSizes(in, out, opts); err != nil {
		return nil, err
	}
	if err := unrepeatable(checked, out.name); err != nil {
		return nil, err
	}
	norm, normFrom := opts.Normalization, ""
	overridden := ""
	if opts.ModelMetadata {
		norm, normFrom = metadataNormalization(checked, in.c, norm, opts.ChannelOrderSet)
		if n, from, ok := meta.exportNormalization(out.k, in.c); normFrom == "" && ok {
			if opts.ChannelOrderSet && in.c == 3 && n.BGR != norm.BGR {
				// As with a pixel format: the user's order stands, and
				// the exporter's range with it.
				n.BGR = norm.BGR
				from += ", its channel order replaced by the one given"
			}
			norm, normFrom = n, from
		}
	} else if n, from := metadataNormalization(checked, in.c, norm, false); from != "" && n.String() != norm.String() {
		overridden = n.String() + ", from " + from
	}
	if in.elem == onnxcheck.TypeUint8 {
		o := opts
		o.Normalization = norm
		if norm, err = pixelNormalization(in, o); err != nil {
			return nil, err
		}
	}
	mul, add, err := norm.perChannel(in.c)
	if err != nil {
		return nil, err
	}
	kind := cmp.Or(opts.OutputKind, Auto)
	if !slices.Contains(OutputKinds, kind) {
		return nil, fault.Invalidf(SettingOutputKind, "unknown output kind %q: use auto, probabilities, logits, sigmoid, multilabel-logits or percentages", kind)
	}
	threads := opts.Threads
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	if opts.Batch < 0 {
		return nil, fault.Invalidf(SettingBatch, "batch %d is not a positive size", opts.Batch)
	}
	if opts.Batch > 0 && in.batch > 0 && opts.Batch != in.batch {
		return nil, fault.Suggest(fault.Invalidf(SettingBatch, "batch %d: the model's input %q has a fixed batch of %d", opts.Batch, in.name, in.batch), strconv.Itoa(in.batch))
	}
	// No custom-op library is ever registered on these options: it would
	// be native code chosen by whoever wrote the model.
	so, err := ort.NewSessionOptions()
	if err != nil {
		return nil, fault.Environmentf("", "creating ONNX Runtime session options: %s", onnxcheck.RuntimeMessage(err.Error()))
	}
	defer so.Destroy()
	if err := configure(so, threads); err != nil {
		return nil, fault.Environmentf("", "configuring ONNX Runtime session: %s", onnxcheck.RuntimeMessage(err.Error()))
	}
	load, err := newLoader(name, src, checked, in, out, so)
	if err != nil {
		return nil, err
	}
	loadStart := time.Now()
	sess, err := load()
	if err != nil {
		return nil, err
	}
	loaded := time.Since(loadStart)
	c := &Classifier{in: in, out: out, sess: sess, mul: mul, add: add, bgr: norm.BGR && in.c == 3,
		pixels: in.elem == onnxcheck.TypeUint8, norm: norm, multiLabel: opts.MultiLabel,
		expSoftmax: expSoftmax(checked, out.name)}
	if src.path && checked != nil {
		c.external = checked.ExternalFiles()
	}
	if c.ro, err = ort.NewRunOptions(); err != nil {
		c.Close()
		return nil, fault.Environmentf("", "creating ONNX Runtime run options: %s", onnxcheck.RuntimeMessage(err.Error()))
	}
	c.info = Info{
		Input: in.name, InputShape: in.dims, Layout: in.layout,
		InputType: typeName(in.elem), OutputType: typeName(out.elem),
		Channels: in.c, Height: in.h, Width: in.w, SizeFromProcessor: in.sized && sizeFrom == "", FixedBatch: in.batch,
		Output: out.name, OutputShape: out.dims, Classes: out.k,
		OutputKind: kind, Normalization: norm.String(), NormalizationFrom: normFrom, MetadataOverridden: overridden,
		Threads: threads,
	}
	c.info.BinaryOutput = out.binary
	c.info.OtherScoreOutputs = out.others
	c.info.SpreadOutputs = out.spread
	if in.sized && sizeFrom != "" {
		c.info.SizeFrom = sizeFrom
	}
	switch {
	case unzipped:
		c.info.ZipMapOutput, c.info.ClassLabels = z.output, modelLabels(z.Labels)
		c.info.ClassLabelsFrom = "the model's ZipMap class labels"
	case meta.namesErr != nil:
		c.info.ClassLabelsNote = meta.namesErr.Error()
	case meta.names == nil:
	case len(meta.names) != out.k:
		c.info.ClassLabelsNote = fmt.Sprintf("the model's metadata names %d classes and its output has %d", len(meta.names), out.k)
	default:
		c.info.ClassLabels, c.info.ClassLabelsFrom = meta.names, "names in the model's metadata"
	}
	if q := out.quant; q != nil {
		c.info.OutputLevels = fmt.Sprintf("dequantized with scale %g and zero point %d: levels %g apart, at most %.6g", q.scale, q.zero, q.scale, q.max())
	}
	stop := c.AbortOn(ctx)
	tuneStart := time.Now()
	err = c.chooseBatch(ctx, opts.Batch, tuneDeadline(ctx, tuneStart), load, loaded)
	c.info.TuneSeconds = time.Since(tuneStart).Seconds()
	if err == nil {
		// The model's first run, where tuning times nothing (see
		// tuneBatch).
		err = c.checkRepeat()
	}
	if err != nil && errors.Is(err, fault.Model) && !errors.Is(err, ErrAborted) && c.in.sizeDynamic() {
		err = c.in.firstRunError(err)
	}
	if err == nil {
		err = c.checkBatch(opts.Batch > 0)
	}
	if err == nil {
		err = c.probeKind(checked.OutputOp(out.name))
	}
	stop()
	if err != nil {
		c.Close()
		return nil, err
	}
	applied := ceiling.AsIs
	switch c.info.OutputKind {
	case Logits:
		applied = ceiling.SoftmaxApplied
	case MultiLabelLogits:
		applied = ceiling.SigmoidApplied
	}
	// Find reads an affine map to K scores, which one score is not, and
	// bounds them on the scale of probabilities, which percentages are not.
	if !out.binary && c.info.OutputKind != Percentages {
		if c.layer = ceiling.Find(checked, out.name, out.k, applied); c.layer != nil {
			c.info.BoundedLayer = c.layer.String()
		}
	}
	if !c.pixels {
		c.info.InputRange = c.rangeCheck(checked)
	}
	// Probe images are not the user's: only the search's count.
	c.nonFinite, c.badImages, c.scored = 0, 0, 0
	// The batch check found the model to score an image alike alone and
	// in a batch, and no batch note says it runs at one size only.
	c.flex = in.batch == 0 && c.info.BatchNote == "" && c.batch.size > 1
	c.info.OpenSeconds = time.Since(start).Seconds()
	if c.batch.size*in.c*in.h*in.w >= pipelineValues && threads < runtime.NumCPU() {
		if err := c.startPipeline(); err != nil {
			c.Close()
			return nil, err
		}
	}
	return c, nil
}

// Info returns what was detected about the model.
func (c *Classifier) Info() Info { return c.info }

// Normalization returns the preprocessing the classifier applies: the
// options', or raw255 for a model that takes uint8 pixels when the options
// left it to the classifier (see Options.AutoNormalization).
func (c *Classifier) Normalization() Normalization { return c.norm }

// TakesPixels reports whether the model's input is uint8 pixels, whose
// only preprocessing is raw255: other preprocessings are clamped to 0..255
// when ScoreAs applies them, so comparing them tells nothing.
func (c *Classifier) TakesPixels() bool { return c.pixels }

// pixelNormalization returns the preprocessing of a model whose input is
// uint8. Such a model takes the image's bytes and normalises them inside
// its graph, so the bytes are all fooltest can give it: raw255, in the
// channel order the options give.
func pixelNormalization(in inputSpec, opts Options) (Normalization, error) {
	n := opts.Normalization
	raw := presets["raw255"]
	raw.BGR = n.BGR
	if opts.AutoNormalization {
		return raw, nil
	}
	if n.String() != raw.String() {
		return Normalization{}, fault.Invalidf(SettingPixelPreprocessing, "model input %q takes 8-bit pixels (uint8, 0 to 255) and normalises them itself, so the preprocessing %s does not apply to it", in.name, n)
	}
	return n, nil
}

// LayerCeilings returns, for each of classes, an upper bound on its confidence
// over every input, read from the weights of the bounded layer that feeds
// the class scores, or nil when the graph shows no such layer (see package
// ceiling). A bound below goal proves that the class cannot reach goal;
// bounds at or above it prove nothing.
func (c *Classifier) LayerCeilings(classes []int, goal float64) []float64 {
	if c.layer == nil {
		return nil
	}
	return c.layer.Ceilings(classes, goal)
}

// Shape implements attack.Scorer.
func (c *Classifier) Shape() (ch, h, w, k int) { return c.in.c, c.in.h, c.in.w, c.out.k }

// BatchSize implements attack.Scorer: the batch size every run uses.
func (c *Classifier) BatchSize() int { return c.batch.size }

// Close releases the session, its run options and tensors. No run may
// be in progress, nor a context given to AbortOn still be watched.
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
	for size, out := range c.inplaceOut {
		out.Destroy()
		delete(c.inplaceOut, size)
	}
	for size, b := range c.small {
		b.destroy()
		delete(c.small, size)
	}
	// The run options are native memory with no finalizer: each Open
	// that failed after creating them, or each Close, would leak them.
	if c.ro != nil {
		_ = c.ro.Destroy()
		c.ro = nil
	}
	if c.sess != nil {
		err := c.sess.Destroy()
		c.sess = nil
		return err
	}
	return nil
}
