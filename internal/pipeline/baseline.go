package pipeline

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"

	"github.com/fooltest/fooltest/internal/attack"
)

// baseline is what --baseline names: an earlier run's result, or a model
// to search first (report is nil until it is searched).
type baseline struct {
	path   string
	report *report.Result
}

// readBaseline reads path as a report.json when it is named .json or holds
// JSON, and takes it for a model otherwise: a report cut short, or empty,
// is then refused as the report it was meant to be.
func readBaseline(path string) (*baseline, error) {
	// O_NONBLOCK: opening a FIFO for reading would wait for a writer, and
	// the run would hang before its search; the Stat below refuses it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fault.Invalidf(SettingBaseline, "cannot read baseline %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fault.Environmentf(SettingBaseline, "cannot read baseline %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fault.Invalidf(SettingBaseline, "baseline %s is not a regular file", path)
	}
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	t := bytes.TrimSpace(head[:n])
	if !strings.EqualFold(filepath.Ext(path), ".json") && (len(t) == 0 || t[0] != '{') {
		return &baseline{path: path}, nil
	}
	if len(t) == 0 {
		return nil, fault.Invalidf(SettingBaseline, "baseline report %s is empty: give the report.json that the baseline's run wrote", path)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, fault.Invalidf(SettingBaseline, "cannot read baseline %s: %w", path, err)
	}
	res, err := report.Decode(f, st.Size(), "baseline "+path)
	if err != nil {
		return nil, err
	}
	// A run failed by the classes it fooled despite outputs too often not
	// finite records no error, but did not test its model either.
	if why := cmp.Or(res.Error, res.NonFiniteError); why != "" {
		return nil, fault.Invalidf(SettingBaseline, "baseline %s records a run that did not test its model (%s): rerun the baseline", path, why)
	}
	return &baseline{path: path, report: res}, nil
}

// baselineOutsideReports refuses a baseline that is the report.json the
// run writes into its report directory dir (or removes there, when its
// formats leave json out): the run would replace the baseline it compares
// with, and the released model's result would be lost for good. Paths
// are compared absolute and, for a link or another name of the folder, by
// the file on disk; a report.json in dir that is itself a link is
// replaced, not followed, and so loses nothing.
func baselineOutsideReports(path, dir string) error {
	own := filepath.Join(dir, report.JSONFile)
	same := absPath(path) == absPath(own)
	if !same {
		bi, errB := os.Stat(path)
		oi, errO := os.Lstat(own)
		same = errB == nil && errO == nil && oi.Mode().IsRegular() && os.SameFile(bi, oi)
	}
	if same {
		return fault.Invalidf(SettingBaseline, "baseline %s is the %s that this run writes into its report directory %s, and would be replaced by this run's: copy it out of the report directory first, or give --report-dir another folder", path, report.JSONFile, dir)
	}
	return nil
}

// absPath is path made absolute and clean, or clean when it cannot be
// made absolute.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return filepath.Clean(path)
}

// searchBaseline opens the baseline model with the candidate's model
// settings and searches it with the same search settings under a budget of
// its own.
func searchBaseline(ctx context.Context, spec *Spec, cfg attack.Config, classes int) (*report.Result, error) {
	m := spec.Model
	m.Path = spec.Baseline
	if p := spec.BaselinePreset; p != "" {
		norm, err := classifier.Preset(p)
		if err != nil {
			return nil, fault.Invalidf(SettingBaselinePreset, "baseline %s is a model, so its preset must be one of %s, not %q (custom values need a baseline report.json searched with them)", spec.Baseline, strings.Join(classifier.PresetNames, ", "), p)
		}
		m.Options.Normalization, m.Options.AutoNormalization, m.Preset = norm, false, p
	}
	started := time.Now()
	bctx, cancel := context.WithTimeout(ctx, spec.Budget)
	defer cancel()
	o, err := Open(bctx, m)
	if err != nil {
		return nil, fmt.Errorf("opening the baseline model: %w", openError(err, spec.Budget, time.Since(started)))
	}
	defer o.Close()
	if err := spec.checkPreprocessing(o, "the baseline model"); err != nil {
		return nil, err
	}
	if err := sameTargets(spec.Baseline, spec.Config.Classes, cfg.Targets, o.Info().Classes, classes); err != nil {
		return nil, err
	}
	if spec.Hooks.BaselineOpened != nil {
		spec.Hooks.BaselineOpened(o)
	}
	res, err := searchRepeats(bctx, spec.Hooks, o, cfg, spec.Repeats, "the baseline")
	if err != nil || res == nil {
		if err == nil {
			err = errors.New("no result")
		}
		return nil, fault.Environmentf("", "searching the baseline model: %w", err)
	}
	if res.Stopped == attack.StoppedCanceled {
		return nil, fault.Environmentf("", "interrupted while searching the baseline model: nothing was compared")
	}
	out := buildResult(o, spec, res, started)
	out.ScoreComparable = comparable(res, cfg.MaxEvals)
	return out, nil
}

