package onnxcheck

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// The raw encoders below write the messages onnxtest has no words for
// (sparse tensors, attribute lists, training info) and deliberately broken
// wire data.

func cat(parts ...[]byte) []byte { return slices.Concat(parts...) }

func tag(num, wire int) []byte { return binary.AppendUvarint(nil, uint64(num<<3|wire)) }

func lenField(num int, body ...[]byte) []byte {
	b := cat(body...)
	return cat(tag(num, 2), binary.AppendUvarint(nil, uint64(len(b))), b)
}

func strField(num int, s string) []byte { return lenField(num, []byte(s)) }

func varintField(num int, v uint64) []byte {
	return cat(tag(num, 0), binary.AppendUvarint(nil, v))
}

// extTensor is a TensorProto whose data lives in loc.
func extTensor(name, loc string) []byte {
	return cat(varintField(1, 4), varintField(2, 1), strField(8, name),
		lenField(13, strField(1, "location"), strField(2, loc)), varintField(14, 1))
}

// rawModel wraps extra ModelProto fields and a graph body into a model.
func rawModel(graph []byte, extra ...[]byte) []byte {
	return cat(varintField(1, 8), lenField(7, graph), lenField(8, varintField(2, 13)), cat(extra...))
}

// nodeWith is a NodeProto with one attribute whose fields are attr.
func nodeWith(attr ...[]byte) []byte {
	return lenField(1, strField(4, "Foo"), lenField(5, strField(1, "a"), cat(attr...)))
}

// ifChain nests depth If nodes, each holding the next in its then_branch,
// with an external tensor in the innermost graph.
func ifChain(depth int) []byte {
	g := lenField(5, extTensor("deep", "x.bin"))
	for range depth {
		g = nodeWith(lenField(6, g))
	}
	return rawModel(g)
}

// external is a float initializer kept in x.bin.
func external(name string) onnxtest.Tensor {
	return onnxtest.Tensor{Name: name, Dims: []int64{1}, External: "x.bin"}
}

func TestParseFindsEveryExternalTensor(t *testing.T) {
	base := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "")
	withNode := func(n onnxtest.Node) []byte {
		m := base
		m.Nodes = append([]onnxtest.Node{n}, base.Nodes...)
		return m.Bytes()
	}
	constant := func(tensor string) onnxtest.Node {
		return onnxtest.Node{Op: "Constant", Outputs: []string{"c"}, Tensors: map[string]onnxtest.Tensor{"value": external(tensor)}}
	}
	branch := func(inner onnxtest.Model) onnxtest.Node {
		return onnxtest.Node{Op: "If", Inputs: []string{"cond"}, Outputs: []string{"o"}, Graphs: map[string]onnxtest.Model{"then_branch": inner, "else_branch": {}}}
	}
	initializer := base
	initializer.Initializers = []onnxtest.Tensor{external("w")}
	function := base
	function.Functions = []onnxtest.Function{{Domain: "local", Name: "F", Outputs: []string{"c"}, Nodes: []onnxtest.Node{constant("in_function")}}}
	noLocationFlag := rawModel(lenField(5, strField(8, "unflagged"), lenField(13, strField(1, "location"), strField(2, "x.bin"))))
	tests := []struct {
		name   string
		model  []byte
		tensor string
	}{
		{"initializer", initializer.Bytes(), "w"},
		{"Constant attribute", withNode(constant("const")), "const"},
		{"If subgraph initializer", withNode(branch(onnxtest.Model{Initializers: []onnxtest.Tensor{external("sub")}})), "sub"},
		{"If in If", withNode(branch(onnxtest.Model{Nodes: []onnxtest.Node{branch(onnxtest.Model{Initializers: []onnxtest.Tensor{external("subsub")}})}})), "subsub"},
		{"Constant in subgraph", withNode(branch(onnxtest.Model{Nodes: []onnxtest.Node{constant("subconst")}})), "subconst"},
		{"function body", function.Bytes(), "in_function"},
		{"sparse initializer values", rawModel(lenField(15, lenField(1, extTensor("values", "x.bin")))), "values"},
		{"sparse initializer indices", rawModel(lenField(15, lenField(2, extTensor("indices", "x.bin")))), "indices"},
		{"attribute tensors", rawModel(nodeWith(lenField(10, extTensor("listed", "x.bin")))), "listed"},
		{"attribute graphs", rawModel(nodeWith(lenField(11, lenField(5, extTensor("in_graphs", "x.bin"))))), "in_graphs"},
		{"attribute sparse_tensor", rawModel(nodeWith(lenField(22, lenField(1, extTensor("sparse", "x.bin"))))), "sparse"},
		{"attribute sparse_tensors", rawModel(nodeWith(lenField(23, lenField(2, extTensor("sparses", "x.bin"))))), "sparses"},
		{"function default attribute", rawModel(nil, lenField(25, strField(1, "F"), lenField(11, strField(1, "a"), lenField(5, extTensor("default", "x.bin"))))), "default"},
		{"training initialization", rawModel(nil, lenField(20, lenField(1, lenField(5, extTensor("init", "x.bin"))))), "init"},
		{"training algorithm", rawModel(nil, lenField(20, lenField(2, lenField(5, extTensor("algo", "x.bin"))))), "algo"},
		{"graph given twice", rawModel(nil, lenField(7, lenField(5, extTensor("second", "x.bin")))), "second"},
		{"external_data without data_location", noLocationFlag, "unflagged"},
		// The runtime reads the last location entry; every one is checked.
		{"location given twice", rawModel(lenField(5, strField(8, "twice"),
			lenField(13, strField(1, "location"), strField(2, "x.bin")),
			lenField(13, strField(1, "location"), strField(2, "weights.bin")))), "twice"},
		{"an entry 99 levels deep", ifChain(32), "deep"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseModel(tc.model)
			if err != nil {
				t.Fatal(err)
			}
			want := externalRef{Tensor: tc.tensor, Location: "x.bin"}
			if !slices.Contains(m.external, want) {
				t.Fatalf("external data %+v does not include %+v", m.external, want)
			}
		})
	}
}

