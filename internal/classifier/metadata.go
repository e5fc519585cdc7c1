package classifier

import (
	"strings"

	"github.com/fooltest/fooltest/internal/onnxcheck"
)

// The image metadata of ONNX's MetadataProps.md, which WinML reads and
// exporters such as Azure Custom Vision's and onnxmltools' write: the
// channel order and the range of the pixel values the model takes.
const (
	metaPixelFormat = "Image.BitmapPixelFormat"
	metaPixelRange  = "Image.NominalPixelRange"
)

// pixelRanges maps the values of Image.NominalPixelRange to the
// preprocessing that gives them from pixels x in [0,1].
var pixelRanges = map[string]Normalization{
	"nominalrange_0_255":  {Scale: 255, Mean: []float32{0}, Std: []float32{1}},
	"normalized_0_1":      {Scale: 1, Mean: []float32{0}, Std: []float32{1}},
	"normalized_1_1":      {Scale: 1, Mean: []float32{0.5}, Std: []float32{0.5}},
	"nominalrange_16_235": {Scale: 219, Mean: []float32{-16}, Std: []float32{1}},
}

// metadataNormalization returns the preprocessing that the model's image
// metadata states, starting from n, and which entries it came from; from
// is empty when the metadata states nothing fooltest reads. Values match
// without regard to case, as WinML reads them; a value it does not know,
// or a pixel format that contradicts the channel count, is left out. A
// pixel format without a range means WinML's default range, 0..255
// (Windows.AI.MachineLearning.LearningModelPixelRange), which Custom
// Vision's exports converted from CoreML, stating only Bgr8, expect.
// keepOrder keeps n's channel order, which the user gave, over the
// format's.
func metadataNormalization(g *onnxcheck.Model, channels int, n Normalization, keepOrder bool) (out Normalization, from string) {
	if g == nil {
		return n, ""
	}
	var used []string
	format, hasFormat := g.Metadata(metaPixelFormat)
	bgr, given := n.BGR, n.BGR
	switch f := strings.ToLower(format); {
	case !hasFormat:
	case (f == "bgr8" || f == "bgra8") && channels == 3:
		bgr = true
	case (f == "rgb8" || f == "rgba8") && channels == 3:
		bgr = false
	case f == "gray8" && channels == 1:
	default:
		hasFormat = false
	}
	pixelRange, hasRange := g.Metadata(metaPixelRange)
	r, known := pixelRanges[strings.ToLower(pixelRange)]
	switch {
	case hasRange && known:
		n = r
		used = append(used, metaPixelRange+" "+pixelRange)
	case !hasRange && hasFormat:
		n = pixelRanges["nominalrange_0_255"]
		used = append(used, "no "+metaPixelRange+": WinML's default, 0..255")
	}
	switch {
	case keepOrder && hasFormat:
		// The user's channel order stands; the format still said the
		// range is WinML's default.
		bgr = given
		used = append(used, metaPixelFormat+" "+format+", its channel order replaced by the one given")
	case keepOrder:
		bgr = given
	case hasFormat:
		used = append(used, metaPixelFormat+" "+format)
	}
	n.BGR = bgr
	if used == nil {
		return n, ""
	}
	return n, "the model's metadata (" + strings.Join(used, "; ") + ")"
}
