package onnxcheck

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
)

// Element types of TensorProto.DataType that CastIO converts from float32.
// A float32 value cast to TypeUint8 is truncated and undefined out of
// range, so the caller must give whole numbers from 0 to 255.
const (
	TypeFloat    = 1
	TypeUint8    = 2
	TypeFloat16  = 10
	TypeDouble   = 11
	TypeBFloat16 = 16
)

// Field numbers that only CastIO needs.
const (
	graphInput       = 11
	graphValueInfo   = 13
	nodeName         = 3
	attrType         = 20
	attrTypeInt      = 2
	attrTypeTensor   = 4
	typeTensorType   = 1
	tensorTypeElem   = 1
	valueInfoType    = 2
	opsetDomain      = 1
	opsetVersion     = 2
	castIntToOpset   = 6  // Cast's "to" is an int from opset 6 on
	castBFloatOpset  = 13 // and takes bfloat16 from opset 13 on
	castNameInput    = "fooltest_cast_input"
	castNameOutput   = "fooltest_cast_output"
	castSuffix       = "_fooltest_float32"
	maxNameAttempts  = 1000
	defaultOpsetName = "ai.onnx"
)

// Boundary is one graph input or output whose element type CastIO changes
// to float32: the value's name and the element type the model declares
// (TypeFloat16, TypeDouble or TypeBFloat16, or TypeUint8 for an input).
// Elem 0 leaves it alone.
type Boundary struct {
	Value string
	Elem  int
	// Scale and Zero, for an 8-bit output, are the scale (nonzero) and
	// zero point that a DequantizeLinear takes it to float32 with, in
	// place of a Cast: the values the quantized scores stand for. They go
	// into the graph as constants of its own, because the quantizer's may
	// be values inside a model-local function, which the graph cannot
	// name.
	Scale float32
	Zero  int64
	// Expose, for an output of element type float32 (Elem 0), says that
	// the value is computed inside the graph but is not one of its
	// outputs, such as the probabilities a ZipMap node reads: CastIO
	// declares it an output of the graph.
	Expose bool
}

