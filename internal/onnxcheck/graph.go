package onnxcheck

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
)

// Field numbers from onnx.proto that only the graph reading below needs.
const (
	attrName        = 1
	attrFloat       = 2
	attrInt         = 3
	attrString      = 4
	tensorDims      = 1
	tensorDataType  = 2
	tensorFloatData = 4
	tensorRawData   = 9
	tensorLocation  = 14
	tensorFloatType = 1 // TensorProto.DataType FLOAT
)

// Node is a node of a model's main graph in the default operator domain, as
// far as tracing a value back through the graph needs: its operator, its
// inputs (empty names for omitted optional inputs) and its attributes.
type Node struct {
	// Name is the node's name in the model, which may be empty.
	Name    string
	Op      string
	Inputs  []string
	Outputs []string
	attrs   []msg
}

// Producer returns the node of the main graph that writes value, or nil
// when none does (a graph input or an initializer) or when that node's
// operator is outside the default domain, whose semantics are unknown here.
func (m *Model) Producer(value string) *Node {
	for i := range m.nodes {
		n := &m.nodes[i]
		for _, o := range n.Outputs {
			if o != value {
				continue
			}
			if n.Domain != "" && n.Domain != "ai.onnx" {
				return nil
			}
			return &Node{Name: n.Name, Op: n.Op, Inputs: n.Inputs, Outputs: n.Outputs, attrs: n.attrs}
		}
	}
	return nil
}

// Consumers returns the nodes of the main graph that read value, in graph
// order. A node outside the default operator domain, whose semantics are
// unknown here, comes with its domain before its operator ("domain:Op"),
// which no default operator's name matches.
func (m *Model) Consumers(value string) []*Node {
	var out []*Node
	for i := range m.nodes {
		n := &m.nodes[i]
		if !slices.Contains(n.Inputs, value) {
			continue
		}
		op := n.Op
		if n.Domain != "" && n.Domain != "ai.onnx" {
			op = n.Domain + ":" + op
		}
		out = append(out, &Node{Name: n.Name, Op: op, Inputs: n.Inputs, Outputs: n.Outputs, attrs: n.attrs})
	}
	return out
}

// OutputNames returns the names of the main graph's outputs, in order.
func (m *Model) OutputNames() []string { return m.outputs }

// attr returns the last attribute of n named name, as protobuf's "last one
// wins" reads a repeated singular field.
func (n *Node) attr(name string) (msg, bool) {
	var found msg
	ok := false
	for _, a := range n.attrs {
		if named(a, attrName, name) {
			found, ok = a, true
		}
	}
	return found, ok
}

// named reports whether message m's string field num is name: an
// attribute's or a tensor's name.
func named(m msg, num int, name string) bool {
	is := false
	_ = each(m, 0, func(f field) error {
		if f.num == num {
			b, err := f.bytes()
			is = err == nil && string(b) == name
		}
		return nil
	})
	return is
}

// Float returns n's float attribute name.
func (n *Node) Float(name string) (float32, bool) {
	v, ok := n.scalar(name, attrFloat, wireFixed32)
	return math.Float32frombits(uint32(v)), ok
}

// Int returns n's integer attribute name.
func (n *Node) Int(name string) (int64, bool) {
	v, ok := n.scalar(name, attrInt, wireVarint)
	return int64(v), ok
}

// String returns n's string attribute name (a Conv's auto_pad).
func (n *Node) String(name string) (string, bool) {
	a, ok := n.attr(name)
	if !ok {
		return "", false
	}
	var out string
	found := false
	err := each(a, 0, func(f field) error {
		if f.num != attrString || f.wire != wireBytes {
			return nil
		}
		b, err := f.bytes()
		out, found = string(b), err == nil
		return err
	})
	return out, found && err == nil
}

// Ints returns n's integer-list attribute name (a Transpose's perm), packed
// or not.
func (n *Node) Ints(name string) ([]int64, bool) {
	a, ok := n.attr(name)
	if !ok {
		return nil, false
	}
	out, err := int64s(a, attrInts)
	return out, err == nil
}