func TestParseCustomDomains(t *testing.T) {
	base := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "")
	with := func(nodes []onnxtest.Node, funcs ...onnxtest.Function) []byte {
		m := base
		m.Nodes = append(append([]onnxtest.Node{}, base.Nodes...), nodes...)
		m.Functions = funcs
		return m.Bytes()
	}
	custom := func(domain, op string) onnxtest.Node {
		return onnxtest.Node{Op: op, Domain: domain, Inputs: []string{"scores"}, Outputs: []string{"x"}}
	}
	inIf := onnxtest.Node{Op: "If", Inputs: []string{"c"}, Outputs: []string{"o"}, Graphs: map[string]onnxtest.Model{"then_branch": {Nodes: []onnxtest.Node{custom("org.hidden", "H")}}}}
	tests := []struct {
		name  string
		model []byte
		want  []string
	}{
		{"standard", base.Bytes(), nil},
		{"standard domains", with([]onnxtest.Node{custom("ai.onnx", "Relu"), custom("ai.onnx.ml", "Normalizer"), custom("com.microsoft", "Gelu")}), nil},
		{"custom", with([]onnxtest.Node{custom("com.example.custom", "Foo")}), []string{"com.example.custom"}},
		{"two custom, sorted, once each", with([]onnxtest.Node{custom("zz", "A"), custom("aa", "B"), custom("zz", "C")}), []string{"aa", "zz"}},
		{"in a subgraph", with([]onnxtest.Node{inIf}), []string{"org.hidden"}},
		{"defined by a local function", with([]onnxtest.Node{custom("local", "F")}, onnxtest.Function{Domain: "local", Name: "F"}), nil},
		{"used inside a local function", with(nil, onnxtest.Function{Domain: "local", Name: "F", Nodes: []onnxtest.Node{custom("org.inner", "G")}}), []string{"org.inner"}},
		{"other op of a function's domain", with([]onnxtest.Node{custom("local", "Undefined")}, onnxtest.Function{Domain: "local", Name: "F"}), []string{"local"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseModel(tc.model)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.custom; !slices.Equal(got, tc.want) {
				t.Fatalf("custom domains %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseRefusesBrokenProtobuf(t *testing.T) {
	good := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "").Bytes()
	graphAt := len(varintField(1, 8)) // where rawModel's graph field starts
	tests := []struct {
		name   string
		data   []byte
		offset int
		reason string
	}{
		{"group wire type", cat(tag(3, 3), good), 0, "wire type 3"},
		{"wire type 7", cat(tag(3, 7), good), 0, "wire type 7"},
		{"field number 0", cat([]byte{0x02, 0x00}, good), 0, "field number 0"},
		{"tag over 32 bits", cat(binary.AppendUvarint(nil, 1<<35|2), good), 0, "32 bits"},
		{"length past the end", cat(tag(7, 2), binary.AppendUvarint(nil, 1<<40)), 0, "declares 1099511627776 bytes"},
		{"length near 2^64", cat(tag(7, 2), binary.AppendUvarint(nil, 1<<64-1)), 0, "declares"},
		{"varint overflow", cat(tag(1, 0), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}), 1, "overflows 64 bits"},
		{"varint of eleven bytes", cat(tag(1, 0), slices.Repeat([]byte{0x80}, 10), []byte{0}), 1, "overflows 64 bits"},
		{"varint cut off", cat(tag(1, 0), []byte{0x80}), 1, "past the end"},
		{"fixed64 cut off", cat(tag(1, 1), []byte{1, 2, 3}), 0, "fixed-size"},
		{"graph as varint", cat(varintField(7, 1), lenField(8)), 0, "wire type 0"},
		{"node as fixed32", rawModel(cat(tag(1, 5), []byte{0, 0, 0, 0})), graphAt + 2, "wire type 5"},
		{"corrupt inside the graph", rawModel(cat(tag(1, 2), []byte{0x05, 0xff})), graphAt + 2, "declares 5 bytes but its message has 1 left"},
		{"a tensor 101 levels deep", ifChain(33), -1, "deeper than 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseModel(tc.data)
			var ce *corruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Parse = %v, want a *CorruptError", err)
			}
			if tc.offset >= 0 && ce.Offset != tc.offset {
				t.Errorf("offset %d, want %d (%v)", ce.Offset, tc.offset, err)
			}
			if !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("reason %q does not say %q", ce.Reason, tc.reason)
			}
		})
	}
}

