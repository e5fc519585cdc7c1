package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/score"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
	"github.com/fooltest/fooltest/internal/testsupport/ortload"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

var runtimeVersion string

func TestMain(m *testing.M) {
	var err error
	runtimeVersion, err = ortload.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipeline tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// demoSpec searches the embedded demo under an evaluation cap.
func demoSpec(t *testing.T) Spec {
	t.Helper()
	norm, err := classifier.Preset(demo.Preset)
	if err != nil {
		t.Fatal(err)
	}
	allowed, err := gate.ParseMaxFooled("0")
	if err != nil {
		t.Fatal(err)
	}
	return Spec{
		Model: Model{Options: classifier.Options{Normalization: norm, Threads: 1}, Preset: demo.Preset, Runtime: runtimeVersion},
		Targets: func(k int) ([]int, error) {
			out := make([]int, k)
			for i := range out {
				out[i] = i
			}
			return out, nil
		},
		Search:    attack.Config{MaxEvals: 2000, Seed: 1},
		Repeats:   1,
		Budget:    time.Minute,
		Threshold: 0.99,
		MaxFooled: allowed,
		FailOn:    gate.FailOnFooled,
		ReportDir: filepath.Join(t.TempDir(), "reports"),
		Formats:   []string{report.FormatJSON, report.FormatMarkdown},
		Config:    report.Config{Classes: "all", Threshold: 0.99, MaxFooled: "0", FailOn: "fooled", MaxEvals: 2000, Seed: 1},
	}
}

// TestRunDemo runs the pipeline end to end on the demo model: the hooks see
// the model and the search, the verdict is decided once and lands in the
// reports written.
func TestRunDemo(t *testing.T) {
	spec := demoSpec(t)
	var opened, searches, progress int
	spec.Hooks = Hooks{
		Opened: func(o *Opened, targets []int) {
			opened++
			if len(targets) != 10 || o.Info().Classes != 10 || o.SHA256 == "" {
				t.Errorf("opened %d classes, %d targets, sha256 %q", o.Info().Classes, len(targets), o.SHA256)
			}
		},
		Search: func(s Search) (func(attack.Progress), func()) {
			searches++
			return func(attack.Progress) { progress++ }, func() {}
		},
	}
	out, err := Run(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if opened != 1 || searches != 1 {
		t.Errorf("hooks: opened %d times, searched %d times", opened, searches)
	}
	if out.Verdict != gate.Fail || out.Result.Verdict != gate.Fail || out.Result.Fooled == 0 {
		t.Errorf("verdict %q (Result %q) with %d fooled; the demo is fooled within 2000 evaluations", out.Verdict, out.Result.Verdict, out.Result.Fooled)
	}
	back, err := report.Load(spec.ReportDir)
	if err != nil {
		t.Fatal(err)
	}
	if back.Verdict != out.Verdict || back.Evaluations != out.Result.Evaluations || back.Model.SHA256 == "" {
		t.Errorf("report.json: verdict %q, %d evaluations; the run: %q, %d", back.Verdict, back.Evaluations, out.Verdict, out.Result.Evaluations)
	}
	if _, ok := out.Written[report.FormatMarkdown]; !ok {
		t.Errorf("report.md not written: %v", out.Written)
	}
}

// TestRunRefusals: what the user gave wrong is a fault.Invalid error naming
// the setting to change, before anything is searched.
func TestRunRefusals(t *testing.T) {
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(t.TempDir(), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		change  func(*Spec)
		setting fault.Setting
	}{
		{"report directory is a link", func(s *Spec) { s.ReportDir = link }, SettingReportDir},
		{"missing baseline", func(s *Spec) { s.Baseline = filepath.Join(t.TempDir(), "none.onnx") }, SettingBaseline},
		{"more shards than targets", func(s *Spec) { s.Shard = &report.Shard{Index: 1, Count: 11} }, SettingShard},
		{"threshold above a logits ceiling", func(s *Spec) { s.Model.Options.OutputKind = classifier.Logits }, classifier.SettingOutputKind},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := demoSpec(t)
			searched := false
			spec.Hooks.Search = func(Search) (func(attack.Progress), func()) {
				searched = true
				return nil, func() {}
			}
			tc.change(&spec)
			out, err := Run(context.Background(), spec)
			if out != nil || !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != tc.setting {
				t.Fatalf("got %v (%v, setting %q), want invalid input about %q", err, fault.KindOf(err), fault.SettingOf(err), tc.setting)
			}
			if searched {
				t.Error("searched before refusing")
			}
		})
	}
}

