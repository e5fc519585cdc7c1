package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strings"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/hfconfig"
	"github.com/fooltest/fooltest/internal/ortlib"
	"github.com/fooltest/fooltest/internal/photocheck"
	"github.com/fooltest/fooltest/internal/pipeline"
	"github.com/fooltest/fooltest/internal/report"
)

// errHelp ends a command after -h printed its flags.
var errHelp = errors.New("help requested")

// modelFlags are the flags every command that opens a model takes.
type modelFlags struct {
	model, labels, preset        string
	scale                        float64
	mean, std                    string
	inputShape, output, kind     string
	batch, threads               int
	ortLib                       string
	maxModelBytes, maxInputBytes int64
	channelOrder                 string
	set                          map[string]bool
	// hf are the Hugging Face files found beside the model; processor is
	// the preprocessor_config.json the preprocessing came from, when no
	// preprocessing flag was given.
	hf        hfconfig.Files
	processor string
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.model, "model", "", "ONNX model `path` (default: the embedded demo LeNet)")
	fs.StringVar(&m.labels, "labels", "", "labels `file`: one per line in class order, or JSON (an array, an object from class index to label, or a config.json with id2label)")
	fs.StringVar(&m.preset, "preset", "", "preprocessing: raw01 (x), raw255 (255x), pm1 (2x-1), mnist, cifar10, imagenet, caffe (BGR, 255x less the ImageNet means) (default: what the model's files state, such as a Hugging Face image processor or the model's metadata, else raw01, on which a run that would pass ends in error unless the digit check confirms it: give raw01 to confirm it)")
	fs.Float64Var(&m.scale, "scale", 1, "input scale S in (S*x - mean)/std, x in [0,1]")
	fs.StringVar(&m.mean, "mean", "", "per-channel `mean`: one value, or one per input channel, comma-separated")
	fs.StringVar(&m.std, "std", "", "per-channel `std`: one value, or one per input channel, comma-separated")
	fs.StringVar(&m.channelOrder, "channel-order", "", "`order` in which an RGB model takes its channels: rgb, or bgr (Caffe, OpenCV); --mean and --std are in that order (default: the preset's, rgb but for caffe)")
	fs.StringVar(&m.inputShape, "input-shape", "", "image shape `C,H,W` for flattened or dynamic inputs")
	fs.StringVar(&m.output, "output", "", "output `name` to read class scores from (default: of the float outputs with K>1, the one a Softmax, LogSoftmax or Sigmoid computes, else the first; with none, the first with one score per image)")
	fs.StringVar(&m.kind, "output-kind", "auto", "auto, probabilities, logits (softmax applied), sigmoid (independent scores in [0,1]), multilabel-logits (a sigmoid applied to each) or percentages (probabilities times 100)")
	fs.IntVar(&m.batch, "batch", 0, "batch `size` (default: tuned by measurement)")
	fs.IntVar(&m.threads, "threads", 0, "ONNX Runtime intra-op `threads` (default: number of CPUs)")
	fs.StringVar(&m.ortLib, "onnxruntime-lib", "", "`path` of "+ortlib.LibraryFile()+" (default: $ONNXRUNTIME_LIB, the install folder, the system)")
	fs.Int64Var(&m.maxModelBytes, "max-model-bytes", 2<<30, "refuse model files larger than this many `bytes`")
	fs.Int64Var(&m.maxInputBytes, "max-input-bytes", classifier.DefaultMaxInputBytes, "refuse models whose input or output tensor for one batch takes more than this many `bytes`")
}

// decimal is an integer flag's value read in base ten only. The flag
// package reads integers as Go literals, so --max-evals 0600 meant 384
// evaluations and 0x100 256: a leading zero, as a workflow or a script
// may pad a number with, changed the run's budget or seed without a word.
// Leading zeros are dropped instead, and other bases refused. A whole
// number in scientific notation, such as 1e4 or 2.5e3, is that number:
// a large budget is often written so.
type decimal struct{ flag.Value }