// int64s returns every value of m's repeated integer field num, in the
// order written, whether each occurrence is packed or not.
func int64s(m msg, num int) ([]int64, error) {
	var out []int64
	err := each(m, 0, func(f field) error {
		if f.num != num {
			return nil
		}
		var err error
		out, err = appendInt64s(out, f)
		return err
	})
	return out, err
}

// appendInt64s appends the integers of one occurrence of a repeated varint
// field to dst.
func appendInt64s(dst []int64, f field) ([]int64, error) {
	vs, err := varints(f)
	for _, v := range vs {
		dst = append(dst, int64(v))
	}
	return dst, err
}

// varints returns the integers of one occurrence of a repeated varint
// field: a single value, or a packed run of them.
func varints(f field) ([]uint64, error) {
	if f.wire == wireVarint {
		return []uint64{f.val}, nil
	}
	b, err := f.bytes()
	if err != nil {
		return nil, err
	}
	var out []uint64
	for len(b) > 0 {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return nil, errPacked
		}
		out, b = append(out, v), b[n:]
	}
	return out, nil
}

// errPacked ends the reading of a packed run of varints cut short.
var errPacked = errors.New("corrupt packed integers")

// scalar returns the raw value of field num, of wire type wire, of n's
// attribute name.
func (n *Node) scalar(name string, num, wire int) (uint64, bool) {
	a, ok := n.attr(name)
	if !ok {
		return 0, false
	}
	var v uint64
	found := false
	_ = each(a, 0, func(f field) error {
		if f.num == num && f.wire == wire {
			v, found = f.val, true
		}
		return nil
	})
	return v, found
}

// Floats returns the dimensions and values of value when it is a constant of
// the main graph holding 32-bit floats: an initializer, or the output of a
// Constant node's value attribute. It returns false for anything else, for
// data kept in an external file, and for more than max values, so that a
// caller bounds what it decodes.
func (m *Model) Floats(value string, max int) (dims []int64, vals []float32, ok bool) {
	t, ok := m.constant(value)
	if !ok {
		return nil, nil, false
	}
	return decodeFloats(t, max, false)
}

// HalfFloats is Floats that also reads float16 and bfloat16 constants, as
// float16 exports hold them, and returns them widened to float32, which
// holds them exactly. It is for readers that describe what the graph does
// with its input (the scaling of a normalisation inside the graph), not
// for bounds on its arithmetic: a float16 network computes in float16.
func (m *Model) HalfFloats(value string, max int) (dims []int64, vals []float32, ok bool) {
	t, ok := m.constant(value)
	if !ok {
		return nil, nil, false
	}
	return decodeFloats(t, max, true)
}

// constant returns the TensorProto of value when it is a constant of the
// main graph: an initializer, or the value attribute of a Constant node.
func (m *Model) constant(value string) (msg, bool) {
	for _, t := range m.inits {
		if named(t, tensorName, value) {
			return t, true
		}
	}
	n := m.Producer(value)
	if n == nil || n.Op != "Constant" {
		return msg{}, false
	}
	a, found := n.attr("value")
	if !found {
		return msg{}, false
	}
	var t msg
	found = false
	_ = each(a, 0, func(f field) error {
		if f.num == attrTensor {
			if sub, err := f.sub(); err == nil {
				t, found = sub, true
			}
		}
		return nil
	})
	return t, found
}

// Element types of the 8-bit integer tensors that Int8 decodes, as
// TensorProto.DataType numbers them.
const (
	TypeInt8        = 3
	tensorInt32Data = 5
	attrInts        = 8
)

