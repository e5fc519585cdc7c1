package classifier

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// Layout is how a model's image input is arranged in memory.
type Layout string

// The input layouts fooltest detects.
const (
	NCHW Layout = "NCHW" // [N,C,H,W], planar
	NHWC Layout = "NHWC" // [N,H,W,C], interleaved
	NHW  Layout = "NHW"  // [N,H,W], gray without a channel axis
	// Flat is [N,D] with D = C×H×W in planar (C,H,W) order, as
	// torch.flatten and nn.Flatten produce from NCHW tensors.
	Flat Layout = "flat"
)

// inputSpec is what detection found about the image input.
type inputSpec struct {
	name string
	// elem is the element type the model declares when it is a float
	// type other than float32 (see floatTypes), or uint8, which the
	// session then takes as float32 through a Cast the classifier adds; 0
	// for float32.
	elem    int
	layout  Layout
	c, h, w int
	// batch is the fixed batch size, or 0 when the batch axis is dynamic.
	batch int
	dims  []int64
	// sized says that h and w came from Options.ImageSize.
	sized bool
	// asDeclared says that the input tensor keeps the shape the model
	// declares (its batch axis excepted) while the image is c, h and w as
	// the user gave them: the input only feeds a Flatten, or has no
	// batch axis, so only the order of its values matters (see
	// flatOnly).
	asDeclared bool
}

// sizeDynamic reports whether the model declares its image's height or
// width dynamic (the user then gives them with --input-shape).
func (s inputSpec) sizeDynamic() bool {
	for _, d := range s.dims[1:] {
		if d <= 0 && s.layout != Flat {
			return true
		}
	}
	return false
}

// firstRunError is the error for a model that failed (err) on the first
// images of the shape fooltest gave it, when the model left that shape to
// fooltest or the user: a shape the model does not take is the likelier
// cause than a broken model, and it is input the user can change (a
// 3-axis input is read as [N,H,W] gray, where an export without a batch
// axis may mean [H,W,C]).
func (s inputSpec) firstRunError(err error) error {
	return fault.Invalidf("", "the model failed on its first images, shaped %v, fooltest's reading of input %q (declared %v) as %s: %s: give the image size the model takes with --input-shape, or, if its axes are in another order or it has no batch axis, export it with a batch axis first ([N,C,H,W], [N,H,W,C] or [N,H,W])",
		[]int64(s.shape(1)), s.name, s.dims, s.layout, runtimeDetail(err))
}

// shape returns the input tensor shape for a batch of b images.
func (s inputSpec) shape(b int) ort.Shape {
	if s.asDeclared {
		dims := slices.Clone(s.dims)
		if len(dims) > 1 {
			dims[0] = int64(b)
		}
		return ort.NewShape(dims...)
	}
	switch s.layout {
	case NCHW:
		return ort.NewShape(int64(b), int64(s.c), int64(s.h), int64(s.w))
	case NHWC:
		return ort.NewShape(int64(b), int64(s.h), int64(s.w), int64(s.c))
	case NHW:
		return ort.NewShape(int64(b), int64(s.h), int64(s.w))
	default:
		return ort.NewShape(int64(b), int64(s.c*s.h*s.w))
	}
}

// outputSpec is the model output fooltest reads confidences from.
type outputSpec struct {
	name string
	// elem is as inputSpec's: the output is cast to float32 when set.
	// An 8-bit output (quantized scores) is dequantized instead, by the
	// scale and zero point of the QuantizeLinear that computes it.
	elem  int
	quant *quantized
	// dims as declared; dims[0] is the batch axis unless rank1.
	dims  []int64
	rank1 bool
	k     int
	// expose says that the output is computed inside the graph but is
	// not one of its outputs (a ZipMap's input; see unzip).
	expose bool
	// binary says that the output holds one score per image, a binary
	// classifier's: class 1 is the score and class 0 its complement, so
	// k is 2 (see binaryConfidences).
	binary bool
	// others are the outputs of other widths shaped as class scores that
	// were passed over (one score per image among them), as name and
	// shape.
	others []string
	// spread are the float outputs with scores along several axes
	// (another head's: a text reader's characters beside a plate's
	// colour) that were passed over, as name and shape.
	spread []string
}

// width is the number of raw output values per image.
func (s outputSpec) width() int {
	if s.binary {
		return 1
	}
	return s.k
}

// shape returns the output tensor shape for a batch of b images.
func (s outputSpec) shape(b int) ort.Shape {
	if s.rank1 {
		return ort.NewShape(int64(s.width()))
	}
	d := make([]int64, len(s.dims))
	copy(d, s.dims)
	d[0] = int64(b)
	for i := 1; i < len(d); i++ {
		if d[i] <= 0 {
			d[i] = 1
		}
	}
	return ort.NewShape(d...)
}

