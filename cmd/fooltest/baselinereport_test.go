package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/score"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// baselineRun are the settings of the runs of TestBaselineReportRefusals,
// quick on the small models it writes (a fixed batch: no tuning). The
// models' random weights barely move on a few classes, which the gate
// would take for a search that never moved them: the checks are off.
var baselineRun = []string{"run", "--preset", "raw01", "--threshold", "0.3", "--max-evals", "300", "--repeats", "1", "--quiet", "--format", "json", "--threads", "1", "--batch", "8", "--preprocessing-check=false"}

// runOf runs fooltest with baselineRun and args into a new report
// directory, and returns the result and the directory.
func runOf(t *testing.T, args ...string) (result, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rep")
	return runMain(t, nil, append(append(slices.Clone(baselineRun), args...), "--report-dir", dir)...), dir
}

// accepted reports whether r compared its model with the baseline: the
// run was neither refused nor failed to test its model.
func accepted(r result) bool {
	return r.code == exitcode.Pass || r.code == exitcode.GateFailed
}

// suggestedClasses returns the --classes value that a refusal suggests.
func suggestedClasses(t *testing.T, stderr string) string {
	t.Helper()
	m := regexp.MustCompile(`--classes ([0-9]+(?:-[0-9]+)?(?:,[0-9]+(?:-[0-9]+)?)*)`).FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("the refusal suggests no --classes: %s", stderr)
	}
	return m[1]
}

