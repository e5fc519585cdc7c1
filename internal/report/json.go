package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// JSONFile is the name of the JSON report.
const JSONFile = "report.json"

// jsonHead returns the copy of res that report.json holds, without its
// classes (see jsonClass): schema set and every float finite, because
// encoding/json refuses NaN and infinities and one bad score must not lose
// the whole report. res is not modified.
func jsonHead(res *Result) *Result {
	out := *res
	out.Schema = Schema
	out.Threshold = finite(out.Threshold)
	out.ElapsedSeconds = finite(out.ElapsedSeconds)
	out.EvalsPerSecond = finite(out.EvalsPerSecond)
	out.BudgetSeconds = finite(out.BudgetSeconds)
	out.MedianConfidence = finite(out.MedianConfidence)
	out.MaxConfidence = finite(out.MaxConfidence)
	out.Config.Threshold = finite(out.Config.Threshold)
	out.Config.Scale = finite(out.Config.Scale)
	out.Config.Mean = finiteAll(out.Config.Mean)
	out.Config.Std = finiteAll(out.Config.Std)
	out.Classes = []Class{}
	// A baseline without classes keeps them nil, written null as
	// encoding/json writes it and as report.json held it before its
	// classes were streamed; only a list to stream is emptied here.
	if out.Baseline != nil && out.Baseline.Classes != nil {
		b := *out.Baseline
		b.Classes = []BaselineClass{}
		out.Baseline = &b
	}
	return &out
}

// jsonBaselineClass returns the copy of a baseline's class c that
// report.json holds: history thinned to MaxHistoryPoints, as the run's
// classes are, and every float finite. A baseline model's search leaves
// each class its whole history, which at 100,000 classes made report.json
// gigabytes. c is not modified.
func jsonBaselineClass(c BaselineClass) BaselineClass {
	c.LogRatio = finite(c.LogRatio)
	c.History = ThinHistory(c.History, MaxHistoryPoints)
	for j := range c.History {
		c.History[j].Confidence = finite(c.History[j].Confidence)
	}
	return c
}

// MaxLabelBytes bounds a label in report.json, as the classifier bounds
// each label of a labels file. Names in a model's metadata, and labels of
// a shard's report.json, have no such bound: report.json keeps their
// first MaxLabelBytes bytes, so that every class fooltest writes stays
// within MaxClassBytes and can be read back.
const MaxLabelBytes = 1000

// jsonLabel is label cut to MaxLabelBytes, at the start of a character.
func jsonLabel(label string) string {
	if len(label) <= MaxLabelBytes {
		return label
	}
	cut := MaxLabelBytes
	for cut > 0 && !utf8.RuneStart(label[cut]) {
		cut--
	}
	return label[:cut]
}

// jsonClass returns the copy of c that report.json holds: history thinned
// to MaxHistoryPoints, label cut to MaxLabelBytes and every float finite.
// c is not modified.
func jsonClass(c Class) Class {
	c.Label = jsonLabel(c.Label)
	c.Confidence = finite(c.Confidence)
	if c.SecondsToThreshold != nil {
		s := finite(*c.SecondsToThreshold)
		c.SecondsToThreshold = &s
	}
	c.History = ThinHistory(c.History, MaxHistoryPoints)
	for j := range c.History {
		c.History[j].Confidence = finite(c.History[j].Confidence)
	}
	return c
}

// finiteAll is finite over a slice, copied so the caller's is untouched.
func finiteAll(xs []float64) []float64 {
	if xs == nil {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = finite(x)
	}
	return out
}

// jsonClassesAt is the empty class list in jsonHead encoded with two-space
// indentation. Encoded strings cannot hold a raw line break, so only the
// field itself matches.
const jsonClassesAt = "\n  \"classes\": []"

// jsonBaselineAt and jsonBaselineClassesAt are the baseline in jsonHead
// and its empty class list, encoded as jsonClassesAt is: the baseline's
// classes come before the run's.
const (
	jsonBaselineAt        = "\n  \"baseline\": {"
	jsonBaselineClassesAt = "\n    \"classes\": []"
)

