package onnxcheck

import (
	"bytes"
	"strings"
	"testing"
)

// valueInfo is a ValueInfoProto: a name, a tensor type of element type elem
// with dims, and a doc string.
func valueInfo(name string, elem int, doc string, dims ...uint64) []byte {
	var shape []byte
	for _, d := range dims {
		shape = cat(shape, lenField(1, varintField(1, d)))
	}
	tensor := cat(varintField(1, uint64(elem)), lenField(2, shape))
	return cat(strField(1, name), lenField(2, lenField(1, tensor)), strField(3, doc))
}

// castModel is a model importing the default opset at version opset whose
// graph reads x through a Relu into y, and already holds a value named
// x_fooltest_float32.
func castModel(opset uint64, elem int) []byte {
	graph := cat(
		lenField(1, strField(1, "x"), strField(2, "x_fooltest_float32"), strField(4, "Relu")),
		lenField(1, strField(1, "x_fooltest_float32"), strField(2, "y"), strField(4, "Relu")),
		strField(2, "g"),
		lenField(11, valueInfo("x", elem, "the image", 1, 3, 8, 8)),
		lenField(12, valueInfo("y", elem, "the scores", 1, 10)),
	)
	return cat(varintField(1, 8), lenField(7, graph), lenField(8, strField(1, ""), varintField(2, opset)))
}

// decoded is what a test reads back from a rewritten model.
type decoded struct {
	nodes          []opNode
	inputs, output []valueSeen
}

type valueSeen struct {
	name string
	elem uint64
	dims int
	doc  string
}

