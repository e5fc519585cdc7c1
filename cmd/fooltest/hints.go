package main

import (
	"os"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/ortlib"
)

// settingHints says, for each setting a library's error can name, how a
// user changes it: libraries describe the problem, only the CLI knows its
// flags (and the Action's inputs carry the same names).
var settingHints = map[fault.Setting]string{
	classifier.SettingModel:         "check --model",
	classifier.SettingLabels:        "check --labels",
	classifier.SettingInputShape:    "pass --input-shape C,H,W",
	classifier.SettingOutput:        "pick the class scores output with --output",
	classifier.SettingOutputKind:    "pass --output-kind sigmoid (independent scores in [0,1]) or --output-kind logits (softmax is applied)",
	classifier.SettingBatch:         "omit --batch to tune it, or pass the model's own batch size",
	classifier.SettingMaxModelBytes: "raise --max-model-bytes if you trust the model",
	classifier.SettingMaxInputBytes: "raise --max-input-bytes if the runner has the memory, or use a smaller --batch or --input-shape",
	classifier.SettingPreprocessing: "check --scale, --mean and --std (or --preset)",
	classifier.SettingRuntime:       "run scripts/install-onnxruntime.sh, or point --onnxruntime-lib or $ONNXRUNTIME_LIB at libonnxruntime.so " + classifier.RuntimeVersion,
}

// hinted is an error with the CLI's way to fix it appended.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() + ": " + h.hint }
func (h *hinted) Unwrap() error { return h.err }

// withHint appends to err how to change the setting it names, if any.
func withHint(err error) error {
	if err == nil {
		return nil
	}
	if h, ok := settingHints[fault.SettingOf(err)]; ok {
		return &hinted{err: err, hint: h}
	}
	return err
}

// loadRuntime finds the ONNX Runtime library (explicit is --onnxruntime-lib)
// and loads it, returning its version.
func loadRuntime(explicit string) (string, error) {
	path, err := ortlib.Find(explicit, os.Getenv)
	if err != nil {
		return "", err
	}
	return classifier.LoadRuntime(path)
}