// TestBaselineReportRefusals: a baseline report is compared on the classes
// it searched, however --classes named them; each refusal says a fix that
// a run can follow, and following it is accepted.
func TestBaselineReportRefusals(t *testing.T) {
	seven := writeModel(t, "seven.onnx", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 7, "Softmax"))
	ten := writeModel(t, "ten.onnx", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "Softmax"))
	baseReport := func(t *testing.T, args ...string) string {
		t.Helper()
		r, dir := runOf(t, args...)
		if !accepted(r) {
			t.Fatalf("baseline run %q: exit %d: %s", args, r.code, r.stderr)
		}
		return filepath.Join(dir, "report.json")
	}
	tenAll := baseReport(t, "--model", ten)
	sevenAll := baseReport(t, "--model", seven)

	t.Run("the same classes named otherwise", func(t *testing.T) {
		for _, classes := range []string{"0-9", "0,1,2,3,4,5,6,7,8,9", "all"} {
			if r, _ := runOf(t, "--model", ten, "--baseline", tenAll, "--classes", classes); !accepted(r) {
				t.Errorf("--classes %s against a baseline of all 10 classes: exit %d: %s", classes, r.code, r.stderr)
			}
		}
	})

	t.Run("a baseline of fewer classes", func(t *testing.T) {
		r, _ := runOf(t, "--model", ten, "--baseline", sevenAll)
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "classes 0-9 (baseline 0-6)") {
			t.Fatalf("exit %d, want 2 naming both sets of classes: %s", r.code, r.stderr)
		}
		classes := suggestedClasses(t, r.stderr)
		if r, _ := runOf(t, "--model", ten, "--baseline", sevenAll, "--classes", classes); !accepted(r) {
			t.Errorf("the suggested --classes %s: exit %d: %s", classes, r.code, r.stderr)
		}
	})

	t.Run("a baseline of classes the model lacks", func(t *testing.T) {
		r, _ := runOf(t, "--model", seven, "--baseline", tenAll)
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "has no class 7-9 of them") {
			t.Fatalf("exit %d, want 2 naming the classes the model lacks: %s", r.code, r.stderr)
		}
		classes := suggestedClasses(t, r.stderr)
		// Either way the refusal offers: the baseline model searched on
		// those classes, or a report of it searched on them.
		if r, _ := runOf(t, "--model", seven, "--baseline", ten, "--classes", classes); !accepted(r) {
			t.Errorf("the baseline model with the suggested --classes %s: exit %d: %s", classes, r.code, r.stderr)
		}
		report := baseReport(t, "--model", ten, "--classes", classes)
		if r, _ := runOf(t, "--model", seven, "--baseline", report); !accepted(r) {
			t.Errorf("a baseline report of the suggested --classes %s: exit %d: %s", classes, r.code, r.stderr)
		}
	})

	t.Run("a baseline of another output kind", func(t *testing.T) {
		// The same softmax outputs, read as independent scores for the
		// baseline: the refusal names the baseline's kind and the flag
		// that sets it, in the Action as its input, and following it is
		// accepted.
		sigmoid := baseReport(t, "--model", ten, "--output-kind", "sigmoid")
		r, _ := runOf(t, "--model", ten, "--baseline", sigmoid)
		want := "if the model's outputs are of the kind the baseline's were read as, pass --output-kind sigmoid"
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "output kind probabilities (baseline sigmoid)") || !strings.Contains(r.stderr, want) ||
			strings.Contains(r.stderr, "run with the baseline's settings") || strings.Count(strings.TrimSpace(r.stderr), "\n") > 0 {
			t.Fatalf("exit %d, want 2 and one line naming the baseline's output kind and --output-kind sigmoid: %s", r.code, r.stderr)
		}
		if got := actions.InInputs(r.stderr); !strings.Contains(got, "set the output-kind input to sigmoid") || strings.Contains(got, "--output-kind") {
			t.Errorf("in the Action's words the refusal does not name the output-kind input: %s", got)
		}
		if r, _ := runOf(t, "--model", ten, "--baseline", sigmoid, "--output-kind", "sigmoid"); !accepted(r) {
			t.Errorf("the suggested --output-kind sigmoid: exit %d: %s", r.code, r.stderr)
		}
		// The other way round: a baseline of one distribution.
		r, _ = runOf(t, "--model", ten, "--baseline", tenAll, "--output-kind", "sigmoid")
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "pass --output-kind probabilities") {
			t.Errorf("exit %d, want 2 and --output-kind probabilities: %s", r.code, r.stderr)
		}
	})

	t.Run("another version's report", func(t *testing.T) {
		// A search of another version (or of a fooltest from before the
		// version was recorded, which wrote none) finds other costs for
		// the same model.
		for _, field := range []string{"score_version", "generation", "search_version", "no search_version"} {
			path := edited(t, tenAll, func(rep map[string]any) {
				config := rep["config"].(map[string]any)
				switch field {
				case "generation":
					config["generation"] = 32
				case "search_version":
					config["search_version"] = attack.SearchVersion + 1
				case "no search_version":
					delete(config, "search_version")
				default:
					rep["score_version"] = 1
				}
			})
			r, _ := runOf(t, "--model", ten, "--baseline", path)
			if r.code != exitcode.Usage || !strings.Contains(r.stderr, "search the baseline model again with this version of fooltest") ||
				strings.Contains(r.stderr, "run with the baseline's settings") {
				t.Errorf("%s: exit %d, want 2 and to search the baseline again: %s", field, r.code, r.stderr)
			}
		}
		if r, _ := runOf(t, "--model", ten, "--baseline", ten); !accepted(r) {
			t.Errorf("the baseline model itself: exit %d: %s", r.code, r.stderr)
		}
	})

	t.Run("a malformed report", func(t *testing.T) {
		// Refused as no run wrote it, not read for a score or a fix.
		trailing := filepath.Join(t.TempDir(), "report.json")
		b, err := os.ReadFile(tenAll)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(trailing, append(append(b, '\n'), b...), 0o644); err != nil {
			t.Fatal(err)
		}
		// Larger than fooltest writes for the report's 10 classes (16 MiB
		// and 64 KiB a class), as a hostile artifact may be: refused
		// before it is read.
		padded := filepath.Join(t.TempDir(), "padded.json")
		if err := os.WriteFile(padded, append(b, strings.Repeat(" ", 18<<20)...), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ path, want string }{
			{edited(t, tenAll, func(rep map[string]any) {
				rep["classes"].([]any)[4].(map[string]any)["evaluations_to_threshold"] = -5
			}), "class 4 has a negative evaluations_to_threshold (-5)"},
			{edited(t, tenAll, func(rep map[string]any) { rep["classes"].([]any)[3].(map[string]any)["index"] = 2 }), "class 2 is listed twice"},
			{trailing, "it holds more after the report's JSON object"},
			{padded, "bytes, over the 17433216 bytes a report.json of 10 classes may have: fooltest writes none so large"},
			// A number of a megabyte where a count goes: its message
			// quotes a line's worth of it.
			{edited(t, tenAll, func(rep map[string]any) {
				rep["evaluations"] = json.Number(strings.Repeat("9", 1<<20))
			}), "cannot unmarshal number 9999"},
		} {
			r, _ := runOf(t, "--model", ten, "--baseline", tc.path)
			if r.code != exitcode.Usage || !strings.Contains(r.stderr, tc.path) || !strings.Contains(r.stderr, tc.want) ||
				strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || strings.Contains(r.stderr, "--classes") || len(r.stderr) > 1000 {
				t.Errorf("exit %d, stderr %q; want 2 and one line naming the file and %q", r.code, r.stderr, tc.want)
			}
		}
	})

	t.Run("a merged report", func(t *testing.T) {
		var shards []string
		for _, i := range []string{"1", "2", "3"} {
			shards = append(shards, baseReport(t, "--model", ten, "--shard", i+"/3"))
		}
		merged := filepath.Join(t.TempDir(), "merged")
		if r := runMain(t, nil, "merge", filepath.Dir(shards[0]), filepath.Dir(shards[1]), filepath.Dir(shards[2]), "--report-dir", merged); !accepted(r) {
			t.Fatalf("merging the baseline's shards: exit %d: %s", r.code, r.stderr)
		}
		for _, args := range [][]string{nil, {"--shard", "2/3"}} {
			r, _ := runOf(t, append([]string{"--model", ten, "--baseline", filepath.Join(merged, "report.json")}, args...)...)
			if r.code != exitcode.Usage || !strings.Contains(r.stderr, "run the model in 3 shards as the baseline was, each with --shard I/3 and --baseline set to the baseline's own shard I report.json, then merge them") {
				t.Errorf("%q against a merged baseline: exit %d, want 2 and the shards' route: %s", args, r.code, r.stderr)
			}
		}
		// The route it names: each shard against the baseline's, merged.
		var dirs []string
		for i, s := range shards {
			r, dir := runOf(t, "--model", ten, "--shard", string(rune('1'+i))+"/3", "--baseline", s)
			if !accepted(r) {
				t.Fatalf("shard %d/3 against the baseline's: exit %d: %s", i+1, r.code, r.stderr)
			}
			dirs = append(dirs, dir)
		}
		out := filepath.Join(t.TempDir(), "candidate")
		if r := runMain(t, nil, "merge", dirs[0], dirs[1], dirs[2], "--report-dir", out); !accepted(r) || !strings.Contains(r.stdout, "baseline: ") {
			t.Errorf("merging the compared shards: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
		}
		r, _ := runOf(t, "--model", ten, "--baseline", shards[1])
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "shard all (baseline 2/3): give --baseline the report.json of a baseline run of the same part of the targets") {
			t.Errorf("a whole run against a shard: exit %d: %s", r.code, r.stderr)
		}

		// Merged without shard 2, the gate judges the shards present: the
		// score and the comparison count only the classes searched.
		partial := filepath.Join(t.TempDir(), "partial")
		if r := runMain(t, nil, "merge", dirs[0], dirs[2], "--allow-missing-shards", "--format", "json,markdown", "--report-dir", partial); !accepted(r) {
			t.Fatalf("merging shards 1 and 3: exit %d: %s", r.code, r.stderr)
		}
		res := readResult(t, partial)
		var searched []int64
		for i, c := range res.Classes {
			switch {
			case c.NotSearched && res.Baseline.Classes[i].LogRatio != 0:
				t.Errorf("class %d, not searched, has a log ratio %v", c.Index, res.Baseline.Classes[i].LogRatio)
			case c.NotSearched:
			case c.EvaluationsToThreshold != nil:
				searched = append(searched, *c.EvaluationsToThreshold)
			default:
				searched = append(searched, score.Censored)
			}
		}
		if want := score.Of(searched, res.EvaluationBudget); len(searched) != 7 || res.Score != want {
			t.Errorf("score %v over %d classes searched, want %v over 7", res.Score, len(searched), want)
		}
		if md, err := os.ReadFile(filepath.Join(partial, "report.md")); err != nil || !strings.Contains(string(md), "the score and the comparison with the baseline count only the 7 classes searched") {
			t.Errorf("report.md does not say what the score counts (%v)", err)
		}
	})
}

// edited writes a copy of the report.json at path changed by edit, and
// returns the copy's path.
func edited(t *testing.T, path string, edit func(map[string]any)) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	edit(rep)
	if b, err = json.Marshal(rep); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}