// detectInput finds the single float image input and its layout. shape,
// when non-nil, is the image shape C,H,W the user gave; size, when non-nil,
// the height and width the model's image processor gives it, which fill a
// dynamic image size when shape is nil; g, when non-nil, the model's graph,
// read when the declared shape leaves the channel axis open.
func detectInput(inputs []ort.InputOutputInfo, shape *[3]int, size *[2]int, g *onnxcheck.Model) (inputSpec, error) {
	if len(inputs) == 0 {
		return inputSpec{}, fault.Invalidf("", "the model declares no inputs: fooltest needs a model with one float image input")
	}
	if len(inputs) > 1 {
		names := make([]string, len(inputs))
		for i, in := range inputs {
			names[i] = fmt.Sprintf("%q (%s)", in.Name, describe(in))
		}
		// ONNX Runtime lists only the inputs without a default (an
		// initializer of the same name): those with one it fills itself,
		// so a temperature or a mask with a default is no obstacle.
		return inputSpec{}, fault.Invalidf("", "the model has %d inputs without a default value (%s), and fooltest feeds a model its image alone: give every input but the image a default in the model (an initializer of the same name, which ONNX Runtime uses when the input is not fed), or export the classifier with the image as its only input",
			len(inputs), strings.Join(names, ", "))
	}
	in := inputs[0]
	if in.OrtValueType != ort.ONNXTypeTensor {
		return inputSpec{}, fault.Invalidf("", "model input %q is a %s, not a tensor: fooltest needs a float image tensor input", in.Name, in.OrtValueType)
	}
	elem, ok := floatType(in.DataType)
	if in.DataType == ort.TensorElementDataTypeUint8 {
		// 8-bit pixels, as models that normalise inside the graph take
		// them (see pixelNormalization).
		elem, ok = onnxcheck.TypeUint8, true
	}
	if !ok {
		return inputSpec{}, fault.Invalidf("", "model input %q has element type %s: fooltest feeds float or 8-bit images (float32, float16, bfloat16, double or uint8), not strings or other integers: export the model with a float32 input (a Cast after it can give the layers the type they take)", in.Name, elemName(in.DataType))
	}
	dims := []int64(in.Dimensions)
	spec := inputSpec{name: in.Name, dims: dims, elem: elem}
	if len(dims) > 0 && dims[0] > 0 {
		spec.batch = int(dims[0])
	}
	known := func(d int64) bool { return d > 0 }
	isC := func(d int64) bool { return d == 1 || d == 3 }
	switch len(dims) {
	case 4:
		// The first convolution tells the layout where the declared
		// shape cannot: [N,3,32,3] is 3×32×3 NCHW or 3×32 RGB NHWC,
		// and [N,3,64,13] 13 bands of 3×64 in NHWC.
		graphLayout, graphC := convInput(g, in.Name)
		switch {
		case graphC > 0 && !isC(int64(graphC)):
			return inputSpec{}, channelsRefusal(in.Name, dims, graphLayout, graphC)
		case isC(dims[1]) && isC(dims[3]) && graphLayout == NHWC:
			spec.layout, spec.c, spec.h, spec.w = NHWC, int(dims[3]), int(dims[1]), int(dims[2])
		case isC(dims[1]):
			spec.layout, spec.c, spec.h, spec.w = NCHW, int(dims[1]), int(dims[2]), int(dims[3])
		case isC(dims[3]):
			spec.layout, spec.c, spec.h, spec.w = NHWC, int(dims[3]), int(dims[1]), int(dims[2])
		case dims[1] <= 0 || dims[3] <= 0:
			// Exporters of Hugging Face models declare every axis
			// dynamic, channels included. The first convolution
			// says which axis holds them, and how many there are.
			layout, c := graphLayout, graphC
			if c > 0 && !isC(int64(c)) {
				return inputSpec{}, channelsRefusal(in.Name, dims, layout, c)
			}
			switch {
			case layout == NCHW && dims[1] <= 0, layout == NHWC && dims[3] <= 0:
				spec.layout = layout
			case shape != nil && dims[1] <= 0:
				spec.layout = NCHW
			case shape != nil && dims[3] <= 0:
				spec.layout = NHWC
			default:
				return inputSpec{}, fault.Invalidf(SettingInputShape, "model input %q has shape %v: its channel axis is dynamic, and its graph does not show which axis holds the channels", in.Name, dims)
			}
			spec.c = c
			spec.h, spec.w = int(max(dims[2], 0)), int(max(dims[3], 0))
			if spec.layout == NHWC {
				spec.h, spec.w = int(max(dims[1], 0)), int(max(dims[2], 0))
			}
		default:
			return inputSpec{}, channelsRefusal(in.Name, dims, graphLayout, graphC)
		}
	case 3:
		spec.layout, spec.c, spec.h, spec.w = NHW, 1, int(dims[1]), int(dims[2])
		if n := int(dims[1] * dims[2]); shape == nil && (dims[1] == 1 || dims[2] == 1) && n > 1 && flatOnly(g, in.Name, dims, n) {
			// [N,784,1] into a Flatten (verification benchmarks'
			// MLPs): a column of values, no more an image 784 high
			// than [N,784] is; read as [N,784] is.
			if c, h, w, ok := squareImage(n); ok {
				spec.layout, spec.c, spec.h, spec.w, spec.asDeclared = Flat, c, h, w, true
			}
		}
	case 2:
		spec.layout = Flat
		if known(dims[1]) && shape == nil {
			c, h, w, ok := squareImage(int(dims[1]))
			if !ok {
				return inputSpec{}, fault.Invalidf(SettingInputShape, "model input %q is flattened to %d values, which is not a square gray or RGB image", in.Name, dims[1])
			}
			spec.c, spec.h, spec.w = c, h, w
		}
	case 1:
		// One image's values without a batch axis, as an export traced
		// on an unbatched tensor declares them: a batch of 1, flattened.
		if shape == nil || !known(dims[0]) || int(dims[0]) != shape[0]*shape[1]*shape[2] {
			given := ""
			if shape != nil {
				given = fmt.Sprintf(" (the image shape given, %d,%d,%d, has %d)", shape[0], shape[1], shape[2], shape[0]*shape[1]*shape[2])
			}
			return inputSpec{}, fault.Invalidf("", "model input %q has shape %v, one image's values without a batch axis: pass --input-shape C,H,W with C·H·W = %d values%s, in the order the model takes them (C,H,W planar, as torch.flatten gives), or export the model with a batch axis ([1,C,H,W] or [N,D])", in.Name, dims, max(dims[0], 0), given)
		}
		spec.layout, spec.batch, spec.asDeclared = Flat, 1, true
	default:
		what := ""
		if len(dims) == 5 {
			// The user's fix is not a flag: the model is of another kind.
			what = ", and one of five axes is a video clip's or a 3-D volume's, which no image search draws"
		}
		return inputSpec{}, fault.Invalidf("", "model input %q has rank %d (shape %v): fooltest takes [N,C,H,W], [N,H,W,C], [N,H,W] or flattened [N,D] image inputs%s", in.Name, len(dims), dims, what)
	}
	if shape != nil {
		c, h, w := shape[0], shape[1], shape[2]
		if err := checkOverride(spec, c, h, w); err != nil {
			if !flatOnly(g, in.Name, dims, c*h*w) {
				return inputSpec{}, err
			}
			// The model flattens its input first: the declared axes
			// group the values, and the user says what image they are.
			spec.asDeclared = true
		}
		spec.c, spec.h, spec.w = c, h, w
	}
	if shape == nil && size != nil && spec.layout != Flat && spec.h <= 0 && spec.w <= 0 {
		spec.h, spec.w, spec.sized = size[0], size[1], true
	}
	if spec.c <= 0 || spec.h <= 0 || spec.w <= 0 {
		err := fault.Invalidf(SettingInputShape, "model input %q has shape %v with unknown image size", in.Name, dims)
		if spec.c > 0 && (spec.h > 0 || spec.w > 0) {
			// A side is known too (a spectrogram's 64 bands): the
			// suggestion names it, so that an example size does not
			// contradict it.
			return inputSpec{}, fault.Suggest(err, shapeTemplate(spec, 0, 0, 0))
		}
		if spec.c > 0 {
			// The channel count is known: the suggestion is the shape's
			// first value, for the CLI to complete.
			return inputSpec{}, fault.Suggest(err, strconv.Itoa(spec.c))
		}
		return inputSpec{}, err
	}
	return spec, nil
}

