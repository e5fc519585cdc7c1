package onnxcheck

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// fixed32Field is a float field of wire type 5.
func fixed32Field(num int, v float32) []byte {
	return cat(tag(num, 5), binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)))
}

// packedFloats is a packed repeated float field.
func packedFloats(num int, v ...float32) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
	}
	return lenField(num, b)
}

// TestGraphView reads nodes, attributes and constants back from a model
// written field by field: the forms of TensorProto that exporters write
// (raw_data, packed and unpacked float_data, packed and unpacked dims), a
// Constant node's value, and the forms that must be refused.
func TestGraphView(t *testing.T) {
	raw := binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5))
	raw = binary.LittleEndian.AppendUint32(raw, math.Float32bits(-2))
	graph := cat(
		// A Gemm with a float, an int and a repeated-name attribute
		// (the last one wins).
		lenField(1, strField(1, "x"), strField(1, "W"), strField(2, "y"), strField(4, "Gemm"),
			lenField(5, strField(1, "alpha"), fixed32Field(2, 0.5)),
			lenField(5, strField(1, "transB"), varintField(3, 0)),
			lenField(5, strField(1, "transB"), varintField(3, 1))),
		// A Constant node holding a two-value tensor with unpacked dims.
		lenField(1, strField(2, "k"), strField(4, "Constant"),
			lenField(5, strField(1, "value"), lenField(5, varintField(1, 2), varintField(2, 1), packedFloats(4, 3, 4)))),
		// A node of a custom domain is not followed.
		lenField(1, strField(2, "z"), strField(4, "Gemm"), strField(7, "com.example")),
		// Initializers: raw data with packed dims, unpacked float_data,
		// a double tensor, a count that does not match its dims.
		lenField(5, strField(8, "W"), lenField(1, binary.AppendUvarint(binary.AppendUvarint(nil, 1), 2)), varintField(2, 1), lenField(9, raw)),
		lenField(5, strField(8, "u"), varintField(1, 2), varintField(2, 1), fixed32Field(4, 7), fixed32Field(4, 8)),
		lenField(5, strField(8, "d"), varintField(1, 1), varintField(2, 11), lenField(10, make([]byte, 8))),
		lenField(5, strField(8, "bad"), varintField(1, 3), varintField(2, 1), packedFloats(4, 1, 2)),
		lenField(12, strField(1, "y")),
	)
	m, err := parseModel(rawModel(graph))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.OutputNames(); !slices.Equal(got, []string{"y"}) {
		t.Errorf("outputs %q", got)
	}
	n := m.Producer("y")
	if n == nil || n.Op != "Gemm" || !slices.Equal(n.Inputs, []string{"x", "W"}) {
		t.Fatalf("producer of y: %+v", n)
	}
	if v, ok := n.Float("alpha"); !ok || v != 0.5 {
		t.Errorf("alpha %v %v", v, ok)
	}
	if v, ok := n.Int("transB"); !ok || v != 1 {
		t.Errorf("transB %v %v, want the last one, 1", v, ok)
	}
	if _, ok := n.Int("beta"); ok {
		t.Error("beta found, but the node has none")
	}
	if _, ok := n.Int("alpha"); ok {
		t.Error("alpha read as an int")
	}
	if m.Producer("z") != nil || m.Producer("x") != nil {
		t.Error("a custom-domain node or a graph input has a producer")
	}
	for _, tc := range []struct {
		name string
		dims []int64
		vals []float32
	}{
		{"W", []int64{1, 2}, []float32{1.5, -2}},
		{"u", []int64{2}, []float32{7, 8}},
		{"k", []int64{2}, []float32{3, 4}},
	} {
		dims, vals, ok := m.Floats(tc.name, 16)
		if !ok || !slices.Equal(dims, tc.dims) || !slices.Equal(vals, tc.vals) {
			t.Errorf("%s: %v %v %v, want %v %v", tc.name, dims, vals, ok, tc.dims, tc.vals)
		}
	}
	for _, name := range []string{"d", "bad", "x", "missing"} {
		if _, _, ok := m.Floats(name, 16); ok {
			t.Errorf("%s read as floats", name)
		}
	}
	if _, _, ok := m.Floats("W", 1); ok {
		t.Error("W read past the cap of 1 value")
	}
	// Dimensions come whatever the element type or the data.
	for name, want := range map[string][]int64{"W": {1, 2}, "u": {2}, "k": {2}, "d": {1}, "bad": {3}} {
		if dims, ok := m.ConstDims(name); !ok || !slices.Equal(dims, want) {
			t.Errorf("ConstDims(%s): %v %v, want %v", name, dims, ok, want)
		}
	}
	if _, ok := m.ConstDims("x"); ok {
		t.Error("ConstDims of a graph input")
	}
}

