package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/pipeline"
	"github.com/fooltest/fooltest/internal/report"
)

// shardArgs are the settings every shard of the tests' runs shares.
var shardArgs = []string{"run", "--max-evals", "800", "--budget", "60s", "--threshold", "0.9", "--threads", "1", "--quiet",
	"--max-fooled", "100%", "--format", "json,markdown,sarif,images", "--seed", "3"}

// runShard runs shard i/n of the demo with shardArgs and extra flags into a
// new report directory and returns it.
func runShard(t *testing.T, shard string, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "shard")
	args := append(slices.Clone(shardArgs), "--shard", shard, "--report-dir", dir)
	if r := runMain(t, nil, append(args, extra...)...); r.code != exitcode.Pass {
		t.Fatalf("shard %s: exit %d: %s", shard, r.code, r.stderr)
	}
	return dir
}

func readResult(t *testing.T, dir string) *report.Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var res report.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// TestShardFlagRefusals: every bad --shard ends with exit 2 and one line.
func TestShardFlagRefusals(t *testing.T) {
	tests := []struct{ shard, want string }{
		{"2", "give I/N"},
		{"a/b", "give I/N"},
		{"0/2", "give I from 1"},
		{"3/2", "give I from 1"},
		{"1/0", "give N from 1"},
		{"1/257", "give N from 1 to 256"},
	}
	for _, tc := range tests {
		t.Run(tc.shard, func(t *testing.T) {
			r := runMain(t, nil, "run", "--shard", tc.shard, "--report-dir", t.TempDir())
			if r.code != exitcode.Usage || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("exit %d, stderr %q; want 2 and one line with %q", r.code, r.stderr, tc.want)
			}
		})
	}
	t.Run("a shard without report.json", func(t *testing.T) {
		// merge reads each shard's report.json: a shard that writes
		// none is refused before it spends its budget.
		dir := filepath.Join(t.TempDir(), "shard")
		r := runMain(t, nil, "run", "--shard", "1/2", "--format", "markdown,images", "--budget", "30s", "--report-dir", dir)
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "shard 1/2 would write no report.json (its formats: markdown, images), which fooltest merge reads each shard's result from: add json to --format") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("exit %d, stderr %q; want 2 and one line naming the json format", r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, report.MarkdownFile)); err == nil {
			t.Error("the refused shard wrote report.md")
		}
	})
	t.Run("more shards than targets", func(t *testing.T) {
		r := runMain(t, nil, "run", "--shard", "1/4", "--classes", "1-3", "--budget", "30s", "--report-dir", t.TempDir())
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "use at most 3 shards") {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
}

func TestShardClasses(t *testing.T) {
	targets := []int{0, 2, 3, 5, 7, 8, 9}
	for _, tc := range []struct {
		i, n int
		want []int
	}{
		{1, 1, targets},
		{1, 3, []int{0, 5, 9}},
		{2, 3, []int{2, 7}},
		{3, 3, []int{3, 8}},
	} {
		got, err := pipeline.ShardClasses(targets, tc.i, tc.n)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("shard %d/%d: %v, %v; want %v", tc.i, tc.n, got, err, tc.want)
		}
	}
}