// TestParseRefusesEveryTruncation cuts a model at every byte: a model's
// opset import comes last, so every proper prefix is either corrupt or
// lacks its graph or opset.
func TestParseRefusesEveryTruncation(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "Softmax")
	m.Initializers = append(m.Initializers, external("e"))
	data := m.Bytes()
	if _, err := parseModel(data); err != nil {
		t.Fatal(err)
	}
	for n := range len(data) {
		_, err := parseModel(data[:n])
		var ce *corruptError
		if !errors.As(err, &ce) && !errors.Is(err, errNoGraph) {
			t.Fatalf("cut at %d of %d: Parse = %v, want an error", n, len(data), err)
		}
	}
}

func TestCheckLocations(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "model")
	elsewhere := filepath.Join(root, "elsewhere")
	for _, d := range []string{filepath.Join(dir, "sub", "dir"), elsewhere} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"model/weights.bin", "model/sub/w.bin", "model/x.bin", "outside.bin", "x.bin", "elsewhere/w.bin"} {
		if err := os.WriteFile(filepath.Join(root, f), []byte("1234"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"model/w.bin":       filepath.Join(elsewhere, "w.bin"),
		"model/inside.bin":  "weights.bin",
		"model/sublink":     elsewhere,
		"model/dangling":    filepath.Join(root, "nothing"),
		"model/passwd.link": "/etc/passwd",
		"modellink":         "model",
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, location string
		// model is the model's path relative to root; empty for model/m.onnx.
		model string
		// problem is what the refusal must say; empty for accepted.
		problem string
	}{
		{"beside the model", "weights.bin", "", ""},
		{"in a subfolder", "sub/w.bin", "", ""},
		{"link inside the folder", "inside.bin", "", ""},
		{"./ prefix", "./weights.bin", "", ""},
		{"model reached through a symlinked folder", "weights.bin", "modellink/m.onnx", ""},
		{"absolute", "/etc/passwd", "", "an absolute path"},
		{"absolute to an existing inside file", filepath.Join(dir, "weights.bin"), "", "an absolute path"},
		{"parent", "../outside.bin", "", `through ".."`},
		{"down and out", "sub/../../x.bin", "", `through ".."`},
		{"down and back", "sub/../weights.bin", "", `through ".."`},
		// Lexically model/x.bin, an inside file; the system opens
		// elsewhere/../x.bin, which is root/x.bin.
		{"symlinked folder then ..", "sublink/../x.bin", "", `through ".."`},
		{"backslash parent", `..\outside.bin`, "", `through ".."`},
		{"symlink out", "w.bin", "", "outside the model's folder"},
		{"through a symlinked folder", "sublink/w.bin", "", "outside the model's folder"},
		{"symlink to /etc/passwd", "passwd.link", "", "outside the model's folder"},
		{"missing", "gone.bin", "", "missing from the model's folder"},
		{"dangling link", "dangling", "", "missing from the model's folder"},
		{"a folder", "sub/dir", "", "not a regular file"},
		{"the folder itself", ".", "", "not a regular file"},
		{"empty", "", "", "empty location"},
		{"NUL byte", "weights.bin\x00/../../../etc/passwd", "", "NUL byte"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			model := tc.model
			if model == "" {
				model = "model/m.onnx"
			}
			_, err := Check(filepath.Join(root, model), rawModel(lenField(5, extTensor("weights_1", tc.location))))
			if tc.problem == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			assertRefusal(t, err, tc.problem, `"weights_1"`, quote(tc.location))
			var ee *externalDataError
			if !errors.As(err, &ee) || ee.Location != tc.location {
				t.Errorf("error %v does not carry the location", err)
			}
		})
	}
}

