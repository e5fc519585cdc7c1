package classifier

import (
	"slices"
	"strings"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// zipped is a ZipMap node that unzip read through: the graph output it
// computes, and what it reads.
type zipped struct {
	onnxcheck.ZipMap
	output string
	// declared says that the tensor is a graph output already, so that
	// the session need not declare it one.
	declared bool
}

// unzip returns the model's outputs with each one that a ZipMap node
// computes (a sequence of maps from class label to probability, which no
// tensor can hold) replaced by the float tensor [N,K] the node reads, and
// those tensors' ZipMaps by name. scikit-learn classifiers converted by
// skl2onnx end in a ZipMap unless converted with zipmap disabled, and the
// probabilities are the same numbers either way. A tensor that is already
// a graph output is not listed twice.
func unzip(outs []ort.InputOutputInfo, m *onnxcheck.Model) ([]ort.InputOutputInfo, map[string]zipped) {
	var found map[string]zipped
	var list []ort.InputOutputInfo
	for _, o := range outs {
		z, ok := m.ZipMapOf(o.Name)
		if o.OrtValueType != ort.ONNXTypeSequence || !ok {
			list = append(list, o)
			continue
		}
		if found == nil {
			found = map[string]zipped{}
		}
		declared := slices.ContainsFunc(outs, func(o ort.InputOutputInfo) bool { return o.Name == z.Input })
		found[z.Input] = zipped{ZipMap: z, output: o.Name, declared: declared}
		if declared {
			continue
		}
		list = append(list, ort.InputOutputInfo{
			Name:         z.Input,
			OrtValueType: ort.ONNXTypeTensor,
			DataType:     ort.TensorElementDataTypeFloat,
			Dimensions:   ort.NewShape(-1, int64(len(z.Labels))),
		})
	}
	return list, found
}

// modelLabels returns a model's own class labels as reports show them, or
// nil when any is empty or too long to be a class name (the model may be
// untrusted; its classes are then named by index).
func modelLabels(labels []string) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		l = strings.ToValidUTF8(l, "\uFFFD")
		if strings.TrimSpace(l) == "" || len(l) > maxLabelLineBytes {
			return nil
		}
		out[i] = l
	}
	return out
}
