package pipeline

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/score"
)

// SettingShardLabels is the labels a run's shards name the classes with,
// which must be the same in every shard.
const SettingShardLabels fault.Setting = "shard-labels"

// SettingMissingShards is whether a merge gates on the shards present when
// some are missing; its errors are the verdict error that missing shards
// give by default.
const SettingMissingShards fault.Setting = "allow-missing-shards"

// SettingMergeReportDir is the folder a merge writes its report to, which
// must be none of the shards' folders it reads.
const SettingMergeReportDir fault.Setting = "merge-report-dir"

// SettingShardImages is the images a merge draws its own from: each shard
// must have written them (the images format) when the merge writes a
// format that draws images.
const SettingShardImages fault.Setting = "shard-images"

// shardReport is one shard's report.json and the directory it came from.
type shardReport struct {
	dir string
	res *report.Result
}

// MergeSpec says which shards' reports to merge, and where to.
type MergeSpec struct {
	// Dirs are the shards' report directories.
	Dirs      []string
	ReportDir string
	// Formats are the formats to write; none means the shards' own.
	Formats []string
	// AllowMissing gates on the shards present when some are missing,
	// instead of the verdict error.
	AllowMissing bool
	// ImageBaseURL and ArtifactURL are the merged report's (see
	// report.Config): the shards' name where their own images went, and
	// the merged report's images are written anew, from its own directory.
	ImageBaseURL, ArtifactURL string
	// Words rewords the messages of the reports a person reads, as
	// Spec.Words does. The merged report.json, like the shards' it reads,
	// keeps the libraries' wording.
	Words report.Words
	// Stop, when set, stops the report writers, as Spec.Stop does.
	Stop *report.Stopper
}

// Merge merges the reports of a run's shards (Spec.Shard) into the report
// of the whole run, gated as a single run is, and writes it. Like Run, it
// returns an Outcome whenever reports were written.
func Merge(_ context.Context, spec MergeSpec) (*Outcome, error) {
	start := time.Now()
	if len(spec.Dirs) == 0 {
		return nil, fault.Invalidf("", "merge needs the shards' report directories")
	}
	if err := outsideShards(spec.ReportDir, spec.Dirs); err != nil {
		return nil, err
	}
	if err := CheckReportDir(spec.ReportDir); err != nil {
		return nil, err
	}
	var shards []*shardReport
	for _, dir := range spec.Dirs {
		s, err := loadShard(dir)
		if err != nil {
			return nil, err
		}
		shards = append(shards, s)
	}
	res, err := mergeShards(shards)
	if err != nil {
		return nil, err
	}
	// Missing shards fail the run unless allowed. The reason names the
	// flag, which the reports give in the front end's words (spec.Words):
	// the Action's are its front end's to say, not the library's. The
	// error names the setting, so that the CLI can add its own.
	var missing, shardErr string
	if len(res.MissingShards) > 0 && !spec.AllowMissing {
		missing, shardErr = missingProblem(res), res.RunError
		res.RunError = joinErrors(missing+": merge every shard, or pass --allow-missing-shards to gate on the others", shardErr)
	}
	formats := shardFormats(shards)
	if len(spec.Formats) > 0 {
		formats = spec.Formats
	}
	if err := imagesToDraw(shards, formats); err != nil {
		return nil, err
	}
	res.Config.ReportDir, res.Config.Formats = spec.ReportDir, formats
	res.Config.ImageBaseURL, res.Config.ArtifactURL = spec.ImageBaseURL, spec.ArtifactURL
	allowed, err := gate.ParseMaxFooled(res.Config.MaxFooled)
	if err != nil {
		return nil, fault.Invalidf("", "the shards' max-fooled: %w", err)
	}
	failOn, err := gate.ParseFailOn(res.Config.FailOn)
	if err != nil {
		return nil, fault.Invalidf("", "the shards' fail-on: %w", err)
	}
	out := &Outcome{Result: res, Interrupted: res.Interrupted}
	if out.Verdict, err = gate.Evaluate(res, res.Config.Threshold, allowed, failOn); err != nil {
		return nil, fault.Invalidf("", "%w", err)
	}
	if err := out.write(spec.ReportDir, formats, report.WriteOptions{Words: spec.Words, Stop: spec.Stop}); err != nil {
		return out, err
	}
	out.WriteTime = time.Since(start)
	if out.Verdict == gate.Error {
		if missing != "" {
			return out, fault.Environmentf(SettingMissingShards, "%s", joinErrors(shardErr, missing))
		}
		return out, fault.Environmentf("", "%s", res.Error)
	}
	return out, nil
}