// channelsRefusal refuses an image input of channels other than 1 or 3 (RGBA,
// RGB and near-infrared, 13 Sentinel-2 bands), naming the channels it found
// so that the user sees what fooltest read. Its fooling images would have
// to fill bands that no photo, PNG or preprocessing preset has, and a check
// of its preprocessing by natural photos would feed it colours it never
// saw: a test could pass a model it never really tested. layout and c are
// the first convolution's (convInput), when the graph shows them; without
// them the smaller of axes 1 and 3 is taken for the channels, as images
// are wider than they have channels.
func channelsRefusal(name string, dims []int64, layout Layout, c int) error {
	axis := 1
	switch {
	case layout == NHWC:
		axis = 3
	case layout == NCHW:
	case dims[3] > 0 && (dims[1] <= 0 || dims[3] < dims[1]):
		axis = 3
	}
	if c <= 0 {
		c = int(dims[axis])
	}
	var kind string
	switch c {
	case 2:
		kind = "gray and alpha, two stacked images or two signals' spectrograms"
	case 4:
		kind = "RGBA, RGB and near-infrared, or RGB and depth"
	default:
		kind = "multispectral bands, as Sentinel-2's 13, stacked frames or feature planes"
	}
	read := fmt.Sprintf("%d channels on axis %d", c, axis)
	if c <= 0 {
		read = "channels on neither axis 1 nor axis 3 of size 1 or 3"
		kind = "fooltest found no channel axis"
	}
	return fault.Invalidf("", "model input %q has shape %v: %s (%s), and fooltest draws gray or RGB images (1 or 3 channels), so it cannot test this model: export it behind a wrapper with a 1- or 3-channel input that fills the channels the model takes (an opaque alpha, for RGBA; the RGB bands from the image and the others from constants, for multispectral bands)", name, dims, read, kind)
}

