package pipeline

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/panics"
	"github.com/fooltest/fooltest/internal/report"
)

// resultShell is the part of a Result known before the search: the model
// and the settings, as spec.Config records them and as the model's opening
// resolved them.
func resultShell(o *Opened, spec *Spec, generation int) *report.Result {
	info := o.Info()
	out := &report.Result{
		Schema:   report.Schema,
		Versions: report.Versions{Fooltest: spec.Version, ONNXRuntime: o.Runtime},
		Model: report.Model{
			Path: displayPath(o.Path), RepoPath: repoPath(spec.RepoRoot, o.Path), SHA256: o.SHA256, Classes: info.Classes,
			Input: info.Input, Layout: string(info.Layout),
			Width: info.Width, Height: info.Height, Channels: info.Channels,
			Output: info.Output, OutputKind: string(info.OutputKind), BinaryOutput: info.BinaryOutput,
			OutputsNotSearched: slices.Concat(info.OtherScoreOutputs, info.SpreadOutputs),
		},
		Config:        spec.Config,
		BudgetSeconds: spec.Budget.Seconds(),
		DigitCheck:    cloneDigits(o.Digits),
		RangeCheck:    rangeCheck(info.InputRange),
		PhotoCheck:    clonePhotos(o.Photos),
		OpenSeconds:   o.OpenSeconds,
		Shard:         spec.Shard,
	}
	c := &out.Config
	c.Formats = slices.Clone(c.Formats)
	c.Batch, c.Threads, c.Preset, c.Output, c.Generation = info.Batch, info.Threads, o.Preset, info.Output, generation
	c.SearchVersion = attack.SearchVersion
	if info.InputType != "float32" {
		out.Model.InputType = info.InputType
	}
	norm := o.norm
	c.Scale = float64(norm.Scale)
	c.Mean, c.Std = nil, nil
	for _, v := range norm.Mean {
		c.Mean = append(c.Mean, float64(v))
	}
	for _, v := range norm.Std {
		c.Std = append(c.Std, float64(v))
	}
	c.LabelsFrom = ""
	if c.Labels == "" {
		c.LabelsFrom = o.LabelsFrom
	}
	c.PreprocessingFrom = o.PreprocessingFrom
	if o.Defaulted {
		c.PreprocessingFrom = DefaultPreprocessing
	}
	c.PreprocessingUnchecked = spec.TrustPreprocessing
	c.ChannelOrder = ""
	if norm.BGR && info.Channels == 3 {
		c.ChannelOrder = "bgr"
	}
	return out
}

// cloneDigits copies d, so that a result owns what it holds.
func cloneDigits(d *report.DigitCheck) *report.DigitCheck {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}

// clonePhotos copies p, so that a result owns what it holds.
func clonePhotos(p *report.PhotoCheck) *report.PhotoCheck {
	if p == nil {
		return nil
	}
	c := *p
	c.SuggestedPresets = slices.Clone(p.SuggestedPresets)
	c.NarrowerPresets = slices.Clone(p.NarrowerPresets)
	return &c
}

// buildResult turns the search's result into the one result model every
// report is written from.
func buildResult(o *Opened, spec *Spec, res *attack.Result, started time.Time) *report.Result {
	out := resultShell(o, spec, res.Generation)
	out.Config.Encoding, out.Config.Algorithm = res.Encoding, res.Algorithm
	out.Evaluations = res.Evaluations
	out.ElapsedSeconds = res.Elapsed.Seconds()
	if out.NonFiniteOutputs = res.NonFinite; out.NonFiniteOutputs > 0 {
		out.NonFiniteCause = o.NonFiniteCause()
	}
	out.StoppedReason = res.Stopped
	out.StartedAt = started.UTC().Format(time.RFC3339)
	out.EvaluationBudget = spec.Search.MaxEvals
	out.Repeats = spec.Repeats
	if out.Shard != nil {
		for _, c := range res.Classes {
			out.TargetClasses = append(out.TargetClasses, c.Index)
		}
	}
	if s := res.Elapsed.Seconds(); s > 0 {
		out.EvalsPerSecond = float64(res.Evaluations) / s
	}
	for i := range res.Classes {
		c := &res.Classes[i]
		rc := report.Class{Index: c.Index, Label: o.Labels[c.Index], Confidence: c.Confidence, Encoding: c.Encoding}
		if c.Reached {
			n, s := c.EvaluationsToThreshold, c.ElapsedToThreshold.Seconds()
			rc.EvaluationsToThreshold, rc.SecondsToThreshold = &n, &s
		} else if u := c.Unreachable; u != nil {
			rc.Unreachable = &report.Unreachable{Kind: u.Kind, Rank: u.Rank, Ceiling: u.Ceiling,
				Reason: report.UnreachableReason(u.Kind, c.Confidence, u.Ceiling, u.Rank, u.Images)}
		}
		for _, p := range c.History {
			rc.History = append(rc.History, report.Point{Evaluations: p.Evaluations, Confidence: p.Confidence})
		}
		rc.History = report.ThinHistory(rc.History, report.MaxHistoryPoints)
		out.Classes = append(out.Classes, rc)
	}
	markBoundedLayer(o, out, spec.Threshold)
	return out
}

