package classifier

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// exportMeta is what an exporter's metadata_props say about a classifier
// beyond ONNX's image metadata: the class names, the image size and, for
// exporters whose preprocessing is fixed, that preprocessing. Ultralytics
// (YOLOv8 and later) writes each value with Python's str(): names as a
// dict from class index to name, imgsz as a list, task, author and
// version as plain strings; YOLOv5 writes names (and stride) alone.
type exportMeta struct {
	// names are the class names in index order, nil when none were
	// written; namesErr says why names that were written were not read.
	names    []string
	namesErr error
	// size is the image height and width, or zero.
	size [2]int
	// ultralytics says the model comes from Ultralytics's exporter,
	// version 8 or later; task is its task (classify, detect, ...).
	ultralytics bool
	task        string
	version     string
	// yolov5 says the metadata is YOLOv5's: stride and names, no author.
	yolov5 bool
	// openvino is the preprocessing that OpenVINO's model_info entries
	// give (OpenVINO Training Extensions and Anomalib write them), and
	// openvinoFrom the entries, when they give one.
	openvino     *Normalization
	openvinoFrom string
}

// Metadata keys of exporters that fooltest reads.
const (
	metaNames   = "names"
	metaImgsz   = "imgsz"
	metaTask    = "task"
	metaAuthor  = "author"
	metaVersion = "version"
	metaStride  = "stride"
	// OpenVINO's model_info entries, written to ONNX as "model_info" and
	// the entry's name joined by a space: values of 0..255 pixels, in the
	// model's channel order.
	metaOVMean   = "model_info mean_values"
	metaOVScale  = "model_info scale_values"
	metaOVLabels = "model_info labels"
)

// readExportMeta reads g's exporter metadata; the zero value when g is nil
// or says nothing.
func readExportMeta(g *onnxcheck.Model) exportMeta {
	var e exportMeta
	if g == nil {
		return e
	}
	if s, ok := g.Metadata(metaNames); ok {
		e.names, e.namesErr = pyNames(s)
	} else if s, ok := g.Metadata(metaOVLabels); ok && len(strings.Fields(s)) > 0 {
		// Its exporters join the labels with spaces, each label's own
		// spaces made underscores.
		e.names = strings.Fields(s)
	}
	e.openvino, e.openvinoFrom = openvinoNormalization(g)
	author, hasAuthor := g.Metadata(metaAuthor)
	e.version, _ = g.Metadata(metaVersion)
	e.task, _ = g.Metadata(metaTask)
	_, hasStride := g.Metadata(metaStride)
	e.yolov5 = hasStride && e.names != nil && !hasAuthor
	major, _, _ := strings.Cut(e.version, ".")
	if n, err := strconv.Atoi(major); err == nil && n >= 8 && author == "Ultralytics" {
		e.ultralytics = true
		if s, ok := g.Metadata(metaImgsz); ok {
			e.size, _ = pySize(s)
		}
	}
	return e
}

// classify says the model is an Ultralytics classifier, whose
// preprocessing its exporter fixes.
func (e exportMeta) classify() bool { return e.ultralytics && e.task == "classify" }

// notClassifier refuses a model whose Ultralytics metadata declares another
// task (detect, segment, pose, obb). The exporter states what it built:
// a detection head can end in an output that reads as one score per class
// and image, and searching it would test a model that classifies nothing.
// No --output changes what the model is, so the refusal names no setting
// and gives the fix itself.
func (e exportMeta) notClassifier() error {
	if !e.ultralytics || e.task == "" || e.task == "classify" {
		return nil
	}
	return fault.Invalidf("", "%s says it is a %s model, not a classifier: give fooltest a classification model (an Ultralytics -cls model, exported with task classify)",
		e.source(), e.task)
}

// exportNormalization is the preprocessing e's exporter fixes for a
// classifier of k classes and the given channels, and where that comes
// from for people; ok is false when e says nothing about it.
func (e exportMeta) exportNormalization(k, channels int) (n Normalization, from string, ok bool) {
	switch {
	case e.openvino != nil && (len(e.openvino.Mean) == 1 || len(e.openvino.Mean) == channels):
		return *e.openvino, e.openvinoFrom, true
	case e.classify():
		return ultralyticsNormalization, e.source() + ": Ultralytics classifiers take RGB pixels in [0,1]", true
	case e.yolov5 && len(e.names) == k && channels == 3:
		// YOLOv5 wrote the same metadata for its detectors, which have no
		// class scores to reach here; asking for as many names as scores
		// keeps other exporters' models of a stride out.
		return yolov5Normalization, "the model's metadata (stride and names, no author: YOLOv5's exporter): YOLOv5 classifiers take RGB pixels with the ImageNet mean and std", true
	}
	return Normalization{}, "", false
}

// openvinoNormalization reads the mean and scale values of OpenVINO's
// model_info entries: the model takes (p - mean) / scale of pixels p in
// 0..255, one value for all channels or one for each. It returns nil
// when the entries are absent or are not such values. The entries'
// reverse_input_channels says whether the caller's images are to be
// reversed, not the model's order, which is RGB for the exporters'
// classifiers either way, so it is not read.
func openvinoNormalization(g *onnxcheck.Model) (*Normalization, string) {
	means, ok1 := g.Metadata(metaOVMean)
	scales, ok2 := g.Metadata(metaOVScale)
	if !ok1 || !ok2 {
		return nil, ""
	}
	mean, ok1 := floatFields(means, false)
	std, ok2 := floatFields(scales, true)
	if !ok1 || !ok2 || len(mean) != len(std) && len(mean) != 1 && len(std) != 1 {
		return nil, ""
	}
	n := &Normalization{Scale: 255, Mean: mean, Std: std}
	if len(n.Mean) == 1 && len(n.Std) > 1 {
		n.Mean = slices.Repeat(n.Mean, len(n.Std))
	} else if len(n.Std) == 1 && len(n.Mean) > 1 {
		n.Std = slices.Repeat(n.Std, len(n.Mean))
	}
	return n, fmt.Sprintf("the model's metadata (%s %s; %s %s: OpenVINO's model_info, of 0..255 pixels)", metaOVMean, means, metaOVScale, scales)
}

