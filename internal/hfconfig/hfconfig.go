// Package hfconfig reads what a Hugging Face export keeps beside an ONNX
// image classifier: the image processor's settings (preprocessor_config.json:
// rescaling, normalisation, channel order and image size) and the model's
// configuration (config.json: the class names, id2label).
//
// Exporters (optimum, transformers.onnx) write model.onnx into a folder with
// both files; model repositories keep the ONNX files in an onnx/ folder and
// the JSON files at the top. Find looks in both places. The files may come
// from an untrusted pull request: only regular files of at most 1 MiB are
// read, and values outside what an image processor writes are refused.
package hfconfig

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"syscall"

	"github.com/fooltest/fooltest/internal/fault"
)

// SettingPreprocessorConfig is the setting that a preprocessor_config.json
// fooltest cannot use stands for: the flags that take precedence over it.
const SettingPreprocessorConfig fault.Setting = "preprocessor-config"

// SettingConfig is the setting that a config.json beside the model stands
// for when it says the model is no classifier.
const SettingConfig fault.Setting = "config"

// The file names a Hugging Face export writes.
const (
	PreprocessorFile = "preprocessor_config.json"
	ConfigFile       = "config.json"
)

// maxBytes bounds the JSON files read.
const maxBytes = 1 << 20

// Files are the Hugging Face files found for a model; a path is empty when
// its file is absent.
type Files struct {
	Preprocessor string
	// Config is a config.json that names the classes (id2label).
	Config string
	// ProblemType is that config.json's problem_type:
	// "single_label_classification", "multi_label_classification"
	// (independent classes, each read with a sigmoid), "regression", or
	// empty when it does not say.
	ProblemType string
}

// MultiLabel is the problem type of a classifier whose classes are
// independent.
const MultiLabel = "multi_label_classification"

// Check refuses a model whose config.json says it is no classifier: a
// regression model's outputs are values, not class scores, and its one
// output would read as a binary classifier's.
func (f Files) Check() error {
	if f.ProblemType == "regression" {
		return fault.Invalidf(SettingConfig, "%s says the model is a regression model (problem_type regression): its outputs are values, not class scores, and fooltest tests classifiers", f.Config)
	}
	return nil
}

// Find looks for the Hugging Face files of the model at path: in its folder,
// then, for a model in a folder named onnx, in the folder above. Files in
// the same folder win.
func Find(model string) Files {
	dir := filepath.Dir(model)
	dirs := []string{dir}
	if filepath.Base(dir) == "onnx" {
		dirs = append(dirs, filepath.Dir(dir))
	}
	var f Files
	for _, d := range dirs {
		if p := filepath.Join(d, PreprocessorFile); f.Preprocessor == "" && regular(p) {
			f.Preprocessor = p
		}
		if p := filepath.Join(d, ConfigFile); f.Config == "" && regular(p) {
			if problem, ok := namesClasses(p); ok {
				f.Config, f.ProblemType = p, problem
			}
		}
	}
	return f
}