// TestHalfFloats reads float16 and bfloat16 constants, as float16 exports
// hold the constants that scale their input, in raw_data and in
// int32_data, widened exactly (subnormals and signs included), while
// Floats, whose callers bound float32 arithmetic, still refuses them.
func TestHalfFloats(t *testing.T) {
	half := func(v ...uint16) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint16(b, x)
		}
		return b
	}
	graph := cat(
		// float16 255, -0.1307 (0xb02f: -0.13074), the smallest
		// subnormal, and 1 in raw_data.
		lenField(5, strField(8, "f16"), varintField(1, 4), varintField(2, 10), lenField(9, half(0x5bf8, 0xb02f, 0x0001, 0x3c00))),
		// float16 0.5 and -2 in int32_data.
		lenField(5, strField(8, "f16list"), varintField(1, 2), varintField(2, 10), packedVarints(5, 0x3800, 0xc000)),
		// bfloat16 255 and -0.5 in raw_data.
		lenField(5, strField(8, "bf16"), varintField(1, 2), varintField(2, 16), lenField(9, half(0x437f, 0xbf00))),
		// A Constant node's float16 scalar 0.25.
		lenField(1, strField(2, "k"), strField(4, "Constant"),
			lenField(5, strField(1, "value"), lenField(5, varintField(2, 10), lenField(9, half(0x3400))))),
		// A count that does not match the dims, and a pattern wider
		// than 16 bits.
		lenField(5, strField(8, "short"), varintField(1, 3), varintField(2, 10), lenField(9, half(0x3c00, 0x3c00))),
		lenField(5, strField(8, "wide"), varintField(1, 1), varintField(2, 10), packedVarints(5, 0x10000)),
		lenField(12, strField(1, "y")),
	)
	m, err := parseModel(rawModel(graph))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dims []int64
		vals []float32
	}{
		{"f16", []int64{4}, []float32{255, -0.1307373046875, 0x1p-24, 1}},
		{"f16list", []int64{2}, []float32{0.5, -2}},
		{"bf16", []int64{2}, []float32{255, -0.5}},
		{"k", nil, []float32{0.25}},
	} {
		dims, vals, ok := m.HalfFloats(tc.name, 16)
		if !ok || !slices.Equal(dims, tc.dims) || !slices.Equal(vals, tc.vals) {
			t.Errorf("HalfFloats(%s): %v %v %v, want %v %v", tc.name, dims, vals, ok, tc.dims, tc.vals)
		}
		if _, _, ok := m.Floats(tc.name, 16); ok {
			t.Errorf("Floats(%s) read a 16-bit float constant", tc.name)
		}
	}
	for _, name := range []string{"short", "wide", "y"} {
		if _, _, ok := m.HalfFloats(name, 16); ok {
			t.Errorf("%s read as floats", name)
		}
	}
	if _, _, ok := m.HalfFloats("f16", 3); ok {
		t.Error("f16 read past the cap of 3 values")
	}
}

// packedVarints is a packed repeated varint field of signed values, as
// int32_data and int64_data write them.
func packedVarints(num int, v ...int64) []byte {
	var b []byte
	for _, x := range v {
		b = binary.AppendUvarint(b, uint64(x))
	}
	return lenField(num, b)
}

