package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestModelMetadataPreprocessing: a model that states its pixel format and
// range in its metadata, as Azure Custom Vision exports do (BGR pixels of
// 0..255), gets that preprocessing when no flag gives one; inspect and the
// reports say where it came from, a flag wins and is told what it
// replaces, and a channel order alone keeps the stated range.
func TestModelMetadataPreprocessing(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 3, 8, 8}, 4, "Softmax")
	m.Metadata = map[string]string{"Image.BitmapPixelFormat": "Bgr8", "Image.NominalPixelRange": "NominalRange_0_255", "Image.ColorSpaceGamma": "SRGB"}
	model := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(model, m.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	const from = "the model's metadata (Image.NominalPixelRange NominalRange_0_255; Image.BitmapPixelFormat Bgr8)"
	r := runMain(t, nil, "inspect", "--model", model, "--threads", "1")
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "preprocess  custom (scale=255 mean=0 std=1 channels=bgr): from "+from) {
		t.Fatalf("inspect: exit %d, want 0 and the metadata's preprocessing\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The flag wins, and the line names what it replaces.
	r = runMain(t, nil, "inspect", "--model", model, "--threads", "1", "--preset", "imagenet")
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "preprocess  imagenet (scale=1 mean=0.485,0.456,0.406 std=0.229,0.224,0.225); the model states scale=255 mean=0 std=1 channels=bgr, from "+from+", which the flags replace\n") {
		t.Fatalf("inspect --preset imagenet: exit %d, want 0, imagenet and the metadata it replaces\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A channel order alone keeps the stated range.
	r = runMain(t, nil, "inspect", "--model", model, "--threads", "1", "--channel-order", "rgb")
	if r.code != exitcode.Pass || !strings.Contains(r.stdout, "preprocess  raw255 (scale=255 mean=0 std=1): from the model's metadata (Image.NominalPixelRange NominalRange_0_255; Image.BitmapPixelFormat Bgr8, its channel order replaced by the one given)\n") {
		t.Fatalf("inspect --channel-order rgb: exit %d, want 0 and the metadata's range in RGB\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := t.TempDir()
	r = runMain(t, nil, "run", "--model", model, "--threads", "1", "--max-evals", "200", "--quiet", "--fail-on", "never", "--format", "json,markdown", "--report-dir", out)
	if r.code != exitcode.Pass {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for file, want := range map[string]string{"report.json": `"preprocessing_from": "the model's metadata (Image.NominalPixelRange NominalRange_0_255; Image.BitmapPixelFormat Bgr8)"`, "report.md": "Preprocessing from"} {
		data, err := os.ReadFile(filepath.Join(out, file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s does not say %q", file, want)
		}
	}
}

// TestUltralyticsMetadata: an Ultralytics classifier with a dynamic input
// opens without flags, its size, preprocessing and class names read from
// its metadata, and the reports name its classes.
func TestUltralyticsMetadata(t *testing.T) {
	m := onnxtest.ConvNet(3, 1, false)
	m.Metadata = map[string]string{"author": "Ultralytics", "version": "8.3.40", "task": "classify", "imgsz": "[8, 8]",
		"names": `{0: 'ant', 1: 'bee', 2: "bird's nest", 3: 'cat', 4: 'dog'}`}
	model := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(model, m.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	const from = "the model's metadata (author Ultralytics, version 8.3.40, task classify)"
	r := runMain(t, nil, "inspect", "--model", model, "--threads", "1")
	for _, want := range []string{
		"3×8×8 (from imgsz 8×8 in " + from + ") RGB",
		"preprocess  raw01 (scale=1 mean=0 std=1): from " + from + ": Ultralytics classifiers take RGB pixels in [0,1]\n",
		"labels      names in the model's metadata\n",
	} {
		if r.code != exitcode.Pass || !strings.Contains(r.stdout, want) {
			t.Fatalf("inspect: exit %d, want 0 and %q\n%s%s", r.code, want, r.stdout, r.stderr)
		}
	}
	out := t.TempDir()
	r = runMain(t, nil, "run", "--model", model, "--threads", "1", "--max-evals", "200", "--quiet", "--fail-on", "never", "--format", "json", "--report-dir", out)
	if r.code != exitcode.Pass {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"label": "bird's nest"`, `"preprocessing_from": "` + from} {
		if !strings.Contains(string(data), want) {
			t.Errorf("report.json does not say %s", want)
		}
	}
}

// TestUltralyticsDetectTask: a model whose Ultralytics metadata declares
// task detect is refused upfront by inspect and run with exit 2 and one
// line naming the task and the fix, though its [N,10] Softmax output
// reads as class scores.
func TestUltralyticsDetectTask(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 3, 8, 8}, 10, "Softmax")
	m.Metadata = map[string]string{"author": "Ultralytics", "version": "8.3.40", "task": "detect", "imgsz": "[8, 8]", "names": "{0: 'person'}"}
	model := filepath.Join(t.TempDir(), "model.onnx")
	if err := os.WriteFile(model, m.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	const want = "fooltest: the model's metadata (author Ultralytics, version 8.3.40, task detect) says it is a detect model, not a classifier: give fooltest a classification model (an Ultralytics -cls model, exported with task classify)\n"
	for _, args := range [][]string{
		{"inspect", "--model", model, "--threads", "1"},
		{"run", "--model", model, "--threads", "1", "--max-evals", "100", "--quiet", "--report-dir", t.TempDir()},
	} {
		r := runMain(t, nil, args...)
		if r.code != exitcode.Usage || r.stderr != want {
			t.Errorf("%s: exit %d, want %d and\n%s got\n%s%s", args[0], r.code, exitcode.Usage, want, r.stdout, r.stderr)
		}
	}
}