// TestDigitCheckLabels: the digit check runs on a 10-class gray model
// without labels or with labels that name the digits, and not when its
// labels name other things (a Fashion-MNIST model's), whose answers to
// digits would mean nothing.
func TestDigitCheckLabels(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name   string
		labels string
		check  bool
	}{
		{"no labels file", "", true},
		{"numerals", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n", true},
		{"words", "Zero\nOne\nTwo\nThree\nFour\nFive\nSix\nSeven\nEight\nNine\n", true},
		{"fashion", "top\ntrouser\npullover\ndress\ncoat\nsandal\nshirt\nsneaker\nbag\nboot\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := demoSpec(t).Model
			if tc.labels != "" {
				m.Labels = filepath.Join(dir, tc.name+".txt")
				if err := os.WriteFile(m.Labels, []byte(tc.labels), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			o, err := Open(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if got := o.Digits != nil; got != tc.check {
				t.Fatalf("digit check ran: %v, want %v", got, tc.check)
			}
		})
	}
}

// TestCeilingRefusal: values read as logits whose softmax keeps every probe
// image below the threshold are refused with both fixes, reading them as
// scores or, if they are logits, giving the model its own preprocessing;
// the refusal says when the run's was fooltest's unconfirmed default, and
// never offers to leave --output-kind out, whose automatic reading refuses
// such values too.
func TestCeilingRefusal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "softmax.onnx")
	if err := os.WriteFile(path, onnxtest.Classifier([]int64{-1, 3, 16, 16}, 4, "Softmax").Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	raw01, err := classifier.Preset("raw01")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		auto        bool
		want, avoid string
	}{
		{"preset given", false, "squeezes logits like this: give the model's own (--preset, or --scale, --mean and --std", "default"},
		{"fooltest's default", true, "squeezes logits like this, as fooltest's default (preset raw01), which nothing gave or confirmed, may be: give the model's own", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := demoSpec(t)
			spec.Model = Model{Path: path, Preset: "raw01", Runtime: runtimeVersion,
				Options: classifier.Options{Normalization: raw01, AutoNormalization: tc.auto, OutputKind: classifier.Logits, Threads: 1}}
			out, err := Run(context.Background(), spec)
			if out != nil || !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != classifier.SettingOutputKind {
				t.Fatalf("got %v, want a refusal of the output kind", err)
			}
			msg := err.Error()
			for _, w := range []string{"on the probe images, where its confidences (their softmax) reach at most", tc.want} {
				if !strings.Contains(msg, w) {
					t.Errorf("refusal %q does not say %q", msg, w)
				}
			}
			if tc.avoid != "" && strings.Contains(msg, tc.avoid) {
				t.Errorf("refusal %q says %q", msg, tc.avoid)
			}
			if _, got := fault.SuggestionsOf(err); !slices.Equal(got, []string{"probabilities (scores of one distribution) or sigmoid (independent scores)"}) {
				t.Errorf("refusal offers %q, want probabilities or sigmoid alone", got)
			}
		})
	}
}

