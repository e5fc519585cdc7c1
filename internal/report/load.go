package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/fooltest/fooltest/internal/fault"
)

// What report.json may hold, read back. Its size grows with its classes
// alone: report.json holds each class's history thinned to
// MaxHistoryPoints, for the run and for its baseline, and each label cut
// to MaxLabelBytes (up to 6000 bytes encoded). So
// a report of K classes may have MaxReportBytes(K) bytes, and the classes
// are read one at a time, so that reading the largest report fooltest
// writes, or a hostile one as large, holds one class's text at a time.
const (
	// maxHeadBytes bounds everything but the classes: model, settings,
	// checks, shards' runs.
	maxHeadBytes = 16 << 20
	// MaxClassBytes bounds one class of report.json as written, in its
	// classes or its baseline's: the largest fooltest writes, a
	// 100-point history of 19-digit counts, a 1000-byte label of
	// characters JSON escapes and an unreachable class's reason, is
	// under three quarters of it, and so is its baseline's
	// (TestLargestClassFits).
	MaxClassBytes = 32 << 10
	// perClassBytes is each class's share: its class, its baseline's,
	// and its entry in the lists of target classes.
	perClassBytes = 2*MaxClassBytes + 64
	// MaxClasses is the most classes a report.json may declare, the most
	// a model may have (the classifier's bound).
	MaxClasses = 1_000_000
)

// MaxReportBytes is the most bytes a report.json of a model of classes
// classes may have: the bound merge and --baseline read it under.
func MaxReportBytes(classes int) int64 {
	return maxHeadBytes + int64(max(classes, 0))*perClassBytes
}

// maxImageBytes bounds one class image read back: an ImageNet image scaled
// up is under 1 MB.
const maxImageBytes = 16 << 20

// Decode reads a report.json of size bytes from r; what names it in
// messages (such as "baseline x.json"). Its errors are fault.Invalid
// errors: a report read back is the user's input. It reads the report's
// classes one at a time, under MaxReportBytes of the class count the
// report's model declares, which it reads first.
func Decode(r io.Reader, size int64, what string) (*Result, error) {
	if size > MaxReportBytes(MaxClasses) {
		return nil, fault.Invalidf("", "%s is %d bytes, over the %d a report.json may have", what, size, MaxReportBytes(MaxClasses))
	}
	res, err := decodeStream(r, size, what)
	if err != nil {
		return nil, err
	}
	if res.Schema != Schema || res.Verdict == "" {
		return nil, fault.Invalidf("", "%s is not a fooltest report.json of schema %d (schema %d, verdict %q): rerun it with this fooltest", what, Schema, res.Schema, res.Verdict)
	}
	if problem := malformed(res); problem != "" {
		return nil, fault.Invalidf("", "%s is not a report.json that fooltest wrote: %s", what, problem)
	}
	return res, nil
}

// errOverLimit is capReader's error past its limit.
var errOverLimit = errors.New("over the limit")