// elementwise lists the operators that keep an image's layout and may stand
// between a model's input and its first convolution: normalisation,
// casts and quantization.
var elementwise = []string{"Add", "Sub", "Mul", "Div", "Cast", "QuantizeLinear", "DequantizeLinear", "Identity"}

// convInput follows input through elementwise operators to the first
// convolution that reads it and returns the layout it implies, and the
// channel count its weights take (0 when unknown). An NCHW image feeds the
// convolution itself; an NHWC one goes through a Transpose to NCHW first,
// as tf2onnx writes. It returns "" when the graph shows neither.
func convInput(g *onnxcheck.Model, input string) (Layout, int) {
	if g == nil {
		return "", 0
	}
	layout, value := NCHW, input
	for range 8 {
		var next *onnxcheck.Node
		for _, n := range g.Consumers(value) {
			if len(n.Outputs) == 0 {
				continue
			}
			// Normalisation may read the image as either operand
			// (Mul(scale, x)); a convolution or transpose reads it
			// first.
			first := n.Inputs[0] == value
			switch {
			case !first && !slices.Contains(elementwise, n.Op):
			case n.Op == "Conv" || n.Op == "ConvInteger":
				return layout, weightChannels(g, n, 1)
			case n.Op == "QLinearConv":
				return layout, weightChannels(g, n, 3)
			case n.Op == "Transpose" && layout == NCHW:
				if perm, ok := n.Ints("perm"); ok && slices.Equal(perm, []int64{0, 3, 1, 2}) {
					layout, next = NHWC, n
				}
			case slices.Contains(elementwise, n.Op):
				next = n
			}
			if next != nil {
				break
			}
		}
		if next == nil {
			return "", 0
		}
		value = next.Outputs[0]
	}
	return "", 0
}

// weightChannels returns the input channels of convolution n, whose weight
// [M, C/group, kH, kW] is its input at index w (through a DequantizeLinear
// when the model is quantized), or 0 when the weight's shape is not known.
func weightChannels(g *onnxcheck.Model, n *onnxcheck.Node, w int) int {
	if len(n.Inputs) <= w {
		return 0
	}
	name := n.Inputs[w]
	if p := g.Producer(name); p != nil && p.Op == "DequantizeLinear" && len(p.Inputs) > 0 {
		name = p.Inputs[0]
	}
	dims, ok := g.ConstDims(name)
	if !ok || len(dims) != 4 || dims[1] <= 0 {
		return 0
	}
	group, ok := n.Int("group")
	if !ok || group < 1 {
		group = 1
	}
	return int(dims[1] * group)
}

// flatOnly reports whether model input name, declared dims, holds n values
// per image and feeds nothing but a Flatten from axis 1: the model then
// sees only the order of the values, whatever image shape they are said
// to have.
func flatOnly(g *onnxcheck.Model, name string, dims []int64, n int) bool {
	if g == nil || len(dims) < 2 {
		return false
	}
	per := int64(1)
	for _, d := range dims[1:] {
		if d <= 0 {
			return false
		}
		per *= d
	}
	users := g.Consumers(name)
	if per != int64(n) || len(users) == 0 {
		return false
	}
	for _, u := range users {
		if axis, ok := u.Int("axis"); u.Op != "Flatten" || ok && axis != 1 {
			return false
		}
	}
	return true
}

// DeclaredShape is the suggestion of an error of SettingInputShape when the
// shape the user gave contradicts the one the model declares in full: the
// fix is to leave the declared one be.
const DeclaredShape = "declared"

// ShapePrefix starts the suggestion of an error of SettingInputShape that
// names the shape to give, "C,H,W" with the known sizes as numbers and the
// unknown ones as the letters C, H or W, such as "shape:1,64,W".
const ShapePrefix = "shape:"

// ValuesPrefix starts the suggestion of an error of SettingInputShape for a
// flattened input: the count of values, such as "values:784", that the
// shape's C·H·W must make.
const ValuesPrefix = "values:"

// shapeTemplate returns the suggestion ShapePrefix+"C,H,W" for s: its
// declared sizes, else those of the shape given (c, h, w; 0 for none),
// else letters.
func shapeTemplate(s inputSpec, c, h, w int) string {
	size := func(declared, given int, letter string) string {
		switch {
		case declared > 0:
			return strconv.Itoa(declared)
		case given > 0:
			return strconv.Itoa(given)
		}
		return letter
	}
	return ShapePrefix + size(s.c, c, "C") + "," + size(s.h, h, "H") + "," + size(s.w, w, "W")
}