// expSoftmaxModel returns a two-class model of 3×8×8 images whose softmax
// is written out as Exp, ReduceSum and Div over the logits 100m and 200m
// of the mean pixel m: class 1 gets 1/(1+e^(-100m)), which reaches 0.99
// from m = 0.046, and exp overflows float32 from m = 0.444, giving Inf/Inf,
// NaN, for most images. Class 0 is never fooled.
func expSoftmaxModel() onnxtest.Model {
	m := onnxtest.Classifier([]int64{-1, 3, 8, 8}, 2, "").Scaled(100).Then("Exp", nil)
	last := &m.Nodes[len(m.Nodes)-1]
	last.Outputs = []string{"exp"}
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "class_axis", Dims: []int64{1}, Int64s: []int64{1}})
	m.Nodes = append(m.Nodes,
		onnxtest.Node{Op: "ReduceSum", Inputs: []string{"exp", "class_axis"}, Outputs: []string{"sum"}},
		onnxtest.Node{Op: "Div", Inputs: []string{"exp", "sum"}, Outputs: []string{"scores"}})
	return m
}

// TestNonFiniteVerdict runs a model whose softmax, written with Exp,
// overflows on most images: its outputs are too often NaN to pass it, but
// the class that images with finite outputs fooled fails the gate, and the
// run is a fail whose every report says how many outputs were not finite.
// Allowed that class, the run would pass, and is an error naming the
// overflow and its fix.
func TestNonFiniteVerdict(t *testing.T) {
	path := filepath.Join(t.TempDir(), "exp-softmax.onnx")
	if err := os.WriteFile(path, expSoftmaxModel().Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	raw01, err := classifier.Preset("raw01")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		allowed string
		want    gate.Verdict
	}{{"0", gate.Fail}, {"1", gate.Error}} {
		t.Run("max-fooled "+tc.allowed, func(t *testing.T) {
			spec := demoSpec(t)
			spec.Model = Model{Path: path, Preset: "raw01", Runtime: runtimeVersion, Options: classifier.Options{Normalization: raw01, Threads: 1}}
			spec.TrustPreprocessing = true
			if spec.MaxFooled, err = gate.ParseMaxFooled(tc.allowed); err != nil {
				t.Fatal(err)
			}
			spec.Formats = []string{report.FormatJSON, report.FormatMarkdown, report.FormatJUnit, report.FormatSARIF, report.FormatHTML}
			out, err := Run(context.Background(), spec)
			if out == nil {
				t.Fatalf("no outcome: %v", err)
			}
			res := out.Result
			if out.Verdict != tc.want || res.Fooled != 1 || res.NonFiniteOutputs == 0 {
				t.Fatalf("verdict %s, %d fooled, %d non-finite outputs (error %q); want %s, class 1 fooled, NaN counted", out.Verdict, res.Fooled, res.NonFiniteOutputs, res.Error, tc.want)
			}
			if !strings.Contains(res.NonFiniteError, "NaN or infinite") || !strings.Contains(res.NonFiniteError, "export the softmax with the Softmax operator") {
				t.Errorf("non-finite error %q does not say what was not finite and why", res.NonFiniteError)
			}
			if _, ok := errors.AsType[*classifier.NonFiniteError](out.SearchErr); !ok {
				t.Errorf("search error %v, want a *classifier.NonFiniteError", out.SearchErr)
			}
			if tc.want == gate.Fail {
				if err != nil || res.Error != "" || len(res.FailedBy) != 1 {
					t.Errorf("a fail returned %v with error %q, failed by %q", err, res.Error, res.FailedBy)
				}
			} else if !errors.Is(err, fault.Model) || res.Error != res.NonFiniteError {
				t.Errorf("an error returned %v (%v) with error %q; want the non-finite outputs as a model fault", err, fault.KindOf(err), res.Error)
			}
			// One figure, in images of the evaluations, with the cause
			// and its fix, in every format: the fail's reports say it
			// in a note, the error's in their headline.
			n := strconv.FormatInt(res.NonFiniteOutputs, 10)
			figure := fmt.Sprintf("for %d of %d images evaluated", res.NonFiniteOutputs, res.Evaluations)
			if !strings.Contains(res.NonFiniteError, figure) {
				t.Errorf("non-finite error %q does not say %q", res.NonFiniteError, figure)
			}
			for file, want := range map[string]string{
				"report.json":  `"non_finite_outputs": ` + n,
				"report.md":    figure,
				"report.html":  figure,
				"junit.xml":    figure,
				"report.sarif": figure,
			} {
				b, err := os.ReadFile(filepath.Join(spec.ReportDir, file))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(b), want) {
					t.Errorf("%s does not say %q", file, want)
				}
				if file != "report.json" && !strings.Contains(string(b), "Softmax operator") {
					t.Errorf("%s does not name the fix", file)
				}
			}
		})
	}
}

