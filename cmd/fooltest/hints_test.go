package main

import (
	"errors"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/pipeline"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestSettingHints checks that every setting the classifier's errors can
// name has a hint, and that the hint keeps the error's kind and exit code.
func TestSettingHints(t *testing.T) {
	for _, s := range []fault.Setting{
		classifier.SettingModel, classifier.SettingLabels, classifier.SettingInputShape,
		classifier.SettingOutput, classifier.SettingOutputKind, classifier.SettingBatch,
		classifier.SettingMaxModelBytes, classifier.SettingMaxInputBytes,
		classifier.SettingPreprocessing, classifier.SettingChannelOrder, classifier.SettingRuntime,
		pipeline.SettingBaseline, pipeline.SettingBaselineSettings, pipeline.SettingReportDir, pipeline.SettingBudget,
		pipeline.SettingShard, pipeline.SettingClasses, pipeline.SettingImage,
		pipeline.SettingMergeReportDir, pipeline.SettingShardLabels, pipeline.SettingMissingShards,
		pipeline.SettingBaselineVersion, pipeline.SettingBaselineShard, pipeline.SettingBaselineClasses,
		pipeline.SettingShardImages, pipeline.SettingShardFormats, pipeline.SettingBaselineStopped, pipeline.SettingBaselineOutputKind, pipeline.SettingBaselineUncapped,
	} {
		if settingHints[s] == nil {
			t.Errorf("setting %q has no hint", s)
		}
	}
	err := withHint(fault.Invalidf(classifier.SettingInputShape, "model input %q has unknown image size", "x"))
	if got, want := err.Error(), `model input "x" has unknown image size: pass --input-shape C,H,W`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(err, fault.Invalid) || exitcode.Of(err) != exitcode.Usage {
		t.Errorf("hint lost the kind: exit %d", exitcode.Of(err))
	}
	err = withHint(fault.Suggest(fault.Invalidf(classifier.SettingInputShape, "model input %q has unknown image size", "x"), "3"))
	if got, want := err.Error(), `model input "x" has unknown image size: pass --input-shape 3,H,W with the image size the model was trained on, such as 3,224,224 for most ImageNet classifiers or 3,32,32 for CIFAR-10`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// A shape to give, with letters for what the model leaves open, or
	// a count of values to make.
	for _, tc := range []struct{ suggest, want string }{
		{classifier.ShapePrefix + "1,64,W", "pass --input-shape 1,64,W with the width (W) the model was trained on"},
		{classifier.ShapePrefix + "3,H,W", "pass --input-shape 3,H,W with the height (H) and width (W) the model was trained on"},
		{classifier.ShapePrefix + "3,48,192", "pass --input-shape 3,48,192"},
		{classifier.ValuesPrefix + "784", "give an --input-shape C,H,W whose C·H·W is 784, such as 1,28,28"},
		{classifier.ValuesPrefix + "3072", "give an --input-shape C,H,W whose C·H·W is 3072, such as 3,32,32"},
		{classifier.ValuesPrefix + "1437", "give an --input-shape C,H,W whose C·H·W is 1437, such as 1,1,1437 for values with no image structure"},
	} {
		err := withHint(fault.Suggest(fault.Invalidf(classifier.SettingInputShape, "shape"), tc.suggest))
		if got := err.Error(); got != "shape: "+tc.want {
			t.Errorf("suggesting %q: got %q, want %q", tc.suggest, got, "shape: "+tc.want)
		}
	}
	// The kinds that the values leave are offered, or all of them.
	err = withHint(fault.Suggest(fault.Invalidf(classifier.SettingOutputKind, "cannot tell"), "logits, or leave it out"))
	if got, want := err.Error(), "cannot tell: pass --output-kind logits, or leave it out"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	err = withHint(fault.Invalidf(classifier.SettingOutputKind, "cannot tell"))
	if got, want := err.Error(), "cannot tell: say how to read the output with --output-kind probabilities, logits (softmax is applied), sigmoid (independent scores in [0,1]), multilabel-logits (a sigmoid is applied to each) or percentages (probabilities times 100)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// Presets suggested together: each is a --preset of its own.
	for _, tc := range []struct {
		presets []string
		want    string
	}{
		{nil, "pass --preset NAME (or"},
		{[]string{"mnist"}, "pass --preset mnist (or"},
		{[]string{"raw255", "imagenet"}, "pass --preset raw255 or --preset imagenet (or"},
	} {
		err := withHint(fault.Suggest(fault.Invalidf(pipeline.SettingPreprocessingCheck, "wrong"), tc.presets...))
		if got := err.Error(); !strings.HasPrefix(got, "wrong: "+tc.want) {
			t.Errorf("suggesting %q: got %q, want it to begin %q", tc.presets, got, "wrong: "+tc.want)
		}
	}
	if err := withHint(fault.Modelf("boom")); err.Error() != "boom" {
		t.Errorf("an error without a setting got a hint: %q", err)
	}
}

// TestRuntimeHintNamesLibrary checks that the CLI's hint for a missing or
// broken runtime names the library file of the system it runs on
// (libonnxruntime.dylib on macOS), which the install script puts there.
func TestRuntimeHintNamesLibrary(t *testing.T) {
	want := "run scripts/install-onnxruntime.sh, or point --onnxruntime-lib or $ONNXRUNTIME_LIB at libonnxruntime.so " + classifier.RuntimeVersion
	if runtime.GOOS == "darwin" {
		want = strings.Replace(want, ".so ", ".dylib ", 1)
	}
	err := fault.Environmentf(classifier.SettingRuntime, "cannot load")
	if got := withHint(err); got.Error() != err.Error()+": "+want {
		t.Errorf("got %q, want the hint %q", got, want)
	}
}

// TestActionHints: in the Action a hint names inputs, never a flag the
// Action has none for, whatever the library suggests; the settings whose
// CLI hints name such a flag get hints of their own.
func TestActionHints(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fault.Invalidf(classifier.SettingMaxModelBytes, "model m.onnx is 3000000000 bytes, over the 2147483648-byte limit"),
			"raise the max-model-bytes input if you trust the model"},
		{fault.Suggest(fault.Invalidf(classifier.SettingMaxInputBytes, "too big"), classifier.FixedSizes),
			"raise the max-input-bytes input if the runner has the memory (the model fixes its batch and image size, which no input changes)"},
		{fault.Invalidf(classifier.SettingMaxInputBytes, "too big"),
			"raise the max-input-bytes input if the runner has the memory, or give a smaller input-shape"},
		{fault.Suggest(fault.Invalidf(pipeline.SettingPreprocessingCheck, "wrong"), "mnist"),
			"set the preset input to mnist (or the scale, mean and std inputs to the model's own), or preprocessing-check to false if the model was trained with this preprocessing"},
		// Presets suggested together are the input's choices, in the
		// Action's words: no flag among them.
		{fault.Suggest(fault.Invalidf(pipeline.SettingPreprocessingCheck, "wrong"), "raw255", "imagenet"),
			"set the preset input to raw255 or imagenet (or the scale, mean and std inputs to the model's own), or preprocessing-check to false if the model was trained with this preprocessing"},
		{fault.Suggest(fault.Invalidf(pipeline.SettingPreprocessingCheck, "wrong"), "cifar10", "imagenet", "pm1"),
			"set the preset input to cifar10, imagenet or pm1 (or the scale, mean and std inputs to the model's own), or preprocessing-check to false if the model was trained with this preprocessing"},
		{fault.Invalidf(pipeline.SettingPreprocessingCheck, "wrong"),
			"set the preset input to the model's (or the scale, mean and std inputs to the model's own), or preprocessing-check to false if the model was trained with this preprocessing"},
		{fault.Environmentf(classifier.SettingRuntime, "cannot load"),
			"point $ONNXRUNTIME_LIB at libonnxruntime.so " + classifier.RuntimeVersion + ", as the action's image does: a failure there is the image's"},
		// A flag the Action has an input of the same name for keeps its hint.
		{fault.Invalidf(pipeline.SettingBudget, "out of time"), "raise --budget"},
	} {
		got := withActionHint(tc.err)
		if want := tc.err.Error() + ": " + tc.want; got.Error() != want {
			t.Errorf("got %q, want %q", got, want)
		}
		if exitcode.Of(got) != exitcode.Of(tc.err) {
			t.Errorf("%q: the hint changed the exit code", got)
		}
	}

	// Settings only a CLI flag the Action lacks can reach: --batch (the
	// Action tunes the batch) and inspect's --image.
	cliOnly := map[fault.Setting]bool{classifier.SettingBatch: true, pipeline.SettingImage: true}
	suggestions := []string{"", "1", "3", "7", "mnist", "custom", "0.73", classifier.FixedSizes, classifier.DeclaredShape,
		classifier.ShapePrefix + "3,H,W", classifier.ValuesPrefix + "784", "logits, or leave it out", "3,5"}
	flagRef := regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	for setting := range settingHints {
		if cliOnly[setting] {
			continue
		}
		for _, s := range suggestions {
			// The step words the hint in its inputs, which leaves only
			// the flags it has no input for.
			hint := actions.InInputs(withActionHint(fault.Suggest(fault.Invalidf(setting, "x"), s)).Error())
			for _, m := range flagRef.FindAllStringSubmatch(hint, -1) {
				t.Errorf("setting %q, suggestion %q: the Action's hint %q names --%s, which the Action has no input for", setting, s, hint, m[1])
			}
			if strings.Contains(hint, "scripts/") {
				t.Errorf("setting %q: the Action's hint %q names a script of the repository", setting, hint)
			}
		}
	}
}

