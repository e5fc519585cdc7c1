package main

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/fooltest/fooltest/internal/attack"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/hfconfig"
	"github.com/fooltest/fooltest/internal/ortlib"
	"github.com/fooltest/fooltest/internal/pipeline"
)

// hint says how a user changes a setting; suggest is the values the
// library suggests for it, the likeliest first, or none.
type hint func(suggest []string) string

// fixed is a hint that takes no suggestion.
func fixed(s string) hint { return func([]string) string { return s } }

// one is a hint that takes the likeliest suggestion alone ("" for none):
// most settings are suggested a single value.
func one(h func(suggest string) string) hint {
	return func(suggest []string) string {
		if len(suggest) == 0 {
			return h("")
		}
		return h(suggest[0])
	}
}

// settingHints says, for each setting a library's error can name, how a
// user changes it: libraries describe the problem, only the CLI knows its
// flags. The Action's inputs carry the same names; actionHints replace the
// hints that name a flag the Action has no input for.
var settingHints = map[fault.Setting]hint{
	classifier.SettingModel:  fixed("check --model"),
	classifier.SettingLabels: fixed("check --labels"),
	classifier.SettingInputShape: one(func(c string) string {
		switch c {
		case "3":
			return "pass --input-shape 3,H,W with the image size the model was trained on, such as 3,224,224 for most ImageNet classifiers or 3,32,32 for CIFAR-10"
		case "1":
			return "pass --input-shape 1,H,W with the image size the model was trained on, such as 1,28,28 for MNIST"
		case classifier.DeclaredShape:
			return "leave out --input-shape, or give the channels, height and width the model declares"
		}
		if shape, ok := strings.CutPrefix(c, classifier.ShapePrefix); ok {
			if !strings.ContainsAny(shape, "CHW") {
				return "pass --input-shape " + shape
			}
			var what []string
			for _, f := range strings.Split(shape, ",") {
				switch f {
				case "C":
					what = append(what, "channels (C: 1 or 3)")
				case "H":
					what = append(what, "height (H)")
				case "W":
					what = append(what, "width (W)")
				}
			}
			return "pass --input-shape " + shape + " with the " + strings.Join(what, " and ") + " the model was trained on"
		}
		if n, ok := strings.CutPrefix(c, classifier.ValuesPrefix); ok {
			return "give an --input-shape C,H,W whose C·H·W is " + n + flatExample(n)
		}
		return "pass --input-shape C,H,W"
	}),
	classifier.SettingOutput: fixed("pick the class scores output with --output"),
	classifier.SettingOutputKind: one(func(s string) string {
		if s != "" {
			// The values rule some kinds out: offer those they fit.
			return "pass --output-kind " + s
		}
		return "say how to read the output with --output-kind probabilities, logits (softmax is applied), sigmoid (independent scores in [0,1]), multilabel-logits (a sigmoid is applied to each) or percentages (probabilities times 100)"
	}),
	classifier.SettingMaxModelBytes: fixed("raise --max-model-bytes if you trust the model"),
	classifier.SettingMaxInputBytes: one(func(s string) string {
		if s == classifier.FixedSizes {
			return "raise --max-input-bytes if the runner has the memory (the model fixes its batch and image size, which no flag changes)"
		}
		return "raise --max-input-bytes if the runner has the memory, or use a smaller --batch or --input-shape"
	}),
	classifier.SettingPreprocessing:      fixed("check --scale, --mean and --std (or --preset)"),
	classifier.SettingChannelOrder:       fixed("leave out --channel-order"),
	hfconfig.SettingPreprocessorConfig:   fixed("fix the file, or pass --preset (or --scale, --mean and --std), which take precedence over it"),
	hfconfig.SettingConfig:               fixed("give the classifier's ONNX file, or move the config.json that is not its own"),
	classifier.SettingPixelPreprocessing: fixed("omit --preset, --scale, --mean and --std, or pass --preset raw255"),
	classifier.SettingRuntime:            fixed("run scripts/install-onnxruntime.sh, or point --onnxruntime-lib or $ONNXRUNTIME_LIB at " + ortlib.LibraryFile() + " " + classifier.RuntimeVersion),
	classifier.SettingBatch: one(func(s string) string {
		if s != "" {
			return "omit --batch or pass --batch " + s
		}
		return "omit --batch to tune it"
	}),
	classifier.SettingMemory: one(func(s string) string {
		if s != "" {
			return "pass --batch " + s + ", or use a runner with more memory"
		}
		return "use a runner with more memory"
	}),
	pipeline.SettingBaseline: fixed("check --baseline: give the released model or its report.json"),
	pipeline.SettingBaselinePreset: one(func(s string) string {
		if s != "" && s != "custom" {
			return "if the baseline model takes that preprocessing, pass --baseline-preset " + s + "; else search the baseline again with the model's"
		}
		return "if the baseline model takes that preprocessing, pass --baseline-preset custom; else search the baseline again with the model's"
	}),
	// The baseline's settings are the user's to match, or the released
	// model's to search again with this run's.
	pipeline.SettingBaselineSettings: fixed("run with the baseline's settings, or give --baseline the released model itself, which is then searched with this run's"),
	pipeline.SettingBaselineUncapped: one(func(n string) string {
		return "make the baseline's report again with --max-evals " + cmp.Or(n, "N") + " and this run's other settings (a score compares only under an evaluation cap), or give --baseline the released model itself, which is then searched with this run's"
	}),
	pipeline.SettingBaselineStopped: one(func(reason string) string {
		if reason == attack.StoppedCanceled {
			return "search the baseline again without interrupting it, or give --baseline the baseline model itself"
		}
		return "search the baseline again with a longer --budget, or give --baseline the baseline model itself"
	}),
	pipeline.SettingBaselineOutputKind: one(func(kind string) string {
		also := "; or give --baseline the released model itself, which is then searched with this run's"
		if kind != "" {
			return "if the model's outputs are of the kind the baseline's were read as, pass --output-kind " + kind + also
		}
		return "read the model's outputs as the baseline's were, with --output-kind" + also
	}),
	// No setting of this run matches a score of another version.
	pipeline.SettingBaselineVersion: fixed("search the baseline model again with this version of fooltest: give --baseline the released model itself, or the report.json of a new run of it"),
	pipeline.SettingBaselineShard: one(func(n string) string {
		if n != "" {
			// A merged report: only this run's shards, merged, compare.
			return "compare shard by shard: run the model in " + n + " shards as the baseline was, each with --shard I/" + n +
				" and --baseline set to the baseline's own shard I report.json, then merge them; or give --baseline the released model itself"
		}
		return "give --baseline the report.json of a baseline run of the same part of the targets (the same --shard, or none), or the released model itself"
	}),
	pipeline.SettingBaselineClasses: one(func(s string) string {
		if s != "" {
			return "search both on classes both models have: give --baseline the released model with --classes " + s + ", or the report.json of a baseline run with --classes " + s
		}
		return "search both on classes both models have: give --baseline the released model with --classes, or the report.json of a baseline run with the same --classes"
	}),
	pipeline.SettingReportDir:      fixed("check --report-dir: the reports need a folder fooltest can write"),
	pipeline.SettingBudget:         fixed("raise --budget"),
	pipeline.SettingMissingShards:  fixed("merge every shard, or pass --allow-missing-shards to gate on the others"),
	pipeline.SettingShardLabels:    fixed("run every shard with the same labels: --labels with the same file, or the same labels beside the model"),
	pipeline.SettingMergeReportDir: fixed("give --report-dir a folder of its own, not one of the shards'"),
	pipeline.SettingShardImages:    fixed("run that shard again with the images format among its --format (the default has it), or merge with a --format that leaves out images, gallery, html and dataset"),
	pipeline.SettingShardFormats:   fixed("add json to --format (the default has it)"),
	pipeline.SettingImage:          fixed("give --image a JPEG or PNG photo of at most 64 megapixels"),
	pipeline.SettingPreprocessingCheck: func(presets []string) string {
		given := "--preset NAME"
		if len(presets) > 0 {
			given = "--preset " + strings.Join(presets, " or --preset ")
		}
		return "pass " + given + " (or the model's own --scale, --mean and --std), or --preprocessing-check=false if the model was trained with this preprocessing"
	},
	pipeline.SettingThreshold: one(func(s string) string {
		return "give a --threshold of at most " + cmp.Or(s, "the highest score the model can give")
	}),
	pipeline.SettingShard: one(func(s string) string {
		return "use at most " + cmp.Or(s, "as many") + " shards in --shard"
	}),
	pipeline.SettingClasses: one(func(s string) string {
		if s != "" {
			return "name the classes both have, e.g. --classes " + s
		}
		return "name the classes both have with --classes"
	}),
}