// String is the value's own. The flag package calls it on a zero decimal
// too, to leave a zero default out of the help, as for its own integers.
func (d decimal) String() string {
	if d.Value == nil {
		return "0"
	}
	return d.Value.String()
}

// decimalNumber is what decimal takes: an optional sign, digits, and
// optionally a fraction and an exponent of at most two digits (which
// keeps the exact value small to compute).
var decimalNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]{1,2})?$`)

// hugeNumber is a number with a positive exponent of three digits or more
// (1e100): far beyond any integer flag, and a whole number all the same.
var hugeNumber = regexp.MustCompile(`^[+-]?[0-9]+(\.[0-9]+)?[eE]\+?[0-9]{3,}$`)

func (d decimal) Set(s string) error {
	if !decimalNumber.MatchString(s) {
		if hugeNumber.MatchString(s) {
			return errors.New("value out of range")
		}
		return errors.New("not a whole number in base ten")
	}
	// Exact: a seed of 19 digits must not round through a float64.
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() {
		return errors.New("not a whole number")
	}
	return d.Value.Set(r.Num().String())
}

// decimalOnly makes every integer flag of fs read base ten only (see
// decimal), those to come included.
func decimalOnly(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		switch fmt.Sprintf("%T", f.Value) {
		case "*flag.intValue", "*flag.int64Value", "*flag.uintValue", "*flag.uint64Value":
			f.Value = decimal{f.Value}
		}
	})
}

// badValue matches the flag package's errors for a value that does not
// parse: the value and the flag's name.
var badValue = regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-(\S+): `)

// flagError turns fs's parse error err into one usage error: for a value
// that does not parse, what the flag takes, from its type, rather than the
// flag package's "parse error"; cmd names the command for its help.
func flagError(fs *flag.FlagSet, err error, cmd string) error {
	m := badValue.FindStringSubmatch(err.Error())
	if m == nil {
		return exitcode.Usagef("%s: run '%s -h' for the flags", err, cmd)
	}
	f := fs.Lookup(m[2])
	if f == nil {
		return exitcode.Usagef("%s: run '%s -h' for the flags", err, cmd)
	}
	example := ""
	if f.DefValue != "" && f.DefValue != "0" {
		example = ", such as " + f.DefValue
	}
	v := f.Value
	d, isDecimal := v.(decimal)
	if isDecimal {
		v = d.Value
	}
	var takes string
	switch fmt.Sprintf("%T", v) {
	case "*flag.boolValue":
		takes = "true or false (--" + f.Name + " alone means true)"
	case "*flag.uintValue", "*flag.uint64Value":
		takes = "a whole number of 0 or more" + example
	case "*flag.intValue", "*flag.int64Value":
		takes = "a whole number" + example
	case "*flag.float64Value":
		takes = "a number" + example
	case "*flag.durationValue":
		takes = "a duration such as 30s or 5m"
	default:
		return exitcode.Usagef("%s: run '%s -h' for the flags", err, cmd)
	}
	switch {
	case isDecimal && strings.Contains(err.Error(), "out of range"):
		// The value was a whole number: only its size was wrong.
		return exitcode.Usagef("--%s %s: out of range: give a smaller whole number (run '%s -h' for the flags)", f.Name, m[1], cmd)
	case isDecimal:
		// The flag package would take 0x10 and 1_000 as Go does; this
		// one does not, and says so, to whoever wrote them on purpose.
		takes += ", in base-ten digits (1e4 for 10000; no 0x, 0o or _)"
	}
	return exitcode.Usagef("--%s %s: give %s (run '%s -h' for the flags)", f.Name, m[1], takes, cmd)
}

