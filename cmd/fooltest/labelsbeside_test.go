package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestLabelsBeside: a labels.txt beside the model, as Teachable Machine's
// and Custom Vision's exports keep one, names the classes when no --labels
// is given and it has a label per class (Teachable Machine's numbered
// lines included); with another count it is left out with the reason, and
// --labels takes precedence over it.
func TestLabelsBeside(t *testing.T) {
	model := writeModel(t, "model.onnx", onnxtest.Classifier([]int64{-1, 3, 8, 8}, 3, "Softmax"))
	side := filepath.Join(filepath.Dir(model), "labels.txt")
	write := func(path, text string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inspect := func(extra ...string) result {
		t.Helper()
		r := runMain(t, nil, append([]string{"inspect", "--model", model, "--threads", "1"}, extra...)...)
		if r.code != exitcode.Pass {
			t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		return r
	}

	write(side, "0 cat\n1 dog\n2 bird\n")
	if r := inspect(); !strings.Contains(r.stdout, "labels      file "+side+", beside the model") {
		t.Fatalf("labels.txt not read:\n%s", r.stdout)
	}
	dir := t.TempDir()
	r := runMain(t, nil, "run", "--model", model, "--threads", "1", "--max-evals", "40", "--fail-on", "never", "--preprocessing-check=false", "--quiet", "--report-dir", dir)
	if r.code != exitcode.Pass {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Config struct {
			Labels     string `json:"labels"`
			LabelsFrom string `json:"labels_from"`
		} `json:"config"`
		Classes []struct {
			Label string `json:"label"`
		} `json:"classes"`
	}
	readReport(t, dir, &rep)
	var labels []string
	for _, c := range rep.Classes {
		labels = append(labels, c.Label)
	}
	if strings.Join(labels, ",") != "cat,dog,bird" {
		t.Fatalf("report.json labels %v, want cat, dog, bird", labels)
	}
	// The stored reports say where the labels came from, not only the
	// console.
	from := "file " + side + ", beside the model"
	if rep.Config.Labels != "" || rep.Config.LabelsFrom != from {
		t.Errorf("report.json records labels %q from %q, want none given and %q", rep.Config.Labels, rep.Config.LabelsFrom, from)
	}
	if md, err := os.ReadFile(filepath.Join(dir, "report.md")); err != nil || !strings.Contains(string(md), "| Labels | "+from+" |") {
		t.Errorf("report.md does not say where the labels came from (%v):\n%s", err, md)
	}

	write(side, "cat\ndog\n")
	if r := inspect(); !strings.Contains(r.stdout, "labels      class 0 .. class 2 ("+side+" beside the model was not used: ") || !strings.Contains(r.stdout, "has 2 lines but the model has 3 classes") {
		t.Fatalf("a labels.txt of another count not left out with the reason:\n%s", r.stdout)
	}

	other := filepath.Join(t.TempDir(), "mine.txt")
	write(other, "a\nb\nc\n")
	if r := inspect("--labels", other); !strings.Contains(r.stdout, "labels      file "+other+"\n") {
		t.Fatalf("--labels does not take precedence:\n%s", r.stdout)
	}
	dir = t.TempDir()
	if r := runMain(t, nil, "run", "--model", model, "--labels", other, "--threads", "1", "--max-evals", "40", "--fail-on", "never", "--preprocessing-check=false", "--quiet", "--report-dir", dir); r.code != exitcode.Pass {
		t.Fatalf("run --labels: exit %d\n%s", r.code, r.stderr)
	}
	var given struct {
		Config struct {
			Labels     string `json:"labels"`
			LabelsFrom string `json:"labels_from"`
		} `json:"config"`
	}
	readReport(t, dir, &given)
	if given.Config.Labels != other || given.Config.LabelsFrom != "" {
		t.Errorf("with --labels, report.json records labels %q from %q, want %q alone", given.Config.Labels, given.Config.LabelsFrom, other)
	}
}