// Int8 returns the value and element type (TypeUint8 or TypeInt8) of value
// when it is a one-element 8-bit integer constant of the main graph (an
// initializer, or a Constant node's value), as quantization zero points
// are; false for anything else.
func (m *Model) Int8(value string) (v int64, elem int, ok bool) {
	t, found := m.constant(value)
	if !found {
		return 0, 0, false
	}
	var dtype uint64
	var raw []byte
	var ints []uint64
	count := 1
	err := each(t, 0, func(f field) error {
		switch f.num {
		case tensorDims:
			ds, err := varints(f)
			for _, d := range ds {
				count *= int(min(d, 2))
			}
			return err
		case tensorDataType:
			dtype = f.val
		case tensorRawData:
			b, err := f.bytes()
			raw = b
			return err
		case tensorInt32Data:
			vs, err := varints(f)
			ints = append(ints, vs...)
			return err
		case tensorLocation, tensorExternalData:
			return errNotScalar
		}
		return nil
	})
	if err != nil || count != 1 || (dtype != TypeUint8 && dtype != TypeInt8) {
		return 0, 0, false
	}
	var u uint8
	switch {
	case len(raw) == 1 && ints == nil:
		u = raw[0]
	case raw == nil && len(ints) == 1:
		u = uint8(ints[0])
	default:
		return 0, 0, false
	}
	if dtype == TypeInt8 {
		return int64(int8(u)), TypeInt8, true
	}
	return int64(u), TypeUint8, true
}

// errNotScalar ends Int8's reading of a tensor it does not decode.
var errNotScalar = errors.New("not a one-element 8-bit constant")