// capReader reads r up to limit bytes, which its reader may move, and
// fails with errOverLimit where r goes on past it.
type capReader struct {
	r     io.Reader
	read  int64
	limit int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.read >= c.limit {
		// One byte more tells a file that ends at the limit from one
		// that goes on.
		var one [1]byte
		if n, err := io.ReadFull(c.r, one[:]); n == 0 {
			return 0, err
		}
		return 0, errOverLimit
	}
	if rest := c.limit - c.read; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

// reportDecoder reads one report.json, its classes one at a time.
type reportDecoder struct {
	dec  *json.Decoder
	cr   *capReader
	size int64
	what string
	// classes is the class count the model declares, -1 until read.
	classes int64
}

// notReport is the error of a file that is not a report.json.
func (d *reportDecoder) notReport(err error) error {
	return fault.Invalidf("", "%s is not a fooltest report.json: %v", d.what, err)
}

// decodeStream decodes report.json from r as encoding/json would decode
// it into a Result, but reads each object's "classes" one element at a
// time and applies the limits of MaxReportBytes.
func decodeStream(r io.Reader, size int64, what string) (*Result, error) {
	d := &reportDecoder{cr: &capReader{r: r, limit: maxHeadBytes}, size: size, what: what, classes: -1}
	d.dec = json.NewDecoder(d.cr)
	var res Result
	var classes []Class
	var base *[]BaselineClass
	head, err := d.object(func(key string, head *bytes.Buffer) (bool, error) {
		switch {
		case strings.EqualFold(key, "classes"):
			return true, streamList(d, &classes, "its classes")
		case strings.EqualFold(key, "baseline"):
			var bc []BaselineClass
			bhead, err := d.nullableObject(func(key string, _ *bytes.Buffer) (bool, error) {
				if !strings.EqualFold(key, "classes") {
					return false, nil
				}
				return true, streamList(d, &bc, "its baseline's classes")
			})
			if err != nil {
				return true, err
			}
			base = nil
			if bhead != nil {
				base = &bc
			}
			appendMember(head, key, bhead)
			return true, nil
		case strings.EqualFold(key, "model"):
			raw, err := d.raw()
			if err != nil {
				return true, err
			}
			appendMember(head, key, raw)
			return true, d.declared(raw)
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	// A second value after the report (two reports pasted together, a
	// merge conflict's leftovers) would be read as if the first were all.
	if _, err := d.dec.Token(); err != io.EOF {
		return nil, fault.Invalidf("", "%s is not a fooltest report.json: it holds more after the report's JSON object", what)
	}
	if err := json.Unmarshal(head, &res); err != nil {
		return nil, d.notReport(err)
	}
	res.Classes = classes
	if base != nil && res.Baseline != nil {
		res.Baseline.Classes = *base
	}
	return &res, nil
}

// declared raises the limit to MaxReportBytes of the class count that
// model, the report's model, declares.
func (d *reportDecoder) declared(model []byte) error {
	var m struct {
		Classes int64 `json:"classes"`
	}
	if err := json.Unmarshal(model, &m); err != nil {
		return d.notReport(err)
	}
	if m.Classes < 0 || m.Classes > MaxClasses {
		return fault.Invalidf("", "%s is not a report.json that fooltest wrote: its model has %d classes, outside 0 to %d", d.what, m.Classes, MaxClasses)
	}
	limit := MaxReportBytes(int(m.Classes))
	if d.size > limit {
		return fault.Invalidf("", "%s is %d bytes, over the %d bytes a report.json of %d classes may have: fooltest writes none so large", d.what, d.size, limit, m.Classes)
	}
	d.cr.limit = max(d.cr.limit, limit)
	d.classes = max(d.classes, m.Classes)
	return nil
}

// raw reads the next value whole.
func (d *reportDecoder) raw() (json.RawMessage, error) {
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, d.readError(err, "")
	}
	return raw, nil
}

// readError is the error of a read that failed with err; in names the
// list it read, or is "".
func (d *reportDecoder) readError(err error, in string) error {
	switch {
	case !errors.Is(err, errOverLimit):
		return d.notReport(err)
	case in != "":
		return fault.Invalidf("", "%s is not a report.json that fooltest wrote: a class of %s is over the %d bytes one may have", d.what, in, MaxClassBytes)
	case d.classes < 0:
		return fault.Invalidf("", "%s is not a report.json that fooltest wrote: it holds over %d bytes before its model's class count", d.what, maxHeadBytes)
	}
	return fault.Invalidf("", "%s is over the %d bytes a report.json of %d classes may have: fooltest writes none so large", d.what, d.cr.limit, d.classes)
}

// object reads a JSON object member by member: member reads the value of
// the members it takes (returning true), and every other member is kept
// whole. It returns the object with the members member took, either
// removed or as member appended them to head.
func (d *reportDecoder) object(member func(key string, head *bytes.Buffer) (bool, error)) ([]byte, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.readError(err, "")
	}
	if tok != json.Delim('{') {
		return nil, d.notReport(fmt.Errorf("it is %v, not a JSON object", tok))
	}
	return d.members(member)
}

// nullableObject is object for a value that may be null, which it returns
// as nil.
func (d *reportDecoder) nullableObject(member func(key string, head *bytes.Buffer) (bool, error)) ([]byte, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, d.readError(err, "")
	}
	switch tok {
	case nil:
		return nil, nil
	case json.Delim('{'):
		return d.members(member)
	}
	return nil, d.notReport(fmt.Errorf("baseline is %v, not a JSON object", tok))
}

// members is object after its opening brace.
func (d *reportDecoder) members(member func(key string, head *bytes.Buffer) (bool, error)) ([]byte, error) {
	var head bytes.Buffer
	head.WriteByte('{')
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, d.readError(err, "")
		}
		key, _ := tok.(string)
		took, err := member(key, &head)
		if err != nil {
			return nil, err
		}
		if took {
			continue
		}
		raw, err := d.raw()
		if err != nil {
			return nil, err
		}
		appendMember(&head, key, raw)
	}
	if _, err := d.dec.Token(); err != nil {
		return nil, d.readError(err, "")
	}
	head.WriteByte('}')
	return head.Bytes(), nil
}

