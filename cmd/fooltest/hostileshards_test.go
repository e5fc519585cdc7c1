package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/report"
)

// copyDir copies the report directory src, which holds files and one
// level of folders, to a new folder.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// editReport rewrites dir's report.json through its JSON object, as a
// hand (or a job of a pull request) may.
func editReport(t *testing.T, dir string, edit func(m map[string]any)) {
	t.Helper()
	path := filepath.Join(dir, report.JSONFile)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMergeRefusesHostileShards: shards' report directories are another
// job's artifacts, which a pull request's code may have written. Values no
// run writes end the merge with exit 2 and one line naming the file and
// the problem, and nothing is written. Before, a format no run writes
// ended it with exit 3 after its checks, and a confidence over 1, a class
// the model lacks or evaluations that wrapped when added up were merged
// and gated (exit 1).
func TestMergeRefusesHostileShards(t *testing.T) {
	shards := []string{runShard(t, "1/2"), runShard(t, "2/2")}
	classes := func(m map[string]any) []any { return m["classes"].([]any) }
	first := func(m map[string]any) map[string]any { return classes(m)[0].(map[string]any) }
	for _, tc := range []struct {
		name string
		// edit changes the first shard's report, and both's when both.
		edit func(m map[string]any)
		both bool
		want string
	}{
		{"a format no run writes", func(m map[string]any) {
			m["config"].(map[string]any)["formats"] = []any{"json", "images", "../../x"}
		}, true, `its formats name "../../x", which is no format fooltest writes`},
		{"evaluations that wrap when added up", func(m map[string]any) { m["evaluations"] = int64(1<<62 + 1<<61) }, true, "evaluations is 6917529027641081856, over the"},
		{"a confidence over 1", func(m map[string]any) {
			for _, c := range classes(m) {
				c.(map[string]any)["confidence"] = 1e308
			}
		}, false, "has a confidence of 1e+308, outside 0 to 1"},
		{"a class the model lacks", func(m map[string]any) {
			first(m)["index"] = 1_000_000_000
			m["target_classes"].([]any)[0] = 1_000_000_000
		}, true, "target class 1000000000 is not a class of its model of 10 classes"},
		{"an image outside the folder", func(m map[string]any) { first(m)["image"] = "/etc/passwd" }, false, `names the image of class 0 "/etc/passwd", outside its report directory`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dirs := []string{copyDir(t, shards[0]), copyDir(t, shards[1])}
			editReport(t, dirs[0], tc.edit)
			if tc.both {
				editReport(t, dirs[1], tc.edit)
			}
			out := filepath.Join(t.TempDir(), "merged")
			r := runMain(t, nil, "merge", dirs[0], dirs[1], "--report-dir", out)
			line := strings.TrimSuffix(r.stderr, "\n")
			if r.code != exitcode.Usage || strings.Contains(line, "\n") || !strings.Contains(line, tc.want) || !strings.Contains(line, report.JSONFile) {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line naming the report.json and saying %q", r.code, r.stderr, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("the refused merge wrote %s (%v)", out, err)
			}
		})
	}
}