// attachBaseline records base's per-class query costs in res, in res's
// class order, for the gate to compare.
func attachBaseline(res *report.Result, base *baseline) error {
	b := &report.Baseline{Path: base.path, SHA256: base.report.Model.SHA256}
	byIndex := make(map[int]*report.Class, len(base.report.Classes))
	for i := range base.report.Classes {
		byIndex[base.report.Classes[i].Index] = &base.report.Classes[i]
	}
	for _, c := range res.Classes {
		bc, ok := byIndex[c.Index]
		if !ok {
			return fault.Invalidf(SettingBaseline, "baseline %s has no result for class %d: search the same classes", base.path, c.Index)
		}
		b.Classes = append(b.Classes, report.BaselineClass{Index: c.Index, EvaluationsToThreshold: bc.EvaluationsToThreshold, History: bc.History})
	}
	if len(base.report.Classes) != len(res.Classes) {
		return fault.Invalidf(SettingBaseline, "baseline %s searched %d classes and this run %d: search the same classes", base.path, len(base.report.Classes), len(res.Classes))
	}
	if !base.report.ScoreComparable && res.RunError == "" {
		res.RunError = fmt.Sprintf(baselineStopped+"%s) before its evaluation budget of %d, so the two cannot be compared: give the searches a longer time budget", base.report.StoppedReason, base.report.EvaluationBudget)
	}
	res.Baseline = b
	return nil
}

// baselineRefusal is the error of a baseline report that CheckBaseline
// refused with err, for a model of k classes. Its setting tells the front
// end the fix: a run with the baseline's settings for most, but no run
// matches another version's score, a merge or another shard, classes the
// model lacks, or a baseline searched without an evaluation cap, and an output kind of the other family is the one setting
// to change when it is the only difference.
func baselineRefusal(path string, err error, base *report.Result, k int) error {
	if st, ok := errors.AsType[*gate.BaselineStopped](err); ok {
		// The fix depends on what stopped it: an interrupted search
		// needs no longer budget, only a search left to end.
		return fault.Suggest(fault.Invalidf(SettingBaselineStopped, "baseline %s: %w", path, err), st.Reason)
	}
	m, ok := errors.AsType[*gate.BaselineMismatch](err)
	switch {
	case !ok:
	case m.Has(gate.SettingScoreVersion), m.Has(gate.SettingGeneration), m.Has(gate.SettingSearchVersion):
		return fault.Invalidf(SettingBaselineVersion, "baseline %s: %w", path, err)
	case base.Config.MaxEvals == 0 && m.Has(gate.SettingMaxEvals):
		// A run compared with a baseline needs a cap, so "the
		// baseline's settings" would send the user to a refused
		// --max-evals 0: the baseline is the one to search again.
		err := fault.Invalidf(SettingBaselineUncapped, "baseline %s: %w", path, err)
		for _, d := range m.Diffs {
			if d.Setting == gate.SettingMaxEvals {
				return fault.Suggest(err, fmt.Sprint(d.A))
			}
		}
		return err
	case m.Has(gate.SettingShard):
		err := fault.Invalidf(SettingBaselineShard, "baseline %s: %w", path, err)
		if s := base.Shard; s != nil && s.Index == 0 {
			// A merge's costs were each counted within its shard: only
			// shards of this run, merged, compare with it.
			return fault.Suggest(err, strconv.Itoa(s.Count))
		}
		return err
	case len(m.Diffs) == 1 && m.Has(gate.SettingOutputKind):
		// Only how the outputs were read differs: the run can read them
		// as the baseline did, when they are of that kind. A kind no run
		// can set (a report edited by hand) is not offered.
		err := fault.Invalidf(SettingBaselineOutputKind, "baseline %s: %w", path, err)
		if kind := classifier.OutputKind(base.Model.OutputKind); kind != classifier.Auto && slices.Contains(classifier.OutputKinds, kind) {
			return fault.Suggest(err, string(kind))
		}
		return err
	case len(m.Diffs) == 1 && m.Has(gate.SettingClasses):
		want := gate.TargetsOf(base)
		var has, lacks []int
		for _, c := range want {
			if c < k {
				has = append(has, c)
			} else {
				lacks = append(lacks, c)
			}
		}
		if len(lacks) == 0 {
			return fault.Suggest(fault.Invalidf(SettingClasses, "baseline %s: %w", path, err), gate.ClassList(want))
		}
		return fault.Suggest(fault.Invalidf(SettingBaselineClasses, "baseline %s searched classes %s, and the model has no class %s of them, so no run of it searches the same classes",
			path, gate.ClassList(want), gate.ClassList(lacks)), gate.ClassList(has))
	}
	return fault.Invalidf(SettingBaselineSettings, "baseline %s: %w", path, err)
}

// sameTargets refuses a baseline model that cannot be searched on the same
// target classes (a report's are compared as classes, see baselineRefusal): models of different class counts compare on the classes
// the target classes name when both have them (an 11-class model retrained with a
// "fooling" class against the 10-class original, say), never on "all".
func sameTargets(path, classes string, targets []int, baseK, k int) error {
	if baseK == k {
		return nil
	}
	if classes == "all" || strings.HasPrefix(classes, "random:") {
		return fault.Suggest(fault.Invalidf(SettingClasses, "baseline %s has %d classes and the model %d, so the target classes %q differ between them", path, baseK, k, classes), fmt.Sprintf("0-%d", min(baseK, k)-1))
	}
	for _, t := range targets {
		if t >= baseK {
			return fault.Invalidf(SettingClasses, "baseline %s has %d classes, so it has no class %d of the target classes %q", path, baseK, t, classes)
		}
	}
	return nil
}

// describeDifferences names each setting with the model's value and the
// baseline's.
func describeDifferences(diffs []gate.Difference) string {
	names := make([]string, len(diffs))
	for i, d := range diffs {
		names[i] = fmt.Sprintf("%s %v (baseline %v)", d.Setting, d.A, d.B)
	}
	return strings.Join(names, ", ")
}