// TestCheckRelativeModelPath resolves a model named without a folder
// against the working directory, as the runtime does.
func TestCheckRelativeModelPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("weights.bin", []byte("1234"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "")
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "e", Dims: []int64{1}, External: "weights.bin"})
	if _, err := Check("m.onnx", m.Bytes()); err != nil {
		t.Fatal(err)
	}
	m.Initializers[len(m.Initializers)-1].External = "../weights.bin"
	_, err := Check("m.onnx", m.Bytes())
	assertRefusal(t, err, `through ".."`)
}

func TestCheckBytes(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "")
	if _, err := CheckBytes("demo", m.Bytes()); err != nil {
		t.Fatalf("inline model refused: %v", err)
	}
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "e", Dims: []int64{1}, External: "weights.bin"})
	_, err := CheckBytes("demo", m.Bytes())
	assertRefusal(t, err, "given as bytes has no folder", `"weights.bin"`, "embed the weights")
}

func TestCheckRefusesWithExit2(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want []string
	}{
		{"empty", nil, []string{"model m.onnx is empty", "export it again"}},
		// Files saved in the model's place: "export it again" is no fix.
		{"text", []byte("this is not an onnx model"), []string{"model m.onnx is a text file, not an ONNX model: give the model's .onnx file"}},
		{"HTML page", []byte("\n<!DOCTYPE html>\n<html lang=\"en\">"), []string{"model m.onnx is an HTML page, not an ONNX model: download the .onnx file itself"}},
		{"notebook", []byte("{\n \"cells\": [\n  {"), []string{"model m.onnx is a Jupyter notebook, not an ONNX model"}},
		{"JSON", []byte("[\"cat\", \"dog\"]"), []string{"model m.onnx is a JSON file, not an ONNX model"}},
		{"XML", []byte("<?xml version=\"1.0\"?><testsuites>"), []string{"model m.onnx is an XML file, not an ONNX model"}},
		{"binary", []byte{0xff, 0x00, 0x13, 0x99}, []string{"not a valid ONNX model (", "export it again"}},
		{"no graph", varintField(1, 8), []string{"no graph"}},
		// A clone without git-lfs, or actions/checkout without lfs: true.
		{"Git LFS pointer", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 44708875\n"),
			[]string{"model m.onnx is a Git LFS pointer to a file of 44708875 bytes, not the model: fetch the file itself (git lfs pull, or actions/checkout with lfs: true)"}},
		{"Git LFS pointer without a size", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\n"),
			[]string{"model m.onnx is a Git LFS pointer, not the model"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Check("m.onnx", tc.data)
			assertRefusal(t, err, tc.want...)
			_, err = CheckBytes("m.onnx", tc.data)
			assertRefusal(t, err, tc.want...)
		})
	}
}

