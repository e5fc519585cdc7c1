package hfconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadPreprocessing reads the processor settings of the families that
// Hugging Face image classifiers ship, in the forms their files take
// (old feature extractors' plain sizes and missing rescale keys
// included).
func TestReadPreprocessing(t *testing.T) {
	const third = float32(1.0 / 3)
	for _, tc := range []struct {
		name      string
		json      string
		scale     float32
		mean, std []float32
		bgr       bool
		h, w      int
	}{
		{"ViT", `{"do_normalize":true,"do_rescale":true,"do_resize":true,"image_mean":[0.5,0.5,0.5],"image_processor_type":"ViTImageProcessor","image_std":[0.5,0.5,0.5],"resample":2,"rescale_factor":0.00392156862745098,"size":{"height":224,"width":224}}`,
			1, []float32{0.5, 0.5, 0.5}, []float32{0.5, 0.5, 0.5}, false, 224, 224},
		{"ConvNeXt: shortest edge and crop_pct", `{"crop_pct":0.875,"do_normalize":true,"do_rescale":true,"do_resize":true,"image_mean":[0.485,0.456,0.406],"image_std":[0.229,0.224,0.225],"rescale_factor":0.00392156862745098,"size":{"shortest_edge":224}}`,
			1, []float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225}, false, 224, 224},
		{"old feature extractor: a plain size, no rescale keys", `{"crop_pct":0.875,"do_normalize":true,"do_resize":true,"feature_extractor_type":"ConvNextFeatureExtractor","image_mean":[0.485,0.456,0.406],"image_std":[0.229,0.224,0.225],"resample":3,"size":224}`,
			1, []float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225}, false, 224, 224},
		{"a center crop", `{"crop_size":{"height":224,"width":224},"do_center_crop":true,"image_mean":[0.5],"image_std":[0.25],"size":{"shortest_edge":256}}`,
			1, []float32{0.5}, []float32{0.25}, false, 224, 224},
		{"a crop size with the crop off", `{"crop_size":{"height":289,"width":289},"do_center_crop":false,"image_mean":[0.5],"image_std":[0.5],"size":{"height":456,"width":300}}`,
			1, []float32{0.5}, []float32{0.5}, false, 456, 300},
		{"no rescale: 0..255 pixels", `{"do_rescale":false,"image_mean":[127.5],"image_std":[127.5],"size":32}`,
			255, []float32{127.5}, []float32{127.5}, false, 32, 32},
		{"EfficientNet's offset", `{"do_rescale":true,"rescale_factor":0.00784313725490196,"rescale_offset":true,"do_normalize":false,"size":{"height":300,"width":300}}`,
			2, []float32{1}, []float32{1}, false, 300, 300},
		{"an offset before normalisation", `{"rescale_factor":0.00784313725490196,"rescale_offset":true,"image_mean":[0.5,0,0.25],"image_std":[1,2,3],"size":8}`,
			2, []float32{1.5, 1, 1.25}, []float32{1, 2, 3}, false, 8, 8},
		{"MobileViT: BGR, no normalisation", `{"do_flip_channel_order":true,"do_normalize":false,"crop_size":{"height":256,"width":256},"size":{"shortest_edge":288}}`,
			1, []float32{0}, []float32{1}, true, 256, 256},
		{"an older flip key", `{"do_flip_channels":true,"do_normalize":false,"size":{"height":3,"width":3}}`,
			1, []float32{0}, []float32{1}, true, 3, 3},
		{"no resize", `{"do_resize":false,"image_mean":[0.5],"image_std":[1],"size":{"height":224,"width":224}}`,
			1, []float32{0.5}, []float32{1}, false, 0, 0},
		{"a rescale factor of a third of a level", `{"rescale_factor":0.0013071895424836603,"do_normalize":false}`,
			third, []float32{0}, []float32{1}, false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), PreprocessorFile)
			write(t, path, tc.json)
			p, err := ReadPreprocessing(path)
			if err != nil {
				t.Fatal(err)
			}
			near := func(a, b []float32) bool {
				if len(a) != len(b) {
					return false
				}
				for i := range a {
					if a[i]-b[i] > 1e-5 || b[i]-a[i] > 1e-5 {
						return false
					}
				}
				return true
			}
			if d := p.Scale - tc.scale; d > 1e-5 || d < -1e-5 || !near(p.Mean, tc.mean) || !near(p.Std, tc.std) || p.BGR != tc.bgr || p.Height != tc.h || p.Width != tc.w {
				t.Fatalf("got scale %v mean %v std %v bgr %v size %d×%d; want %v %v %v %v %d×%d",
					p.Scale, p.Mean, p.Std, p.BGR, p.Height, p.Width, tc.scale, tc.mean, tc.std, tc.bgr, tc.h, tc.w)
			}
		})
	}
}

