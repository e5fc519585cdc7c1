package classifier

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestPyNames reads class names as Python's str() writes a dict or a list
// of them, escapes included, and refuses anything else.
func TestPyNames(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		// bad is part of the error; empty when in must parse.
		bad string
	}{
		{`{0: 'tench', 1: 'goldfish'}`, []string{"tench", "goldfish"}, ""},
		{`{1: 'b', 0: 'a'}`, []string{"a", "b"}, ""},
		{`{0: "jack-o'-lantern", 1: 'a\'b', 2: 'back\\slash'}`, []string{"jack-o'-lantern", "a'b", `back\slash`}, ""},
		{`{0: 'caf\xe9', 1: '\u4e2d', 2: 'tab\there'}`, []string{"café", "中", "tab\there"}, ""},
		{` ['a', "b",] `, []string{"a", "b"}, ""},
		{`{0: 'a', 2: 'c'}`, nil, "class 2 given, but only 2 names"},
		{`{0: 'a', 0: 'b'}`, nil, "given twice"},
		{`{}`, nil, "no class"},
		{`{0: a}`, nil, "a quoted name"},
		{`{0: 'a'`, nil, "a comma or }"},
		{`{0: 'a'} x`, nil, "the end"},
		{`{0: 'a\q'}`, nil, "a known escape"},
		{`{0: 'a`, nil, "a closing quote"},
		{`names: [a, b]`, nil, "{ or ["},
		{`{99999999: 'a'}`, nil, "a colon"},
	}
	for _, tc := range tests {
		got, err := pyNames(tc.in)
		if tc.bad != "" {
			if !errors.Is(err, errNames) || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("pyNames(%s): %q, %v; want an error with %q", tc.in, got, err, tc.bad)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("pyNames(%s): %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for in, want := range map[string][2]int{"[224, 224]": {224, 224}, "(48, 192)": {48, 192}, "320": {320, 320}} {
		if got, ok := pySize(in); !ok || got != want {
			t.Errorf("pySize(%s): %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"[224, 224, 3]", "[0, 224]", "big", ""} {
		if got, ok := pySize(in); ok {
			t.Errorf("pySize(%q): %v, want none", in, got)
		}
	}
}

// ultralyticsMeta is the metadata Ultralytics's exporter writes for a
// classifier, with names for k classes.
func ultralyticsMeta(k int, imgsz string) map[string]string {
	names := make([]string, k)
	for i := range names {
		names[i] = strings.Repeat("x", i+1)
	}
	var b strings.Builder
	b.WriteString("{")
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(i) + ": '" + n + "'")
	}
	b.WriteString("}")
	return map[string]string{"author": "Ultralytics", "version": "8.3.40", "task": "classify", "stride": "1", "batch": "1",
		"imgsz": imgsz, "names": b.String(), "description": "Ultralytics YOLO11n-cls model"}
}

// TestExportMetadata: an Ultralytics classifier's metadata gives its class
// names, the size of a dynamic input and, when the user gave no
// preprocessing, its exporter's (RGB pixels in [0,1]); names of another
// count are left out with the reason, other exporters' names are still
// read, and a model of another task is refused naming the task.
func TestExportMetadata(t *testing.T) {
	t.Run("fixed size", func(t *testing.T) {
		m := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 3, "Softmax")
		m.Metadata = ultralyticsMeta(3, "[4, 4]")
		opts := Options{ModelMetadata: true}
		// Anything but raw01, so that the metadata's is seen to replace it.
		opts.Normalization, _ = Preset("imagenet")
		info := openModel(t, m, opts).Info()
		if !slices.Equal(info.ClassLabels, []string{"x", "xx", "xxx"}) || info.ClassLabelsFrom != "names in the model's metadata" {
			t.Errorf("labels %q from %q", info.ClassLabels, info.ClassLabelsFrom)
		}
		if info.Normalization != "scale=1 mean=0 std=1" || !strings.Contains(info.NormalizationFrom, "author Ultralytics, version 8.3.40, task classify") {
			t.Errorf("preprocessing %s from %q, want raw01 from the metadata", info.Normalization, info.NormalizationFrom)
		}
		if info.SizeFrom != "" {
			t.Errorf("size from %q for a declared size", info.SizeFrom)
		}
		// The user's preprocessing wins.
		opts.ModelMetadata = false
		if info := openModel(t, m, opts).Info(); info.NormalizationFrom != "" || !strings.Contains(info.Normalization, "mean=0.485") {
			t.Errorf("user's preprocessing: %s from %q", info.Normalization, info.NormalizationFrom)
		}
		// A channel order given alone replaces the exporter's and keeps
		// its range, as it does a pixel format's.
		bgr := Options{ModelMetadata: true, ChannelOrderSet: true}
		bgr.Normalization.BGR = true
		if info := openModel(t, m, bgr).Info(); info.Normalization != "scale=1 mean=0 std=1 channels=bgr" || !strings.HasSuffix(info.NormalizationFrom, "its channel order replaced by the one given") {
			t.Errorf("--channel-order bgr: %s from %q", info.Normalization, info.NormalizationFrom)
		}
	})
	t.Run("dynamic size", func(t *testing.T) {
		m := onnxtest.ConvNet(3, 1, false)
		m.Metadata = ultralyticsMeta(5, "[12, 10]")
		info := openModel(t, m, Options{ModelMetadata: true}).Info()
		if info.Height != 12 || info.Width != 10 || info.SizeFromProcessor || !strings.HasPrefix(info.SizeFrom, "imgsz 12×10 in the model's metadata") {
			t.Errorf("size %d×%d from %q", info.Height, info.Width, info.SizeFrom)
		}
		// A size the user gives wins.
		info = openModel(t, m, Options{InputShape: &[3]int{3, 8, 8}}).Info()
		if info.Height != 8 || info.SizeFrom != "" {
			t.Errorf("user's size: %d from %q", info.Height, info.SizeFrom)
		}
	})
	t.Run("names of another count", func(t *testing.T) {
		m := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 3, "Softmax")
		m.Metadata = ultralyticsMeta(2, "[4, 4]")
		info := openModel(t, m, Options{}).Info()
		if info.ClassLabels != nil || info.ClassLabelsNote != "the model's metadata names 2 classes and its output has 3" {
			t.Errorf("labels %q, note %q", info.ClassLabels, info.ClassLabelsNote)
		}
	})
	t.Run("YOLOv5", func(t *testing.T) {
		raw01, _ := Preset("raw01")
		tests := []struct {
			name     string
			channels int64
			k        int
			meta     map[string]string
			imagenet bool
		}{
			{"stride and names", 3, 2, map[string]string{"stride": "32", "names": "['no', 'yes']"}, true},
			{"names as a dict", 3, 2, map[string]string{"stride": "1", "names": "{0: 'no', 1: 'yes'}"}, true},
			{"names of another count", 3, 3, map[string]string{"stride": "32", "names": "['no', 'yes']"}, false},
			{"gray", 1, 2, map[string]string{"stride": "32", "names": "['no', 'yes']"}, false},
			{"no stride", 3, 2, map[string]string{"names": "['no', 'yes']"}, false},
			{"another author", 3, 2, map[string]string{"stride": "32", "names": "['no', 'yes']", "author": "someone"}, false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := onnxtest.Classifier([]int64{-1, tt.channels, 4, 4}, tt.k, "")
				m.Metadata = tt.meta
				info := openModel(t, m, Options{ModelMetadata: true, Normalization: raw01}).Info()
				got := strings.Contains(info.Normalization, "mean=0.485")
				if got != tt.imagenet || got != strings.Contains(info.NormalizationFrom, "YOLOv5") {
					t.Errorf("preprocessing %s from %q, want ImageNet's from the metadata: %v", info.Normalization, info.NormalizationFrom, tt.imagenet)
				}
				if tt.k == 2 && !slices.Equal(info.ClassLabels, []string{"no", "yes"}) {
					t.Errorf("labels %q", info.ClassLabels)
				}
			})
		}
		// The user's preprocessing wins.
		m := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 2, "")
		m.Metadata = tests[0].meta
		if info := openModel(t, m, Options{Normalization: raw01}).Info(); info.NormalizationFrom != "" || strings.Contains(info.Normalization, "mean=0.485") {
			t.Errorf("user's preprocessing: %s from %q", info.Normalization, info.NormalizationFrom)
		}
	})
	t.Run("OpenVINO model_info", func(t *testing.T) {
		raw01, _ := Preset("raw01")
		otx := map[string]string{
			"model_info model_type": "Classification", "model_info labels": "cat dog bird_of_prey",
			"model_info mean_values": "123.675 116.28 103.53", "model_info scale_values": "58.395 57.12 57.375",
			"model_info reverse_input_channels": "True",
		}
		// with gives otx with the entries kv, key then value, in place of
		// its own; an empty value leaves the entry out.
		with := func(kv ...string) map[string]string {
			m := maps.Clone(otx)
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					delete(m, kv[i])
				} else {
					m[kv[i]] = kv[i+1]
				}
			}
			return m
		}
		tests := []struct {
			name     string
			channels int64
			meta     map[string]string
			want     string // the preprocessing, "" for raw01 kept
		}{
			{"OTX classifier", 3, otx, "scale=255 mean=123.675,116.28,103.53 std=58.395,57.12,57.375"},
			{"one value each", 3, with("model_info scale_values", "255"), "scale=255 mean=123.675,116.28,103.53 std=255,255,255"},
			{"commas, one channel", 1, with("model_info mean_values", "127.5,", "model_info scale_values", " 127.5"), "scale=255 mean=127.5 std=127.5"},
			{"three values for one channel", 1, otx, ""},
			{"no scale values", 3, with("model_info scale_values", ""), ""},
			{"a scale of 0", 3, with("model_info scale_values", "58 0 57"), ""},
			{"not numbers", 3, with("model_info mean_values", "[0.485, 0.456, 0.406]x"), ""},
			{"two and three values", 3, with("model_info mean_values", "1 2"), ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := onnxtest.Classifier([]int64{-1, tt.channels, 4, 4}, 3, "")
				m.Metadata = tt.meta
				info := openModel(t, m, Options{ModelMetadata: true, Normalization: raw01}).Info()
				want, wantFrom := tt.want, true
				if want == "" {
					want, wantFrom = raw01.String(), false
				}
				if info.Normalization != want || strings.Contains(info.NormalizationFrom, "model_info") != wantFrom {
					t.Errorf("preprocessing %s from %q, want %s", info.Normalization, info.NormalizationFrom, want)
				}
				if !slices.Equal(info.ClassLabels, []string{"cat", "dog", "bird_of_prey"}) {
					t.Errorf("labels %q", info.ClassLabels)
				}
			})
		}
		m := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 3, "")
		m.Metadata = otx
		if info := openModel(t, m, Options{Normalization: raw01}).Info(); info.Normalization != raw01.String() || info.NormalizationFrom != "" {
			t.Errorf("user's preprocessing: %s from %q", info.Normalization, info.NormalizationFrom)
		}
	})
	t.Run("a detector", func(t *testing.T) {
		m := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 6, "")
		m.Outputs[0].Dims = []int64{-1, 2, 3}
		m = m.Then("Reshape", []string{"boxes"}, onnxtest.Tensor{Name: "boxes", Dims: []int64{3}, Int64s: []int64{-1, 2, 3}})
		m.Metadata = map[string]string{"author": "Ultralytics", "version": "8.3.40", "task": "detect", "names": "{0: 'person'}"}
		_, err := OpenBytes("detect.onnx", m.Bytes(), Options{Threads: 1})
		// No --output of a detector holds class scores: the refusal
		// names no setting, so the CLI adds no flag to try, and gives
		// the fix itself.
		if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != "" || !strings.Contains(err.Error(), "says it is a detect model, not a classifier: give fooltest a classification model") {
			t.Fatalf("got %v (setting %q), want a refusal naming the task and no setting", err, fault.SettingOf(err))
		}
		// The exporter's declared task is trusted, however the outputs
		// read: a [N,10] Softmax output under task detect (or segment,
		// pose) is refused all the same, before any output is read; a
		// classify task, or metadata that is not Ultralytics's, opens.
		for _, tc := range []struct {
			meta    map[string]string
			refused string
		}{
			{map[string]string{"author": "Ultralytics", "version": "8.3.40", "task": "detect"}, "task detect) says it is a detect model, not a classifier"},
			{map[string]string{"author": "Ultralytics", "version": "8.1.0", "task": "segment"}, "task segment) says it is a segment model, not a classifier"},
			{map[string]string{"author": "Ultralytics", "version": "11.0", "task": "pose"}, "task pose) says it is a pose model, not a classifier"},
			{map[string]string{"author": "Ultralytics", "version": "8.3.40", "task": "classify"}, ""},
			{map[string]string{"author": "someone", "version": "8.3.40", "task": "detect"}, ""},
		} {
			softmax := onnxtest.Classifier([]int64{-1, 3, 4, 4}, 10, "Softmax")
			softmax.Metadata = tc.meta
			c, err := OpenBytes("scores.onnx", softmax.Bytes(), Options{Threads: 1, Batch: 1})
			if tc.refused == "" {
				if err != nil {
					t.Errorf("%v: %v, want opened", tc.meta, err)
				} else {
					c.Close()
				}
				continue
			}
			if err == nil {
				c.Close()
			}
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != "" || !strings.Contains(err.Error(), tc.refused) ||
				!strings.HasSuffix(err.Error(), "give fooltest a classification model (an Ultralytics -cls model, exported with task classify)") {
				t.Errorf("%v: got %v (setting %q), want a refusal with %q and the fix, no setting", tc.meta, err, fault.SettingOf(err), tc.refused)
			}
		}
		// YOLOv5's exporter names no task: the refusal says whose
		// metadata it is, keeping the setting the output's refusal names.
		m.Metadata = map[string]string{"stride": "32", "names": "{0: 'person'}"}
		_, err = OpenBytes("detect.onnx", m.Bytes(), Options{Threads: 1})
		if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingModel || !strings.Contains(err.Error(), "what YOLOv5's exporter writes, for its detectors") {
			t.Fatalf("YOLOv5: got %v (setting %q), want a refusal naming YOLOv5's metadata", err, fault.SettingOf(err))
		}
	})
}