func TestLoadError(t *testing.T) {
	standard, err := parseModel(onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "").Bytes())
	if err != nil {
		t.Fatal(err)
	}
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "")
	for _, d := range []string{"d1", "d2", "d3", "d4", "d5"} {
		m.Nodes = append(m.Nodes, onnxtest.Node{Op: "X", Domain: d})
	}
	custom, err := parseModel(m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		model *Model
		msg   string
		want  []string
	}{
		{"attribute of an older opset", standard, `This is an invalid model. In Node, ("bn", BatchNormalization, "", -1) : ("conv": tensor(float),) -> ("bn",) , Error Unrecognized attribute: consumed_inputs for operator BatchNormalization`,
			[]string{"model m.onnx gives an operator an attribute its opset does not define (Unrecognized attribute: consumed_inputs for operator BatchNormalization)", "export the model again with a current exporter"}},
		{"unknown operator", standard, `In Node, ("", NotARealOp, "", -1), Error No Op registered for NotARealOp with domain_version of 13`,
			[]string{"does not implement (No Op registered for NotARealOp with domain_version of 13)", "export the model with standard ONNX operators"}},
		{"path before failed: dropped", standard, "Error loading temporary session: Load model from /x/m.onnx failed:Type Error: mismatch",
			[]string{"model m.onnx is not a valid ONNX model: Type Error: mismatch: export it again"}},
		{"unregistered function", standard, "Fatal error: com.example:Foo(-1) is not a registered function/op", []string{"does not implement", "com.example:Foo"}},
		{"custom domains", custom, "anything", []string{`custom operator domain "d1", "d2", "d3" and 2 more`, "never loads custom-op libraries"}},
		{"other failure", standard, "Type Error: mismatch", []string{"not a valid ONNX model: Type Error: mismatch", "export it again"}},
		{"first line only", standard, "Protobuf parsing failed.\nnode {\n input: \"x\"", []string{"not a valid ONNX model: Protobuf parsing failed.: export it again"}},
		{"bounded", standard, strings.Repeat("y", 5000), []string{"model: " + strings.Repeat("y", 100) + " … " + strings.Repeat("y", 200) + ": export it again"}},
		{"nil model", nil, "Type Error: mismatch", []string{"not a valid ONNX model"}},
		// ONNX Runtime 1.29's own messages, as a model built by the
		// exporter of a later ONNX or of the first ones gets them.
		{"opset newer than the runtime's", standard, "Error loading temporary session: Load model from /x/m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model_load_utils.h:46 void onnxruntime::model_load_utils::ValidateOpsetForDomain(const std::unordered_map<std::__cxx11::basic_string<char>, int>&, const onnxruntime::logging::Logger&, bool, const std::string&, int) ONNX Runtime only *guarantees* support for models stamped with official released onnx opset versions. Opset 30 is under development and support for this is limited. The operator schemas and or other functionality may change before next ONNX release and in this case ONNX Runtime will not guarantee backward compatibility. Current official support for domain ai.onnx is till opset 26.",
			[]string{"model m.onnx imports opset 30 of ai.onnx, newer than this ONNX Runtime runs (up to opset 26): export the model again with opset 26 or lower"}},
		{"IR version newer than the runtime's", standard, "Error loading temporary session: Load model from /x/m.onnx failed:/onnxruntime_src/onnxruntime/core/graph/model.cc:192 onnxruntime::Model::Model(onnx::ModelProto&&, const onnxruntime::PathString&, const onnxruntime::IOnnxRuntimeOpSchemaRegistryList*, const onnxruntime::logging::Logger&, const onnxruntime::ModelOptions&) Unsupported model IR version: 15, max supported IR version: 13",
			[]string{"model m.onnx is written in ONNX IR version 15, newer than this ONNX Runtime reads (up to 13): export it again with an exporter (or onnx package) that writes IR version 13 or lower"}},
		{"operator version without a kernel", standard, "Error loading temporary session: Could not find an implementation for Add(1) node with name 'Plus30'",
			[]string{`model m.onnx runs Add as opset 1 defines it (node "Plus30"), and ONNX Runtime has no implementation of any operator version before opset 7: convert the model to opset 7 or later (in Python, onnx.version_converter.convert_version(model, 7))`}},
		{"unnamed node without a kernel", standard, "Could not find an implementation for ConvInteger(10) node with name ''",
			[]string{"model m.onnx runs ConvInteger as opset 10 defines it, with types"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assertRefusal(t, tc.model.LoadError("m.onnx", tc.msg), tc.want...)
		})
	}
}

