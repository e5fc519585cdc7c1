package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestBandModels: a model of 13 Sentinel-2 bands or of RGB and near-infrared,
// given the per-channel preprocessing its training used, is refused for its
// channels (what fooltest found, and that it draws gray or RGB images), not
// for the length of a --mean list the user wrote right, and a run ends with
// exit 2 before testing anything.
func TestBandModels(t *testing.T) {
	models := filepath.Join("..", "..", "testdata", "models")
	thirteen := strings.Repeat("0.5,", 12) + "0.5"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"13 bands", []string{"inspect", "--model", filepath.Join(models, "bands13-nchw.onnx")}, "13 channels on axis 1 (multispectral bands"},
		{"13 bands, a mean and std per band", []string{"inspect", "--model", filepath.Join(models, "bands13-nchw.onnx"), "--mean", thirteen, "--std", thirteen}, "13 channels on axis 1 (multispectral bands"},
		{"RGB and near-infrared, 4 values", []string{"inspect", "--model", filepath.Join(models, "rgbn-nhwc.onnx"), "--mean", "0.4,0.4,0.4,0.3"}, "4 channels on axis 3 (RGBA, RGB and near-infrared"},
		{"RGB and near-infrared, bgr", []string{"inspect", "--model", filepath.Join(models, "rgbn-nhwc.onnx"), "--channel-order", "bgr"}, "4 channels on axis 3 (RGBA, RGB and near-infrared"},
		{"13 bands, a run", []string{"run", "--model", filepath.Join(models, "bands13-nchw.onnx"), "--max-evals", "2000", "--seed", "1", "--report-dir", filepath.Join(t.TempDir(), "r")}, "so it cannot test this model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, nil, tc.args...)
			if r.code != exitcode.Usage {
				t.Fatalf("exit %d, want 2; stdout %s stderr %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "fooltest draws gray or RGB images") {
				t.Errorf("stderr %q: want the refusal naming %q", r.stderr, tc.want)
			}
		})
	}
}