// markBoundedLayer marks the classes of out that were not fooled, and that
// the search's own evidence did not explain, as unreachable where the
// weights of a bounded layer that feeds the class scores keep their
// confidence below threshold whatever the input.
func markBoundedLayer(o *Opened, out *report.Result, threshold float64) {
	var idx []int
	for i := range out.Classes {
		if c := &out.Classes[i]; c.EvaluationsToThreshold == nil && c.Unreachable == nil {
			idx = append(idx, c.Index)
		}
	}
	if len(idx) == 0 {
		return
	}
	ceilings := o.LayerCeilings(idx, threshold)
	if ceilings == nil {
		return
	}
	layer := o.Info().BoundedLayer
	for i, j := 0, 0; i < len(out.Classes) && j < len(idx); i++ {
		c := &out.Classes[i]
		if c.Index != idx[j] {
			continue
		}
		if ceil := ceilings[j]; ceil < threshold {
			c.Unreachable = &report.Unreachable{Kind: report.UnreachableBoundedLayer, Ceiling: ceil, Layer: layer,
				Reason: report.BoundedLayerReason(c.Confidence, ceil, layer)}
		}
		j++
	}
}

// renderShown gets the finished images of the classes the reports show
// (see report.ShownClasses) from the search, on every core: with 1000
// classes, rendering them all one after another took seconds after a
// signal asked the run to stop. An image that cannot be rendered is an
// error: a report must not quietly lose one. A renderer's panic is raised
// again here, once the others have returned (see panics.Group).
func renderShown(out *report.Result, res *attack.Result) error {
	shown := report.ShownClasses(out)
	byIndex := make(map[int]*attack.Class, len(res.Classes))
	for i := range res.Classes {
		byIndex[res.Classes[i].Index] = &res.Classes[i]
	}
	errs := make([]error, len(shown))
	var next atomic.Int64
	var g panics.Group
	for range min(runtime.GOMAXPROCS(0), len(shown)) {
		g.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(shown) {
					return
				}
				c := shown[i]
				ac := byIndex[c.Index]
				if ac == nil {
					continue
				}
				pix, err := ac.Image()
				switch {
				case err != nil:
					errs[i] = fmt.Errorf("the image of class %d: %w", c.Index, err)
				case pix != nil:
					c.Pixels = &report.Image{C: res.C, H: res.H, W: res.W, Pix: pix}
				}
			}
		})
	}
	g.Wait()
	if err := errors.Join(errs...); err != nil {
		return fault.Environmentf("", "%w", err)
	}
	return nil
}

// DemoDisplayPath stands for the embedded model in reports, which have no
// file to point at.
const DemoDisplayPath = report.DemoModelPath

// DefaultPreprocessing is the reports' preprocessing_from when nothing gave
// the preprocessing (see report.DefaultPreprocessing).
const DefaultPreprocessing = report.DefaultPreprocessing

// displayPath is the model path as reports show it: relative to the working
// directory (the workspace, in Actions) when the model lies inside it.
func displayPath(path string) string {
	if path == "" {
		return DemoDisplayPath
	}
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return path
}

// repoPath is the model file path relative to the repository root root
// (the working directory when empty), with forward slashes, or "" when it
// lies outside root or there is no file (the embedded model, path "").
// Where the plain paths do not nest, the folders' symbolic links are
// resolved, so that a root reached through a link still holds the model;
// the file itself is not resolved, since a link in the repository is where
// users look for it.
func repoPath(root, path string) string {
	if path == "" {
		return ""
	}
	absRoot, err := filepath.Abs(cmp.Or(root, "."))
	if err != nil {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return ""
	}
	if rel, ok := within(absRoot, abs); ok {
		return rel
	}
	realRoot, err := filepath.EvalSymlinks(absRoot)
	if err != nil {
		return ""
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return ""
	}
	rel, _ := within(realRoot, filepath.Join(dir, filepath.Base(abs)))
	return rel
}

// within is path relative to root, with forward slashes, and whether path
// lies under root (root itself does not).
func within(root, path string) (string, bool) {
	rel, err := filepath.Rel(root, path)
	if err != nil || rel == "." || rel == ".." || filepath.IsAbs(rel) || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// rangeCheck is the result's record of the classifier's range check.
func rangeCheck(r *classifier.InputRange) *report.RangeCheck {
	if r == nil {
		return nil
	}
	out := &report.RangeCheck{Kind: r.Kind, Lo: slices.Clone(r.Lo), Hi: slices.Clone(r.Hi), Via: r.Via, Next: r.Next, Fit: r.Fit}
	for _, p := range r.Suggested {
		out.SuggestedPresets = append(out.SuggestedPresets, p.Preset)
	}
	return out
}