// parse parses args into fs, turning flag errors into one-line usage errors.
func parse(fs *flag.FlagSet, args []string, e env, m *modelFlags) error {
	fs.SetOutput(io.Discard)
	decimalOnly(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fmt.Fprintf(e.stdout, "Usage: fooltest %s [flags]\n\nFlags:\n", fs.Name())
			fs.PrintDefaults()
			return errHelp
		}
		return flagError(fs, err, "fooltest "+fs.Name())
	}
	if fs.NArg() > 0 {
		return exitcode.Usagef("unexpected argument %q: flags start with --; run 'fooltest %s -h'", fs.Arg(0), fs.Name())
	}
	if m != nil {
		m.set = map[string]bool{}
		fs.Visit(func(f *flag.Flag) { m.set[f.Name] = true })
	}
	return nil
}

// options turns the flags into classifier options.
func (m *modelFlags) options() (classifier.Options, string, error) {
	var opts classifier.Options
	preset := m.preset
	if preset == "" {
		preset = "raw01"
		if m.model == "" {
			preset = demo.Preset
		}
	}
	if !slices.Contains(classifier.PresetNames, preset) {
		// Keras's preprocess_input modes are what Keras users know.
		if same, ok := kerasModes[strings.ToLower(preset)]; ok {
			return opts, "", exitcode.Usagef("unknown --preset %q: Keras's preprocess_input mode %q is --preset %s", preset, strings.ToLower(preset), same)
		}
		return opts, "", exitcode.Usagef("unknown --preset %q: use one of %s", preset, strings.Join(classifier.PresetNames, ", "))
	}
	norm, err := classifier.Preset(preset)
	if err != nil {
		return opts, "", err
	}
	if m.set["scale"] {
		if err := classifier.CheckScale(m.scale); err != nil {
			return opts, "", err
		}
		norm.Scale = float32(m.scale)
		preset = "custom"
	}
	if m.set["mean"] {
		if norm.Mean, err = parseFloats("--mean", m.mean); err != nil {
			return opts, "", err
		}
		preset = "custom"
	}
	if m.set["std"] {
		if norm.Std, err = parseFloats("--std", m.std); err != nil {
			return opts, "", err
		}
		preset = "custom"
	}
	if m.set["channel-order"] {
		var bgr bool
		switch m.channelOrder {
		case "rgb":
		case "bgr":
			bgr = true
		default:
			return opts, "", exitcode.Usagef("--channel-order %q: use rgb or bgr", m.channelOrder)
		}
		if bgr != norm.BGR {
			norm.BGR = bgr
			preset = "custom"
		}
	}
	m.hf, m.processor = hfconfig.Files{}, ""
	if m.model != "" {
		m.hf = hfconfig.Find(m.model)
		if err := m.hf.Check(); err != nil {
			return opts, "", err
		}
	}
	if m.hf.Preprocessor != "" && (m.presetDefaulted() || m.inputShape == "") {
		// The model's own image processor says how it was trained; flags
		// take precedence over it.
		p, err := hfconfig.ReadPreprocessing(m.hf.Preprocessor)
		if err != nil {
			return opts, "", err
		}
		if m.presetDefaulted() {
			norm = classifier.Normalization{Scale: p.Scale, Mean: p.Mean, Std: p.Std, BGR: p.BGR}
			preset, m.processor = "custom", m.hf.Preprocessor
		}
		if p.Height > 0 {
			opts.ImageSize = &[2]int{p.Height, p.Width}
		}
	}
	// Refused here, before the runtime is loaded, with the flags named.
	if err := norm.Check(); err != nil {
		return opts, "", err
	}
	opts.Normalization = norm
	opts.AutoNormalization = m.model != "" && m.preset == "" && !m.set["scale"] && !m.set["mean"] && !m.set["std"] && m.processor == ""
	// A channel order alone leaves the model's stated range in force:
	// Custom Vision's users repeat its BGR order and keep its 0..255.
	opts.ModelMetadata = m.model != "" && m.preset == "" && m.processor == "" && !m.set["scale"] && !m.set["mean"] && !m.set["std"]
	opts.ChannelOrderSet = m.set["channel-order"]
	if m.inputShape != "" {
		c, h, w, err := parseShape(m.inputShape)
		if err != nil {
			return opts, "", err
		}
		opts.InputShape = &[3]int{c, h, w}
	}
	if opts.OutputKind, err = parseOutputKind(m.kind); err != nil {
		return opts, "", err
	}
	if m.hf.ProblemType == hfconfig.MultiLabel {
		opts.MultiLabel = "problem_type " + hfconfig.MultiLabel + " in " + m.hf.Config
	}
	if m.threads < 0 || m.threads > 1024 {
		return opts, "", exitcode.Usagef("--threads %d: give a positive count, or 0 for one per CPU", m.threads)
	}
	if m.batch < 0 || m.batch > 4096 {
		return opts, "", exitcode.Usagef("--batch %d: give a size from 1 to 4096, or 0 to tune it", m.batch)
	}
	opts.Output, opts.Batch, opts.Threads = m.output, m.batch, m.threads
	// The classifier reads 0 as no limit; a flag of 0 or less is a
	// mistake (max-model-bytes: -1 in a workflow), not a wish to open
	// any file at all.
	if m.maxModelBytes <= 0 {
		return opts, "", exitcode.Usagef("--max-model-bytes %d: give a positive number of bytes", m.maxModelBytes)
	}
	opts.MaxModelBytes = m.maxModelBytes
	if m.maxInputBytes <= 0 {
		return opts, "", exitcode.Usagef("--max-input-bytes %d: give a positive number of bytes", m.maxInputBytes)
	}
	opts.MaxInputBytes = m.maxInputBytes
	return opts, preset, nil
}

