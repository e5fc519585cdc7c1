package classifier

import (
	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/ortlib"
)

// The settings the classifier's errors name as the one to change, so that a
// front end can point at its own flag or input for it.
const (
	SettingModel         fault.Setting = "model"
	SettingLabels        fault.Setting = "labels"
	SettingInputShape    fault.Setting = "input-shape"
	SettingOutput        fault.Setting = "output"
	SettingOutputKind    fault.Setting = "output-kind"
	SettingBatch         fault.Setting = "batch"
	SettingMaxModelBytes fault.Setting = "max-model-bytes"
	SettingMaxInputBytes fault.Setting = "max-input-bytes"
	// SettingPreprocessing is the input scale, mean and std together: a
	// combination of them can fail where no single value is wrong.
	SettingPreprocessing fault.Setting = "preprocessing"
	// SettingChannelOrder is the order of a colour model's channels.
	SettingChannelOrder fault.Setting = "channel-order"
	// SettingPixelPreprocessing is a preprocessing given for a model
	// that takes 8-bit pixels, whose only preprocessing is raw255.
	SettingPixelPreprocessing fault.Setting = "pixel-preprocessing"
	// SettingMemory is the memory the machine gives the model's runs:
	// a smaller batch needs less of it, a bigger runner has more.
	SettingMemory fault.Setting = "memory"
	// SettingRuntime is where the ONNX Runtime library is looked for.
	SettingRuntime = ortlib.Setting
)