// appendMember appends the member key: raw to the object head, whose
// closing brace is still to come; a nil raw is null.
func appendMember(head *bytes.Buffer, key string, raw []byte) {
	if head.Len() > 1 {
		head.WriteByte(',')
	}
	k, _ := json.Marshal(key)
	head.Write(k)
	head.WriteByte(':')
	if raw == nil {
		raw = []byte("null")
	}
	head.Write(raw)
}

// streamList reads a list of classes into list one element at a time,
// each under MaxClassBytes; null leaves list nil. in names the list in
// messages.
func streamList[T any](d *reportDecoder, list *[]T, in string) error {
	*list = nil
	tok, err := d.dec.Token()
	if err != nil {
		return d.readError(err, "")
	}
	switch tok {
	case nil:
		return nil
	case json.Delim('['):
	default:
		return d.notReport(fmt.Errorf("%s are %v, not a list", in, tok))
	}
	out := []T{}
	limit := d.cr.limit
	for d.dec.More() {
		// The decoder reads a whole element before decoding it: each
		// may take MaxClassBytes more of the file, and no more.
		start := d.dec.InputOffset()
		d.cr.limit = min(limit, d.cr.read+MaxClassBytes+1<<10)
		var v T
		if err := d.dec.Decode(&v); err != nil {
			d.cr.limit = limit
			return d.readError(err, in)
		}
		d.cr.limit = limit
		if d.dec.InputOffset()-start > MaxClassBytes {
			return d.readError(errOverLimit, in)
		}
		out = append(out, v)
	}
	if _, err := d.dec.Token(); err != nil {
		return d.readError(err, "")
	}
	*list = out
	return nil
}

// malformed says what in res no run writes, or returns "": counts below
// zero, which a baseline's score would be computed from as if measured,
// and a class listed twice, whose two results no comparison or merge
// could tell apart.
func malformed(res *Result) string {
	negative := func(e *int64) bool { return e != nil && *e < 0 }
	switch {
	case res.Evaluations < 0:
		return fmt.Sprintf("evaluations is negative (%d)", res.Evaluations)
	case res.EvaluationBudget < 0:
		return fmt.Sprintf("evaluation_budget is negative (%d)", res.EvaluationBudget)
	}
	seen := make(map[int]bool, len(res.Classes))
	for _, c := range res.Classes {
		if seen[c.Index] {
			return fmt.Sprintf("class %d is listed twice", c.Index)
		}
		seen[c.Index] = true
		if negative(c.EvaluationsToThreshold) {
			return fmt.Sprintf("class %d has a negative evaluations_to_threshold (%d)", c.Index, *c.EvaluationsToThreshold)
		}
	}
	if b := res.Baseline; b != nil {
		for _, c := range b.Classes {
			if negative(c.EvaluationsToThreshold) {
				return fmt.Sprintf("its baseline's class %d has a negative evaluations_to_threshold (%d)", c.Index, *c.EvaluationsToThreshold)
			}
		}
	}
	return ""
}

