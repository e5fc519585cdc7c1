package classifier

import (
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

// TestNotImageAlone opens the fixtures of scripts/random-models.py, models
// whose scores are not a function of the image alone. Those whose graph
// shows why (a batch-norm exported in training mode, noise on the image, a
// coin drawn once per run that two runs mostly agree on) are refused on
// every open, naming the node and the fix; one whose random operator hides
// in a subgraph is refused when its scores of one image change, as random
// and never as a model that mixes a batch's images, even where it is
// random at batch 1 only; an extra input without a default is refused,
// naming it. The same network exported in inference mode, and with an
// extra input that has a default, is tested.
func TestNotImageAlone(t *testing.T) {
	tests := []struct {
		file  string
		batch int
		// want are the parts of the refusal; none for a model that opens.
		want []string
		// setting is the refusal's setting.
		setting fault.Setting
	}{
		{"mnist-eval-mode.onnx", 0, nil, ""},
		{"mnist-eval-mode.onnx", 4, nil, ""},
		{"mnist-temperature.onnx", 0, nil, ""},
		{"mnist-train-mode.onnx", 0, []string{`node "/bn/BatchNormalization" (BatchNormalization), which the model's output "logits" depends on, is in training mode`, "batch's own statistics", "model.eval()", "TrainingMode.EVAL"}, SettingModel},
		{"mnist-train-mode.onnx", 4, []string{`node "/bn/BatchNormalization" (BatchNormalization)`, "training mode"}, SettingModel},
		{"mnist-train-mode-op13.onnx", 0, []string{`node "/bn/BatchNormalization" (BatchNormalization)`, "training mode"}, SettingModel},
		{"mnist-noise.onnx", 0, []string{`node "smoothing_noise" (RandomNormalLike)`, "random numbers on every run", "remove the noise or random layer"}, SettingModel},
		{"mnist-coin.onnx", 0, []string{`node "coin" (Bernoulli)`, "random numbers on every run"}, SettingModel},
		{"mnist-hidden-noise.onnx", 0, []string{"changes between two runs on the same images", "the model is random", "model.eval()"}, SettingModel},
		{"mnist-hidden-noise.onnx", 4, []string{"changes between two runs on the same images", "the model is random"}, SettingModel},
		{"mnist-mask.onnx", 0, []string{`"mask" (float [-1 1 28 28])`, "2 inputs without a default value", "initializer of the same name"}, ""},
	}
	for _, tc := range tests {
		// Each refusal that the graph decides is the same on every open,
		// where a check of the scores alone passes the coin 9 times in 10.
		opens := 1
		if tc.want != nil {
			opens = 3
		}
		for range opens {
			c, err := Open(filepath.Join(ownModels, tc.file), Options{Threads: 1, Batch: tc.batch, OutputKind: Logits})
			if tc.want == nil {
				if err != nil {
					t.Fatalf("%s at batch %d: %v", tc.file, tc.batch, err)
				}
				if note := c.Info().BatchNote; note != "" {
					t.Errorf("%s: batch note %q", tc.file, note)
				}
				c.Close()
				continue
			}
			if err == nil {
				c.Close()
				t.Fatalf("%s at batch %d opened; want it refused", tc.file, tc.batch)
			}
			msg := err.Error()
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != tc.setting || strings.Contains(msg, "\n") || strings.Contains(msg, "other images in its batch") {
				t.Fatalf("%s at batch %d: refused with %v (setting %q); want one line of invalid input (setting %q)", tc.file, tc.batch, err, fault.SettingOf(err), tc.setting)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s at batch %d: %q lacks %q", tc.file, tc.batch, msg, w)
				}
			}
		}
	}
}

// TestInputDefault: an extra input with a default (a temperature of 0.5,
// an initializer of the same name) is left to ONNX Runtime, which uses the
// default: the scores are the model's logits doubled, so the log-ratio of
// two classes' confidences doubles too.
func TestInputDefault(t *testing.T) {
	open := func(file string) *Classifier {
		c, err := Open(filepath.Join(ownModels, file), Options{Threads: 1, OutputKind: Logits})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	plain, tempered := open("mnist-eval-mode.onnx"), open("mnist-temperature.onnx")
	const n, k = 4, 10
	imgs := strokes(rand.New(rand.NewPCG(3, 4)), n, 28, 28)
	p, q := make([]float32, n*k), make([]float32, n*k)
	if err := plain.Score(imgs, n, p); err != nil {
		t.Fatal(err)
	}
	if err := tempered.Score(imgs, n, q); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		for j := 1; j < k; j++ {
			a := 2 * math.Log(float64(p[i*k+j])/float64(p[i*k]))
			b := math.Log(float64(q[i*k+j]) / float64(q[i*k]))
			if math.Abs(a-b) > 1e-3*(1+math.Abs(a)) {
				t.Errorf("image %d class %d: log-ratio %.5f with the temperature, want twice %.5f", i, j, b, a/2)
			}
		}
	}
}