// CastIO returns a copy of the model data whose graph takes float32 at
// input in and gives float32 at output out, for a model that declares
// another float type there (float16 exports are the common case): the
// input keeps its place in the graph, renamed, and a Cast node turns it
// into the value the model's nodes read; the output gets a Cast node after
// it. An exposed output (see Boundary) is added to the graph's outputs. The
// returned names are those to bind the session to. Everything else
// in the model is copied byte for byte, so ONNX Runtime computes exactly
// what the original model computes on the same values, less the rounding
// of float32 inputs to the declared type.
//
// The data must be a model that parseModel accepted.
func CastIO(data []byte, in, out Boundary) (rewritten []byte, inName, outName string, err error) {
	inName, outName = in.Value, out.Value
	if in.Elem == 0 && out.Elem == 0 && !out.Expose {
		return data, inName, outName, nil
	}
	if out.Expose && out.Elem != 0 {
		return nil, "", "", fmt.Errorf("output %s is not a graph output, and only a float32 value can be made one", out.Value)
	}
	top := msg{data: data, end: len(data)}
	used := map[string]bool{}
	var graphs int
	opset := -1
	err = each(top, 0, func(f field) error {
		switch f.num {
		case modelGraph:
			graphs++
			g, err := f.sub()
			if err != nil {
				return err
			}
			return names(g, used)
		case modelOpsetImport:
			v, err := defaultOpset(f)
			if err != nil {
				return err
			}
			opset = max(opset, v)
		}
		return nil
	})
	if err != nil {
		return nil, "", "", err
	}
	if graphs == 0 {
		return nil, "", "", errNoGraph
	}
	need := castIntToOpset
	if in.Elem == TypeBFloat16 || out.Elem == TypeBFloat16 {
		need = castBFloatOpset
	}
	if opset < need && (in.Elem != 0 || out.Elem != 0) {
		return nil, "", "", fmt.Errorf("the model imports ONNX opset %d, and converting its %s needs opset %d or later", opset, boundaryWhat(in, out), need)
	}
	fresh := func(v string) (string, error) {
		for i := range maxNameAttempts {
			n := v + castSuffix
			if i > 0 {
				n += strconv.Itoa(i)
			}
			if !used[n] {
				used[n] = true
				return n, nil
			}
		}
		return "", fmt.Errorf("the model already has values named %s%s to %s%s%d", v, castSuffix, v, castSuffix, maxNameAttempts-1)
	}
	if in.Elem != 0 {
		if inName, err = fresh(in.Value); err != nil {
			return nil, "", "", err
		}
	}
	if out.Elem != 0 {
		if outName, err = fresh(out.Value); err != nil {
			return nil, "", "", err
		}
	}
	var b []byte
	seen := 0
	err = spans(top, func(f field, raw []byte) error {
		if f.num != modelGraph {
			b = append(b, raw...)
			return nil
		}
		seen++
		g, _ := f.sub()
		var body []byte
		if seen == 1 && in.Elem != 0 {
			body = appendBytes(body, graphNode, castNode(inName, in.Value, castNameInput, in.Elem))
		}
		err := spans(g, func(gf field, raw []byte) error {
			if gf.num != graphInput && gf.num != graphOutput {
				body = append(body, raw...)
				return nil
			}
			v, _ := gf.sub()
			name, err := valueName(v)
			if err != nil {
				return err
			}
			switch {
			case gf.num == graphInput && in.Elem != 0 && name == in.Value:
				body = appendBytes(body, gf.num, retype(v, inName))
			case gf.num == graphOutput && out.Elem != 0 && name == out.Value:
				body = appendBytes(body, gf.num, retype(v, outName))
			default:
				body = append(body, raw...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if seen == graphs && out.Expose {
			body = appendBytes(body, graphOutput, floatValue(out.Value))
		}
		if seen == graphs && out.Elem != 0 {
			if out.Scale != 0 {
				scale, zero, err := freshPair(fresh, out.Value)
				if err != nil {
					return err
				}
				body = appendBytes(body, graphNode, constantNode(scale, TypeFloat, binary.LittleEndian.AppendUint32(nil, math.Float32bits(out.Scale))))
				body = appendBytes(body, graphNode, constantNode(zero, out.Elem, []byte{byte(out.Zero)}))
				body = appendBytes(body, graphNode, dequantizeNode(out.Value, scale, zero, outName))
			} else {
				body = appendBytes(body, graphNode, castNode(out.Value, outName, castNameOutput, TypeFloat))
			}
		}
		b = appendBytes(b, modelGraph, body)
		return nil
	})
	if err != nil {
		return nil, "", "", err
	}
	return b, inName, outName, nil
}

// boundaryWhat names what CastIO converts, for messages.
func boundaryWhat(in, out Boundary) string {
	switch {
	case in.Elem != 0 && out.Elem != 0:
		return "input and output to float32"
	case in.Elem != 0:
		return "input to float32"
	}
	return "output to float32"
}

// spans calls fn for every field of m with the field's bytes, tag
// included.
func spans(m msg, fn func(f field, raw []byte) error) error {
	for !m.done() {
		start := m.pos
		f, err := m.next()
		if err != nil {
			return err
		}
		if err := fn(f, m.data[start:m.pos]); err != nil {
			return err
		}
	}
	return nil
}

// names adds every value name of graph g (node inputs and outputs,
// initializers, inputs, outputs and value infos) to used.
func names(g msg, used map[string]bool) error {
	return each(g, 1, func(f field) error {
		switch f.num {
		case graphNode:
			n, err := f.sub()
			if err != nil {
				return err
			}
			return each(n, 2, func(nf field) error {
				if nf.num == nodeInput || nf.num == nodeOutput {
					s, err := nf.bytes()
					used[string(s)] = true
					return err
				}
				return nil
			})
		case graphInitializer, graphInput, graphOutput, graphValueInfo:
			v, err := f.sub()
			if err != nil {
				return err
			}
			num := valueInfoName
			if f.num == graphInitializer {
				num = tensorName
			}
			return each(v, 2, func(vf field) error {
				if vf.num == num {
					s, err := vf.bytes()
					used[string(s)] = true
					return err
				}
				return nil
			})
		}
		return nil
	})
}

// defaultOpset returns the version that OperatorSetIdProto f imports for
// the default domain, or -1 for another domain.
func defaultOpset(f field) (int, error) {
	m, err := f.sub()
	if err != nil {
		return 0, err
	}
	domain, version := "", int64(-1)
	err = each(m, 1, func(of field) error {
		switch of.num {
		case opsetDomain:
			s, err := of.bytes()
			domain = string(s)
			return err
		case opsetVersion:
			version = int64(of.val)
		}
		return nil
	})
	if domain != "" && domain != defaultOpsetName {
		return -1, err
	}
	return int(version), err
}

// valueName returns the name of ValueInfoProto v; the last one wins, as
// in protobuf.
func valueName(v msg) (string, error) {
	var name string
	err := each(v, 2, func(f field) error {
		if f.num == valueInfoName {
			s, err := f.bytes()
			name = string(s)
			return err
		}
		return nil
	})
	return name, err
}

// retype returns ValueInfoProto v renamed to name and declared float32.
// Protobuf takes the last occurrence of a singular field and merges
// repeated occurrences of a message, so appending the new name and a
// tensor type holding only the element type keeps the shape, the doc
// string and everything else v says.
func retype(v msg, name string) []byte {
	b := append([]byte(nil), v.data[v.pos:v.end]...)
	b = appendBytes(b, valueInfoName, []byte(name))
	tensor := appendVarint(nil, tensorTypeElem, TypeFloat)
	return appendBytes(b, valueInfoType, appendBytes(nil, typeTensorType, tensor))
}

// floatValue returns a ValueInfoProto that declares value a float32 tensor
// of unknown shape.
func floatValue(value string) []byte {
	tensor := appendVarint(nil, tensorTypeElem, TypeFloat)
	b := appendBytes(nil, valueInfoName, []byte(value))
	return appendBytes(b, valueInfoType, appendBytes(nil, typeTensorType, tensor))
}

// freshPair returns fresh names for the scale and the zero point of
// output value's DequantizeLinear.
func freshPair(fresh func(string) (string, error), value string) (scale, zero string, err error) {
	if scale, err = fresh(value + "_scale"); err != nil {
		return "", "", err
	}
	zero, err = fresh(value + "_zero_point")
	return scale, zero, err
}

// constantNode returns a NodeProto of a Constant that writes a scalar of
// element type elem, whose little-endian bytes are raw, into value to.
func constantNode(to string, elem int, raw []byte) []byte {
	t := appendVarint(nil, tensorDataType, uint64(elem))
	t = appendBytes(t, tensorRawData, raw)
	attr := appendBytes(nil, attrName, []byte("value"))
	attr = appendBytes(attr, attrTensor, t)
	attr = appendVarint(attr, attrType, attrTypeTensor)
	n := appendBytes(nil, nodeOutput, []byte(to))
	n = appendBytes(n, nodeName, []byte(to))
	n = appendBytes(n, nodeOpType, []byte("Constant"))
	return appendBytes(n, nodeAttribute, attr)
}

// dequantizeNode returns a NodeProto that dequantizes value from with
// scale and zero point into value to.
func dequantizeNode(from, scale, zero, to string) []byte {
	n := appendBytes(nil, nodeInput, []byte(from))
	n = appendBytes(n, nodeInput, []byte(scale))
	n = appendBytes(n, nodeInput, []byte(zero))
	n = appendBytes(n, nodeOutput, []byte(to))
	n = appendBytes(n, nodeName, []byte(castNameOutput))
	return appendBytes(n, nodeOpType, []byte("DequantizeLinear"))
}

// castNode returns a NodeProto that casts value from into value to, of
// element type elem.
func castNode(from, to, name string, elem int) []byte {
	attr := appendBytes(nil, attrName, []byte("to"))
	attr = appendVarint(attr, attrInt, uint64(elem))
	attr = appendVarint(attr, attrType, attrTypeInt)
	n := appendBytes(nil, nodeInput, []byte(from))
	n = appendBytes(n, nodeOutput, []byte(to))
	n = appendBytes(n, nodeName, []byte(name))
	n = appendBytes(n, nodeOpType, []byte("Cast"))
	return appendBytes(n, nodeAttribute, attr)
}

func appendTag(b []byte, num, wire int) []byte {
	return binary.AppendUvarint(b, uint64(num)<<3|uint64(wire))
}

func appendVarint(b []byte, num int, v uint64) []byte {
	return binary.AppendUvarint(appendTag(b, num, wireVarint), v)
}

func appendBytes(b []byte, num int, body []byte) []byte {
	b = binary.AppendUvarint(appendTag(b, num, wireBytes), uint64(len(body)))
	return append(b, body...)
}
