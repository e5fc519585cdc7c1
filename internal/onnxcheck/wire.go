package onnxcheck

import "fmt"

// Protobuf wire types. Groups (3 and 4) are deprecated and never written by
// ONNX exporters, so a model that holds one is refused as corrupt.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// corruptError says where a model stops being valid protobuf.
type corruptError struct {
	// Offset is the byte of the model at which the problem was found.
	Offset int
	// Reason says what is wrong there.
	Reason string
}

// Error says where and why, in the words the refusal message uses.
func (e *corruptError) Error() string {
	return fmt.Sprintf("truncated or corrupt protobuf at byte %d: %s", e.Offset, e.Reason)
}

// msg reads the fields of one protobuf message: data[pos:end]. Offsets stay
// absolute so that errors point into the file the user has.
type msg struct {
	data     []byte
	pos, end int
}

// field is one field of a message. body is set for length-delimited fields.
type field struct {
	num, wire int
	// at is the offset of the field's tag.
	at   int
	body msg
	// val is the value of a varint or fixed-size field: fixed32 and
	// fixed64 values as their little-endian bits.
	val uint64
}

func (m *msg) done() bool { return m.pos >= m.end }

func (m *msg) corrupt(at int, format string, args ...any) error {
	return &corruptError{Offset: at, Reason: fmt.Sprintf(format, args...)}
}

// varint reads a base-128 varint of at most 64 bits.
func (m *msg) varint() (uint64, error) {
	start := m.pos
	var v uint64
	for i := 0; i < 10; i++ {
		if m.pos >= m.end {
			return 0, m.corrupt(start, "varint runs past the end of its message")
		}
		b := m.data[m.pos]
		m.pos++
		// The tenth byte may carry only bit 63.
		if i == 9 && b > 1 {
			return 0, m.corrupt(start, "varint overflows 64 bits")
		}
		v |= uint64(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v, nil
		}
	}
	return 0, m.corrupt(start, "varint overflows 64 bits")
}

// next reads the next field, skipping the value of any field that is not
// length-delimited. A declared length is compared with the bytes left before
// anything is done with it, so a huge length costs nothing.
func (m *msg) next() (field, error) {
	f := field{at: m.pos}
	tag, err := m.varint()
	if err != nil {
		return f, err
	}
	if tag > 1<<32-1 {
		return f, m.corrupt(f.at, "field tag %d does not fit in 32 bits", tag)
	}
	f.num, f.wire = int(tag>>3), int(tag&7)
	if f.num == 0 {
		return f, m.corrupt(f.at, "field number 0")
	}
	switch f.wire {
	case wireVarint:
		f.val, err = m.varint()
	case wireFixed64:
		f.val, err = m.fixed(f.at, 8)
	case wireFixed32:
		f.val, err = m.fixed(f.at, 4)
	case wireBytes:
		var n uint64
		if n, err = m.varint(); err != nil {
			break
		}
		if n > uint64(m.end-m.pos) {
			return f, m.corrupt(f.at, "field %d declares %d bytes but its message has %d left", f.num, n, m.end-m.pos)
		}
		f.body = msg{data: m.data, pos: m.pos, end: m.pos + int(n)}
		m.pos += int(n)
	default:
		return f, m.corrupt(f.at, "field %d has wire type %d, which ONNX never uses", f.num, f.wire)
	}
	return f, err
}

// fixed reads a little-endian value of n bytes.
func (m *msg) fixed(at, n int) (uint64, error) {
	if m.end-m.pos < n {
		return 0, m.corrupt(at, "fixed-size value runs past the end of its message")
	}
	var v uint64
	for i := range n {
		v |= uint64(m.data[m.pos+i]) << (8 * i)
	}
	m.pos += n
	return v, nil
}

// bytes returns the body of a length-delimited field, refusing any other
// wire type: ONNX Runtime's parser would read a mismatched field as unknown
// and skip it, and a model that disagrees with its own schema is corrupt.
func (f field) bytes() ([]byte, error) {
	if f.wire != wireBytes {
		return nil, &corruptError{Offset: f.at, Reason: fmt.Sprintf("field %d has wire type %d where ONNX has a message or string", f.num, f.wire)}
	}
	return f.body.data[f.body.pos:f.body.end], nil
}

// sub returns the body of a message field.
func (f field) sub() (msg, error) {
	_, err := f.bytes()
	return f.body, err
}
