package classifier

import (
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestModelMetadata: the image metadata of ONNX's MetadataProps.md (as Azure
// Custom Vision exports write it) sets the preprocessing when the user gave
// none, matching values without regard to case; what it cannot mean for the
// model is left out, and a user's preprocessing wins.
func TestModelMetadata(t *testing.T) {
	const (
		rangeKey  = "Image.NominalPixelRange"
		formatKey = "Image.BitmapPixelFormat"
	)
	rgb, gray := []int64{-1, 3, 4, 4}, []int64{-1, 1, 4, 4}
	for _, tc := range []struct {
		name     string
		dims     []int64
		meta     map[string]string
		user     bool // the user gave preprocessing
		uint8In  bool
		want     string // the normalization's String()
		wantFrom string
	}{
		{"Custom Vision: BGR pixels of 0..255", rgb, map[string]string{formatKey: "Bgr8", rangeKey: "NominalRange_0_255", "Image.ColorSpaceGamma": "SRGB"}, false, false,
			"scale=255 mean=0 std=1 channels=bgr", "the model's metadata (Image.NominalPixelRange NominalRange_0_255; Image.BitmapPixelFormat Bgr8)"},
		{"lower case, [-1, 1]", rgb, map[string]string{rangeKey: "normalized_1_1"}, false, false,
			"scale=1 mean=0.5 std=0.5", "the model's metadata (Image.NominalPixelRange normalized_1_1)"},
		{"video range", gray, map[string]string{rangeKey: "NominalRange_16_235", formatKey: "Gray8"}, false, false,
			"scale=219 mean=-16 std=1", "the model's metadata (Image.NominalPixelRange NominalRange_16_235; Image.BitmapPixelFormat Gray8)"},
		{"a format alone: WinML's default range", rgb, map[string]string{formatKey: "BGR8"}, false, false,
			"scale=255 mean=0 std=1 channels=bgr", "the model's metadata (no Image.NominalPixelRange: WinML's default, 0..255; Image.BitmapPixelFormat BGR8)"},
		{"a gray format on a colour model", rgb, map[string]string{formatKey: "Gray8"}, false, false, "scale=1 mean=0 std=1", ""},
		{"an unknown range with a format", rgb, map[string]string{rangeKey: "Normalized_0_100", formatKey: "Rgb8"}, false, false,
			"scale=1 mean=0 std=1", "the model's metadata (Image.BitmapPixelFormat Rgb8)"},
		{"an unknown range", rgb, map[string]string{rangeKey: "Normalized_0_100"}, false, false, "scale=1 mean=0 std=1", ""},
		{"the user's preprocessing wins", rgb, map[string]string{formatKey: "Bgr8", rangeKey: "NominalRange_0_255"}, true, false, "scale=1 mean=0.5 std=0.5", ""},
		{"uint8 pixels in BGR", rgb, map[string]string{formatKey: "Bgr8", rangeKey: "NominalRange_0_255"}, false, true,
			"scale=255 mean=0 std=1 channels=bgr", "the model's metadata (Image.NominalPixelRange NominalRange_0_255; Image.BitmapPixelFormat Bgr8)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := onnxtest.Classifier(tc.dims, 3, "Softmax")
			if tc.uint8In {
				// 8-bit pixels, cast to float inside the graph.
				m.Inputs[0].Type = onnxtest.Uint8
				m.Nodes[0].Inputs[0] = "pixels"
				m.Nodes = append([]onnxtest.Node{{Op: "Cast", Inputs: []string{"image"}, Outputs: []string{"pixels"}, Ints: map[string]int64{"to": onnxtest.Float}}}, m.Nodes...)
			}
			m.Metadata = tc.meta
			opts := Options{ModelMetadata: !tc.user, AutoNormalization: !tc.user}
			opts.Normalization, _ = Preset("raw01")
			if tc.user {
				opts.Normalization, _ = Preset("pm1")
			}
			c := openModel(t, m, opts)
			info := c.Info()
			if c.TakesPixels() != tc.uint8In {
				t.Fatalf("TakesPixels %v, want %v", c.TakesPixels(), tc.uint8In)
			}
			if info.Normalization != tc.want || info.NormalizationFrom != tc.wantFrom {
				t.Fatalf("preprocessing %q from %q, want %q from %q", info.Normalization, info.NormalizationFrom, tc.want, tc.wantFrom)
			}
			// The user's values win, and the model's own are named.
			wantOverridden := ""
			if tc.user {
				wantOverridden = "scale=255 mean=0 std=1 channels=bgr, from the model's metadata (Image.NominalPixelRange NominalRange_0_255; Image.BitmapPixelFormat Bgr8)"
			}
			if info.MetadataOverridden != wantOverridden {
				t.Fatalf("overridden %q, want %q", info.MetadataOverridden, wantOverridden)
			}
		})
	}
}

// TestModelMetadataOrder: a channel order given alone replaces the
// metadata's pixel format, and the metadata's range (WinML's default 0..255
// where it states a format alone) still applies: a Custom Vision user who
// repeats its BGR order keeps its 0..255 pixels.
func TestModelMetadataOrder(t *testing.T) {
	for _, tc := range []struct {
		name     string
		meta     map[string]string
		bgr      bool
		want     string
		wantFrom string
	}{
		{"BGR repeated", map[string]string{"Image.BitmapPixelFormat": "Bgr8"}, true,
			"scale=255 mean=0 std=1 channels=bgr", "the model's metadata (no Image.NominalPixelRange: WinML's default, 0..255; Image.BitmapPixelFormat Bgr8, its channel order replaced by the one given)"},
		{"RGB over a BGR format", map[string]string{"Image.BitmapPixelFormat": "Bgr8", "Image.NominalPixelRange": "NominalRange_0_255"}, false,
			"scale=255 mean=0 std=1", "the model's metadata (Image.NominalPixelRange NominalRange_0_255; Image.BitmapPixelFormat Bgr8, its channel order replaced by the one given)"},
		{"a range alone", map[string]string{"Image.NominalPixelRange": "Normalized_1_1"}, true,
			"scale=1 mean=0.5 std=0.5 channels=bgr", "the model's metadata (Image.NominalPixelRange Normalized_1_1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 3, "Softmax")
			m.Metadata = tc.meta
			opts := Options{ModelMetadata: true, AutoNormalization: true, ChannelOrderSet: true}
			opts.Normalization, _ = Preset("raw01")
			opts.Normalization.BGR = tc.bgr
			info := openModel(t, m, opts).Info()
			if info.Normalization != tc.want || info.NormalizationFrom != tc.wantFrom {
				t.Fatalf("preprocessing %q from %q, want %q from %q", info.Normalization, info.NormalizationFrom, tc.want, tc.wantFrom)
			}
		})
	}
}