// floatFields parses one to four finite numbers separated by spaces or
// commas, positive ones when positive is true.
func floatFields(s string, positive bool) ([]float32, bool) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' })
	if len(fields) == 0 || len(fields) > 4 {
		return nil, false
	}
	out := make([]float32, len(fields))
	for i, f := range fields {
		v, err := strconv.ParseFloat(f, 32)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) || positive && !(v >= MinMagnitude) || math.Abs(v) > MaxMagnitude {
			return nil, false
		}
		out[i] = float32(v)
	}
	return out, true
}

// yolov5Normalization is the preprocessing of YOLOv5's classifiers:
// classify_transforms normalizes RGB pixels in [0,1] with the ImageNet
// mean and std (utils/augmentations.py).
var yolov5Normalization = presets["imagenet"]

// ultralyticsNormalization is the preprocessing of Ultralytics's
// classifiers: classify_transforms scales RGB pixels to [0,1] with its
// DEFAULT_MEAN of 0 and DEFAULT_STD of 1 (ultralytics/data/augment.py).
var ultralyticsNormalization = Normalization{Scale: 1, Mean: []float32{0}, Std: []float32{1}}

// source says where e's facts come from, for people.
func (e exportMeta) source() string {
	return fmt.Sprintf("the model's metadata (author Ultralytics, version %s, task %s)", e.version, e.task)
}

// errNames is wrapped by pyNames's errors.
var errNames = errors.New("names in the model's metadata are not a Python dict or list of names")

// pyNames parses class names as Python's str() writes a dict from class
// index to name, {0: 'tench', 1: "jack-o'-lantern"}, or a list of names,
// and returns them in index order. The dict's keys must be 0 to n-1.
func pyNames(s string) ([]string, error) {
	p := pyParser{s: strings.TrimSpace(s)}
	var names []string
	switch {
	case p.eat('['):
		for !p.eat(']') {
			name, err := p.str()
			if err != nil {
				return nil, err
			}
			names = append(names, name)
			if !p.eat(',') && !p.peek(']') {
				return nil, p.fail("a comma or ]")
			}
		}
	case p.eat('{'):
		byIndex := map[int]string{}
		for !p.eat('}') {
			i, err := p.int()
			if err != nil {
				return nil, err
			}
			if !p.eat(':') {
				return nil, p.fail("a colon")
			}
			name, err := p.str()
			if err != nil {
				return nil, err
			}
			if _, dup := byIndex[i]; dup || i < 0 || i >= maxClasses {
				return nil, fmt.Errorf("%w: class %d given twice or out of range", errNames, i)
			}
			byIndex[i] = name
			if !p.eat(',') && !p.peek('}') {
				return nil, p.fail("a comma or }")
			}
		}
		names = make([]string, len(byIndex))
		for i, name := range byIndex {
			if i >= len(names) {
				return nil, fmt.Errorf("%w: class %d given, but only %d names", errNames, i, len(names))
			}
			names[i] = name
		}
	default:
		return nil, p.fail("{ or [")
	}
	if p.skip(); p.i != len(p.s) {
		return nil, p.fail("the end")
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: it names no class", errNames)
	}
	return names, nil
}

// pySize parses an image size as Python's str() writes an int or a list
// of two, height first.
func pySize(s string) ([2]int, bool) {
	s = strings.Trim(strings.TrimSpace(s), "[]()")
	parts := strings.Split(s, ",")
	if len(parts) == 1 {
		parts = append(parts, parts[0])
	}
	var hw [2]int
	if len(parts) != 2 {
		return hw, false
	}
	for i, part := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > 1<<16 {
			return [2]int{}, false
		}
		hw[i] = n
	}
	return hw, true
}

// pyParser reads the few Python literals exporters write.
type pyParser struct {
	s string
	i int
}

func (p *pyParser) skip() {
	for p.i < len(p.s) && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *pyParser) peek(c byte) bool {
	p.skip()
	return p.i < len(p.s) && p.s[p.i] == c
}

func (p *pyParser) eat(c byte) bool {
	if p.peek(c) {
		p.i++
		return true
	}
	return false
}

func (p *pyParser) fail(want string) error {
	return fmt.Errorf("%w: %s expected at byte %d", errNames, want, p.i)
}

func (p *pyParser) int() (int, error) {
	p.skip()
	j := p.i
	for j < len(p.s) && j-p.i < 7 && p.s[j] >= '0' && p.s[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(p.s[p.i:j])
	if err != nil {
		return 0, p.fail("a class index")
	}
	p.i = j
	return n, nil
}

// str reads a quoted string with the escapes Python's repr writes.
func (p *pyParser) str() (string, error) {
	p.skip()
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", p.fail("a quoted name")
	}
	q := p.s[p.i]
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == q:
			p.i++
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case 'x', 'u', 'U':
			n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if p.i+n > len(p.s) {
				return "", p.fail("a hex escape")
			}
			r, err := strconv.ParseUint(p.s[p.i:p.i+n], 16, 32)
			if err != nil || !utf8.ValidRune(rune(r)) {
				return "", p.fail("a hex escape")
			}
			b.WriteRune(rune(r))
			p.i += n
		default:
			return "", p.fail("a known escape")
		}
	}
	return "", p.fail("a closing quote")
}