func readBack(t *testing.T, data []byte) decoded {
	t.Helper()
	m, err := parseModel(data)
	if err != nil {
		t.Fatalf("the rewritten model does not parse: %v", err)
	}
	d := decoded{nodes: m.nodes}
	top := msg{data: data, end: len(data)}
	err = each(top, 0, func(f field) error {
		if f.num != modelGraph {
			return nil
		}
		g, _ := f.sub()
		return each(g, 1, func(gf field) error {
			if gf.num != graphInput && gf.num != graphOutput {
				return nil
			}
			v, _ := gf.sub()
			var s valueSeen
			err := each(v, 2, func(vf field) error {
				switch vf.num {
				case 1:
					b, _ := vf.bytes()
					s.name = string(b)
				case 3:
					b, _ := vf.bytes()
					s.doc = string(b)
				case 2:
					// Merge every tensor_type occurrence, as protobuf does.
					tp, _ := vf.sub()
					return each(tp, 3, func(tf field) error {
						tt, _ := tf.sub()
						return each(tt, 4, func(ef field) error {
							switch ef.num {
							case 1:
								s.elem = ef.val
							case 2:
								sh, _ := ef.sub()
								return each(sh, 5, func(field) error { s.dims++; return nil })
							}
							return nil
						})
					})
				}
				return nil
			})
			if gf.num == graphInput {
				d.inputs = append(d.inputs, s)
			} else {
				d.output = append(d.output, s)
			}
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCastIO rewrites a float16 model for float32 at its boundary: the
// input is renamed to a name no value has and declared float32 with its
// shape and doc string kept, a Cast to float16 feeds the original input
// name first, and a Cast to float32 of the original output comes last.
func TestCastIO(t *testing.T) {
	data := castModel(13, TypeFloat16)
	out, in, res, err := CastIO(data, Boundary{Value: "x", Elem: TypeFloat16}, Boundary{Value: "y", Elem: TypeFloat16})
	if err != nil {
		t.Fatal(err)
	}
	if in != "x_fooltest_float321" || res != "y_fooltest_float32" {
		t.Fatalf("bound to %q and %q; want fresh names that no value of the model has", in, res)
	}
	d := readBack(t, out)
	if len(d.nodes) != 4 {
		t.Fatalf("%d nodes, want the model's 2 and 2 casts", len(d.nodes))
	}
	first, last := d.nodes[0], d.nodes[3]
	if first.Op != "Cast" || first.Inputs[0] != in || first.Outputs[0] != "x" {
		t.Fatalf("first node %+v, want Cast %s -> x", first, in)
	}
	if to, _ := (&Node{Op: first.Op, attrs: first.attrs}).Int("to"); to != TypeFloat16 {
		t.Fatalf("input cast to %d, want float16 (%d)", to, TypeFloat16)
	}
	if last.Op != "Cast" || last.Inputs[0] != "y" || last.Outputs[0] != res {
		t.Fatalf("last node %+v, want Cast y -> %s", last, res)
	}
	if to, _ := (&Node{Op: last.Op, attrs: last.attrs}).Int("to"); to != TypeFloat {
		t.Fatalf("output cast to %d, want float32", to)
	}
	wantIn := valueSeen{name: in, elem: TypeFloat, dims: 4, doc: "the image"}
	wantOut := valueSeen{name: res, elem: TypeFloat, dims: 2, doc: "the scores"}
	if len(d.inputs) != 1 || d.inputs[0] != wantIn || len(d.output) != 1 || d.output[0] != wantOut {
		t.Fatalf("inputs %+v and outputs %+v, want %+v and %+v", d.inputs, d.output, wantIn, wantOut)
	}
	// The model's own nodes are copied byte for byte.
	for _, n := range []string{"x_fooltest_float32", "Relu"} {
		if !bytes.Contains(out, []byte(n)) {
			t.Fatalf("rewritten model lost %q", n)
		}
	}
}

// TestCastIOOneSide casts only the side that needs it.
func TestCastIOOneSide(t *testing.T) {
	out, in, res, err := CastIO(castModel(13, TypeFloat), Boundary{}, Boundary{Value: "y", Elem: TypeDouble})
	if err != nil {
		t.Fatal(err)
	}
	if in != "" || res != "y_fooltest_float32" {
		t.Fatalf("bound to %q and %q", in, res)
	}
	d := readBack(t, out)
	if len(d.nodes) != 3 || d.nodes[0].Op != "Relu" || d.nodes[2].Op != "Cast" {
		t.Fatalf("nodes %+v, want the model's two then one Cast", d.nodes)
	}
	if d.inputs[0].name != "x" || d.inputs[0].elem != TypeFloat {
		t.Fatalf("input %+v changed", d.inputs[0])
	}
	data := castModel(13, TypeFloat)
	same, _, _, err := CastIO(data, Boundary{Value: "x", Elem: 0}, Boundary{Value: "y", Elem: 0})
	if err != nil || !bytes.Equal(same, data) {
		t.Fatalf("nothing to cast: got %d bytes (err %v), want the model unchanged", len(same), err)
	}
}

// TestCastIOOpsets refuses opsets whose Cast cannot take the conversion.
func TestCastIOOpsets(t *testing.T) {
	tests := []struct {
		opset uint64
		elem  int
		ok    bool
	}{
		{5, TypeFloat16, false},
		{6, TypeFloat16, true},
		{12, TypeBFloat16, false},
		{13, TypeBFloat16, true},
		{6, TypeDouble, true},
	}
	for _, tc := range tests {
		_, _, _, err := CastIO(castModel(tc.opset, tc.elem), Boundary{Value: "x", Elem: tc.elem}, Boundary{Value: "y", Elem: tc.elem})
		if tc.ok != (err == nil) {
			t.Errorf("opset %d, type %d: error %v, want ok %v", tc.opset, tc.elem, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "opset") {
			t.Errorf("opset %d: error %q does not name the opset", tc.opset, err)
		}
	}
}

// TestCastIOExpose declares an inner float32 value an output of the graph,
// after the model's own outputs, and changes nothing else; even an opset
// too old for any Cast allows it, as no node is added.
func TestCastIOExpose(t *testing.T) {
	data := castModel(1, TypeFloat)
	out, in, res, err := CastIO(data, Boundary{Value: "x"}, Boundary{Value: "x_fooltest_float32", Expose: true})
	if err != nil {
		t.Fatal(err)
	}
	if in != "x" || res != "x_fooltest_float32" {
		t.Fatalf("bound to %q and %q, want the model's own names", in, res)
	}
	d := readBack(t, out)
	if len(d.nodes) != 2 {
		t.Fatalf("%d nodes, want the model's 2", len(d.nodes))
	}
	want := []valueSeen{{name: "y", elem: TypeFloat, dims: 2, doc: "the scores"}, {name: "x_fooltest_float32", elem: TypeFloat}}
	if len(d.output) != 2 || d.output[0] != want[0] || d.output[1] != want[1] {
		t.Fatalf("outputs %+v, want %+v", d.output, want)
	}
	if _, _, _, err := CastIO(data, Boundary{}, Boundary{Value: "x_fooltest_float32", Elem: TypeDouble, Expose: true}); err == nil {
		t.Fatal("exposing a value with a cast was accepted; want an error")
	}
}
