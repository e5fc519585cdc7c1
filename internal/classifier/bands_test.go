package classifier

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

// TestBandInputs: image inputs of other than 1 or 3 channels (Sentinel-2's
// 13 bands, RGB and near-infrared) are refused with the channels fooltest
// found and on which axis, and a declared shape whose axes 1 and 3 could
// both hold channels is read by the first convolution, on the fixtures of
// scripts/band-models.py.
func TestBandInputs(t *testing.T) {
	for _, tc := range []struct {
		model   string
		refusal string // "" when the model opens
		layout  Layout
		c, h, w int
	}{
		{model: "bands13-nchw.onnx", refusal: "has shape [-1 13 16 16]: 13 channels on axis 1 (multispectral bands"},
		{model: "rgbn-nhwc.onnx", refusal: "has shape [-1 16 16 4]: 4 channels on axis 3 (RGBA, RGB and near-infrared"},
		// Axis 1 has an RGB channel axis's size; the convolution after
		// the Transpose takes 13 channels.
		{model: "bands13-nhwc-h3.onnx", refusal: "has shape [-1 3 16 13]: 13 channels on axis 3 (multispectral bands"},
		{model: "rgb-nhwc-h3.onnx", layout: NHWC, c: 3, h: 3, w: 16},
	} {
		t.Run(tc.model, func(t *testing.T) {
			c, err := Open(filepath.Join(ownModels, tc.model), Options{Threads: 1, Batch: 1, OutputKind: Logits})
			if tc.refusal != "" {
				if err == nil {
					c.Close()
					t.Fatal("opened, want a refusal")
				}
				if !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), tc.refusal) || !strings.Contains(err.Error(), "fooltest draws gray or RGB images (1 or 3 channels), so it cannot test this model") {
					t.Fatalf("got %v, want invalid input naming %q", err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			info := c.Info()
			if info.Layout != tc.layout || info.Channels != tc.c || info.Height != tc.h || info.Width != tc.w {
				t.Fatalf("read as %s %d×%d×%d, want %s %d×%d×%d", info.Layout, info.Channels, info.Height, info.Width, tc.layout, tc.c, tc.h, tc.w)
			}
			conf := make([]float32, 10)
			if err := c.Score(constImages(1, tc.c*tc.h*tc.w, 0.5), 1, conf); err != nil {
				t.Fatal(err)
			}
		})
	}
}