// actionHints replace settingHints in the Action where the CLI's hint
// names a flag the Action has no input for (--batch, --onnxruntime-lib) or
// a form its inputs do not take (--preprocessing-check=false): a step can
// change only its inputs.
var actionHints = map[fault.Setting]hint{
	classifier.SettingMaxModelBytes: fixed("raise the max-model-bytes input if you trust the model"),
	classifier.SettingMaxInputBytes: one(func(s string) string {
		if s == classifier.FixedSizes {
			return "raise the max-input-bytes input if the runner has the memory (the model fixes its batch and image size, which no input changes)"
		}
		// The Action tunes the batch, from one image up, within the limit.
		return "raise the max-input-bytes input if the runner has the memory, or give a smaller input-shape"
	}),
	// The Action tunes the batch and has no input for it.
	classifier.SettingMemory: fixed("use a runner with more memory"),
	// The Action's image ships the runtime and sets $ONNXRUNTIME_LIB.
	classifier.SettingRuntime: fixed("point $ONNXRUNTIME_LIB at libonnxruntime.so " + classifier.RuntimeVersion + ", as the action's image does: a failure there is the image's"),
	pipeline.SettingPreprocessingCheck: func(presets []string) string {
		return "set the preset input to " + cmp.Or(orList(presets), "the model's") + " (or the scale, mean and std inputs to the model's own), or preprocessing-check to false if the model was trained with this preprocessing"
	},
}