// TestShardAndMerge runs the demo in three shards and merges them: each
// shard records its part and seed, and the merged report takes per class the
// best image and the fewest evaluations of any shard, adds the evaluations,
// and reads every image back exactly. Without one shard, the merge is an
// error unless --allow-missing-shards, and says what was not searched.
func TestShardAndMerge(t *testing.T) {
	const shardURL = "https://example.com/assets/shard-1"
	dirs := []string{runShard(t, "1/3", "--image-base-url", shardURL), runShard(t, "2/3"), runShard(t, "3/3")}
	shards := make([]*report.Result, 3)
	for i, d := range dirs {
		res := readResult(t, d)
		shards[i] = res
		if res.Shard == nil || res.Shard.Index != i+1 || res.Shard.Count != 3 {
			t.Fatalf("shard %d records %+v", i+1, res.Shard)
		}
		if want := uint64(3 + i*report.ShardSeedStep); res.Shard.Seed != want || res.Config.Seed != 3 {
			t.Errorf("shard %d: seed %d (run seed %d), want %d (3)", i+1, res.Shard.Seed, res.Config.Seed, want)
		}
		want, _ := pipeline.ShardClasses([]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, i+1, 3)
		if !slices.Equal(res.Shard.Searched, want) || len(res.TargetClasses) != 10 || len(res.Classes) != 10 {
			t.Errorf("shard %d searched %v of %v (%d classes), want %v of 10", i+1, res.Shard.Searched, res.TargetClasses, len(res.Classes), want)
		}
	}

	out := filepath.Join(t.TempDir(), "merged")
	r := runMain(t, nil, "merge", dirs[0], "--report-dir", out, dirs[1], dirs[2])
	if r.code != exitcode.Pass {
		t.Fatalf("merge: exit %d: %s", r.code, r.stderr)
	}
	m := readResult(t, out)
	if m.Shard == nil || m.Shard.Index != 0 || m.Shard.Count != 3 || !slices.Equal(m.Shard.Merged, []int{1, 2, 3}) || len(m.MissingShards) != 0 {
		t.Fatalf("merged shard %+v, missing %v", m.Shard, m.MissingShards)
	}
	var evals int64
	for _, s := range shards {
		evals += s.Evaluations
	}
	if m.Evaluations != evals || m.Targets != 10 || m.Verdict != "pass" {
		t.Errorf("merged: %d evaluations (want %d), %d targets, verdict %q", m.Evaluations, evals, m.Targets, m.Verdict)
	}
	fooled := 0
	for k, c := range m.Classes {
		best, fewest := 0.0, int64(-1)
		winner := -1
		for i, s := range shards {
			sc := s.Classes[k]
			if sc.Confidence > best {
				best, winner = sc.Confidence, i
			}
			if e := sc.EvaluationsToThreshold; e != nil && (fewest < 0 || *e < fewest) {
				fewest = *e
			}
		}
		if c.Confidence != best {
			t.Errorf("class %d: confidence %v, want the shards' best %v", c.Index, c.Confidence, best)
		}
		if got := c.EvaluationsToThreshold; (got == nil) != (fewest < 0) || got != nil && *got != fewest {
			t.Errorf("class %d: evaluations to the threshold %v, want the fewest %d", c.Index, got, fewest)
		}
		if c.Fooled {
			fooled++
			if c.EvaluationsToThreshold == nil {
				t.Errorf("class %d fooled without a count", c.Index)
			}
		}
		if c.Image != "" {
			got, err := os.ReadFile(filepath.Join(out, c.Image))
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dirs[winner], shards[winner].Classes[k].Image))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("class %d: the merged image differs from shard %d's", c.Index, winner+1)
			}
		}
	}
	if fooled == 0 || m.Fooled != fooled {
		t.Errorf("%d classes fooled, report says %d", fooled, m.Fooled)
	}
	for _, f := range []string{"report.md", "report.sarif"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("merged %s: %v", f, err)
		}
	}
	// The merge opened and searched nothing, and says whose times it shows.
	if want := fmt.Sprintf("s merging and writing the reports (the longest shard: %.1fs opening the model, %.1fs searching):\n", m.OpenSeconds, m.ElapsedSeconds); !strings.Contains(r.stdout, want) {
		t.Errorf("merge stdout lacks %q:\n%s", want, r.stdout)
	}
	// A shard's and a merge's report.md say what they are.
	for dir, want := range map[string]string{
		dirs[0]: fmt.Sprintf("| Shard | 1 of 3: searched %d of the 10 target classes", len(shards[0].Shard.Searched)),
		out:     "| Merged from | shards 1, 2 and 3 of 3",
	} {
		if md, err := os.ReadFile(filepath.Join(dir, report.MarkdownFile)); err != nil || !strings.Contains(string(md), want) {
			t.Errorf("%s/report.md lacks %q (%v)", dir, want, err)
		}
	}

	if got := shards[0].Config.ImageBaseURL; got != shardURL {
		t.Errorf("shard 1 records image base URL %q, want %q", got, shardURL)
	}
	if m.Config.ImageBaseURL != "" {
		t.Errorf("merged report took the image base URL %q of a shard, whose images it does not share", m.Config.ImageBaseURL)
	}

	t.Run("image base URL", func(t *testing.T) {
		const base = "https://example.com/assets/merged"
		out := filepath.Join(t.TempDir(), "merged")
		r := runMain(t, nil, "merge", dirs[0], dirs[1], dirs[2], "--report-dir", out, "--image-base-url", base, "--artifact-url", "https://example.com/a")
		if r.code != exitcode.Pass {
			t.Fatalf("merge: exit %d: %s", r.code, r.stderr)
		}
		m := readResult(t, out)
		if m.Config.ImageBaseURL != base || m.Config.ArtifactURL != "https://example.com/a" {
			t.Errorf("merged report.json records %q and %q", m.Config.ImageBaseURL, m.Config.ArtifactURL)
		}
		md, err := os.ReadFile(filepath.Join(out, report.MarkdownFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range m.Classes {
			if want := `<img src="` + base + "/" + c.Image + `"`; c.Fooled && !bytes.Contains(md, []byte(want)) {
				t.Errorf("merged report.md lacks %s", want)
			}
		}
		if bytes.Contains(md, []byte(shardURL)) {
			t.Error("merged report.md links the shard's images")
		}
	})

	t.Run("missing shard", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "merged")
		r := runMain(t, nil, "merge", dirs[0], dirs[2], "--report-dir", out, "--format", "json,junit,markdown,sarif")
		const want = "fooltest: shard 2 of 3 is missing, so 3 of the 10 target classes were not searched: merge every shard, or pass --allow-missing-shards to gate on the others\n"
		if r.code != exitcode.Environment || r.stderr != want {
			t.Fatalf("exit %d, stderr %q; want 3 and %q", r.code, r.stderr, want)
		}
		if line := "missing     shard 2 of 3: 3 of the 10 target classes not searched\n"; !strings.Contains(r.stdout, line) {
			t.Errorf("stdout lacks %q:\n%s", line, r.stdout)
		}
		m := readResult(t, out)
		if m.Verdict != "error" || !slices.Equal(m.MissingShards, []int{2}) {
			t.Errorf("verdict %q, missing %v", m.Verdict, m.MissingShards)
		}
		// Every report names the flag, as the console does; the Action's
		// input is the Action's words for it, not the command line's.
		const fix = "merge every shard, or pass --allow-missing-shards to gate on the others"
		for _, f := range []string{report.JSONFile, "junit.xml", report.MarkdownFile, "report.sarif"} {
			b, err := os.ReadFile(filepath.Join(out, f))
			text := strings.NewReplacer("&apos;", "'", "&#39;", "'", "&#40;", "(", "&#41;", ")").Replace(string(b))
			if err != nil || !strings.Contains(text, fix) || strings.Contains(text, "the Action's") {
				t.Errorf("%s does not say %q alone (%v):\n%s", f, fix, err, text)
			}
		}
		for _, c := range m.Classes {
			if want := c.Index%3 == 1; c.NotSearched != want {
				t.Errorf("class %d: not searched %v, want %v", c.Index, c.NotSearched, want)
			}
		}
		r = runMain(t, nil, "merge", dirs[0], "--report-dir", out)
		const want2 = "fooltest: shards 2 and 3 of 3 are missing, so 6 of the 10 target classes were not searched: merge every shard, or pass --allow-missing-shards to gate on the others\n"
		if r.code != exitcode.Environment || r.stderr != want2 {
			t.Errorf("exit %d, stderr %q; want 3 and %q", r.code, r.stderr, want2)
		}
		r = runMain(t, nil, "merge", dirs[0], dirs[2], "--report-dir", out, "--allow-missing-shards", "--format", "json,junit,markdown,sarif,html")
		m = readResult(t, out)
		if r.code != exitcode.Pass || m.Verdict != "pass" || !slices.Equal(m.MissingShards, []int{2}) {
			t.Errorf("--allow-missing-shards: exit %d, verdict %q, missing %v: %s", r.code, m.Verdict, m.MissingShards, r.stderr)
		}
		// Every format says what is missing, not only report.json: the
		// demo model is no file, so report.sarif says it in a
		// notification alone.
		const note = "Shard 2 of 3 is missing from this merge, so 3 of the 10 target classes were not searched: classes 1, 4 and 7."
		for _, f := range []string{report.MarkdownFile, "report.html", "report.sarif"} {
			if b, err := os.ReadFile(filepath.Join(out, f)); err != nil || !strings.Contains(string(b), note) {
				t.Errorf("%s lacks %q (%v)", f, note, err)
			}
		}
		b, err := os.ReadFile(filepath.Join(out, "junit.xml"))
		if err != nil {
			t.Fatal(err)
		}
		var doc junit.Testsuites
		if err := xml.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		for i, tc := range doc.Suites[0].Testcases {
			c := m.Classes[i]
			switch {
			case !c.NotSearched:
			case tc.Failure == nil && (tc.Skipped == nil || !strings.HasPrefix(tc.Skipped.Data, "not searched: shard 2 of 3 is missing")):
				t.Errorf("class %d, not searched, is a passing testcase in junit.xml: %+v", c.Index, tc)
			}
		}
	})

	t.Run("into a shard's folder", func(t *testing.T) {
		// The merge must refuse before it writes: shard 1's folder keeps
		// every file as it was.
		before := snapshot(t, dirs[0])
		link := filepath.Join(t.TempDir(), "link")
		if err := os.Symlink(dirs[0], link); err != nil {
			t.Fatal(err)
		}
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(wd, dirs[0])
		if err != nil {
			t.Fatal(err)
		}
		other := filepath.Join(t.TempDir(), "other")
		if err := os.Symlink(dirs[2], other); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			inputs []string
			out    string
		}{
			{"the same path", dirs, dirs[0]},
			{"relative, another spelling", dirs, rel + "/./"},
			{"a symlink to it", dirs, link},
			{"given through a symlink", []string{link, dirs[1], dirs[2]}, dirs[0]},
			{"the last shard, through a symlink", []string{dirs[0], dirs[1], other}, dirs[2]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := runMain(t, nil, append([]string{"merge", "--report-dir", tc.out}, tc.inputs...)...)
				if r.code != exitcode.Usage || !strings.Contains(r.stderr, "replace that shard's report: give --report-dir a folder of its own") ||
					strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || r.stdout != "" {
					t.Errorf("exit %d, stdout %q, stderr %q; want 2 and one line naming the problem and the fix", r.code, r.stdout, r.stderr)
				}
			})
		}
		if after := snapshot(t, dirs[0]); !maps.Equal(before, after) {
			t.Errorf("shard 1's folder changed: %d files before, %d after", len(before), len(after))
		}
	})

	t.Run("action", func(t *testing.T) {
		ws := t.TempDir()
		outputs := filepath.Join(ws, "outputs")
		for i, d := range dirs {
			if err := os.CopyFS(filepath.Join(ws, "shards", "fooltest-shard-"+string(rune('1'+i))), os.DirFS(d)); err != nil {
				t.Fatal(err)
			}
		}
		t.Chdir(ws)
		r := runMain(t, map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws, "GITHUB_OUTPUT": outputs,
			"INPUT_MERGE": "shards/*", "INPUT_REPORT-DIR": "merged", "INPUT_EXPORT-DATASET": "false",
		})
		if r.code != exitcode.Pass {
			t.Fatalf("exit %d; stderr %q", r.code, r.stderr)
		}
		b, err := os.ReadFile(outputs)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"verdict<<", "pass", "targets<<", "merged/report.json"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("step outputs lack %q:\n%s", want, b)
			}
		}
		if m := readResult(t, filepath.Join(ws, "merged")); m.Shard == nil || len(m.Shard.Merged) != 3 {
			t.Errorf("merged shards %+v", m.Shard)
		}

		// A shard missing: the merged reports a person reads name the
		// input that gates on the others, report.json the flag as well.
		for _, i := range []string{"1", "3"} {
			if err := os.CopyFS(filepath.Join(ws, "partial", "fooltest-shard-"+i), os.DirFS(filepath.Join(ws, "shards", "fooltest-shard-"+i))); err != nil {
				t.Fatal(err)
			}
		}
		r = runMain(t, map[string]string{
			"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws, "GITHUB_OUTPUT": outputs,
			"INPUT_MERGE": "partial/*", "INPUT_REPORT-DIR": "partial-merged", "INPUT_FORMAT": "json,junit,markdown,sarif",
		})
		if r.code != exitcode.Environment {
			t.Fatalf("a shard missing: exit %d; stderr %q", r.code, r.stderr)
		}
		const worded = "merge every shard, or set the allow-missing-shards input to true to gate on the others"
		for _, f := range []string{"junit.xml", report.MarkdownFile, "report.sarif", report.JSONFile} {
			b, err := os.ReadFile(filepath.Join(ws, "partial-merged", f))
			if err != nil {
				t.Fatal(err)
			}
			named := strings.Contains(string(b), "--allow-missing-shards")
			if f == report.JSONFile && !named {
				t.Errorf("%s does not keep the merge's own words, which name --allow-missing-shards:\n%s", f, b)
			}
			if f != report.JSONFile && (named || !strings.Contains(string(b), worded)) {
				t.Errorf("%s does not say %q:\n%s", f, worded, b)
			}
		}
	})

	t.Run("refusals", func(t *testing.T) {
		whole := filepath.Join(t.TempDir(), "whole")
		if r := runMain(t, nil, append(slices.Clone(shardArgs), "--report-dir", whole)...); r.code != exitcode.Pass {
			t.Fatalf("whole run: exit %d: %s", r.code, r.stderr)
		}
		other := runShard(t, "1/2")
		threshold := runShard(t, "2/3", "--threshold", "0.95")
		unchecked := runShard(t, "2/3", "--preprocessing-check=false")
		easier := temperedDemo(t, "easier.onnx", 1)
		model := runShard(t, "2/3", "--model", easier, "--output", "tempered")
		labelsFile := func(labels ...string) string {
			path := filepath.Join(t.TempDir(), "labels.txt")
			if err := os.WriteFile(path, []byte(strings.Join(labels, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return path
		}
		cifar := labelsFile("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
		named := []string{runShard(t, "2/3", "--labels", cifar), runShard(t, "3/3", "--labels", cifar)}
		noImages := filepath.Join(t.TempDir(), "noimages")
		if err := os.CopyFS(noImages, os.DirFS(dirs[1])); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(noImages, "images")); err != nil {
			t.Fatal(err)
		}
		// A shard run without the images format wrote none to read back.
		unimaged := runShard(t, "3/3", "--format", "json,markdown")
		t.Run("a shard without images, merged without them", func(t *testing.T) {
			for _, format := range []string{"json,junit,markdown,sarif", "json"} {
				if r := runMain(t, nil, "merge", dirs[0], dirs[1], unimaged, "--format", format, "--report-dir", filepath.Join(t.TempDir(), "m")); r.code != exitcode.Pass {
					t.Errorf("--format %s: exit %d: %s", format, r.code, r.stderr)
				}
			}
		})
		tests := []struct {
			name string
			args []string
			want string
		}{
			{"no directories", nil, "needs the shards' report directories"},
			{"duplicate shard", []string{dirs[0], dirs[1], dirs[1]}, "given twice"},
			{"different N", []string{dirs[0], other}, "same N"},
			{"different model", []string{dirs[0], model}, "different models"},
			{"different settings", []string{dirs[0], threshold}, "threshold 0.9 and 0.95"},
			{"a gate setting different", []string{dirs[0], unchecked, dirs[2]}, "(preprocessing-check true and false), so they are not shards of one run"},
			{"different labels", []string{dirs[0], named[0], named[1]}, `name the classes differently (class 0 is "0" in one and "airplane" in the other), so they are not shards of one run: run every shard with the same labels`},
			{"a whole run", []string{dirs[0], whole}, "not of a shard"},
			{"already merged", []string{out}, "already a merged report"},
			{"no report", []string{dirs[0], t.TempDir()}, "holds no report.json: merge takes the report directories that the shards wrote"},
			{"no such folder", []string{dirs[0], filepath.Join(t.TempDir(), "gone")}, "gone does not exist: merge takes the report directories that the shards wrote"},
			{"no images", []string{dirs[0], noImages, dirs[2]}, "cannot read the image of class"},
			{"a shard without images", []string{dirs[0], dirs[1], unimaged}, "shard 3/3 in " + unimaged + " wrote no images (its formats: json, markdown), and the merge draws its images from the shards' images: run that shard again with the images format"},
			{"a shard without images, merged into html", []string{dirs[0], dirs[1], unimaged, "--format", "json,html,gallery"}, "the merge draws its gallery and html from the shards' images"},
			{"unknown flag", []string{dirs[0], "--colour"}, "flag provided but not defined"},
		}
		t.Run("the same labels from a file", func(t *testing.T) {
			// The labels are compared, not where they came from: the
			// demo's own digits, given as a file, are the same run's.
			digits := runShard(t, "2/3", "--labels", labelsFile("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
			if r := runMain(t, nil, "merge", dirs[0], digits, dirs[2], "--report-dir", filepath.Join(t.TempDir(), "m")); r.code != exitcode.Pass {
				t.Errorf("exit %d: %s", r.code, r.stderr)
			}
		})
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				args := append([]string{"merge", "--report-dir", filepath.Join(t.TempDir(), "m")}, tc.args...)
				r := runMain(t, nil, args...)
				if r.code != exitcode.Usage || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
					t.Errorf("exit %d, stderr %q; want 2 and one line with %q", r.code, r.stderr, tc.want)
				}
			})
		}
	})
}

