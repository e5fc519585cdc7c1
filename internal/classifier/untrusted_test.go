package classifier

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// untrustedModel is the classifier every hostile case starts from.
func untrustedModel() onnxtest.Model { return onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "") }

// withWeightsAt returns the model with its weights kept in loc, and those
// weights' bytes.
func withWeightsAt(loc string) ([]byte, []byte) {
	m, blob := untrustedModel().Externalize(loc)
	return m.Bytes(), blob
}

// withNode returns the model with n appended, reading the logits.
func withNode(n onnxtest.Node) onnxtest.Model {
	m := untrustedModel()
	m.Nodes[1].Outputs = []string{"logits"}
	n.Inputs, n.Outputs = []string{"logits"}, []string{"scores"}
	m.Nodes = append(m.Nodes, n)
	return m
}

func write(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestUntrustedModels opens broken and hostile models through Open and
// OpenBytes and the real runtime. Each refusal must carry the exit code CI
// scripts against and one line that names the problem; the external-data
// cases must be refused by fooltest's own check ("refused: tensor"), which
// runs before ONNX Runtime opens any file the model names.
func TestUntrustedModels(t *testing.T) {
	good := untrustedModel().Bytes()
	huge := slices.Concat([]byte{7<<3 | 2}, binary.AppendUvarint(nil, 1<<40), good)
	overflow := slices.Concat([]byte{1 << 3}, slices.Repeat([]byte{0xff}, 10), good)
	random := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	deep := onnxtest.Model{Initializers: []onnxtest.Tensor{{Name: "d", Dims: []int64{1}, Data: []float32{1}}}}
	for range 40 {
		deep = onnxtest.Model{Nodes: []onnxtest.Node{{Op: "If", Graphs: map[string]onnxtest.Model{"then_branch": deep}}}}
	}
	deepModel := untrustedModel()
	deepModel.Nodes = append(deepModel.Nodes, deep.Nodes...)

	// file returns a setup that writes data as dir/model/m.onnx.
	file := func(data []byte) func(*testing.T, string) (string, []byte) {
		return func(t *testing.T, dir string) (string, []byte) {
			return write(t, filepath.Join(dir, "model", "m.onnx"), data), nil
		}
	}
	// mem returns a setup that opens data from memory.
	mem := func(data []byte) func(*testing.T, string) (string, []byte) {
		return func(*testing.T, string) (string, []byte) { return "", data }
	}
	// external returns a setup whose model keeps its weights in loc, with
	// valid weights written at dir/model/loc and wherever else prepare
	// puts them, so that only the check stands between the model and
	// those files.
	external := func(loc string, prepare func(t *testing.T, dir string, weights []byte)) func(*testing.T, string) (string, []byte) {
		return func(t *testing.T, dir string) (string, []byte) {
			model, weights := withWeightsAt(loc)
			if !filepath.IsAbs(loc) {
				write(t, filepath.Join(dir, "model", loc), weights)
			}
			if prepare != nil {
				prepare(t, dir, weights)
			}
			return write(t, filepath.Join(dir, "model", "m.onnx"), model), nil
		}
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (path string, data []byte)
		opts  Options
		code  fault.Kind
		want  []string
	}{
		// Operators the runtime does not have.
		{"unknown operator", file(withNode(onnxtest.Node{Op: "NotARealOp"}).Bytes()), Options{}, fault.Invalid,
			[]string{"uses an operator ONNX Runtime does not implement", "NotARealOp", "export the model with standard ONNX operators"}},
		{"unknown operator from bytes", mem(withNode(onnxtest.Node{Op: "NotARealOp"}).Bytes()), Options{}, fault.Invalid,
			[]string{"does not implement", "NotARealOp"}},
		{"custom operator domain", file(func() []byte {
			m := withNode(onnxtest.Node{Op: "Foo", Domain: "com.example.custom"})
			m.Imports = map[string]int64{"com.example.custom": 1}
			return m.Bytes()
		}()), Options{}, fault.Invalid, []string{`custom operator domain "com.example.custom"`, "never loads custom-op libraries", "export the model with standard ONNX operators"}},
		{"custom domain without its opset import", mem(withNode(onnxtest.Node{Op: "Foo", Domain: "com.example.custom"}).Bytes()), Options{}, fault.Invalid,
			[]string{`custom operator domain "com.example.custom"`}},

		// Files the runtime cannot run, through the runtime's own words.
		{"opset newer than the runtime's", file(func() []byte {
			m := untrustedModel()
			m.Opset = 30
			return m.Bytes()
		}()), Options{}, fault.Invalid, []string{"imports opset 30 of ai.onnx, newer than this ONNX Runtime runs (up to opset ", "export the model again with opset "}},
		{"IR version newer than the runtime's", mem(func() []byte {
			m := untrustedModel()
			m.IRVersion = 99
			return m.Bytes()
		}()), Options{}, fault.Invalid, []string{"is written in ONNX IR version 99, newer than this ONNX Runtime reads (up to ", "that writes IR version "}},
		{"an opset before the runtime's first", file(func() []byte {
			// ONNX Runtime implements Relu as opset 6 defines it, not 1.
			m := withNode(onnxtest.Node{Op: "Relu"})
			m.Opset = 5
			return m.Bytes()
		}()), Options{}, fault.Invalid, []string{"runs Relu as opset 1 defines it", "ONNX Runtime has no implementation of any operator version before opset 7", "convert_version(model, 7)"}},

		// Broken files.
		{"not protobuf", file([]byte("\x00this is not an onnx model at all")), Options{}, fault.Invalid,
			[]string{"is not a valid ONNX model (truncated or corrupt protobuf at byte 0", "export it again"}},
		{"cut at a quarter", file(good[:len(good)/4]), Options{}, fault.Invalid, []string{"truncated or corrupt protobuf at byte"}},
		{"cut in half", file(good[:len(good)/2]), Options{}, fault.Invalid, []string{"truncated or corrupt protobuf at byte"}},
		{"cut at three quarters", file(good[:3*len(good)/4]), Options{}, fault.Invalid, []string{"truncated or corrupt protobuf at byte"}},
		{"last byte missing", file(good[:len(good)-1]), Options{}, fault.Invalid, []string{"truncated or corrupt protobuf at byte"}},
		{"cut in half, from bytes", mem(good[:len(good)/2]), Options{}, fault.Invalid, []string{"truncated or corrupt protobuf at byte"}},
		{"empty file", file(nil), Options{}, fault.Invalid, []string{"is empty"}},
		{"empty bytes", mem(nil), Options{}, fault.Invalid, []string{"is empty"}},
		{"random bytes", file(random), Options{}, fault.Invalid, []string{"not a valid ONNX model"}},
		{"huge declared length", file(huge), Options{}, fault.Invalid, []string{"at byte 0", "declares 1099511627776 bytes"}},
		{"varint overflow", file(overflow), Options{}, fault.Invalid, []string{"at byte 1", "overflows 64 bits"}},
		{"If nested 40 deep", file(deepModel.Bytes()), Options{}, fault.Invalid, []string{"deeper than 100 levels"}},
		{"a directory", func(t *testing.T, dir string) (string, []byte) { return dir, nil }, Options{}, fault.Invalid,
			[]string{"is not a regular file"}},
		{"missing file", func(t *testing.T, dir string) (string, []byte) { return filepath.Join(dir, "none.onnx"), nil }, Options{}, fault.Invalid,
			[]string{"cannot read model"}},
		{"over --max-model-bytes", file(good), Options{MaxModelBytes: 100}, fault.Invalid,
			[]string{"over the 100-byte limit"}},

		// External data that leads out of the model's folder.
		{"absolute location", external("/etc/passwd", nil), Options{}, fault.Invalid,
			[]string{"refused: tensor \"w\"", `"/etc/passwd"`, "an absolute path", "inside the model's folder"}},
		{"../outside.bin", external("../outside.bin", func(t *testing.T, dir string, w []byte) {
			write(t, filepath.Join(dir, "outside.bin"), w)
		}), Options{}, fault.Invalid, []string{"refused: tensor \"w\"", `"../outside.bin"`, `through ".."`}},
		{"sub/../../x.bin", external("sub/../../x.bin", func(t *testing.T, dir string, w []byte) {
			write(t, filepath.Join(dir, "x.bin"), w)
			write(t, filepath.Join(dir, "model", "sub", "keep"), nil)
		}), Options{}, fault.Invalid, []string{"refused: tensor \"w\"", `"sub/../../x.bin"`, `through ".."`}},
		{"symlink out of the folder", external("w.bin", func(t *testing.T, dir string, w []byte) {
			target := write(t, filepath.Join(dir, "elsewhere", "w.bin"), w)
			os.Remove(filepath.Join(dir, "model", "w.bin"))
			symlink(t, target, filepath.Join(dir, "model", "w.bin"))
		}), Options{}, fault.Invalid, []string{"refused: tensor \"w\"", `"w.bin"`, "elsewhere/w.bin, outside the model's folder"}},
		{"symlinked folder then ..", external("link/../outside.bin", func(t *testing.T, dir string, w []byte) {
			write(t, filepath.Join(dir, "outside.bin"), w)
			write(t, filepath.Join(dir, "elsewhere", "w.bin"), w)
			symlink(t, filepath.Join(dir, "elsewhere"), filepath.Join(dir, "model", "link"))
		}), Options{}, fault.Invalid, []string{"refused: tensor \"w\"", `through ".."`}},
		{"escape from an If branch", func(t *testing.T, dir string) (string, []byte) {
			write(t, filepath.Join(dir, "outside.bin"), onnxtest.RawData([]float32{1}))
			m := untrustedModel()
			m.Nodes = append(m.Nodes, onnxtest.Node{Op: "If", Graphs: map[string]onnxtest.Model{
				"then_branch": {Initializers: []onnxtest.Tensor{{Name: "hidden", Dims: []int64{1}, External: "../outside.bin"}}},
			}})
			return write(t, filepath.Join(dir, "model", "m.onnx"), m.Bytes()), nil
		}, Options{}, fault.Invalid, []string{"refused: tensor \"hidden\"", `through ".."`}},
		{"weights file missing", func(t *testing.T, dir string) (string, []byte) {
			model, _ := withWeightsAt("weights.bin")
			return write(t, filepath.Join(dir, "model", "m.onnx"), model), nil
		}, Options{}, fault.Invalid, []string{`"weights.bin"`, "missing from the model's folder", "copy the weights file beside the model"}},
		// A copy cut short: the model is sound, its weights file is not.
		{"weights file truncated", func(t *testing.T, dir string) (string, []byte) {
			model, weights := withWeightsAt("weights.bin")
			write(t, filepath.Join(dir, "model", "weights.bin"), weights[:len(weights)/2])
			return write(t, filepath.Join(dir, "model", "m.onnx"), model), nil
		}, Options{}, fault.Invalid, []string{`reads tensor "w" from bytes`, `of its weights file "weights.bin", which has only`, "copy the weights file beside the model again"}},
		// ONNX Runtime resolves a bytes model's external data against the
		// working directory, and would load these weights from it.
		{"external data from bytes", func(t *testing.T, dir string) (string, []byte) {
			model, weights := withWeightsAt("weights.bin")
			write(t, filepath.Join(dir, "weights.bin"), weights)
			t.Chdir(dir)
			return "", model
		}, Options{}, fault.Invalid, []string{"refused: tensor \"w\"", "given as bytes has no folder", "embed the weights"}},

		// Models that load but fail when run: the environment's fault as
		// far as a gate can tell, so exit 3.
		{"reshape impossible at run time", mem(func() []byte {
			m := withNode(onnxtest.Node{Op: "Reshape"})
			m.Nodes[2].Inputs = []string{"flat", "shape"}
			m.Nodes[1].Outputs = []string{"unused"}
			m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "shape", Dims: []int64{2}, Int64s: []int64{-1, 5}})
			m.Outputs[0].Dims = []int64{-1, 5}
			return m.Bytes()
		}()), Options{}, fault.Model, []string{"failed at run time", "reshape"}},
		// Unless the image size the model failed on was the user's or
		// fooltest's to choose: exit 2, with the shape fed.
		{"weights mismatch a dynamic dim", mem(func() []byte {
			m := untrustedModel()
			m.Inputs[0].Dims = []int64{-1, 1, -1, -1}
			return m.Bytes()
		}()), Options{InputShape: &[3]int{1, 5, 5}}, fault.Invalid, []string{"failed on its first images, shaped [1 1 5 5]", "MatMul"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path, data := tc.setup(t, t.TempDir())
			opts := tc.opts
			opts.Threads = 1
			var c *Classifier
			var err error
			if path != "" {
				c, err = Open(path, opts)
			} else {
				c, err = OpenBytes("m.onnx", data, opts)
			}
			if err == nil {
				c.Close()
				t.Fatal("opened")
			}
			t.Log(err)
			if got := fault.KindOf(err); got != tc.code {
				t.Errorf("kind %v, want %v", got, tc.code)
			}
			msg := err.Error()
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("message is not one line: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message does not say %q", w)
				}
			}
			if tc.opts.MaxModelBytes > 0 && fault.SettingOf(err) != SettingMaxModelBytes {
				t.Errorf("the error names setting %q, not the model size limit", fault.SettingOf(err))
			}
		})
	}
}

// TestExternalDataBesideModel loads a model whose weights live in a file
// in its folder and checks it scores exactly as the same model with inline
// weights: the check must not refuse what exporters write.
func TestExternalDataBesideModel(t *testing.T) {
	inline := openModel(t, untrustedModel(), Options{OutputKind: Logits, Batch: 2})
	imgs := append(constImages(1, 16, 0.25), constImages(1, 16, 0.75)...)
	want := make([]float32, 2*3)
	if err := inline.Score(imgs, 2, want); err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"weights.bin", "data/weights.bin"} {
		t.Run(loc, func(t *testing.T) {
			dir := t.TempDir()
			model, weights := withWeightsAt(loc)
			write(t, filepath.Join(dir, loc), weights)
			c, err := Open(write(t, filepath.Join(dir, "m.onnx"), model), Options{Threads: 1, OutputKind: Logits, Batch: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got := make([]float32, 2*3)
			if err := c.Score(imgs, 2, got); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("scores %v, want the inline model's %v", got, want)
			}
		})
	}
}