// Load reads back the report directory dir that WriteFiles wrote:
// report.json, and each class's pixels from the PNG its Image names, so
// that the Result can be written again in every format. It reads only
// inside dir. Its errors are fault.Invalid errors.
func Load(dir string) (*Result, error) {
	res, err := LoadJSON(dir)
	if err != nil {
		return nil, err
	}
	for i := range res.Classes {
		c := &res.Classes[i]
		if c.Image == "" {
			continue
		}
		if c.Pixels, err = LoadImage(dir, res, c); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// LoadJSON reads back the report.json of the report directory dir that
// WriteFiles wrote, as Load does, and checks that the PNG each class's
// Image names is there, but reads no pixels: LoadImage reads those of the
// classes a caller keeps. A merge keeps one image a class of its shards'
// several, and decoding every shard's images cost it time and memory
// for each shard. Its errors are fault.Invalid errors.
func LoadJSON(dir string) (*Result, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fault.Invalidf("", "cannot read the report directory %s: %v", dir, cause(err))
	}
	defer root.Close()
	what := filepath.Join(dir, JSONFile)
	f, err := root.Open(JSONFile)
	if err != nil {
		return nil, fault.Invalidf("", "cannot read %s: %v", what, cause(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, fault.Invalidf("", "%s is not a regular file", what)
	}
	res, err := Decode(f, st.Size(), what)
	if err != nil {
		return nil, err
	}
	for i := range res.Classes {
		c := &res.Classes[i]
		if c.Image == "" {
			continue
		}
		if _, err := root.Stat(filepath.FromSlash(c.Image)); err != nil {
			return nil, imageError(dir, c, err)
		}
	}
	return res, nil
}

// LoadImage reads the pixels of class c of res, read by LoadJSON from the
// report directory dir, from the PNG its Image names. It reads only inside
// dir. Its errors are fault.Invalid errors.
func LoadImage(dir string, res *Result, c *Class) (*Image, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fault.Invalidf("", "cannot read the report directory %s: %v", dir, cause(err))
	}
	defer root.Close()
	return loadImage(root, dir, c, &res.Model)
}

// imageError is the error of class c's image, which dir lacks or cannot
// give.
func imageError(dir string, c *Class, err error) error {
	what := filepath.Join(dir, filepath.FromSlash(c.Image))
	return fault.Invalidf("", "cannot read the image of class %d, %s: %v: give the whole report directory", c.Index, what, cause(err))
}

// loadImage reads class c's image back from root.
func loadImage(root *os.Root, dir string, c *Class, m *Model) (*Image, error) {
	what := filepath.Join(dir, filepath.FromSlash(c.Image))
	f, err := root.Open(filepath.FromSlash(c.Image))
	if err != nil {
		return nil, imageError(dir, c, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxImageBytes+1))
	if err == nil && len(data) > maxImageBytes {
		err = fmt.Errorf("over %d bytes", maxImageBytes)
	}
	if err != nil {
		return nil, fault.Invalidf("", "cannot read the image of class %d, %s: %v", c.Index, what, err)
	}
	px, err := readImage(data, m.Channels, m.Height, m.Width)
	if err != nil {
		return nil, fault.Invalidf("", "the image of class %d, %s, is not one fooltest wrote for this model: %v", c.Index, what, err)
	}
	return px, nil
}

// cause is the error under a path error, whose path the message already
// names.
func cause(err error) error {
	if u := errors.Unwrap(err); u != nil {
		return u
	}
	return err
}