// checkOverride rejects a user's image shape that contradicts a declared size.
func checkOverride(s inputSpec, c, h, w int) error {
	mismatch := func(axis string, declared, given int) error {
		// With every size declared, the fix is to leave them be;
		// with some dynamic, the user's sizes fill those.
		fix := DeclaredShape
		if s.c <= 0 || s.h <= 0 || s.w <= 0 {
			fix = shapeTemplate(s, c, h, w)
		}
		return fault.Suggest(fault.Invalidf(SettingInputShape, "image shape %d,%d,%d contradicts model input %q (shape %v): its %s is %d, not %d", c, h, w, s.name, s.dims, axis, declared, given), fix)
	}
	switch s.layout {
	case Flat:
		if len(s.dims) < 2 {
			break
		}
		if d := s.dims[1]; d > 0 && int(d) != c*h*w {
			return fault.Suggest(fault.Invalidf(SettingInputShape, "image shape %d,%d,%d has %d values but model input %q takes %d", c, h, w, c*h*w, s.name, d), ValuesPrefix+strconv.Itoa(int(d)))
		}
	case NHW:
		if c != 1 {
			return mismatch("channel count", 1, c)
		}
		fallthrough
	default:
		if s.c > 0 && s.c != c {
			if s.dims[1] <= 0 && s.dims[3] <= 0 {
				// The count came from the first convolution.
				return fault.Suggest(fault.Invalidf(SettingInputShape, "image shape %d,%d,%d contradicts model input %q (shape %v): its first convolution takes %d channels, not %d", c, h, w, s.name, s.dims, s.c, c), shapeTemplate(s, c, h, w))
			}
			return mismatch("channel count", s.c, c)
		}
		if s.h > 0 && s.h != h {
			return mismatch("height", s.h, h)
		}
		if s.w > 0 && s.w != w {
			return mismatch("width", s.w, w)
		}
	}
	return nil
}

// squareImage reads a flattened size as a square gray or RGB image.
func squareImage(d int) (c, h, w int, ok bool) {
	if s := isqrt(d); s*s == d {
		return 1, s, s, true
	}
	if d%3 == 0 {
		if s := isqrt(d / 3); s*s == d/3 {
			return 3, s, s, true
		}
	}
	return 0, 0, 0, false
}

func isqrt(n int) int { return int(math.Sqrt(float64(n)) + 0.5) }

// quantized is how an 8-bit output's levels stand for scores: the scale
// and zero point of the QuantizeLinear that computes it.
type quantized struct {
	scale            float32
	zero, qmin, qmax int64
}

// max is the highest score the output can give.
func (q *quantized) max() float64 { return float64(q.qmax-q.zero) * float64(q.scale) }

// quantizer reads, for an output of 8-bit element type t, the
// QuantizeLinear of m that computes it; nil when none does with one scale
// and zero point for the whole tensor.
func quantizer(m *onnxcheck.Model, output string, t ort.TensorElementDataType) *quantized {
	if m == nil {
		return nil
	}
	n := m.Producer(output)
	if n == nil || n.Op != "QuantizeLinear" || len(n.Inputs) < 2 {
		return nil
	}
	_, scale, ok := m.Floats(n.Inputs[1], 1)
	if !ok || len(scale) != 1 || !(scale[0] > 0) || math.IsInf(float64(scale[0]), 0) {
		return nil
	}
	q := &quantized{scale: scale[0]}
	elem := onnxcheck.TypeUint8
	if len(n.Inputs) > 2 && n.Inputs[2] != "" {
		if q.zero, elem, ok = m.Int8(n.Inputs[2]); !ok {
			return nil
		}
	}
	switch {
	case elem == onnxcheck.TypeUint8 && t == ort.TensorElementDataTypeUint8:
		q.qmin, q.qmax = 0, 255
	case elem == onnxcheck.TypeInt8 && t == ort.TensorElementDataTypeInt8:
		q.qmin, q.qmax = -128, 127
	default:
		return nil
	}
	return q
}