// decodeFloats decodes a TensorProto of type FLOAT with its values in
// raw_data or float_data (packed or not).
func decodeFloats(t msg, max int, half bool) (dims []int64, vals []float32, ok bool) {
	dtype := uint64(0)
	external := false
	var raw []byte
	var packed [][]byte
	var single []float32
	var bits []uint64
	err := each(t, 0, func(f field) error {
		switch f.num {
		case tensorDims:
			var err error
			dims, err = appendInt64s(dims, f)
			return err
		case tensorDataType:
			dtype = f.val
		case tensorLocation:
			external = f.val == 1
		case tensorExternalData:
			external = true
		case tensorRawData:
			b, err := f.bytes()
			if err != nil {
				return err
			}
			raw = b
		case tensorFloatData:
			if f.wire == wireFixed32 {
				single = append(single, math.Float32frombits(uint32(f.val)))
				return nil
			}
			b, err := f.bytes()
			if err != nil {
				return err
			}
			packed = append(packed, b)
		case tensorInt32Data:
			// float16 and bfloat16 values outside raw_data: one
			// 16-bit pattern per int32_data entry, as onnx.proto has it.
			vs, err := varints(f)
			bits = append(bits, vs...)
			return err
		}
		return nil
	})
	if err != nil || external {
		return nil, nil, false
	}
	if dtype != tensorFloatType {
		if !half || (dtype != TypeFloat16 && dtype != TypeBFloat16) {
			return nil, nil, false
		}
		return decodeHalves(dims, raw, bits, dtype, max)
	}
	count := 1
	for _, d := range dims {
		if d < 0 || d > int64(max) || count*int(d) > max {
			return nil, nil, false
		}
		count *= int(d)
	}
	switch {
	case raw != nil:
		if len(raw) != 4*count {
			return nil, nil, false
		}
		vals = make([]float32, count)
		for i := range vals {
			vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case len(single) > 0 && len(packed) > 0:
		// Both forms of one repeated field: no exporter writes that,
		// and their order in the file would have to be kept.
		return nil, nil, false
	default:
		n := len(single)
		for _, b := range packed {
			n += len(b) / 4
		}
		if n != count {
			return nil, nil, false
		}
		vals = make([]float32, 0, count)
		for _, b := range packed {
			if len(b)%4 != 0 {
				return nil, nil, false
			}
			for i := 0; i < len(b); i += 4 {
				vals = append(vals, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
			}
		}
		vals = append(vals, single...)
	}
	return dims, vals, true
}

// decodeHalves decodes float16 or bfloat16 (dtype) values of a tensor of
// dims, from raw little-endian data or from int32_data's 16-bit patterns,
// widened to float32; false for more than max values or a count that
// does not match dims.
func decodeHalves(dims []int64, raw []byte, bits []uint64, dtype uint64, max int) ([]int64, []float32, bool) {
	count := 1
	for _, d := range dims {
		if d < 0 || d > int64(max) || count*int(d) > max {
			return nil, nil, false
		}
		count *= int(d)
	}
	widen := float16ToFloat32
	if dtype == TypeBFloat16 {
		widen = func(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
	}
	vals := make([]float32, count)
	switch {
	case raw != nil && len(bits) == 0:
		if len(raw) != 2*count {
			return nil, nil, false
		}
		for i := range vals {
			vals[i] = widen(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case raw == nil && len(bits) == count:
		for i, b := range bits {
			if b > math.MaxUint16 {
				return nil, nil, false
			}
			vals[i] = widen(uint16(b))
		}
	default:
		return nil, nil, false
	}
	return dims, vals, true
}

// float16ToFloat32 widens IEEE 754 half precision h, subnormals, infinities
// and NaN included, to the float32 of the same value.
func float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		// Infinity or NaN, the payload kept.
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp == 0:
		// Zero or a subnormal: frac·2^-24 exactly.
		v := float32(frac) * 0x1p-24
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
}

// ConstDims returns the dimensions of value when it is a constant of the main
// graph (an initializer, or a Constant node's value), whatever its element
// type and wherever its data is kept; false for anything else.
func (m *Model) ConstDims(value string) ([]int64, bool) {
	t, ok := m.constant(value)
	if !ok {
		return nil, false
	}
	dims, err := int64s(t, tensorDims)
	return dims, err == nil
}

// Integer element types and the TensorProto field that Ints64 reads besides
// raw_data and int32_data.
const (
	typeInt32       = 6
	typeInt64       = 7
	tensorInt64Data = 7
)

// maxIntegers bounds the values Ints64 decodes.
const maxIntegers = 1 << 16

// errTooMany ends Ints64's reading of a tensor past its cap.
var errTooMany = errors.New("more integers than asked for")

// Ints64 returns the dimensions and values of value when it is a constant of
// the main graph holding 32- or 64-bit integers (shapes, axes, indices): an
// initializer, or a Constant node's value. It returns false for anything
// else, for data kept in an external file, and for more than max values
// (at most 65536).
func (m *Model) Ints64(value string, max int) (dims []int64, vals []int64, ok bool) {
	t, ok := m.constant(value)
	if !ok {
		return nil, nil, false
	}
	max = min(max, maxIntegers)
	var dtype uint64
	var raw []byte
	// int32_data holds int32 tensors and int64_data int64 ones; both
	// write negative values as 64-bit two's complement varints.
	var lists [2][]uint64
	external := false
	err := each(t, 0, func(f field) error {
		switch f.num {
		case tensorDims:
			var err error
			dims, err = appendInt64s(dims, f)
			return err
		case tensorDataType:
			dtype = f.val
		case tensorLocation:
			external = f.val == 1
		case tensorExternalData:
			external = true
		case tensorRawData:
			b, err := f.bytes()
			raw = b
			return err
		case tensorInt32Data, tensorInt64Data:
			i := 0
			if f.num == tensorInt64Data {
				i = 1
			}
			vs, err := varints(f)
			if len(lists[i])+len(vs) > max {
				return errTooMany
			}
			lists[i] = append(lists[i], vs...)
			return err
		}
		return nil
	})
	if err != nil || external || (dtype != typeInt32 && dtype != typeInt64) {
		return nil, nil, false
	}
	count := 1
	for _, d := range dims {
		if d < 0 || d > int64(max) || count*int(d) > max {
			return nil, nil, false
		}
		count *= int(d)
	}
	size, listed := 8, lists[1]
	if dtype == typeInt32 {
		size, listed = 4, lists[0]
	}
	vals = make([]int64, count)
	switch {
	case raw != nil && len(lists[0])+len(lists[1]) == 0:
		if len(raw) != size*count {
			return nil, nil, false
		}
		for i := range vals {
			if size == 4 {
				vals[i] = int64(int32(binary.LittleEndian.Uint32(raw[4*i:])))
			} else {
				vals[i] = int64(binary.LittleEndian.Uint64(raw[8*i:]))
			}
		}
	case raw == nil && len(listed) == count && len(lists[0])+len(lists[1]) == count:
		for i, v := range listed {
			vals[i] = int64(v)
			if size == 4 {
				vals[i] = int64(int32(v))
			}
		}
	default:
		return nil, nil, false
	}
	return dims, vals, true
}
