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
// or a pixel format that contradicts the channel count, is left out.
func metadataNormalization(g *onnxcheck.Model, channels int, n Normalization) (out Normalization, from string) {
	if g == nil {
		return n, ""
	}
	var used []string
	if v, ok := g.Metadata(metaPixelRange); ok {
		if r, known := pixelRanges[strings.ToLower(v)]; known {
			r.BGR = n.BGR
			n = r
			used = append(used, metaPixelRange+" "+v)
		}
	}
	if v, ok := g.Metadata(metaPixelFormat); ok {
		f := strings.ToLower(v)
		switch {
		case (f == "bgr8" || f == "bgra8") && channels == 3:
			n.BGR = true
		case (f == "rgb8" || f == "rgba8") && channels == 3:
			n.BGR = false
		case f == "gray8" && channels == 1:
		default:
			f = ""
		}
		if f != "" {
			used = append(used, metaPixelFormat+" "+v)
		}
	}
	if used == nil {
		return n, ""
	}
	return n, "the model's metadata (" + strings.Join(used, ", ") + ")"
}