// detectOutput chooses the output to read confidences from: the named one,
// or the float tensor with more than one class (see pickScores when there
// are several), or else the first with one score per image (a binary
// classifier's); m, the model's graph, says how 8-bit outputs were
// quantized.
func detectOutput(outputs []ort.InputOutputInfo, name string, in inputSpec, m *onnxcheck.Model) (outputSpec, error) {
	var considered, spread []string
	var singles, scores []outputSpec
	for _, out := range outputs {
		if name != "" && out.Name != name {
			continue
		}
		spec, why := classOutput(out, in, m)
		if why == "" && spec.binary && name == "" {
			// One score per image beside K class scores is more
			// likely a summary of them (their maximum, a confidence)
			// than a binary classifier's.
			singles = append(singles, spec)
			continue
		}
		if why == "" {
			scores = append(scores, spec)
			continue
		}
		if name != "" {
			others := scoreOutputs(outputs, name, in, m)
			if others == "" {
				// No other output to pick: telling the user to pick one
				// would send them round again. The fix lies in the
				// model's export, or the model is no classifier.
				if !strings.Contains(why, "export") {
					why += "; no output of this model holds one score per class, and fooltest tests image classifiers"
				}
				return outputSpec{}, fault.Invalidf(SettingModel, "output %q: %s", name, why)
			}
			return outputSpec{}, fault.Invalidf(SettingOutput, "output %q: %s%s", name, why, others)
		}
		considered = append(considered, fmt.Sprintf("%q %s", out.Name, why))
		if strings.Contains(why, "scores along") {
			spread = append(spread, fmt.Sprintf("%q %v", out.Name, []int64(out.Dimensions)))
		}
	}
	if len(scores) > 0 {
		if err := singleComputed(singles, scores, m); err != nil {
			return outputSpec{}, err
		}
		spec, err := pickScores(scores, m)
		if err == nil && name != "" {
			// The user chose the output; the reports still name what
			// else the model could be read for, as when fooltest chose.
			spec.others, spread = otherOutputs(outputs, spec, in, m)
		}
		if err == nil {
			// A binary head beside the classes, or a summary of them:
			// either way the user may want the other.
			for _, s := range singles {
				spec.others = append(spec.others, fmt.Sprintf("%q %v", s.name, s.dims))
			}
		}
		spec.spread = spread
		return spec, err
	}
	if len(singles) > 0 {
		single := singles[0]
		single.spread = spread
		return single, nil
	}
	if name != "" {
		names := make([]string, len(outputs))
		for i, o := range outputs {
			names[i] = fmt.Sprintf("%q", o.Name)
		}
		return outputSpec{}, fault.Invalidf(SettingOutput, "output %q: the model has no such output (it has %s)", name, strings.Join(names, ", "))
	}
	// No output to pick, however many there are: the model is no image
	// classifier (a text reader's scores per character, a detector's
	// boxes), or its export left the scores out.
	return outputSpec{}, fault.Invalidf(SettingModel, "the model has no output of class scores (%s): fooltest tests image classifiers, whose class scores are shaped [N,K], or [N,1] for a binary one", strings.Join(considered, "; "))
}