// TestBaselineNotTested: a baseline report.json of a run that did not test
// its model is refused, also when the classes it fooled made it a fail
// despite outputs too often not finite, which records no error.
func TestBaselineNotTested(t *testing.T) {
	for name, change := range map[string]func(*report.Result){
		"error": func(r *report.Result) { r.Error, r.Verdict = "the model failed", gate.Error },
		"non-finite outputs": func(r *report.Result) {
			r.NonFiniteError = "the model's outputs were NaN or infinite for 9 of 500 scored images"
		},
	} {
		t.Run(name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1})
			change(res)
			dir := t.TempDir()
			if _, err := report.WriteFiles(dir, res, []string{report.FormatJSON}, report.WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			_, err := readBaseline(filepath.Join(dir, "report.json"))
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingBaseline || !strings.Contains(err.Error(), "did not test its model") {
				t.Fatalf("got %v, want the baseline refused as untested", err)
			}
		})
	}
}

// TestRunBaselineInReportDir: a run whose --baseline is the report.json
// it would write is refused before the search, and the baseline is left
// as it was.
func TestRunBaselineInReportDir(t *testing.T) {
	spec := demoSpec(t)
	if _, err := report.WriteFiles(spec.ReportDir, reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 1}), []string{report.FormatJSON}, report.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	spec.Baseline = filepath.Join(spec.ReportDir, report.JSONFile)
	before, err := os.ReadFile(spec.Baseline)
	if err != nil {
		t.Fatal(err)
	}
	searched := false
	spec.Hooks.Search = func(Search) (func(attack.Progress), func()) {
		searched = true
		return nil, func() {}
	}
	out, err := Run(context.Background(), spec)
	if out != nil || !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "would be replaced by this run's") {
		t.Fatalf("got %v, want the baseline refused as the run's own report.json", err)
	}
	if searched {
		t.Error("searched before refusing")
	}
	if after, err := os.ReadFile(spec.Baseline); err != nil || !bytes.Equal(after, before) {
		t.Errorf("the baseline changed (%v)", err)
	}
}

// TestMergeNonFinite merges a shard whose outputs were too often not
// finite, which ended in error for fooling none of its classes, with one
// that fooled its class: the merged run is a fail, as a whole run would
// be, and keeps the first shard's reason, which stops a merged pass.
func TestMergeNonFinite(t *testing.T) {
	const why = "the model's outputs were NaN or infinite for 9 of 500 scored images"
	for _, tc := range []struct {
		name string
		// fooled is how many classes the second shard fooled.
		fooled int
		want   gate.Verdict
	}{{"a class fooled", 1, gate.Fail}, {"no class fooled", 0, gate.Error}} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := mergeTwoShards(t, tc.fooled, func(r *report.Result) { r.NonFiniteError = why }, nil)
			res := out.Result
			if out.Verdict != tc.want || res.NonFiniteError != "shard 1/2: "+why {
				t.Fatalf("merged verdict %s, non-finite error %q (error %q, %v); want %s and shard 1's reason", out.Verdict, res.NonFiniteError, res.Error, err, tc.want)
			}
			if want := map[gate.Verdict]string{gate.Error: res.NonFiniteError}[tc.want]; res.Error != want {
				t.Errorf("merged error %q, want %q", res.Error, want)
			}
		})
	}
}