// snapshot returns every file under dir with its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		files[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestMergeKeepsBoundedLayer shards mnist-tanh-ls, whose Tanh layer keeps
// every class below 0.99 whatever the input: the merged report must mark
// every class as unreachable for that reason, with the least of the
// shards' ceilings and a reason that gives the merged best confidence.
func TestMergeKeepsBoundedLayer(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "models", "mnist-tanh-ls.onnx")
	extra := []string{"--model", model, "--threshold", "0.99"}
	dirs := []string{runShard(t, "1/2", extra...), runShard(t, "2/2", extra...)}
	out := filepath.Join(t.TempDir(), "merged")
	if r := runMain(t, nil, "merge", dirs[0], dirs[1], "--report-dir", out); r.code != exitcode.Pass {
		t.Fatalf("merge: exit %d: %s", r.code, r.stderr)
	}
	m := readResult(t, out)
	shards := []*report.Result{readResult(t, dirs[0]), readResult(t, dirs[1])}
	for k, c := range m.Classes {
		u := c.Unreachable
		if u == nil || u.Kind != report.UnreachableBoundedLayer || !strings.Contains(u.Layer, "Tanh") {
			t.Errorf("class %d: %+v", c.Index, u)
			continue
		}
		least := 1.0
		for _, s := range shards {
			if su := s.Classes[k].Unreachable; su != nil {
				least = min(least, su.Ceiling)
			}
		}
		if u.Ceiling != least || u.Ceiling >= 0.99 || u.Reason != report.BoundedLayerReason(c.Confidence, u.Ceiling, u.Layer) {
			t.Errorf("class %d: ceiling %v (shards' least %v), reason %q", c.Index, u.Ceiling, least, u.Reason)
		}
	}
	// The shards checked the same model with the same preprocessing; the
	// merged report keeps what they found.
	if d := m.DigitCheck; d == nil || shards[0].DigitCheck == nil || *d != *shards[0].DigitCheck || d.Correct < 90 {
		t.Errorf("merged digit check %+v, shard 1's %+v", d, shards[0].DigitCheck)
	}
}