// scoreOutputs names, for a refusal of output name, the model's other
// outputs that hold class scores ("" when none does).
func scoreOutputs(outputs []ort.InputOutputInfo, name string, in inputSpec, m *onnxcheck.Model) string {
	var names []string
	for _, out := range outputs {
		if out.Name == name {
			continue
		}
		if spec, why := classOutput(out, in, m); why == "" {
			names = append(names, fmt.Sprintf("%q %v", out.Name, spec.dims))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return "; the model's class scores: " + strings.Join(names, ", ")
}

// otherOutputs lists, beside the output the user named (named), the
// model's other outputs that hold class scores (others) and those with
// scores along several axes (spread), as detectOutput lists them when it
// chooses the output itself: scores as wide as the named ones are taken
// for the same scores (logits beside their softmax), while one score per
// image is another head whatever the named output is.
func otherOutputs(outputs []ort.InputOutputInfo, named outputSpec, in inputSpec, m *onnxcheck.Model) (others, spread []string) {
	for _, out := range outputs {
		if out.Name == named.name {
			continue
		}
		spec, why := classOutput(out, in, m)
		switch {
		case why == "" && (spec.binary || spec.k != named.k):
			others = append(others, fmt.Sprintf("%q %v", out.Name, spec.dims))
		case strings.Contains(why, "scores along"):
			spread = append(spread, fmt.Sprintf("%q %v", out.Name, []int64(out.Dimensions)))
		}
	}
	return others, spread
}

// singleComputed refuses a model with one score per image (singles) that a
// Softmax, LogSoftmax or Sigmoid computes while none of its wider outputs
// (scores) is so computed: a binary classifier with another head beside it
// (a ball's position beside whether there is a ball) then looks like a
// model of K classes whose single output summarises them, and the graph
// does not say which it is. Every such single output is named, as each
// could be the classifier the user means.
func singleComputed(singles, scores []outputSpec, m *onnxcheck.Model) error {
	if m == nil {
		return nil
	}
	var computed, ops []string
	for _, s := range singles {
		if op := m.OutputOp(s.name); scoreOps[op] {
			computed = append(computed, fmt.Sprintf("%q %v", s.name, s.dims))
			if !slices.Contains(ops, op) {
				ops = append(ops, op)
			}
		}
	}
	if len(computed) == 0 || slices.ContainsFunc(scores, func(s outputSpec) bool { return scoreOps[m.OutputOp(s.name)] }) {
		return nil
	}
	names := make([]string, len(scores))
	for i, s := range scores {
		names[i] = fmt.Sprintf("%q %v", s.name, s.dims)
	}
	what := "one score per image that a " + strings.Join(ops, " or ") + " computes"
	if len(computed) > 1 {
		what = fmt.Sprintf("%d outputs of one score per image that a %s computes", len(computed), strings.Join(ops, " or "))
	}
	return fault.Invalidf(SettingOutput, "the model has %s (%s) beside outputs of several values per image that no Softmax, LogSoftmax or Sigmoid computes (%s), and fooltest cannot tell whether it is a binary classifier with other heads or a summary of class scores",
		what, strings.Join(computed, ", "), strings.Join(names, ", "))
}

// scoreOps are the operators whose output is class scores whatever else the
// model gives.
var scoreOps = map[string]bool{"Softmax": true, "LogSoftmax": true, "Sigmoid": true}

// maxHeads is the most rows an output [N,H,K] may have to be named as
// heads of K classes in a refusal: a captcha or plate reader has a few
// characters (21 time steps for a plate's CTC head), where a detector has
// hundreds of boxes.
const maxHeads = 32

// pickScores chooses among outputs shaped as class scores. Models give
// several for two reasons: the same scores twice (logits and their softmax,
// a main and an auxiliary head), where any of them will do and one that a
// Softmax, LogSoftmax or Sigmoid computes is surest; or scores beside
// another vector per image (features, an embedding), which has the same
// shape. Read as classes, an embedding's units would be searched instead
// of the model's classes and the verdict would mean nothing, so outputs of
// different widths that the graph does not settle are refused.
func pickScores(scores []outputSpec, m *onnxcheck.Model) (outputSpec, error) {
	if len(scores) == 1 {
		return scores[0], nil
	}
	if m != nil {
		var computed []outputSpec
		for _, s := range scores {
			if scoreOps[m.OutputOp(s.name)] {
				computed = append(computed, s)
			}
		}
		if len(computed) > 0 {
			var others []string
			for _, s := range scores {
				if s.k != computed[0].k {
					others = append(others, fmt.Sprintf("%q %v", s.name, s.dims))
				}
			}
			scores = computed
			scores[0].others = others
		}
	}
	if !slices.ContainsFunc(scores, func(s outputSpec) bool { return s.k != scores[0].k }) {
		return scores[0], nil
	}
	names := make([]string, len(scores))
	for i, s := range scores {
		names[i] = fmt.Sprintf("%q %v", s.name, s.dims)
	}
	return outputSpec{}, fault.Invalidf(SettingOutput, "the model has %d outputs shaped as class scores, of different widths (%s), and fooltest cannot tell which holds the classes and which another vector per image, such as features", len(scores), strings.Join(names, ", "))
}

// classOutput checks one output; why is empty when it holds class scores.
func classOutput(out ort.InputOutputInfo, in inputSpec, m *onnxcheck.Model) (spec outputSpec, why string) {
	if out.OrtValueType != ort.ONNXTypeTensor {
		return spec, fmt.Sprintf("is a %s, not a tensor", out.OrtValueType)
	}
	elem, ok := floatType(out.DataType)
	var q *quantized
	if out.DataType == ort.TensorElementDataTypeUint8 || out.DataType == ort.TensorElementDataTypeInt8 {
		if q = quantizer(m, out.Name, out.DataType); q == nil {
			return spec, fmt.Sprintf("has element type %s and no QuantizeLinear of one scale and zero point computes it, so fooltest cannot tell what its levels stand for: dequantize the scores in the graph (DequantizeLinear)", elemName(out.DataType))
		}
		elem, ok = onnxcheck.TypeUint8, true
		if out.DataType == ort.TensorElementDataTypeInt8 {
			elem = onnxcheck.TypeInt8
		}
	}
	if !ok {
		return spec, fmt.Sprintf("has element type %s, not a float type", elemName(out.DataType))
	}
	if m != nil && m.OutputOp(out.Name) == "TopK" {
		// Each image's highest scores in order (ONNX exports a sort as a
		// TopK too): column j is the j-th best class's score, whichever
		// class that is, so read as classes the first would be fooled by
		// any image the model is sure of.
		return spec, "holds the values of a TopK, each image's highest scores in order rather than one score per class: export the scores before the TopK"
	}
	dims := []int64(out.Dimensions)
	spec = outputSpec{name: out.Name, dims: dims, elem: elem, quant: q}
	switch {
	case len(dims) == 1 && dims[0] <= 0 && in.batch != 1:
		// One value per image along the batch axis: a binary
		// classifier whose score was squeezed to [N].
		spec.k = 1
	case len(dims) == 1:
		if in.batch != 1 {
			return spec, fmt.Sprintf("has shape %v without a batch axis, which fooltest reads only from models with a fixed batch of 1", dims)
		}
		spec.rank1, spec.k = true, int(dims[0])
	case len(dims) >= 2:
		if dims[0] > 0 && in.batch > 0 && int(dims[0]) != in.batch {
			return spec, fmt.Sprintf("has batch axis %d but the input's is %d", dims[0], in.batch)
		}
		k, axes := 1, 0
		for _, d := range dims[1:] {
			if d > 1 {
				axes++
			}
		}
		if axes > 1 {
			// Read as K classes, a segmentation map's pixels or a
			// detector's boxes would make every score a class of its
			// own, and a run would pass a model it never tested.
			if len(dims) == 3 && dims[1] > 1 && dims[1] <= maxHeads && dims[2] > 1 {
				// A few rows of many scores: a reader of several
				// characters (a captcha's, a plate's), one head each.
				return spec, fmt.Sprintf("has shape %v, scores along %d axes: %d heads of %d classes each (a reader of %d characters or time steps, say) or a detector's or segmenter's scores, where an image classifier gives one score per class ([N,K]); export one head's scores as an output of its own", dims, axes, dims[1], dims[2], dims[1])
			}
			return spec, fmt.Sprintf("has shape %v, scores along %d axes as a detector's boxes or a segmentation map give them, where an image classifier gives one score per class ([N,K])", dims, axes)
		}
		if len(dims) > 2 && slices.ContainsFunc(dims[2:], func(d int64) bool { return d <= 0 }) && in.sizeDynamic() {
			// Axes that the exporter could not size, after the class
			// axis, of a model whose image size is dynamic: the
			// image's height and width, as a segmentation map has.
			return spec, fmt.Sprintf("has shape %v, whose axes after the class axis are as dynamic as the image's size, as a segmentation map's are, where an image classifier gives one score per class ([N,K])", dims)
		}
		for _, d := range dims[1:] {
			if d <= 0 {
				// A dynamic class axis is sized 1 in every other axis for
				// the models seen so far; treat unknown trailing axes as 1
				// except the first.
				if k == 1 && d == dims[1] {
					if len(dims) == 3 && dims[2] > 1 {
						// [N,T,K] with T left open: a sequence of
						// steps, as a CTC text reader gives them.
						return spec, fmt.Sprintf("has shape %v: a sequence of steps of unknown length with %d scores each, as a CTC text or CAPTCHA reader gives them, where an image classifier gives one score per class ([N,K])", dims, dims[2])
					}
					return spec, fmt.Sprintf("has shape %v with an unknown class axis", dims)
				}
				continue
			}
			k *= int(d)
		}
		spec.k = k
	default:
		return spec, "is a scalar"
	}
	if spec.k == 1 {
		// A binary classifier's single score (a sigmoid, or one logit)
		// reads as two classes: the score and its complement.
		spec.k, spec.binary = 2, true
	}
	if spec.k <= 1 {
		return spec, fmt.Sprintf("has shape %v with %d class", dims, spec.k)
	}
	return spec, ""
}

// floatTypes are the element types of model inputs and outputs that the
// classifier takes, with their names in reports. float16 models are the
// common case (GPU exports, and converters that keep the model's inputs
// and outputs in its own precision); the session takes and gives float32
// through Cast nodes that the classifier adds to the graph.
var floatTypes = map[ort.TensorElementDataType]struct {
	elem int
	name string
}{
	ort.TensorElementDataTypeFloat:    {0, "float32"},
	ort.TensorElementDataTypeFloat16:  {onnxcheck.TypeFloat16, "float16"},
	ort.TensorElementDataTypeBFloat16: {onnxcheck.TypeBFloat16, "bfloat16"},
	ort.TensorElementDataTypeDouble:   {onnxcheck.TypeDouble, "double"},
}

// floatType returns the onnxcheck element type that t needs cast from
// float32 (0 for float32 itself), and false when t is not a float type the
// classifier takes.
func floatType(t ort.TensorElementDataType) (int, bool) {
	f, ok := floatTypes[t]
	return f.elem, ok
}

// typeName returns the report name of an element type from floatType, or
// of a uint8 input.
func typeName(elem int) string {
	switch elem {
	case onnxcheck.TypeUint8:
		return "uint8"
	case onnxcheck.TypeInt8:
		return "int8"
	}
	for _, f := range floatTypes {
		if f.elem == elem {
			return f.name
		}
	}
	return strconv.Itoa(elem)
}

// describe names an input's or output's type as ONNX writes it ("float
// [1 16]", "sequence"), without the C API's enum prefixes.
func describe(io ort.InputOutputInfo) string {
	if io.OrtValueType != ort.ONNXTypeTensor {
		return strings.ToLower(strings.TrimPrefix(io.OrtValueType.String(), "ONNX_TYPE_"))
	}
	return fmt.Sprintf("%s %v", elemName(io.DataType), []int64(io.Dimensions))
}

// elemName names an element type as ONNX writes it: "float", "int64".
func elemName(t ort.TensorElementDataType) string {
	return strings.ToLower(strings.TrimPrefix(t.String(), "ONNX_TENSOR_ELEMENT_DATA_TYPE_"))
}