// TestMergeGateReasons merges a shard that was interrupted having fooled
// nothing (verdict error) with one that fooled its class (fail): the
// merged run is a fail, as one run of the same findings is, since only a
// failure of a shard's run is carried, not a reason its gate derived. A
// shard whose model failed keeps the merged run in error, also in a report
// of a build that wrote the failure only into error.
func TestMergeGateReasons(t *testing.T) {
	none, err := gate.ParseMaxFooled("0")
	if err != nil {
		t.Fatal(err)
	}
	const failed = "the model failed: node Conv_3 returned an error"
	for _, tc := range []struct {
		name string
		// first changes the first shard's result before its gate.
		first func(*report.Result)
		// written changes the first shard's result after its gate, as
		// an older build would have written it.
		written   func(*report.Result)
		want      gate.Verdict
		wantError string
	}{
		{name: "interrupted", first: func(r *report.Result) { r.Interrupted = true }, want: gate.Fail},
		{name: "too few evaluations", first: func(r *report.Result) { r.Evaluations = 1 }, want: gate.Fail},
		{name: "model failed", first: func(r *report.Result) { r.RunError, r.StoppedReason = failed, attack.StoppedError }, want: gate.Error, wantError: "shard 1/2: " + failed},
		{name: "model failed, an older build's report", first: func(r *report.Result) { r.RunError, r.StoppedReason = failed, attack.StoppedError },
			written: func(r *report.Result) { r.RunError = "" }, want: gate.Error, wantError: "shard 1/2: " + failed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := mergeTwoShards(t, 1, tc.first, func(r *report.Result) {
				if r.Verdict != gate.Error {
					t.Fatalf("shard 1: verdict %s, want error", r.Verdict)
				}
				if tc.written != nil {
					tc.written(r)
				}
			})
			res := out.Result
			if out.Verdict != tc.want || res.Error != tc.wantError {
				t.Fatalf("merged verdict %s, error %q (%v); want %s, error %q", out.Verdict, res.Error, err, tc.want, tc.wantError)
			}
			if tc.want == gate.Fail && (err != nil || !slices.Equal(res.FailedBy, []string{report.FailedByFooled})) {
				t.Errorf("a merged fail returned %v, failed by %q", err, res.FailedBy)
			}
			// The same findings in one run of both classes.
			whole := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1})
			tc.first(whole)
			if v, err := gate.Evaluate(whole, 0.99, none, gate.FailOnFooled); err != nil || v != tc.want {
				t.Errorf("one run of the same findings: verdict %s, %v; want %s", v, err, tc.want)
			}
		})
	}
}