func regular(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// namesClasses reports whether the config.json at path has an id2label
// object, which other tools' files of that name do not, and returns its
// problem_type.
func namesClasses(path string) (problem string, ok bool) {
	data, err := read(path)
	if err != nil {
		return "", false
	}
	var c struct {
		ID2Label    map[string]json.RawMessage `json:"id2label"`
		ProblemType *string                    `json:"problem_type"`
	}
	if json.Unmarshal(data, &c) != nil || len(c.ID2Label) == 0 {
		return "", false
	}
	if c.ProblemType != nil {
		problem = *c.ProblemType
	}
	return problem, true
}

// read returns the contents of the regular file at path, of at most
// maxBytes. The open does not block should the path be a FIFO.
func read(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	data, err := io.ReadAll(io.LimitReader(f, maxBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxBytes {
		return nil, fmt.Errorf("over %d bytes", maxBytes)
	}
	return data, nil
}

// Preprocessing is how an image processor turns pixels x in [0,1] into
// model inputs, (Scale·x − Mean)/Std per channel, as fooltest writes
// preprocessing, and the image size it gives the model.
type Preprocessing struct {
	Scale     float32
	Mean, Std []float32
	// BGR says that the processor flips the channels to blue, green, red
	// (do_flip_channel_order, as MobileViT's does).
	BGR bool
	// Height and Width are the size of the images the processor gives the
	// model, 0 when it does not say (no resize).
	Height, Width int
}

// processor holds the keys of preprocessor_config.json that decide the
// model's input. Pointers tell a key left out, which takes the image
// processors' default, from one given.
type processor struct {
	DoRescale      *bool           `json:"do_rescale"`
	RescaleFactor  *float64        `json:"rescale_factor"`
	RescaleOffset  *bool           `json:"rescale_offset"`
	DoNormalize    *bool           `json:"do_normalize"`
	ImageMean      []float64       `json:"image_mean"`
	ImageStd       []float64       `json:"image_std"`
	DoFlip         *bool           `json:"do_flip_channel_order"`
	DoFlipChannels *bool           `json:"do_flip_channels"`
	DoResize       *bool           `json:"do_resize"`
	Size           json.RawMessage `json:"size"`
	DoCenterCrop   *bool           `json:"do_center_crop"`
	CropSize       json.RawMessage `json:"crop_size"`
}

// ReadPreprocessing reads the preprocessor_config.json at path.
//
// An image processor rescales 0..255 pixels by rescale_factor (1/255 unless
// it says otherwise; EfficientNet's then subtracts 1 with rescale_offset)
// and normalises them with image_mean and image_std. The image size is the
// center crop's when the processor crops (crop_size, unless do_center_crop
// is false), else the resize's: height and width, or a square of
// shortest_edge, as ConvNeXt's crop_pct crops to.
func ReadPreprocessing(path string) (Preprocessing, error) {
	data, err := read(path)
	if err != nil {
		return Preprocessing{}, fault.Invalidf(SettingPreprocessorConfig, "cannot read %s: %v", path, unwrap(err))
	}
	var p processor
	if err := json.Unmarshal(data, &p); err != nil {
		return Preprocessing{}, fault.Invalidf(SettingPreprocessorConfig, "cannot read %s: %v", path, err)
	}
	bad := func(format string, args ...any) (Preprocessing, error) {
		return Preprocessing{}, fault.Invalidf(SettingPreprocessorConfig, "%s: "+format, append([]any{path}, args...)...)
	}
	out := Preprocessing{Scale: 255, Mean: []float32{0}, Std: []float32{1}}
	var offset float32
	if p.DoRescale == nil || *p.DoRescale {
		factor := 1.0 / 255
		if p.RescaleFactor != nil {
			factor = *p.RescaleFactor
		}
		if !(factor > 0 && factor <= 1) {
			return bad("rescale_factor %v is not in (0, 1]", factor)
		}
		out.Scale = float32(255 * factor)
		if p.RescaleOffset != nil && *p.RescaleOffset {
			offset = 1
		}
	}
	out.Mean[0] = offset
	if p.DoNormalize == nil || *p.DoNormalize {
		if len(p.ImageMean) == 0 || len(p.ImageStd) == 0 {
			return bad("do_normalize is on, but image_mean or image_std is missing")
		}
		if len(p.ImageMean) != 1 && len(p.ImageMean) != 3 || len(p.ImageStd) != 1 && len(p.ImageStd) != 3 {
			return bad("image_mean and image_std have %d and %d values: give 1 or 3", len(p.ImageMean), len(p.ImageStd))
		}
		out.Mean, out.Std = make([]float32, len(p.ImageMean)), make([]float32, len(p.ImageStd))
		for i, m := range p.ImageMean {
			if math.IsNaN(m) || math.Abs(m) > 1e6 {
				return bad("image_mean %v is no mean", p.ImageMean)
			}
			out.Mean[i] = float32(m) + offset
		}
		for i, s := range p.ImageStd {
			if !(s > 1e-6 && s < 1e6) {
				return bad("image_std %v has a value that is no standard deviation", p.ImageStd)
			}
			out.Std[i] = float32(s)
		}
	}
	out.BGR = p.DoFlip != nil && *p.DoFlip || p.DoFlipChannels != nil && *p.DoFlipChannels
	if p.DoResize != nil && !*p.DoResize && (p.DoCenterCrop == nil || !*p.DoCenterCrop) {
		return out, nil
	}
	size := p.Size
	if len(p.CropSize) > 0 && string(p.CropSize) != "null" && (p.DoCenterCrop == nil || *p.DoCenterCrop) {
		size = p.CropSize
	}
	if out.Height, out.Width, err = imageSize(size); err != nil {
		return bad("%v", err)
	}
	return out, nil
}

// imageSize reads a size as image processors write it: a number (a square),
// {"height", "width"}, or {"shortest_edge"} (a square; the longest edge,
// when given, only bounds the resize). It returns 0, 0 for no size.
func imageSize(raw json.RawMessage) (h, w int, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, 0, nil
	}
	check := func(h, w float64) (int, int, error) {
		if h != math.Trunc(h) || w != math.Trunc(w) || h < 1 || w < 1 || h > 8192 || w > 8192 {
			return 0, 0, fmt.Errorf("image size %s is not from 1 to 8192 pixels a side", raw)
		}
		return int(h), int(w), nil
	}
	var n float64
	if json.Unmarshal(raw, &n) == nil {
		return check(n, n)
	}
	var s struct {
		Height       *float64 `json:"height"`
		Width        *float64 `json:"width"`
		ShortestEdge *float64 `json:"shortest_edge"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return 0, 0, fmt.Errorf("image size %s is neither a number nor an object", raw)
	}
	switch {
	case s.Height != nil && s.Width != nil:
		return check(*s.Height, *s.Width)
	case s.ShortestEdge != nil:
		return check(*s.ShortestEdge, *s.ShortestEdge)
	}
	return 0, 0, nil
}

// unwrap drops the operation and path that os errors repeat.
func unwrap(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
