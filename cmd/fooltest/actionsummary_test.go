package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// modelSummary returns the lines of stdout that describe the model opened,
// from its model line to its runtime line.
func modelSummary(t *testing.T, stdout string) string {
	t.Helper()
	start := strings.Index(stdout, "model       ")
	end := strings.Index(stdout, "\nruntime     ")
	if start < 0 || end < start {
		t.Fatalf("no model summary in:\n%s", stdout)
	}
	return stdout[start:end]
}

// TestActionModelSummary: the lines a run prints about the model it opened
// name, in the Action's step log, the inputs a step sets (the preset input,
// preset: raw255) and say where to run inspect, which the Action has not;
// on the command line the same lines name the flags, as before.
func TestActionModelSummary(t *testing.T) {
	abs := func(p string) string {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// big is large enough that a photo says something of its
	// preprocessing, so the hint names inspect --image.
	big := writeModel(t, "big.onnx", onnxtest.Classifier([]int64{-1, 3, 64, 64}, 4, "Softmax"))
	// twoHeads gives a Softmax's class scores beside one Sigmoid score,
	// which the output line says it passed over.
	twoHeads := onnxtest.Classifier([]int64{-1, 3, 8, 8}, 10, "Softmax")
	twoHeads.Nodes = append(twoHeads.Nodes,
		onnxtest.Node{Op: "ReduceMax", Inputs: []string{twoHeads.Nodes[1].Outputs[0]}, Outputs: []string{"head_max"}, IntLists: map[string][]int64{"axes": {1}}, Ints: map[string]int64{"keepdims": 1}},
		onnxtest.Node{Op: "Sigmoid", Inputs: []string{"head_max"}, Outputs: []string{"head"}})
	twoHeads.Outputs = append([]onnxtest.Value{{Name: "head", Type: onnxtest.Float, Dims: []int64{-1, 1}}}, twoHeads.Outputs...)
	meta := onnxtest.Classifier([]int64{-1, 3, 8, 8}, 4, "Softmax")
	meta.Metadata = map[string]string{"Image.BitmapPixelFormat": "Bgr8", "Image.NominalPixelRange": "NominalRange_0_255"}

	const defaultPre = "preprocess  raw01 (scale=1 mean=0 std=1): the default, as no "
	const examples = " the normalisation the model was trained with (imagenet, raw255 (0..255 pixels), pm1 (Teachable Machine, Keras MobileNet V1 and V2), caffe, cifar10, ...), which "
	tests := []struct {
		name  string
		model string
		// inputs are the Action's, each the flag of the same name on
		// the command line.
		inputs     map[string]string
		action, cl []string
	}{
		{"the default preprocessing", big, nil,
			[]string{defaultPre + "preset input was given; set the preset input to" + examples +
				"fooltest inspect --image PHOTO (run on your machine or with the image ghcr.io/fooltest/fooltest, as the Action has no inspect) helps find, or set the preset input to raw01 to confirm it: unconfirmed, a run that would pass ends in error unless it fooled every class it searched\n"},
			[]string{defaultPre + "--preset was given; pass" + examples + "inspect --image PHOTO helps find, or --preset raw01 to confirm it: unconfirmed, a run that would pass ends in error unless it fooled every class it searched\n"}},
		{"another output of class scores", writeModel(t, "heads.onnx", twoHeads), map[string]string{"preset": "raw01"},
			[]string{`chosen over "head" [-1 1], also shaped as class scores (the output input picks another)` + "\n"},
			[]string{`chosen over "head" [-1 1], also shaped as class scores (--output picks another)` + "\n"}},
		{"the metadata's preprocessing replaced", writeModel(t, "meta.onnx", meta), map[string]string{"preset": "imagenet"},
			[]string{"Image.BitmapPixelFormat Bgr8), which the inputs replace\n"},
			[]string{"Image.BitmapPixelFormat Bgr8), which the flags replace\n"}},
		{"a confidence ceiling", big, map[string]string{"preset": "raw01", "output-kind": "percentages", "threshold": "0.005"},
			[]string{"no confidence exceeds 0.006 (the Action refuses a threshold input above it)\n"},
			[]string{"no confidence exceeds 0.006 (run refuses a threshold above it)\n"}},
		{"the digits and the range", abs(norm20), map[string]string{"preprocessing-check": "false"},
			[]string{"digits      10 of 100 MNIST test digits labelled right with this preprocessing, 97 with preset: raw255: the preprocessing looks wrong\n",
				"unlike normalised images; preset: raw255 [-0.424, 2.82]: the preprocessing looks wrong\n"},
			[]string{"digits      10 of 100 MNIST test digits labelled right with this preprocessing, 97 with --preset raw255: the preprocessing looks wrong\n",
				"unlike normalised images; --preset raw255 [-0.424, 2.82]: the preprocessing looks wrong\n"}},
		{"digits read unsure", abs(filepath.Join("..", "..", "testdata", "models", "mnist-linear-255.onnx")), map[string]string{"preprocessing-check": "false"},
			[]string{"at a median confidence of 0.11, 1.00 with preset: raw255: the preprocessing looks wrong\n"},
			[]string{"at a median confidence of 0.11, 1.00 with --preset raw255: the preprocessing looks wrong\n"}},
		{"the photos", writeModel(t, "caffe.onnx", onnxtest.MeanSubtracted(32, 32, 10)), map[string]string{"preprocessing-check": "false"},
			[]string{"set the preset input to the normalisation the model was trained with (the photos line names raw255 or caffe)\n",
				"with preset: raw255 or preset: caffe: the preprocessing looks wrong\n"},
			[]string{"pass the normalisation the model was trained with (the photos line names raw255 or caffe)\n",
				"with --preset raw255 or --preset caffe: the preprocessing looks wrong\n"}},
		{"the quantized range", writeModel(t, "int8.onnx", onnxtest.Quantized([]int64{-1, 3, 8, 8}, 10, 0.01865845, 114)), map[string]string{"preprocessing-check": "false"},
			[]string{"this preprocessing fills 21% of it, preset: cifar10 94%, preset: imagenet 93%: the preprocessing looks wrong\n"},
			[]string{"this preprocessing fills 21% of it, --preset cifar10 94%, --preset imagenet 93%: the preprocessing looks wrong\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "outputs"),
				"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary.md"), "INPUT_MODEL=" + tc.model,
				"INPUT_MAX-EVALS=50", "INPUT_FORMAT=json", "INPUT_REPORT-DIR=" + filepath.Join(dir, "action")}
			args := []string{"run", "--model", tc.model, "--max-evals", "50", "--format", "json", "--quiet", "--report-dir", filepath.Join(dir, "cli")}
			for k, v := range tc.inputs {
				env = append(env, "INPUT_"+strings.ToUpper(k)+"="+v)
				args = append(args, "--"+k+"="+v)
			}
			action := modelSummary(t, runBinary(t, repoRoot(t), env).stdout)
			for _, want := range tc.action {
				if !strings.Contains(action, want) {
					t.Errorf("the Action's summary does not say %q:\n%s", want, action)
				}
			}
			// The one flag left is inspect's, which the step cannot run.
			if rest := strings.ReplaceAll(action, "fooltest inspect --image", ""); strings.Contains(rest, "--") || strings.Contains(rest, ": was") {
				t.Errorf("the Action's summary names a flag:\n%s", action)
			}
			cli := modelSummary(t, runBinary(t, repoRoot(t), nil, args...).stdout)
			for _, want := range tc.cl {
				if !strings.Contains(cli, want) {
					t.Errorf("the command line's summary does not say %q:\n%s", want, cli)
				}
			}
			for _, input := range []string{"preset input", "output input", "threshold input", "the inputs", "preset: "} {
				if strings.Contains(cli, input) {
					t.Errorf("the command line's summary names an input (%q):\n%s", input, cli)
				}
			}
		})
	}
}

// TestVocabulary: the hints the summary words itself name the flags on
// the command line and the inputs in the Action, a list of them as a
// sentence gives it.
func TestVocabulary(t *testing.T) {
	cli, action := vocabulary{}, vocabulary{action: true}
	tests := []struct{ got, want string }{
		{cli.setting("output"), "--output"},
		{action.setting("output"), "the output input"},
		{cli.given("preset", "raw255"), "--preset raw255"},
		{action.given("preset", "raw255"), "preset: raw255"},
		{cli.pass([]string{"preset"}, []string{"raw01"}), "--preset raw01"},
		{action.pass([]string{"preset"}, []string{"raw01"}), "set the preset input to raw01"},
		{cli.pass([]string{"scale", "mean", "std"}, []string{"1", "0", "1"}), "--scale 1 --mean 0 --std 1"},
		{action.pass([]string{"scale", "mean", "std"}, []string{"1", "0", "1"}), "set the scale, mean and std inputs to 1, 0 and 1"},
		{cli.settings(), "the flags"},
		{action.settings(), "the inputs"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if cli.reportWords() != nil || action.reportWords() == nil {
		t.Error("the command line's reports must keep the libraries' words, and the Action's reword them")
	}
}
