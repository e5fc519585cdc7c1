package classifier

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestBatchCheck opens models that declare a dynamic batch but do not
// score each image of a batch as they score it alone: one reshapes to a
// batch of 1 inside (it fails at any larger batch), one normalises its
// softmax over the batch axis, one subtracts half the batch's mean image. A
// tuned batch falls back to 1 and says why, and then every image scores
// what it scores alone; a batch the user asked for is refused with exit 2
// and the fix. A model that scores each image on its own keeps its batch.
func TestBatchCheck(t *testing.T) {
	dims := []int64{-1, 1, 8, 8}
	plain := onnxtest.Classifier(dims, 5, "Softmax")

	reshaped := onnxtest.Classifier(dims, 5, "Softmax")
	reshaped.Nodes[0] = onnxtest.Node{Op: "Reshape", Inputs: []string{"image", "one_row"}, Outputs: []string{"flat"}}
	reshaped.Initializers = append(reshaped.Initializers, onnxtest.Tensor{Name: "one_row", Dims: []int64{2}, Int64s: []int64{1, 64}})
	reshaped.Outputs[0].Dims = []int64{1, 5}

	batchSoftmax := onnxtest.Classifier(dims, 5, "Softmax")
	batchSoftmax.Nodes[2].Ints = map[string]int64{"axis": 0}

	// Half the batch's mean image subtracted: the whole mean would leave
	// a batch of one image nothing to score.
	centred := onnxtest.Classifier(dims, 5, "Softmax")
	centred.Initializers = append(centred.Initializers, onnxtest.Tensor{Name: "half", Dims: []int64{1}, Data: []float32{0.5}})
	centred.Nodes = append([]onnxtest.Node{
		{Op: "ReduceMean", Inputs: []string{"image"}, Outputs: []string{"mean"}, IntLists: map[string][]int64{"axes": {0}}},
		{Op: "Mul", Inputs: []string{"mean", "half"}, Outputs: []string{"half_mean"}},
		{Op: "Sub", Inputs: []string{"image", "half_mean"}, Outputs: []string{"centred"}},
	}, centred.Nodes...)
	centred.Nodes[3].Inputs[0] = "centred"

	tests := []struct {
		name  string
		model onnxtest.Model
		note  string // in BatchNote; empty: the model keeps its batch
	}{
		{"each image on its own", plain, ""},
		{"reshaped to one row", reshaped, "fails at batch 2"},
		{"softmax over the batch", batchSoftmax, "change with the other images"},
		{"half the batch's mean subtracted", centred, "change with the other images"},
	}
	const n = 24
	imgs := strokes(rand.New(rand.NewPCG(7, 8)), n, 8, 8)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := OpenBytes(tc.name, tc.model.Bytes(), Options{Threads: 1})
			// On a loaded machine the tuner may time batch 1 fastest,
			// and then there is no batch to check: open again.
			for try := 0; try < 5 && err == nil && tc.note != "" && c.Info().Batch == 1 && c.Info().BatchNote == ""; try++ {
				c.Close()
				c, err = OpenBytes(tc.name, tc.model.Bytes(), Options{Threads: 1})
			}
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer c.Close()
			i := c.Info()
			if tc.note == "" {
				if i.BatchNote != "" {
					t.Fatalf("batch note %q for a model that scores each image on its own", i.BatchNote)
				}
			} else if i.Batch != 1 || !strings.Contains(i.BatchNote, tc.note) {
				t.Fatalf("batch %d, note %q; want batch 1 and a note saying %q", i.Batch, i.BatchNote, tc.note)
			}
			conf := make([]float32, n*5)
			if err := c.Score(imgs, n, conf); err != nil {
				t.Fatal(err)
			}
			for j := range n {
				alone := make([]float32, 5)
				if err := c.Score(imgs[j*64:(j+1)*64], 1, alone); err != nil {
					t.Fatal(err)
				}
				for k := range alone {
					if d := math.Abs(float64(conf[j*5+k] - alone[k])); d > 1e-5 {
						t.Fatalf("image %d, class %d: %v in a batch of %d images, %v alone", j, k, conf[j*5+k], n, alone[k])
					}
				}
			}

			c2, err := OpenBytes(tc.name, tc.model.Bytes(), Options{Threads: 1, Batch: 4})
			if tc.note == "" {
				if err != nil {
					t.Fatalf("--batch 4: %v", err)
				}
				c2.Close()
				return
			}
			if err == nil {
				c2.Close()
				t.Fatal("--batch 4 opened; want it refused")
			}
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingBatch || !strings.Contains(err.Error(), "batch 4") {
				t.Fatalf("--batch 4: %v; want an invalid-usage error naming the batch", err)
			}
		})
	}

	// A model that runs only in batches of 4 (a reshape to 4 rows inside)
	// opens with --batch 4: it has no scores alone to compare with.
	four := onnxtest.Classifier(dims, 5, "Softmax")
	four.Nodes[0] = onnxtest.Node{Op: "Reshape", Inputs: []string{"image", "four_rows"}, Outputs: []string{"flat"}}
	four.Initializers = append(four.Initializers, onnxtest.Tensor{Name: "four_rows", Dims: []int64{2}, Int64s: []int64{4, 64}})
	c, err := OpenBytes("four", four.Bytes(), Options{Threads: 1, Batch: 4})
	if err != nil {
		t.Fatalf("a model that runs only in batches of 4, --batch 4: %v", err)
	}
	if i := c.Info(); i.Batch != 4 || i.BatchNote != "" {
		t.Errorf("batch %d, note %q; want 4 and none", i.Batch, i.BatchNote)
	}
	c.Close()
	// Without --batch, tuning finds the batch it runs at.
	if c, err = OpenBytes("four", four.Bytes(), Options{Threads: 1}); err != nil {
		t.Fatalf("a model that runs only in batches of 4: %v", err)
	}
	if i := c.Info(); i.Batch != 4 || !strings.Contains(i.BatchNote, "runs at batch 4") {
		t.Errorf("batch %d, note %q; want 4 and a note saying it runs at batch 4", i.Batch, i.BatchNote)
	}
	c.Close()
}