// TestInts64 reads integer constants back in the forms exporters write
// them (raw_data of int64 and int32, packed and unpacked int64_data and
// int32_data, a Constant node's value), negative values included, and
// refuses the rest.
func TestInts64(t *testing.T) {
	raw64 := binary.LittleEndian.AppendUint64(nil, uint64(1))
	raw64 = binary.LittleEndian.AppendUint64(raw64, ^uint64(0))
	raw32 := binary.LittleEndian.AppendUint32(nil, uint32(0xfffffffe))
	graph := cat(
		lenField(1, strField(2, "k"), strField(4, "Constant"),
			lenField(5, strField(1, "value"), lenField(5, varintField(1, 3), varintField(2, 7), packedVarints(7, 0, -1, 64)))),
		lenField(5, strField(8, "raw64"), varintField(1, 2), varintField(2, 7), lenField(9, raw64)),
		lenField(5, strField(8, "raw32"), varintField(1, 1), varintField(2, 6), lenField(9, raw32)),
		lenField(5, strField(8, "list32"), varintField(1, 2), varintField(2, 6), packedVarints(5, -3, 5)),
		lenField(5, strField(8, "single64"), varintField(2, 7), varintField(7, 4)),
		lenField(5, strField(8, "float"), varintField(1, 1), varintField(2, 1), packedFloats(4, 1)),
		lenField(5, strField(8, "short"), varintField(1, 3), varintField(2, 7), lenField(9, raw64)),
		lenField(5, strField(8, "both"), varintField(1, 1), varintField(2, 7), lenField(9, raw64[:8]), packedVarints(7, 1)),
		lenField(12, strField(1, "y")),
	)
	m, err := parseModel(rawModel(graph))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		dims []int64
		vals []int64
	}{
		{"k", []int64{3}, []int64{0, -1, 64}},
		{"raw64", []int64{2}, []int64{1, -1}},
		{"raw32", []int64{1}, []int64{-2}},
		{"list32", []int64{2}, []int64{-3, 5}},
		{"single64", nil, []int64{4}},
	} {
		dims, vals, ok := m.Ints64(tc.name, 16)
		if !ok || !slices.Equal(dims, tc.dims) || !slices.Equal(vals, tc.vals) {
			t.Errorf("%s: %v %v %v, want %v %v", tc.name, dims, vals, ok, tc.dims, tc.vals)
		}
	}
	for _, name := range []string{"float", "short", "both", "x", "missing"} {
		if dims, vals, ok := m.Ints64(name, 16); ok {
			t.Errorf("%s read as integers: %v %v", name, dims, vals)
		}
	}
	if _, _, ok := m.Ints64("k", 2); ok {
		t.Error("k read past the cap of 2 values")
	}
}

// TestMetadata reads a model's metadata_props: the entries it holds, and
// none of a key or value too long to be one of the conventions read.
func TestMetadata(t *testing.T) {
	m := onnxtest.Classifier([]int64{-1, 1, 2, 2}, 2, "")
	m.Metadata = map[string]string{"Image.BitmapPixelFormat": "Bgr8", "long": strings.Repeat("x", maxMetadataValueBytes+1), "names": strings.Repeat("y", maxMetadataKeyBytes+1)}
	got, err := CheckBytes("model", m.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got.Metadata("Image.BitmapPixelFormat"); !ok || v != "Bgr8" {
		t.Errorf("Image.BitmapPixelFormat: %q %v, want Bgr8", v, ok)
	}
	if v, ok := got.Metadata("names"); !ok || len(v) != maxMetadataKeyBytes+1 {
		t.Errorf("names: %d bytes %v, want %d: a value may be longer than a key", len(v), ok, maxMetadataKeyBytes+1)
	}
	for _, key := range []string{"long", "Image.NominalPixelRange"} {
		if v, ok := got.Metadata(key); ok {
			t.Errorf("%s: %q, want no entry", key, v)
		}
	}
}