// toModel loads the runtime and turns the flags into the model to open.
func (m *modelFlags) toModel() (pipeline.Model, error) {
	opts, preset, err := m.options()
	if err != nil {
		return pipeline.Model{}, err
	}
	version, err := loadRuntime(m.ortLib)
	if err != nil {
		return pipeline.Model{}, err
	}
	model := pipeline.Model{Path: m.model, Options: opts, Preset: preset, Labels: m.labels, Runtime: version}
	if m.processor != "" {
		model.PreprocessingFrom = m.processor + " (the model's image processor)"
	}
	if m.labels == "" && m.model != "" {
		model.ConfigLabels = m.hf.Config
		model.SideLabels = classifier.LabelsBeside(m.model)
	}
	return model, nil
}

// open loads the runtime, the model and its labels. The end of ctx aborts
// the model runs that opening makes.
func (m *modelFlags) open(ctx context.Context) (*pipeline.Opened, error) {
	model, err := m.toModel()
	if err != nil {
		return nil, err
	}
	return pipeline.Open(ctx, model)
}

// kerasModes maps the modes of Keras's preprocess_input to the presets
// that compute the same values.
var kerasModes = map[string]string{"tf": "pm1", "torch": "imagenet"}

// presetDefaulted reports whether the user's model gets the default
// preprocessing because no preprocessing flag was given and no image
// processor's settings sit beside it.
func (m *modelFlags) presetDefaulted() bool {
	if m.model == "" || m.preset != "" || m.processor != "" {
		return false
	}
	for _, f := range []string{"scale", "mean", "std", "channel-order"} {
		if m.set[f] {
			return false
		}
	}
	return true
}

