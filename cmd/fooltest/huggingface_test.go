package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// hfExport writes a Hugging Face model repository as users clone it: the
// ONNX file in onnx/, its image processor's settings and its config with
// class names at the top. It returns the model's path.
func hfExport(t *testing.T, processor, config string) string {
	t.Helper()
	root := t.TempDir()
	model := filepath.Join(root, "onnx", "model.onnx")
	for path, data := range map[string][]byte{
		model: onnxtest.ConvNet(3, 1, false).Bytes(),
		filepath.Join(root, "preprocessor_config.json"): []byte(processor),
		filepath.Join(root, "config.json"):              []byte(config),
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return model
}

const (
	vitProcessor = `{"do_normalize":true,"do_rescale":true,"do_resize":true,"image_mean":[0.5,0.5,0.5],"image_processor_type":"ViTImageProcessor","image_std":[0.5,0.5,0.5],"resample":2,"rescale_factor":0.00392156862745098,"size":{"height":16,"width":16}}`
	fiveLabels   = `{"architectures":["ViTForImageClassification"],"id2label":{"0":"cat","1":"dog","2":"bird","3":"fish","4":"frog"},"num_channels":3}`
)

// TestHuggingFaceExport: a model exported from Hugging Face, every input
// axis dynamic, opens with no flag: its first convolution gives the
// channels, its image processor the size and preprocessing, its config the
// class names, and inspect says where each came from. Flags win.
func TestHuggingFaceExport(t *testing.T) {
	model := hfExport(t, vitProcessor, fiveLabels)
	root := filepath.Dir(filepath.Dir(model))
	processor, config := filepath.Join(root, "preprocessor_config.json"), filepath.Join(root, "config.json")

	r := runMain(t, nil, "inspect", "--model", model, "--threads", "1")
	if r.code != exitcode.Pass {
		t.Fatalf("inspect: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"NCHW, 3×16×16 (the size " + processor + " gives) RGB",
		"custom (scale=1 mean=0.5,0.5,0.5 std=0.5,0.5,0.5): from " + processor + " (the model's image processor)",
		"labels      id2label in " + config,
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("inspect does not say %q:\n%s", want, r.stdout)
		}
	}

	r = runMain(t, nil, "inspect", "--model", model, "--threads", "1", "--preset", "imagenet", "--labels", config, "--input-shape", "3,8,8")
	if r.code != exitcode.Pass {
		t.Fatalf("inspect with flags: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"NCHW, 3×8×8 RGB", "preprocess  imagenet (", "labels      file " + config} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("flags do not take precedence: no %q in\n%s", want, r.stdout)
		}
	}

	out := t.TempDir()
	r = runMain(t, nil, "run", "--model", model, "--threads", "1", "--max-evals", "200", "--quiet", "--report-dir", out, "--fail-on", "never")
	if r.code != exitcode.Pass {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	labels := reportLabels(t, out)
	if got := strings.Join(labels, ","); !strings.Contains(got, "frog") || !strings.Contains(got, "cat") {
		t.Fatalf("report.json labels %s, want the config's", got)
	}
}

// TestHuggingFaceExportFaults: a config.json naming another number of
// classes is left out, with the reason; an image processor fooltest cannot
// read is refused with exit 2, unless flags replace what it would give.
func TestHuggingFaceExportFaults(t *testing.T) {
	model := hfExport(t, vitProcessor, `{"id2label":{"0":"cat","1":"dog"}}`)
	r := runMain(t, nil, "inspect", "--model", model, "--threads", "1")
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "class 0 .. class 4 (the id2label in ") || !strings.Contains(r.stdout, "lists 2 labels but the model has 5 classes") {
		t.Fatalf("inspect: exit %d, want 0 and the config's labels left out with the reason\n%s%s", r.code, r.stdout, r.stderr)
	}

	model = hfExport(t, `{"do_normalize":true,"size":{"height":16,"width":16}}`, fiveLabels)
	r = runMain(t, nil, "inspect", "--model", model, "--threads", "1")
	if r.code != exitcode.Usage || !strings.Contains(r.stderr, "image_mean or image_std is missing") || !strings.Contains(r.stderr, "pass --preset") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("inspect: exit %d, want %d and one line naming the problem and the fix\n%s", r.code, exitcode.Usage, r.stderr)
	}
	r = runMain(t, nil, "inspect", "--model", model, "--threads", "1", "--preset", "pm1", "--input-shape", "3,16,16")
	if r.code != exitcode.Pass {
		t.Fatalf("inspect with --preset and --input-shape: exit %d, want 0: the file is not needed\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestHuggingFaceMultiLabel: a config.json whose problem_type says the
// classes are independent makes auto read the logits with a sigmoid each,
// and says why; --output-kind still wins.
func TestHuggingFaceMultiLabel(t *testing.T) {
	model := hfExport(t, vitProcessor, `{"problem_type":"multi_label_classification","id2label":{"0":"cat","1":"dog","2":"bird","3":"fish","4":"frog"}}`)
	r := runMain(t, nil, "inspect", "--model", model, "--threads", "1")
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "5 classes, multilabel-logits (detected: problem_type multi_label_classification in ") {
		t.Fatalf("inspect: exit %d, want 0 and the logits read with a sigmoid each\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runMain(t, nil, "inspect", "--model", model, "--threads", "1", "--output-kind", "logits")
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "5 classes, logits\n") {
		t.Fatalf("inspect --output-kind logits: exit %d, want 0 and logits\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestHuggingFaceRegression: a model whose config.json says it is a
// regression model is refused in one line, with exit 2.
func TestHuggingFaceRegression(t *testing.T) {
	model := hfExport(t, vitProcessor, `{"problem_type":"regression","id2label":{"0":"LABEL_0"}}`)
	r := runMain(t, nil, "inspect", "--model", model, "--threads", "1")
	if r.code != exitcode.Usage || !strings.Contains(r.stderr, "regression model") || !strings.Contains(r.stderr, "give the classifier's ONNX file") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("inspect: exit %d, want %d and one line naming the problem and the fix\n%s", r.code, exitcode.Usage, r.stderr)
	}
}