// encodeJSON writes report.json's content: the complete result, indented by
// two spaces, exactly as one json.Encoder with that indent would. The
// classes are encoded one at a time into w, so that a run with 100,000
// classes never holds its whole report in memory. Invalid UTF-8 in labels
// is replaced by encoding/json. It ignores words: report.json keeps the
// libraries' wording, as tools and merges read it (see Words).
func encodeJSON(w io.Writer, res *Result, _ Words) error {
	head, err := json.MarshalIndent(jsonHead(res), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	// The baseline's classes, one a class of the run, are streamed as
	// the run's are, before them.
	if b := res.Baseline; b != nil && len(b.Classes) > 0 {
		at := bytes.Index(head, []byte(jsonBaselineAt))
		if at >= 0 {
			if i := bytes.Index(head[at:], []byte(jsonBaselineClassesAt)); i >= 0 {
				at += i
			} else {
				at = -1
			}
		}
		if at < 0 {
			return fmt.Errorf("encoding JSON: no %s", strings.TrimSpace(jsonBaselineClassesAt))
		}
		cut := at + len(jsonBaselineClassesAt) - len("]")
		if _, err := w.Write(head[:cut]); err != nil {
			return err
		}
		if err := streamElements(w, "      ", len(b.Classes), func(i int) (any, error) { return jsonBaselineClass(b.Classes[i]), nil }); err != nil {
			return err
		}
		head = head[cut:]
	}
	return streamArray(w, head, bytes.LastIndex(head, []byte(jsonClassesAt)), jsonClassesAt, "    ", len(res.Classes), func(i int) (any, error) {
		return jsonClass(res.Classes[i]), nil
	})
}

// streamArray writes head, a document indented by two spaces whose array
// field at (the field's text, ending in "[]") is empty, with n elements
// encoded one at a time into that array: the bytes one json.Encoder with
// a two-space indent would write for the whole document, without the whole
// document in memory. indent is the elements' indentation.
func streamArray(w io.Writer, head []byte, at int, field, indent string, n int, elem func(i int) (any, error)) error {
	if at < 0 {
		return fmt.Errorf("encoding JSON: no %s", strings.TrimSpace(field))
	}
	cut := at + len(field) - len("]")
	if n == 0 {
		cut = len(head)
	}
	if _, err := w.Write(head[:cut]); err != nil {
		return err
	}
	if err := streamElements(w, indent, n, elem); err != nil {
		return err
	}
	if _, err := w.Write(head[cut:]); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// appendIndented appends src, a JSON value as encoding/json encodes it
// compact, to dst indented as json.Indent(dst, src, prefix, indent) would.
// encoding/json writes no space outside strings (it compacts what a
// json.Marshaler returns too), so only the punctuation outside strings
// moves: a line break after each '{', '[' and ',', and before each '}'
// and ']', but none within an empty object or array, and a space after
// each ':'. It does not validate src, which encoding/json wrote.
func appendIndented(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	// opened: the last punctuation was '{' or '[', whose line break waits
	// for its first member, so that an empty one stays "{}" or "[]".
	opened := false
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		if opened && c != '}' && c != ']' {
			opened = false
			newline()
		}
		switch c {
		case '"':
			// The string, through its closing quote, as it is: a quote
			// after a backslash is escaped, and so is a backslash.
			end := i + 1
			for end < len(src) {
				k := bytes.IndexAny(src[end:], `"\`)
				if k < 0 {
					end = len(src)
					break
				}
				end += k
				if src[end] == '\\' {
					end += 2
					continue
				}
				end++
				break
			}
			end = min(end, len(src))
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '{', '[':
			dst = append(dst, c)
			depth++
			opened = true
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, c, ' ')
		case '}', ']':
			depth--
			if opened {
				opened = false
			} else {
				newline()
			}
			dst = append(dst, c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// streamElements writes the n elements of an array, encoded one at a time
// with indentation indent, from after its "[" to before its "]", as one
// json.Encoder with a two-space indent would; nothing for none.
func streamElements(w io.Writer, indent string, n int, elem func(i int) (any, error)) error {
	if n == 0 {
		return nil
	}
	// Each element is encoded compact, then indented here: the
	// encoder and both buffers serve every element, where
	// json.MarshalIndent allocates and clears a buffer twice the
	// element's size for each, and json.Indent runs its full parser
	// over every byte, most of a large report.json's time.
	var compact bytes.Buffer
	var indented []byte
	enc := json.NewEncoder(&compact)
	for i := range n {
		sep := ",\n" + indent
		if i == 0 {
			sep = "\n" + indent
		}
		v, err := elem(i)
		if err != nil {
			return err
		}
		compact.Reset()
		if err := enc.Encode(v); err != nil {
			return fmt.Errorf("encoding JSON: element %d: %w", i, err)
		}
		// Encode ends the value with a line break, which json.Marshal
		// does not write.
		indented = appendIndented(indented[:0], bytes.TrimSuffix(compact.Bytes(), []byte("\n")), indent, "  ")
		if _, err := io.WriteString(w, sep); err != nil {
			return err
		}
		if _, err := w.Write(indented); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "\n"+indent[:len(indent)-2])
	return err
}