// summary is the human-readable model description inspect and run print;
// defaulted says that no preprocessing flag was given, and hf names the
// Hugging Face files found beside the model. Its hints name the settings
// in v's words: the flags, or the Action's inputs.
func summary(l *pipeline.Opened, defaulted bool, hf hfconfig.Files, v vocabulary) string {
	i := l.Info()
	batch := "dynamic batch"
	if i.FixedBatch > 0 {
		batch = fmt.Sprintf("fixed batch %d", i.FixedBatch)
	}
	color := "gray"
	if i.Channels == 3 {
		color = "RGB"
	}
	kind := string(i.OutputKind)
	if i.KindDetected {
		kind += " (detected: " + i.KindEvidence + ")"
	}
	tuned := ""
	if i.BatchTuned {
		tuned = " (tuned)"
	}
	libPath, _ := classifier.LoadedRuntime()
	var b strings.Builder
	row := func(k, format string, args ...any) { fmt.Fprintf(&b, "%-11s %s\n", k, fmt.Sprintf(format, args...)) }
	row("model", "%s (sha256 %s)", safetext.Printable(l.Name), l.SHA256[:16])
	if l.TakesPixels() {
		// Images on the byte grid reach the model exactly; others are
		// rounded as an 8-bit file would store them.
		color += ", uint8 (rounded from float32)"
	} else if i.InputType != "" && i.InputType != "float32" {
		// The session casts float32 images to the model's type, so the
		// images lose precision the search does not see.
		color += ", " + i.InputType + " (cast from float32)"
	}
	switch {
	case i.OutputLevels != "":
		kind += ", " + i.OutputType + " " + i.OutputLevels
	case i.OutputType != "" && i.OutputType != "float32":
		kind += ", " + i.OutputType + " (cast to float32)"
	}
	if i.BinaryOutput {
		kind = "one score per image (class 1: the score, class 0: its complement), " + kind
	}
	if top := l.Ceiling(); top < 1 {
		// run refuses any threshold above it; inspect has none to
		// refuse, so it says what run would.
		kind += fmt.Sprintf("; read so, with values in [%.3g, %.3g] as on the probe images, no confidence exceeds %.3f (%s)", i.OutputRange[0], i.OutputRange[1], top, v.refusedAbove())
	}
	if i.ZipMapOutput != "" {
		// The output the model declares is a sequence of maps; the
		// user should see which tensor the confidences come from.
		kind += fmt.Sprintf(", read where the ZipMap of output %q takes them", i.ZipMapOutput)
	}
	if len(i.OtherScoreOutputs) > 0 {
		// Another head's classes are searched only when asked for.
		kind += fmt.Sprintf("; chosen over %s, also shaped as class scores (%s picks another)", safetext.Printable(strings.Join(i.OtherScoreOutputs, ", ")), v.setting("output"))
	}
	if len(i.SpreadOutputs) > 0 {
		// The model's other head goes untested; the gate speaks for
		// this output only.
		kind += fmt.Sprintf("; not searched: %s, values along several axes (another head's scores, or feature maps), which fooltest does not read", safetext.Printable(strings.Join(i.SpreadOutputs, ", ")))
	}
	size := ""
	switch {
	case i.SizeFromProcessor:
		size = " (the size " + safetext.Printable(hf.Preprocessor) + " gives)"
	case i.SizeFrom != "":
		size = " (from " + safetext.Printable(i.SizeFrom) + ")"
	}
	row("input", "%q %v: %s, %d×%d×%d%s %s, %s", i.Input, i.InputShape, i.Layout, i.Channels, i.Height, i.Width, size, color, batch)
	pre := ""
	if l.PreprocessingFrom != "" {
		pre = ": from " + safetext.Printable(l.PreprocessingFrom)
	}
	switch {
	case l.TakesPixels() && l.PreprocessingFrom != "":
		pre += "; the model takes 8-bit pixels and normalises them itself"
	case l.TakesPixels():
		pre = ": the model takes 8-bit pixels and normalises them itself"
	case (defaulted || l.Defaulted) && !l.Digits.Mismatch() && l.PreprocessingFrom == "":
		// The photo check catches only a preprocessing that squeezes
		// every image together, and a digit model reads digits about as
		// well under several (a model trained on 2x-1 read 99 of 100
		// with raw01 and searched ten times slower): a wrong one makes
		// the model look harder to fool than it is.
		examples := "imagenet, raw255 (0..255 pixels), pm1 (Teachable Machine, Keras MobileNet V1 and V2), caffe, cifar10, ..."
		if l.Info().Channels == 1 {
			examples = "mnist, pm1, raw255, ..."
		}
		// The checks below may already name the presets that fit:
		// examples they refuse would send the user round.
		if r := i.InputRange; r.Mismatch() {
			names := make([]string, len(r.Suggested))
			for j, p := range r.Suggested {
				names[j] = p.Preset
			}
			examples = "the range line names " + strings.Join(names, " or ")
		} else if p := l.Photos; p.Mismatch() {
			examples = "the photos line names " + strings.Join(p.SuggestedPresets, " or ")
		}
		checked := i.InputRange.Mismatch() || l.Photos.Mismatch()
		// The Action's users set an input to a value; "no preset input
		// was given" reads where "no preset: was given" would not.
		given := "no --preset was given; pass"
		if v.action {
			given = "no preset input was given; set the preset input to"
		}
		pre = ": the default, as " + given + " the normalisation the model was trained with (" + examples + ")"
		if min(i.Height, i.Width) >= 64 {
			// A photo shrunk to 32×32 says little: a CIFAR-100 model
			// trained on 0..255 read three photos wrong, and sure of
			// them, with its own preprocessing.
			pre += ", which " + v.inspectImage() + " helps find"
		}
		if !l.Digits.Confirms() && !checked {
			confirm := v.pass([]string{"preset"}, []string{"raw01"})
			if l.Preset == "" || l.Preset == "custom" {
				confirm = v.pass([]string{"scale", "mean", "std"}, []string{"1", "0", "1"})
			}
			// The gate's exception: a search that fooled every class
			// it searched tested the model, whatever its inputs.
			pre += ", or " + confirm + " to confirm it: unconfirmed, a run that would pass ends in error unless it fooled every class it searched"
		}
	}
	if i.MetadataOverridden != "" {
		pre += "; the model states " + safetext.Printable(i.MetadataOverridden) + ", which " + v.settings() + " replace"
	}
	row("preprocess", "%s (%s)%s", l.Preset, i.Normalization, pre)
	row("output", "%q %v: %d classes, %s", i.Output, i.OutputShape, i.Classes, kind)
	if i.BoundedLayer != "" {
		// The weights then cap each class's confidence; a run reports
		// the classes whose cap is below its threshold as unreachable.
		row("scores", "an affine map of a %s", i.BoundedLayer)
	}
	if d := l.Digits; d != nil {
		row("digits", "%s", digitsLine(d, v))
	}
	if r := i.InputRange; r != nil {
		row("range", "%s", rangeLine(r, v))
	}
	if p := l.Photos; p != nil {
		row("photos", "%s", photosLine(p, v))
	}
	row("labels", "%s", safetext.Printable(l.LabelsFrom))
	note := ""
	if i.BatchNote != "" {
		note = ": " + safetext.Printable(i.BatchNote)
	}
	row("batch", "%d%s, %d threads%s", i.Batch, tuned, i.Threads, note)
	row("runtime", "ONNX Runtime %s (%s)", safetext.Printable(l.Runtime), safetext.Printable(libPath))
	return b.String()
}