// shardFormats returns every format any shard wrote, the first shard's
// first: the merged report would otherwise leave out, or write, a format
// such as the dataset by the order the shards were given in.
func shardFormats(shards []*shardReport) []string {
	var out []string
	for _, s := range shards {
		for _, f := range s.res.Config.Formats {
			if !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// imagesToDraw refuses a shard that wrote no images when the merge writes
// formats that draw them: its classes would have none in the merged
// report, silently, wherever it found the best image.
func imagesToDraw(shards []*shardReport, formats []string) error {
	var draws []string
	for _, f := range report.AllFormats() {
		if report.DrawsImages(f) && slices.Contains(formats, f) {
			draws = append(draws, f)
		}
	}
	if len(draws) == 0 {
		return nil
	}
	what := draws[len(draws)-1]
	if n := len(draws); n > 1 {
		what = strings.Join(draws[:n-1], ", ") + " and " + what
	}
	for _, s := range shards {
		if !slices.Contains(s.res.Config.Formats, report.FormatImages) {
			return fault.Invalidf(SettingShardImages, "shard %d/%d in %s wrote no images (its formats: %s), and the merge draws its %s from the shards' images",
				s.res.Shard.Index, s.res.Shard.Count, s.dir, strings.Join(s.res.Config.Formats, ", "), what)
		}
	}
	return nil
}

// missingProblem says which of res's shards are missing and how many
// target classes no shard searched.
func missingProblem(res *report.Result) string {
	n, verb := NotSearched(res), "were"
	if n == 1 {
		verb = "was"
	}
	return fmt.Sprintf("%s, so %d of the %d target classes %s not searched", report.ShardsMissing(res.MissingShards, res.Shard.Count), n, len(res.Classes), verb)
}

// joinErrors joins the reasons given, leaving out empty ones.
func joinErrors(reasons ...string) string {
	return strings.Join(slices.DeleteFunc(reasons, func(s string) bool { return s == "" }), "; ")
}

// outsideShards refuses a report directory out that is one of the shards'
// directories dirs: the merged report would replace that shard's own
// report.json, which the merge reads and which the next merge needs. Paths
// are compared cleaned and absolute and, for two names of one folder (a
// symlink, a bind mount), by the folder on disk. It writes nothing.
func outsideShards(out string, dirs []string) error {
	absOut, err := filepath.Abs(out)
	if err != nil {
		absOut = filepath.Clean(out)
	}
	outInfo, outErr := os.Stat(out)
	for _, d := range dirs {
		absD, err := filepath.Abs(d)
		if err != nil {
			absD = filepath.Clean(d)
		}
		if absD == absOut {
			return fault.Invalidf(SettingMergeReportDir, "the merged report would be written into %s, one of the shards' report directories, and replace that shard's report", d)
		}
		if outErr != nil {
			continue
		}
		if di, err := os.Stat(d); err == nil && os.SameFile(outInfo, di) {
			return fault.Invalidf(SettingMergeReportDir, "the merged report would be written into %s, the same folder as the shard's report directory %s, and replace that shard's report", out, d)
		}
	}
	return nil
}

// loadShard reads the report directory a shard wrote.
func loadShard(dir string) (*shardReport, error) {
	what := filepath.Join(dir, report.JSONFile)
	// A folder without a report.json is most often not what a shard
	// wrote (a parent folder, a download's), which merge cannot guess.
	if _, err := os.Stat(what); errors.Is(err, fs.ErrNotExist) {
		switch st, err := os.Stat(dir); {
		case err == nil && st.IsDir():
			return nil, fault.Invalidf("", "%s holds no %s: merge takes the report directories that the shards wrote, each with its %s", dir, report.JSONFile, report.JSONFile)
		case errors.Is(err, fs.ErrNotExist):
			return nil, fault.Invalidf("", "%s does not exist: merge takes the report directories that the shards wrote, each with its %s", dir, report.JSONFile)
		}
	}
	// The pixels wait for the merge: it keeps one shard's image a class.
	res, err := report.LoadJSON(dir)
	if err != nil {
		return nil, err
	}
	switch {
	case res.Shard == nil:
		err = fault.Invalidf("", "%s is the report of a whole run, not of a shard: nothing to merge", what)
	case res.Shard.Index == 0:
		err = fault.Invalidf("", "%s is already a merged report: merge the shards' own reports", what)
	case res.Shard.Index < 1 || res.Shard.Index > res.Shard.Count || res.Shard.Count > report.MaxShards:
		err = fault.Invalidf("", "%s records shard %d/%d, which no run makes", what, res.Shard.Index, res.Shard.Count)
	case !slices.Equal(classIndices(res), res.TargetClasses):
		err = fault.Invalidf("", "%s lists other classes than its target classes: no shard of a run wrote it", what)
	case res.ScoreVersion != score.Version:
		// The merge scores the shards' costs anew with this version's
		// definition, and would label another's costs with it.
		err = fault.Invalidf("", "%s records score version %d, and this fooltest scores with version %d: merge the shards with the fooltest version that ran them, or run them again with this one", what, res.ScoreVersion, score.Version)
	}
	if err != nil {
		return nil, err
	}
	return &shardReport{dir: dir, res: res}, nil
}

// classIndices returns the indices of res's classes, in order.
func classIndices(res *report.Result) []int {
	out := make([]int, len(res.Classes))
	for i, c := range res.Classes {
		out[i] = c.Index
	}
	return out
}

// incomparable returns the settings in which b differs from a such that
// their shards did not search one run's share each: those that define the
// search, and the model's reading and the gate's settings, which the
// merged result is gated with.
func incomparable(a, b *report.Result) []string {
	diffs := gate.SearchDifferences(a, b)
	add := func(name string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			diffs = append(diffs, gate.Difference{Setting: name, A: x, B: y})
		}
	}
	ac, bc := a.Config, b.Config
	add("input-shape", ac.InputShape, bc.InputShape)
	add("output", ac.Output, bc.Output)
	add("output-kind", a.Model.OutputKind, b.Model.OutputKind)
	// The merged report names the outputs not searched as the first
	// shard's report does; shards of one run agree on them.
	add("outputs not searched", a.Model.OutputsNotSearched, b.Model.OutputsNotSearched)
	add("target classes", len(a.TargetClasses), len(b.TargetClasses))
	add("max-fooled", ac.MaxFooled, bc.MaxFooled)
	add("fail-on", ac.FailOn, bc.FailOn)
	add("min-score", ac.MinScore, bc.MinScore)
	add("alpha", ac.Alpha, bc.Alpha)
	add("tolerance", ac.Tolerance, bc.Tolerance)
	add("baseline", baselineSHA(a), baselineSHA(b))
	// A baseline model searched with another preprocessing in one shard
	// measured other costs, which the merged comparison would mix.
	add("baseline-preset", baselinePreset(a), baselinePreset(b))
	// The merged gate reads these from the first shard: shards that
	// differ would gate alike findings otherwise in another order.
	add("preprocessing-check", !ac.PreprocessingUnchecked, !bc.PreprocessingUnchecked)
	add("preprocessing", preprocessingGiven(ac), preprocessingGiven(bc))
	names := make([]string, len(diffs))
	for i, d := range diffs {
		names[i] = fmt.Sprintf("%s %v and %v", d.Setting, d.A, d.B)
	}
	if len(names) == 0 && !slices.Equal(a.TargetClasses, b.TargetClasses) {
		names = append(names, "target classes")
	}
	return names
}

// labelDifference returns the position of the first class that a and b,
// whose target classes are the same, label differently, or -1. The labels
// themselves are compared, not where they came from: the same labels file
// at another path is the same run, and a merged report would otherwise mix
// two sets of names.
func labelDifference(a, b *report.Result) int {
	for k := range min(len(a.Classes), len(b.Classes)) {
		if a.Classes[k].Label != b.Classes[k].Label {
			return k
		}
	}
	return -1
}

// baselinePreset returns the preset r's baseline was searched with: its
// --baseline-preset, or else the model's own, which the baseline takes.
func baselinePreset(r *report.Result) string {
	if r.Baseline == nil {
		return "none"
	}
	return cmp.Or(r.Config.BaselinePreset, r.Config.Preset)
}

// preprocessingGiven says whether something gave c's preprocessing (flags,
// the model's files) or it is fooltest's default, which the gate does not
// let a run pass on unconfirmed.
func preprocessingGiven(c report.Config) string {
	if c.PreprocessingFrom == report.DefaultPreprocessing {
		return "fooltest's default"
	}
	return "given"
}

func baselineSHA(r *report.Result) string {
	if r.Baseline == nil {
		return "none"
	}
	return r.Baseline.SHA256
}

// mergeShards merges the shards' results into the result of the whole run,
// to be gated: per class the image of highest confidence any shard found,
// and the fewest evaluations any shard needed to reach the threshold, each
// counted within its own shard (so the score stays measured under the
// shards' evaluation budget, --max-evals, and a class fooled in the merged
// report always has a count). Evaluations add up, and each shard's are
// kept in Shard.Runs; the time is the longest shard's, as the shards run
// side by side. It refuses, with a usage error,
// shards that are not one run's.
func mergeShards(shards []*shardReport) (*report.Result, error) {
	first := shards[0]
	n := first.res.Shard.Count
	byIndex := make(map[int]*shardReport, len(shards))
	for _, s := range shards {
		r := s.res
		what := (s.dir)
		switch {
		case r.Model.SHA256 != first.res.Model.SHA256:
			return nil, fault.Invalidf("", "%s and %s are reports of different models (sha256 %.12s and %.12s): merge the shards of one run", (first.dir), what, first.res.Model.SHA256, r.Model.SHA256)
		case r.Shard.Count != n:
			return nil, fault.Invalidf("", "%s is shard %d/%d and %s shard %d/%d: merge the shards of one run, which all have the same N", (first.dir), first.res.Shard.Index, n, what, r.Shard.Index, r.Shard.Count)
		}
		if d := incomparable(first.res, r); len(d) > 0 {
			return nil, fault.Invalidf("", "%s and %s were run with different settings (%s), so they are not shards of one run", (first.dir), what, strings.Join(d, ", "))
		}
		if k := labelDifference(first.res, r); k >= 0 {
			return nil, fault.Invalidf(SettingShardLabels, "%s and %s name the classes differently (class %d is %.60q in one and %.60q in the other), so they are not shards of one run",
				first.dir, what, r.Classes[k].Index, first.res.Classes[k].Label, r.Classes[k].Label)
		}
		if r.Baseline != nil && len(r.Baseline.Classes) != len(r.Classes) {
			return nil, fault.Invalidf("", "%s: its baseline has %d classes and it has %d", what, len(r.Baseline.Classes), len(r.Classes))
		}
		if dup, ok := byIndex[r.Shard.Index]; ok {
			return nil, fault.Invalidf("", "shard %d/%d is given twice, in %s and %s: give each shard once", r.Shard.Index, n, (dup.dir), what)
		}
		byIndex[r.Shard.Index] = s
	}
	out := *first.res
	out.Shard = &report.Shard{Count: n}
	out.MissingShards = nil
	for i := 1; i <= n; i++ {
		if _, ok := byIndex[i]; ok {
			out.Shard.Merged = append(out.Shard.Merged, i)
		} else {
			out.MissingShards = append(out.MissingShards, i)
		}
	}
	out.TargetClasses = slices.Clone(first.res.TargetClasses)
	out.Evaluations, out.ElapsedSeconds, out.OpenSeconds, out.NonFiniteOutputs = 0, 0, 0, 0
	out.Interrupted, out.ScoreComparable, out.Error, out.RunError = false, true, "", ""
	out.NonFiniteError = ""
	out.StoppedReason = ""
	out.EvaluationBudget = out.Config.MaxEvals
	for _, i := range out.Shard.Merged {
		r := byIndex[i].res
		out.Evaluations += r.Evaluations
		// The sum alone would let one shard's evaluations hide another
		// that tried few of its classes: the gate judges each shard's.
		out.Shard.Runs = append(out.Shard.Runs, report.ShardRun{Index: i, Targets: len(r.Shard.Searched), Evaluations: r.Evaluations, StoppedReason: r.StoppedReason})
		out.ElapsedSeconds = max(out.ElapsedSeconds, r.ElapsedSeconds)
		out.OpenSeconds = max(out.OpenSeconds, r.OpenSeconds)
		out.BudgetUsedSeconds = max(out.BudgetUsedSeconds, r.BudgetUsedSeconds)
		out.NonFiniteOutputs += r.NonFiniteOutputs
		out.Interrupted = out.Interrupted || r.Interrupted
		out.Config.ExportDataset = out.Config.ExportDataset || r.Config.ExportDataset
		out.ScoreComparable = out.ScoreComparable && r.ScoreComparable
		out.StartedAt = min(out.StartedAt, r.StartedAt)
		out.StoppedReason = mergeStopped(out.StoppedReason, r.StoppedReason)
		if out.Config.MaxEvals == 0 {
			out.EvaluationBudget = max(out.EvaluationBudget, r.EvaluationBudget)
		}
		// A shard's run that failed keeps the merged run from any
		// verdict but error. The reasons a shard's gate derived from its
		// findings (interrupted, too few evaluations, an unmoved model)
		// are not carried: the merged gate judges the findings of all
		// shards together, as it would one run's. A shard's outputs too
		// often not finite keep the merged run from passing, as they kept
		// the shard's, but the classes fooled in any shard may still fail
		// it: the merged gate decides.
		if e := shardRunError(r); e != "" && out.RunError == "" {
			out.RunError = fmt.Sprintf("shard %d/%d: %s", i, n, e)
		}
		if r.NonFiniteError != "" && out.NonFiniteError == "" {
			out.NonFiniteError = fmt.Sprintf("shard %d/%d: %s", i, n, r.NonFiniteError)
		}
	}
	if out.ElapsedSeconds > 0 {
		out.EvalsPerSecond = float64(out.Evaluations) / out.ElapsedSeconds
	}
	if err := mergeClasses(&out, shards, byIndex); err != nil {
		return nil, err
	}
	return &out, nil
}

// baselineStopped begins the run error of a run whose baseline's search
// stopped early (see attachBaseline), by which a merge knows it in reports
// of builds that had no RunError.
const baselineStopped = "the baseline's search stopped ("

// shardRunError returns the failure of a shard's run itself, which the
// merge carries: its RunError, or, in a report of a build that had none
// and wrote every reason into error, that error when it is a run failure:
// its search stopped on an error other than outputs too often not finite
// (the model failed), or its baseline could not be compared. Any other
// error of such a report is a reason its gate derived from its findings,
// which the merged gate derives again.
func shardRunError(r *report.Result) string {
	switch {
	case r.RunError != "":
		return r.RunError
	case r.Error == "" || r.Error == r.NonFiniteError:
		return ""
	case r.StoppedReason == attack.StoppedError, strings.HasPrefix(r.Error, baselineStopped):
		return r.Error
	}
	return ""
}

// mergeStopped combines the reasons two shards stopped as combine does for
// repeats: any reason other than the evaluation budget or fooling every
// target wins, then the budget, then all-reached.
func mergeStopped(a, b string) string {
	rank := func(s string) int {
		switch s {
		case "":
			return 0
		case "all-reached":
			return 1
		case "max-evals":
			return 2
		}
		return 3
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// mergeClasses fills out.Classes from the shards, with the winning images
// the shards' PNGs held, read for the winners alone.
func mergeClasses(out *report.Result, shards []*shardReport, byIndex map[int]*shardReport) error {
	n := out.Shard.Count
	owner := make(map[int]int, len(out.TargetClasses))
	for j, c := range out.TargetClasses {
		owner[c] = j%n + 1
	}
	present := make([]*shardReport, 0, len(byIndex))
	for _, i := range out.Shard.Merged {
		present = append(present, byIndex[i])
	}
	out.Classes = make([]report.Class, len(out.TargetClasses))
	var base []report.BaselineClass
	if out.Baseline != nil {
		b := *out.Baseline
		b.Classes = make([]report.BaselineClass, len(out.TargetClasses))
		out.Baseline = &b
		base = b.Classes
	}
	for k := range out.Classes {
		var best *report.Class
		var from *shardReport
		c := report.Class{Index: out.TargetClasses[k]}
		for _, s := range present {
			sc := &s.res.Classes[k]
			if best == nil || sc.Confidence > best.Confidence {
				best, from = sc, s
			}
			if e := sc.EvaluationsToThreshold; e != nil && (c.EvaluationsToThreshold == nil || *e < *c.EvaluationsToThreshold) {
				c.EvaluationsToThreshold, c.SecondsToThreshold = e, sc.SecondsToThreshold
			}
			if base != nil {
				if bc := s.res.Baseline.Classes[k]; base[k].History == nil || owner[c.Index] == s.res.Shard.Index {
					base[k].Index, base[k].History = bc.Index, bc.History
				}
				if e := s.res.Baseline.Classes[k].EvaluationsToThreshold; e != nil && (base[k].EvaluationsToThreshold == nil || *e < *base[k].EvaluationsToThreshold) {
					base[k].EvaluationsToThreshold = e
				}
			}
		}
		c.Label, c.Confidence, c.Encoding, c.History = best.Label, best.Confidence, best.Encoding, best.History
		c.NotSearched = byIndex[owner[c.Index]] == nil
		if best.Image != "" {
			px, err := report.LoadImage(from.dir, from.res, best)
			if err != nil {
				return err
			}
			c.Pixels = px
		}
		if c.EvaluationsToThreshold == nil {
			c.Unreachable = mergedBoundedLayer(present, k, c.Confidence)
		}
		out.Classes[k] = c
	}
	return nil
}

// mergedBoundedLayer returns the mark of class k, not fooled by any shard,
// as unreachable because of a bounded layer before the scores, or nil. The
// model's weights decide it, so every shard that marked the class holds a
// valid ceiling: the least is kept, and the reason is written for best, the
// merged confidence. The other kinds rest on each shard's own scored
// images, which the merge does not have, and are not carried over.
func mergedBoundedLayer(present []*shardReport, k int, best float64) *report.Unreachable {
	var u *report.Unreachable
	for _, s := range present {
		su := s.res.Classes[k].Unreachable
		// A layer's description is a few words; a longer one did not
		// come from fooltest.
		if su == nil || su.Kind != report.UnreachableBoundedLayer || su.Layer == "" || len(su.Layer) > 200 {
			continue
		}
		if u == nil || su.Ceiling < u.Ceiling {
			u = &report.Unreachable{Kind: su.Kind, Ceiling: su.Ceiling, Layer: su.Layer}
		}
	}
	if u != nil {
		u.Reason = report.BoundedLayerReason(best, u.Ceiling, u.Layer)
	}
	return u
}

// NotSearched counts the classes of res that no shard searched.
func NotSearched(res *report.Result) int {
	n := 0
	for _, c := range res.Classes {
		if c.NotSearched {
			n++
		}
	}
	return n
}