// TestMergeStarvedShard: a merge keeps each shard's evaluations and its
// own target count, and a shard stopped by its time budget after 3
// evaluations for its 50 classes keeps the merge from passing however many
// the other made; the merged reports name that shard and its fix. A merged
// report.json written before the shards' runs were kept still loads.
func TestMergeStarvedShard(t *testing.T) {
	none, err := gate.ParseMaxFooled("0")
	if err != nil {
		t.Fatal(err)
	}
	const n, count = 100, 2
	var dirs []string
	for i := 1; i <= count; i++ {
		res := reporttest.New(t, reporttest.Options{Classes: n, HistoryLen: 3})
		res.Shard = &report.Shard{Index: i, Count: count}
		res.TargetClasses = make([]int, n)
		res.Config.PreprocessingUnchecked = true
		for j := range res.Classes {
			res.TargetClasses[j] = j
			res.Classes[j].Confidence = 0.1
			if j%count+1 == i {
				res.Shard.Searched = append(res.Shard.Searched, j)
			}
		}
		res.Evaluations, res.StoppedReason = 5000, "budget"
		if i == 2 {
			res.Evaluations = 3
		}
		if _, err := gate.Evaluate(res, 0.99, none, gate.FailOnFooled); err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "shard")
		if _, err := report.WriteFiles(dir, res, []string{report.FormatJSON}, report.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	merged := filepath.Join(t.TempDir(), "merged")
	formats := []string{report.FormatJSON, report.FormatJUnit, report.FormatSARIF, report.FormatMarkdown}
	out, err := Merge(context.Background(), MergeSpec{Dirs: dirs, ReportDir: merged, Formats: formats})
	if out == nil {
		t.Fatalf("no outcome: %v", err)
	}
	const want = "shard 2/2 made only 3 model evaluations (its search stopped: budget), fewer than the 100 a pass needs of each shard"
	const fix = "give the shards a longer time budget"
	if out.Verdict != gate.Error || !strings.Contains(out.Result.Error, want) || !strings.Contains(out.Result.Error, fix) || !errors.Is(err, fault.Environment) {
		t.Fatalf("merged verdict %s, error %q (%v); want error saying %q and %q", out.Verdict, out.Result.Error, err, want, fix)
	}
	for _, f := range []string{report.JSONFile, "junit.xml", "report.sarif", "report.md"} {
		b, err := os.ReadFile(filepath.Join(merged, f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "shard 2/2 made only 3 model evaluations") || !strings.Contains(string(b), fix) {
			t.Errorf("%s does not name the starved shard and its fix", f)
		}
	}
	back, err := report.LoadJSON(merged)
	if err != nil {
		t.Fatal(err)
	}
	wantRuns := []report.ShardRun{{Index: 1, Targets: 50, Evaluations: 5000, StoppedReason: "budget"}, {Index: 2, Targets: 50, Evaluations: 3, StoppedReason: "budget"}}
	if !slices.Equal(back.Shard.Runs, wantRuns) {
		t.Errorf("merged report.json keeps the shards' runs %+v, want %+v", back.Shard.Runs, wantRuns)
	}

	// An older merged report, without the shards' runs, loads.
	path := filepath.Join(merged, report.JSONFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc["shard"].(map[string]any), "runs")
	if b, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	old, err := report.LoadJSON(merged)
	if err != nil {
		t.Fatalf("a merged report.json without the shards' runs: %v", err)
	}
	if old.Shard == nil || old.Shard.Runs != nil || !slices.Equal(old.Shard.Merged, []int{1, 2}) {
		t.Errorf("the older merged report loads with shard %+v", old.Shard)
	}
}

// TestBudgetUsedCountsOpening: the time a run records as used of its
// budget counts what the budget counts, opening the model as well as the
// search, and no more than the run took.
func TestBudgetUsedCountsOpening(t *testing.T) {
	spec := demoSpec(t)
	spec.Formats = []string{report.FormatJSON}
	start := time.Now()
	out, err := Run(context.Background(), spec)
	took := time.Since(start).Seconds()
	if err != nil {
		t.Fatal(err)
	}
	res := out.Result
	if res.OpenSeconds <= 0 || res.BudgetUsedSeconds < res.OpenSeconds+res.ElapsedSeconds-1e-3 || res.BudgetUsedSeconds > took {
		t.Errorf("budget used %.3f s, opening %.3f s, searching %.3f s, run %.3f s: want at least opening and searching, at most the run",
			res.BudgetUsedSeconds, res.OpenSeconds, res.ElapsedSeconds, took)
	}
}

// mergeTwoShards merges the reports of the two shards of a 2-class run,
// each gated with none allowed: the second shard searched class 0 and
// fooled it when fooled is 1; the first searched class 1, changed by first
// before its gate and by written (nil: not) after it, as its report.json
// holds it.
func mergeTwoShards(t *testing.T, fooled int, first, written func(*report.Result)) (*Outcome, error) {
	t.Helper()
	out, err := Merge(context.Background(), MergeSpec{Dirs: twoShards(t, fooled, first, written), ReportDir: filepath.Join(t.TempDir(), "merged"), Formats: []string{report.FormatJSON}})
	if out == nil {
		t.Fatalf("no outcome: %v", err)
	}
	return out, err
}

// twoShards writes the report.json of each of mergeTwoShards' shards and
// returns their directories.
func twoShards(t *testing.T, fooled int, first, written func(*report.Result)) []string {
	t.Helper()
	none, err := gate.ParseMaxFooled("0")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for i := range 2 {
		res := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: fooled * i})
		slices.Reverse(res.Classes)
		res.Shard = &report.Shard{Index: i + 1, Count: 2, Searched: []int{1 - i}}
		res.TargetClasses = []int{1, 0}
		if i == 0 {
			first(res)
		}
		if _, err := gate.Evaluate(res, 0.99, none, gate.FailOnFooled); err != nil {
			t.Fatal(err)
		}
		if i == 0 && written != nil {
			written(res)
		}
		dir := filepath.Join(t.TempDir(), "shard")
		if _, err := report.WriteFiles(dir, res, []string{report.FormatJSON}, report.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}

// TestMergeRefusesOtherScoreVersion: shards of another score version are
// refused, not re-scored with this version's definition and relabelled
// with it.
func TestMergeRefusesOtherScoreVersion(t *testing.T) {
	dirs := twoShards(t, 1, func(*report.Result) {}, func(r *report.Result) { r.ScoreVersion = score.Version - 1 })
	out, err := Merge(context.Background(), MergeSpec{Dirs: dirs, ReportDir: filepath.Join(t.TempDir(), "merged"), Formats: []string{report.FormatJSON}})
	want := fmt.Sprintf("records score version %d, and this fooltest scores with version %d", score.Version-1, score.Version)
	if out != nil || !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "merge the shards with the fooltest version that ran them, or run them again") {
		t.Fatalf("merged shards of another score version: %v, want a refusal with %q and the fix", err, want)
	}
	// Shards of this version still merge.
	if _, err := mergeTwoShards(t, 1, func(*report.Result) {}, nil); err != nil {
		t.Fatalf("shards of this score version: %v", err)
	}
}

// TestBaselineStoppedRefusal: a baseline report whose search stopped
// before its evaluation budget is refused naming what stopped it, with no
// fix of its own, and suggests the reason, from which the front end gives
// the one fix that fits.
func TestBaselineStoppedRefusal(t *testing.T) {
	for _, reason := range []string{attack.StoppedCanceled, "budget"} {
		base := &report.Result{StoppedReason: reason, EvaluationBudget: 3000, ScoreVersion: score.Version}
		err := baselineRefusal("base.json", gate.CheckBaseline(&report.Result{}, base, false), base, 10)
		setting, suggested := fault.SuggestionsOf(err)
		want := "baseline base.json: the baseline's search stopped (" + reason + ") before its evaluation budget of 3000, so its score is not comparable"
		if !errors.Is(err, fault.Invalid) || err.Error() != want || setting != SettingBaselineStopped || !slices.Equal(suggested, []string{reason}) {
			t.Errorf("stopped (%s): %v, setting %q, suggested %q; want %q from %q suggesting the reason", reason, err, setting, suggested, want, SettingBaselineStopped)
		}
	}
}

// TestBaselineUncappedRefusal: a baseline report searched without an
// evaluation cap is refused naming its own setting, which suggests this
// run's cap, whatever else differs: matching the baseline's settings would
// mean --max-evals 0, which a comparison refuses.
func TestBaselineUncappedRefusal(t *testing.T) {
	for _, tc := range []struct {
		name             string
		candCap, baseCap int64
		repeats          int
		setting          fault.Setting
		suggest          []string
	}{
		{"uncapped baseline", 3000, 0, 5, SettingBaselineUncapped, []string{"3000"}},
		{"uncapped baseline, the cap alone differs", 500, 0, 1, SettingBaselineUncapped, []string{"500"}},
		{"another cap", 3000, 2000, 5, SettingBaselineSettings, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cand := &report.Result{ScoreVersion: score.Version, ScoreComparable: true, Config: report.Config{MaxEvals: tc.candCap, Repeats: tc.repeats}}
			base := &report.Result{ScoreVersion: score.Version, ScoreComparable: true, Config: report.Config{MaxEvals: tc.baseCap, Repeats: 1}}
			err := baselineRefusal("base.json", gate.CheckBaseline(cand, base, false), base, 10)
			setting, suggested := fault.SuggestionsOf(err)
			if !errors.Is(err, fault.Invalid) || setting != tc.setting || !slices.Equal(suggested, tc.suggest) {
				t.Errorf("got %v, setting %q, suggested %q; want %q suggesting %q", err, setting, suggested, tc.setting, tc.suggest)
			}
		})
	}
}