// digitsLine says how the model read the MNIST test digits of the digit
// check with the preprocessing given, and which preset it read them far
// better with, if any, in v's words.
func digitsLine(d *report.DigitCheck, v vocabulary) string {
	s := fmt.Sprintf("%d of %d MNIST test digits labelled right with this preprocessing", d.Correct, d.Digits)
	switch {
	case d.Mismatch() && d.Unsure:
		s += fmt.Sprintf(", at a median confidence of %.2f, %.2f with %s: the preprocessing looks wrong", d.Confidence, d.SuggestedConfidence, v.given("preset", d.SuggestedPreset))
	case d.Mismatch():
		s += fmt.Sprintf(", %d with %s: the preprocessing looks wrong", d.SuggestedCorrect, v.given("preset", d.SuggestedPreset))
	case d.SurerPreset != "":
		s += fmt.Sprintf(", at a median confidence of %.2f, %.2f with %s: the default is not confirmed", d.Confidence, d.SurerConfidence, v.given("preset", safetext.Printable(d.SurerPreset)))
	}
	return s
}

// photosLine says how far apart the model's scores of the check's natural
// photos were with the preprocessing given, and which presets set them far
// apart when they all but coincided, in v's words.
func photosLine(p *report.PhotoCheck, v vocabulary) string {
	s := fmt.Sprintf("the scores of %d natural photos spread %.3f of 1 with this preprocessing", p.Photos, p.Spread)
	switch {
	case p.Spread < photocheck.Collapsed && !p.Collapsed && p.TopClasses == 1:
		// One class tops every photo: the margins differ, not the
		// answer, as a narrow model's for its negative class or a
		// saturated model's for any.
		s += fmt.Sprintf(", but their log-scores lie %.1f apart: the model is certain of the same class for every photo, by margins that differ", p.LogitSpread)
	case p.Spread < photocheck.Collapsed && !p.Collapsed:
		s += fmt.Sprintf(", but their log-scores lie %.1f apart: the model tells them apart, certain of one class for each", p.LogitSpread)
	}
	if p.Mismatch() {
		names := make([]string, len(p.SuggestedPresets))
		for i, name := range p.SuggestedPresets {
			names[i] = v.given("preset", name)
		}
		s += fmt.Sprintf(", %.2f with %s: the preprocessing looks wrong", p.SuggestedSpread, strings.Join(names, " or "))
	} else if p.TooWide() {
		// A hint only: a model saturated into one answer is easy to
		// fool, not falsely hard, so nothing is refused.
		names := make([]string, len(p.NarrowerPresets))
		for i, name := range p.NarrowerPresets {
			names[i] = v.given("preset", name)
		}
		s += fmt.Sprintf(", one class topping them all, and %.2f with %s, of a tenth of this range or less: the preprocessing may be far wider than the model's, saturating it",
			p.NarrowerSpread, strings.Join(names, " or "))
	} else if p.Collapsed {
		// No preset that widens the inputs spreads them, so nothing is
		// refused; a preprocessing that shifts them (pm1 for one of
		// [0,1]) may still be the model's.
		s += ": the model scores them nearly alike, as a model of another domain may, or one given inputs unlike its own"
	}
	return s
}

