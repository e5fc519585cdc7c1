package main

import (
	"errors"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/pipeline"
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
	if err := withHint(fault.Modelf("boom")); err.Error() != "boom" {
		t.Errorf("an error without a setting got a hint: %q", err)
	}
}