// TestBaselineOutputKindRefusal: a baseline report whose outputs were read
// as the other family is refused naming its own setting, so that the front
// end names --output-kind, and suggests the baseline's kind when a run can
// set it; another difference beside it gets the general fix.
func TestBaselineOutputKindRefusal(t *testing.T) {
	for _, tc := range []struct {
		name, cand, base string
		other            bool
		setting          fault.Setting
		suggest          []string
	}{
		{"sigmoid baseline", "probabilities", "sigmoid", false, SettingBaselineOutputKind, []string{"sigmoid"}},
		{"distribution baseline", "multilabel-logits", "logits", false, SettingBaselineOutputKind, []string{"logits"}},
		{"a kind no run sets", "sigmoid", "softmax", false, SettingBaselineOutputKind, nil},
		{"another difference too", "probabilities", "sigmoid", true, SettingBaselineSettings, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cand := &report.Result{ScoreVersion: score.Version, ScoreComparable: true, Model: report.Model{OutputKind: tc.cand}}
			base := &report.Result{ScoreVersion: score.Version, ScoreComparable: true, Model: report.Model{OutputKind: tc.base}}
			if tc.other {
				base.Config.Threshold = 0.5
			}
			err := baselineRefusal("base.json", gate.CheckBaseline(cand, base, false), base, 10)
			setting, suggested := fault.SuggestionsOf(err)
			want := "output kind " + tc.cand + " (baseline " + tc.base + ")"
			if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), want) || setting != tc.setting || !slices.Equal(suggested, tc.suggest) {
				t.Errorf("got %v, setting %q, suggested %q; want %q from %q suggesting %q", err, setting, suggested, want, tc.setting, tc.suggest)
			}
		})
	}
}

// TestReportErrorOneCause: the writers' errors, joined per format and
// again per image, end in one line with the first cause and the count of
// all, not every image's message.
func TestReportErrorOneCause(t *testing.T) {
	denied := &fs.PathError{Op: "open", Path: "/r/images/.1-1.png.1.tmp", Err: syscall.EACCES}
	images := errors.Join(
		fmt.Errorf("image of class 1: writing /r/images/1-1.png: %w", denied),
		fmt.Errorf("image of class 2: writing /r/images/2-2.png: %w", &fs.PathError{Op: "open", Path: "/r/images/.2-2.png.2.tmp", Err: syscall.EACCES}),
	)
	err := reportError("/r", errors.Join(fmt.Errorf("report: images: %w", images), fmt.Errorf("report: json: %w", syscall.ENOSPC)))
	want := "writing reports to /r: permission denied in /r/images (2 reports not written): check the free space and permissions of the report directory"
	if err == nil || err.Error() != want || !errors.Is(err, fault.Environment) {
		t.Errorf("got %v, want %q as an environment failure", err, want)
	}
}
