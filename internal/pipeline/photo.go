package pipeline

import (
	"context"
	"fmt"
	"slices"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/photo"
)

// SettingImage is a photo that inspect classifies (see ClassifyPhoto).
const SettingImage fault.Setting = "image"

// ClassScore is one class of a model's answer, with its label.
type ClassScore struct {
	Class      int     `json:"class"`
	Label      string  `json:"label"`
	Confidence float64 `json:"confidence"`
}

// PhotoReading is a model's top classes for a photo under one
// preprocessing.
type PhotoReading struct {
	// Preset names the preprocessing: a preset, or the run's own (which
	// may be "custom").
	Preset string `json:"preset"`
	// Own marks the preprocessing the model was opened with.
	Own bool         `json:"own"`
	Top []ClassScore `json:"top"`
}

// Photo is how a model classifies one of the user's photos.
type Photo struct {
	Path string `json:"path"`
	// Readings hold the model's own preprocessing first, then each preset
	// of the model's channel count that differs from it.
	Readings []PhotoReading `json:"readings"`
}

// photoPresets are the presets a photo is read with besides the model's
// own, by channel count: a person who knows what the photo shows sees
// which preprocessing the model reads it with.
var photoPresets = map[int][]string{
	1: {"raw01", "raw255", "pm1", "mnist"},
	3: {"raw01", "raw255", "pm1", "cifar10", "imagenet", "caffe"},
}

// ClassifyPhoto scores the JPEG or PNG photo at path, scaled so that its
// short side spans the model's input and centre-cropped, with the model's
// preprocessing and with the other presets of its channel count (none for
// a model that takes uint8 pixels), and returns the top n classes of each. Nothing it scores counts in the
// classifier's output statistics. Colour models have no preprocessing
// check of their own (package digits has real digits, no real colour
// images), so a photo of a known class is how a user checks one. The end
// of ctx aborts its model runs, with errors that wrap
// classifier.ErrAborted and ctx's cause.
func ClassifyPhoto(ctx context.Context, o *Opened, path string, n int) (Photo, error) {
	img, err := photo.Decode(path)
	if err != nil {
		// withHint in cmd/fooltest adds the fix: a JPEG or PNG photo.
		return Photo{}, fault.Invalidf(SettingImage, "cannot read image %s: %w", path, err)
	}
	ch, h, w, k := o.Shape()
	canon := photo.Fit(img, ch, h, w)
	res := Photo{Path: path}
	conf := make([]float32, k)
	stop := o.AbortOn(ctx)
	defer stop()
	read := func(name string, own bool, norm classifier.Normalization) error {
		if err := classifier.AbortedBy(ctx); err != nil {
			return err
		}
		if err := o.ScoreAs(norm, canon, 1, conf); err != nil {
			return fmt.Errorf("scoring image %s with %s: %w", path, name, err)
		}
		order := make([]int, k)
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case conf[a] > conf[b]:
				return -1
			case conf[a] < conf[b]:
				return 1
			}
			return 0
		})
		r := PhotoReading{Preset: name, Own: own}
		for _, c := range order[:min(n, k)] {
			r.Top = append(r.Top, ClassScore{Class: c, Label: o.Labels[c], Confidence: float64(conf[c])})
		}
		res.Readings = append(res.Readings, r)
		return nil
	}
	if err := read(o.Preset, true, o.norm); err != nil {
		return Photo{}, err
	}
	if o.TakesPixels() {
		// The model's bytes have no other preprocessing to compare.
		return res, nil
	}
	for _, name := range photoPresets[ch] {
		norm, err := classifier.Preset(name)
		if err != nil {
			return Photo{}, err
		}
		if norm.String() == o.norm.String() {
			continue
		}
		if err := read(name, false, norm); err != nil {
			return Photo{}, err
		}
	}
	return res, nil
}