// TestTamperedNamesStayOnOneLine: names taken from the model must not
// break the one-line message or make it unbounded.
func TestTamperedNamesStayOnOneLine(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "")
	m.Initializers = append(m.Initializers, onnxtest.Tensor{Name: "a\nb" + strings.Repeat("x", 10000), Dims: []int64{1}, External: "/x\ny"})
	_, err := Check(filepath.Join(t.TempDir(), "m.onnx"), m.Bytes())
	assertRefusal(t, err, `"a\nb`, `"/x\ny"`)
	if len(err.Error()) > 500 {
		t.Fatalf("message is %d bytes long", len(err.Error()))
	}
}

// assertRefusal checks that err is a one-line exit-2 error that says each
// of want.
func assertRefusal(t *testing.T, err error, want ...string) {
	t.Helper()
	if !errors.Is(err, fault.Invalid) {
		t.Fatalf("kind %v, want invalid input (%v)", fault.KindOf(err), err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("message is not one line: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("message %q does not say %q", msg, w)
		}
	}
}

// FuzzCheck feeds arbitrary bytes to the parser: it must return, without
// panicking, and a model it accepts from bytes must name no external data.
func FuzzCheck(f *testing.F) {
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, "Softmax")
	f.Add(m.Bytes())
	ext, _ := m.Externalize("weights.bin")
	f.Add(ext.Bytes())
	f.Add(ifChain(3))
	f.Add(rawModel(lenField(15, lenField(1, extTensor("values", "x.bin")))))
	f.Add([]byte{})
	f.Add(castModel(13, TypeFloat16))
	f.Add(onnxtest.Classifier([]int64{-1, 1, 2, 2}, 3, "Softmax").InFunction("Head", 2, 3, false).InFunction("Body", 1, 3, false).Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		parsed, perr := parseModel(data)
		if perr == nil {
			// Whatever a parsed model holds, casting its boundary gives
			// a model that parses, with the two casts added.
			out, _, _, err := CastIO(data, Boundary{Value: "x", Elem: TypeFloat16}, Boundary{Value: "y", Elem: TypeDouble})
			if err == nil {
				again, err := parseModel(out)
				if err != nil {
					t.Fatalf("CastIO wrote a model that does not parse: %v", err)
				}
				if len(again.nodes) != len(parsed.nodes)+2 {
					t.Fatalf("CastIO: %d nodes from %d, want 2 more", len(again.nodes), len(parsed.nodes))
				}
			}
		}
		checked, err := CheckBytes("fuzz.onnx", data)
		if (perr == nil) != (parsed != nil) {
			t.Fatalf("Parse returned %v and %v", parsed, perr)
		}
		if err == nil && len(checked.external) > 0 {
			t.Fatalf("CheckBytes accepted external data %+v", checked.external)
		}
		if err != nil && !errors.Is(err, fault.Invalid) {
			t.Fatalf("kind %v for %v", fault.KindOf(err), err)
		}
	})
}