// TestReadPreprocessingRefuses: what no image processor writes is refused
// with the setting that overrides the file, and the problem named.
func TestReadPreprocessingRefuses(t *testing.T) {
	for _, tc := range []struct{ name, json, want string }{
		{"normalisation without means", `{"do_normalize":true,"size":224}`, "image_mean or image_std is missing"},
		{"two means", `{"image_mean":[0.5,0.5],"image_std":[0.5,0.5]}`, "give 1 or 3"},
		{"a zero std", `{"image_mean":[0.5],"image_std":[0]}`, "no standard deviation"},
		{"a rescale factor above 1", `{"rescale_factor":2,"do_normalize":false}`, "not in (0, 1]"},
		{"a size of no pixels", `{"do_normalize":false,"size":{"height":0,"width":224}}`, "not from 1 to 8192"},
		{"a size of a fraction", `{"do_normalize":false,"size":22.5}`, "not from 1 to 8192"},
		{"a size of text", `{"do_normalize":false,"size":"224"}`, "neither a number nor an object"},
		{"not JSON", `do_normalize: true`, "cannot read"},
		{"a mean of text", `{"image_mean":"imagenet","image_std":[1]}`, "cannot read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), PreprocessorFile)
			write(t, path, tc.json)
			_, err := ReadPreprocessing(path)
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingPreprocessorConfig || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want invalid input naming %s and %q", err, path, tc.want)
			}
		})
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	write(t, big, `{"image_mean":[0.5],"image_std":[0.5],"pad":"`+strings.Repeat("x", maxBytes)+`"}`)
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{big, fifo, dir, filepath.Join(dir, "missing.json")} {
		if _, err := ReadPreprocessing(path); !errors.Is(err, fault.Invalid) {
			t.Errorf("%s: got %v, want invalid input", path, err)
		}
	}
}

// TestFind looks beside the model, then above an onnx folder; files beside
// the model win, and a config.json that names no classes is not one.
func TestFind(t *testing.T) {
	root := t.TempDir()
	labels := `{"id2label":{"0":"cat","1":"dog"}}`
	write(t, filepath.Join(root, "repo", PreprocessorFile), `{}`)
	write(t, filepath.Join(root, "repo", ConfigFile), labels)
	write(t, filepath.Join(root, "repo", "onnx", ConfigFile), `{"opset":17}`)
	write(t, filepath.Join(root, "export", PreprocessorFile), `{}`)
	write(t, filepath.Join(root, "export", ConfigFile), labels)
	write(t, filepath.Join(root, "nested", "models", PreprocessorFile), `{}`)
	for _, tc := range []struct {
		model string
		want  Files
	}{
		{"repo/onnx/model.onnx", Files{Preprocessor: "repo/preprocessor_config.json", Config: "repo/config.json"}},
		{"export/model.onnx", Files{Preprocessor: "export/preprocessor_config.json", Config: "export/config.json"}},
		{"repo/other/model.onnx", Files{}},
		{"nested/models/onnx/model.onnx", Files{Preprocessor: "nested/models/preprocessor_config.json"}},
		{"nested/models/model.onnx", Files{Preprocessor: "nested/models/preprocessor_config.json"}},
	} {
		got := Find(filepath.Join(root, tc.model))
		want := tc.want
		for _, p := range []*string{&want.Preprocessor, &want.Config} {
			if *p != "" {
				*p = filepath.Join(root, *p)
			}
		}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", tc.model, got, want)
		}
	}
}