// TestActionSizeLimits: the Action's max-model-bytes and max-input-bytes
// inputs set the limits, and a model over one fails the step with a hint
// that names the input to raise.
func TestActionSizeLimits(t *testing.T) {
	// 3×8×8 float inputs: 768 bytes an image.
	model := writeModel(t, "colour.onnx", onnxtest.Classifier([]int64{-1, 3, 8, 8}, 10, "Softmax"))
	for _, tc := range []struct {
		input, limit, want string
	}{
		{"INPUT_MAX-MODEL-BYTES", "100", "raise the max-model-bytes input if you trust the model"},
		{"INPUT_MAX-INPUT-BYTES", "500", "raise the max-input-bytes input if the runner has the memory"},
	} {
		vars := actionWorkspace(t, map[string]string{
			"INPUT_MODEL": model, "INPUT_PRESET": "raw01", "INPUT_REPORT-DIR": "rep",
			"INPUT_MAX-EVALS": "100", "INPUT_THRESHOLD": "0.5", "INPUT_FAIL-ON": "never",
			tc.input: tc.limit,
		})
		r := runMain(t, vars)
		if r.code != exitcode.Usage || !strings.Contains(r.stdout, "::error title=fooltest%3A invalid input::") || !strings.Contains(r.stdout, tc.want) {
			t.Fatalf("%s=%s: exit %d, want 2 and an error annotation saying %q\n%s%s", tc.input, tc.limit, r.code, tc.want, r.stdout, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "--max-") {
			t.Errorf("%s=%s: the step names a flag:\n%s%s", tc.input, tc.limit, r.stdout, r.stderr)
		}
		vars[tc.input] = "100000"
		if r := runMain(t, vars); r.code != exitcode.Pass {
			t.Errorf("%s=100000: exit %d, want 0\n%s%s", tc.input, r.code, r.stdout, r.stderr)
		}
	}
}

// TestActionUnparsedValue: an input whose value its flag cannot read
// fails the step with exit 2, one annotation naming the input and what it
// takes, and no pointer to the CLI's help, which a step's user cannot run.
func TestActionUnparsedValue(t *testing.T) {
	for _, tc := range []struct{ input, value, want string }{
		{"INPUT_MAX-EVALS", "2k", `max-evals: "2k": give a whole number, in base-ten digits (1e4 for 10000; no 0x, 0o or _) (see the inputs in the action's action.yml)`},
		{"INPUT_SEED", "0x10", `seed: "0x10": give a whole number of 0 or more, such as 1, in base-ten digits (1e4 for 10000; no 0x, 0o or _) (see the inputs in the action's action.yml)`},
		{"INPUT_ALPHA", "5%", `alpha: "5%25": give a number, such as 0.05 (see the inputs in the action's action.yml)`},
	} {
		t.Run(tc.input, func(t *testing.T) {
			r := runMain(t, actionWorkspace(t, map[string]string{tc.input: tc.value, "INPUT_REPORT-DIR": "rep"}))
			if r.code != exitcode.Usage || !strings.Contains(r.stdout, "::error title=fooltest%3A invalid input::"+tc.want) {
				t.Fatalf("exit %d, want 2 and the error annotation %q\n%s%s", r.code, tc.want, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, " -h") {
				t.Errorf("the step points to the CLI's help:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// TestBaselineStoppedHint: a baseline report whose search stopped early
// gets one fix, the one for what stopped it: an interrupted search needs
// only to be left to end, one the wall clock stopped a longer budget.
func TestBaselineStoppedHint(t *testing.T) {
	for _, tc := range []struct{ reason, want string }{
		{"canceled", "stopped: search the baseline again without interrupting it, or give --baseline the baseline model itself"},
		{"budget", "stopped: search the baseline again with a longer --budget, or give --baseline the baseline model itself"},
	} {
		err := withHint(fault.Suggest(fault.Invalidf(pipeline.SettingBaselineStopped, "stopped"), tc.reason))
		if got := err.Error(); got != tc.want {
			t.Errorf("stopped (%s): got %q, want %q", tc.reason, got, tc.want)
		}
	}
}