// rangeLine says how the preprocessing fills the range the model's graph
// quantizes its input to, and which presets fill it far better, if any,
// in v's words.
func rangeLine(r *classifier.InputRange, v vocabulary) string {
	if r.Kind == classifier.RangeScaling {
		s := fmt.Sprintf("the graph scales its input (%s) before %s; with this preprocessing that layer gets %s", r.Via, r.Next, r.RangeString())
		if r.Mismatch() {
			names := make([]string, len(r.Suggested))
			for i, p := range r.Suggested {
				names[i] = v.given("preset", p.Preset) + " " + classifier.Interval(p.Lo, p.Hi)
			}
			s += ", unlike normalised images; " + strings.Join(names, ", ") + ": the preprocessing looks wrong"
		}
		return s
	}
	s := fmt.Sprintf("the graph quantizes its input to %s (%s); this preprocessing fills %.0f%% of it", r.RangeString(), r.Via, 100*r.Fit)
	if r.Mismatch() {
		names := make([]string, len(r.Suggested))
		for i, p := range r.Suggested {
			names[i] = fmt.Sprintf("%s %.0f%%", v.given("preset", p.Preset), 100*p.Fit)
		}
		s += ", " + strings.Join(names, ", ") + ": the preprocessing looks wrong"
	}
	return s
}
