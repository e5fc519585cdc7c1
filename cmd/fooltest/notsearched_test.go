package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestOutputsNotSearched: a model of two heads, class scores beside scores
// along several axes (a text reader's characters), is searched on its
// class scores; each shard's reports, and the merge of them, name the
// other head as not searched, where the console and inspect name it, so
// that no report reads as covering the whole model. Shards that disagree
// on it are not shards of one run.
func TestOutputsNotSearched(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 8, 8}, 5, "Softmax")
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "chars_shape", Dims: []int64{3}, Int64s: []int64{-1, 4, 16}})
	m.Nodes = append(m.Nodes, onnxtest.Node{Op: "Reshape", Inputs: []string{"flat", "chars_shape"}, Outputs: []string{"chars"}})
	m.Outputs = append([]onnxtest.Value{{Name: "chars", Type: onnxtest.Float, Dims: []int64{-1, 4, 16}}}, m.Outputs...)
	model := writeModel(t, "plate.onnx", m)
	const head = `"chars" [-1 4 16]`

	var dirs []string
	for _, shard := range []string{"1/2", "2/2"} {
		dir := filepath.Join(t.TempDir(), "shard")
		r := runMain(t, nil, "run", "--model", model, "--preset", "raw01", "--threads", "1", "--max-evals", "200", "--threshold", "0.5", "--max-fooled", "100%",
			"--shard", shard, "--format", "json,markdown,junit,sarif,html", "--report-dir", dir)
		if r.code != exitcode.Pass {
			t.Fatalf("shard %s: exit %d\n%s", shard, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "not searched: "+head) {
			t.Errorf("shard %s: the console does not name %s as not searched:\n%s", shard, head, r.stdout)
		}
		if res := readResult(t, dir); !slices.Equal(res.Model.OutputsNotSearched, []string{head}) {
			t.Fatalf("shard %s: report.json outputs_not_searched %q, want [%s]", shard, res.Model.OutputsNotSearched, head)
		}
		dirs = append(dirs, dir)
	}
	for _, f := range []string{"report.md", "report.html", "junit.xml", "report.sarif"} {
		b, err := os.ReadFile(filepath.Join(dirs[0], f))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.NewReplacer("&#34;", `"`, `\"`, `"`, "&#91;", "[", "&#93;", "]").Replace(string(b)), head) {
			t.Errorf("%s does not name %s", f, head)
		}
	}

	out := filepath.Join(t.TempDir(), "merged")
	if r := runMain(t, nil, "merge", dirs[0], dirs[1], "--format", "json,markdown,junit,sarif", "--report-dir", out); r.code != exitcode.Pass {
		t.Fatalf("merge: exit %d\n%s", r.code, r.stderr)
	}
	if res := readResult(t, out); !slices.Equal(res.Model.OutputsNotSearched, []string{head}) {
		t.Errorf("merged report.json outputs_not_searched %q, want [%s]", res.Model.OutputsNotSearched, head)
	}
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	if err != nil || !strings.Contains(string(md), "| Outputs not searched |") {
		t.Errorf("merged report.md has no row of the outputs not searched (%v)", err)
	}

	// A shard whose report names no other output is of another run (or
	// another fooltest).
	path := filepath.Join(dirs[1], "report.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), `"outputs_not_searched"`, `"outputs_not_searched_was"`, 1)
	if edited == string(b) {
		t.Fatal("report.json has no outputs_not_searched to edit")
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, nil, "merge", dirs[0], dirs[1], "--format", "json,markdown,junit,sarif", "--report-dir", filepath.Join(t.TempDir(), "merged"))
	if r.code != exitcode.Usage || !strings.Contains(r.stderr, "outputs not searched") {
		t.Errorf("merge of shards that disagree: exit %d, want 2 naming the outputs not searched\n%s", r.code, r.stderr)
	}
}
