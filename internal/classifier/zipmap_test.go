package classifier

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestZipMap opens models shaped as skl2onnx converts scikit-learn
// classifiers, whose probabilities reach the graph's outputs only through
// a ZipMap (a sequence of maps, which no tensor holds): the classifier
// reads the tensor the ZipMap takes, scores exactly as the same network
// without the ZipMap, and reports the ZipMap's class labels.
func TestZipMap(t *testing.T) {
	const k = 4
	dims := []int64{-1, 64}
	opts := Options{Threads: 1, Batch: 4}
	const n = 16
	imgs := strokes(rand.New(rand.NewPCG(5, 6)), n, 8, 8)
	score := func(t *testing.T, c *Classifier) []float32 {
		t.Helper()
		conf := make([]float32, n*k)
		if err := c.Score(imgs, n, conf); err != nil {
			t.Fatal(err)
		}
		return conf
	}
	plain, err := OpenBytes("plain", onnxtest.Classifier(dims, k, "Softmax").Bytes(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	want := score(t, plain)

	names := []string{"cat", "dog", "bird", "fish"}
	tests := []struct {
		name   string
		model  onnxtest.Model
		output string // --output
		labels []string
		// file opens the model from a file rather than from bytes.
		file bool
	}{
		{"string labels", onnxtest.ZipMapped(dims, k, names, nil, false), "", names, false},
		{"from a file", onnxtest.ZipMapped(dims, k, names, nil, false), "", names, true},
		{"int64 labels", onnxtest.ZipMapped(dims, k, nil, []int64{3, 5, 8, 13}, false), "", []string{"3", "5", "8", "13"}, false},
		{"--output names the ZipMap", onnxtest.ZipMapped(dims, k, names, nil, false), "output_probability", names, false},
		{"--output names its input", onnxtest.ZipMapped(dims, k, names, nil, false), "probabilities", names, false},
		{"probabilities also declared", onnxtest.ZipMapped(dims, k, names, nil, true), "", names, false},
		{"an empty label", onnxtest.ZipMapped(dims, k, []string{"cat", "", "bird", "fish"}, nil, false), "", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := opts
			o.Output = tc.output
			var c *Classifier
			var err error
			if tc.file {
				path := filepath.Join(t.TempDir(), "model.onnx")
				if err := os.WriteFile(path, tc.model.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				c, err = Open(path, o)
			} else {
				c, err = OpenBytes(tc.name, tc.model.Bytes(), o)
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer c.Close()
			i := c.Info()
			if i.Output != "probabilities" || i.ZipMapOutput != "output_probability" || i.Classes != k {
				t.Fatalf("output %q, ZipMap output %q, %d classes; want \"probabilities\", \"output_probability\", %d", i.Output, i.ZipMapOutput, i.Classes, k)
			}
			if i.OutputKind != Probabilities {
				t.Fatalf("output kind %s, want probabilities", i.OutputKind)
			}
			if !slices.Equal(i.ClassLabels, tc.labels) {
				t.Fatalf("class labels %q, want %q", i.ClassLabels, tc.labels)
			}
			got := score(t, c)
			for j := range want {
				if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
					t.Fatalf("confidence %d: %v, the network without the ZipMap gives %v", j, got[j], want[j])
				}
			}
		})
	}

	// The label output is no class scores, and --output says so.
	o := opts
	o.Output = "output_label"
	if c, err := OpenBytes("label", onnxtest.ZipMapped(dims, k, names, nil, false).Bytes(), o); err == nil {
		c.Close()
		t.Fatal("--output output_label opened; want an error")
	}
}