// orList joins values as a choice: "a", "a or b", "a, b or c".
func orList(values []string) string {
	if n := len(values); n > 1 {
		return strings.Join(values[:n-1], ", ") + " or " + values[n-1]
	}
	return strings.Join(values, "")
}

// flatExample returns, for a flattened input of n values, an example
// shape of that many (", such as 1,28,28"), or "".
func flatExample(n string) string {
	v, err := strconv.Atoi(n)
	if err != nil || v <= 0 {
		return ""
	}
	for _, c := range []int{1, 3} {
		if v%c != 0 {
			continue
		}
		if s := int(math.Sqrt(float64(v / c))); s*s == v/c {
			return fmt.Sprintf(", such as %d,%d,%d", c, s, s)
		}
	}
	return fmt.Sprintf(", such as 1,1,%d for values with no image structure", v)
}

// hinted is an error with the CLI's way to fix it appended.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + ": " + h.hint }
func (h *hinted) Unwrap() error { return h.err }

// withHint appends to err how to change the setting it names, if any,
// with the CLI's flags.
func withHint(err error) error {
	return hintFrom(err, settingHints)
}

// withActionHint appends to err how to change the setting it names, if
// any, with the Action's inputs.
func withActionHint(err error) error {
	return hintFrom(err, actionHints, settingHints)
}

// hintFrom appends to err the hint of the first of tables that has one for
// the setting err names.
func hintFrom(err error, tables ...map[fault.Setting]hint) error {
	if err == nil {
		return nil
	}
	setting, suggest := fault.SuggestionsOf(err)
	for _, t := range tables {
		if h, ok := t[setting]; ok {
			return &hinted{err: err, hint: h(suggest)}
		}
	}
	return err
}

// loadRuntime finds the ONNX Runtime library (explicit is --onnxruntime-lib)
// and loads it, returning its version.
// ONNX Runtime loads once per process: a library already loaded is used
// whatever the working directory now is.
func loadRuntime(explicit string) (string, error) {
	if _, version := classifier.LoadedRuntime(); version != "" {
		return version, nil
	}
	path, err := ortlib.Find(explicit, os.Getenv)
	if err != nil {
		return "", err
	}
	return classifier.LoadRuntime(path)
}
