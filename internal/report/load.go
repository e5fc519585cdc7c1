package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unicode/utf8"

	"github.com/fooltest/fooltest/internal/fault"
)

// What report.json may hold, read back. Its size grows with its classes
// alone: report.json holds each class's history thinned to
// MaxHistoryPoints, for the run and for its baseline, and each label cut
// to MaxLabelBytes (up to 6000 bytes encoded). So a report of K classes
// may have MaxReportBytes(K) bytes, and the class count is read first, from
// the model near the report's top, to bound the rest.
const (
	// maxHeadBytes bounds everything but the classes (model, settings,
	// checks, shards' runs), and what may come before the model's class
	// count.
	maxHeadBytes = 16 << 20
	// MaxClassBytes is one class's share of MaxReportBytes, in its classes
	// and in its baseline's: the largest class fooltest writes, a
	// 100-point history of 19-digit counts, a 1000-byte label of
	// characters JSON escapes and an unreachable class's reason, is
	// under three quarters of it, and so is its baseline's
	// (TestLargestClassFits). A class read back is not held to it alone,
	// so that reports of earlier builds, whose baselines kept whole
	// histories, still read.
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
// errors: a report read back is the user's input. It reads the class
// count the report's model declares first, and the report under
// MaxReportBytes of that count, whatever size r turns out to have.
func Decode(r io.Reader, size int64, what string) (*Result, error) {
	if size > MaxReportBytes(MaxClasses) {
		return nil, fault.Invalidf("", "%s is %d bytes, over the %d a report.json may have", what, size, MaxReportBytes(MaxClasses))
	}
	// What the first pass read is decoded again by the second, from
	// memory: r need not seek.
	var head bytes.Buffer
	classes, err := declaredClasses(io.TeeReader(io.LimitReader(r, maxHeadBytes), &head))
	switch {
	case err != nil && head.Len() >= maxHeadBytes:
		return nil, fault.Invalidf("", "%s is not a report.json that fooltest wrote: it holds over %d bytes before its model's class count", what, maxHeadBytes)
	case err != nil:
		return nil, fault.Invalidf("", "%s is not a fooltest report.json: %s", what, brief(err))
	case classes < 0 || classes > MaxClasses:
		return nil, fault.Invalidf("", "%s is not a report.json that fooltest wrote: its model has %d classes, outside 0 to %d", what, classes, MaxClasses)
	}
	limit := MaxReportBytes(int(classes))
	if size > limit {
		return nil, fault.Invalidf("", "%s is %d bytes, over the %d bytes a report.json of %d classes may have: fooltest writes none so large", what, size, limit, classes)
	}
	// One byte past the limit tells a report that ends at it from one
	// that goes on.
	rest := &io.LimitedReader{R: r, N: limit - int64(head.Len()) + 1}
	dec := json.NewDecoder(io.MultiReader(&head, rest))
	var res Result
	err = dec.Decode(&res)
	if err == nil {
		// A second value after the report (two reports pasted together,
		// a merge conflict's leftovers) would be read as if the first
		// were all.
		if _, err = dec.Token(); err != io.EOF {
			err = errors.New("it holds more after the report's JSON object")
		} else {
			err = nil
		}
	}
	switch {
	case rest.N == 0:
		return nil, fault.Invalidf("", "%s is over the %d bytes a report.json of %d classes may have: fooltest writes none so large", what, limit, classes)
	case err != nil:
		return nil, fault.Invalidf("", "%s is not a fooltest report.json: %s", what, brief(err))
	case res.Schema != Schema || res.Verdict == "":
		return nil, fault.Invalidf("", "%s is not a fooltest report.json of schema %d (schema %d, verdict %.40q): rerun it with this fooltest", what, Schema, res.Schema, res.Verdict)
	}
	if problem := malformed(&res); problem != "" {
		return nil, fault.Invalidf("", "%s is not a report.json that fooltest wrote: %s", what, problem)
	}
	return &res, nil
}

// brief is err's message cut to a line's length: encoding/json quotes a
// mistyped number whole, and a hostile file's number can be megabytes.
func brief(err error) string {
	const most = 200
	msg := err.Error()
	if len(msg) <= most {
		return msg
	}
	cut := most
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// declaredClasses reads from r, a report.json's start, the class count of
// its first "model" member (matched as encoding/json matches keys), or 0
// for a JSON object without one. Its errors name no value of the file,
// which is the user's input.
func declaredClasses(r io.Reader) (int64, error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil {
		return 0, err
	} else if tok != json.Delim('{') {
		return 0, errors.New("it is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0, err
		}
		if key, _ := tok.(string); strings.EqualFold(key, "model") {
			var m struct {
				Classes int64 `json:"classes"`
			}
			err := dec.Decode(&m)
			return m.Classes, err
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return 0, err
		}
	}
	return 0, nil
}

// MaxEvaluations bounds every evaluation count a report.json may record:
// 2^53, centuries of search at a million evaluations a second. A merge
// adds up its shards' counts, and MaxShards of them stay within an int64,
// where a crafted count near its limit would wrap to a negative total.
const MaxEvaluations = 1 << 53

// malformed says what in res no run writes, or returns "": counts below
// zero or over MaxEvaluations, which a baseline's score would be computed
// from as if measured and a merge would add up; a class listed twice, whose
// two results no comparison or merge could tell apart; a class the model
// does not have; a confidence outside [0, 1], which every output kind is
// read into; image sizes below zero; and a format fooltest does not write,
// which a merge would otherwise try to write.
func malformed(res *Result) string {
	count := func(name string, n int64) string {
		switch {
		case n < 0:
			return fmt.Sprintf("%s is negative (%d)", name, n)
		case n > MaxEvaluations:
			return fmt.Sprintf("%s is %d, over the %d any run makes", name, n, int64(MaxEvaluations))
		}
		return ""
	}
	if p := count("evaluations", res.Evaluations); p != "" {
		return p
	}
	// A budget is not added up (a merge keeps the largest), and a user
	// may give --max-evals 1e16 to mean no cap: only its sign is checked.
	if res.EvaluationBudget < 0 {
		return fmt.Sprintf("evaluation_budget is negative (%d)", res.EvaluationBudget)
	}
	m := &res.Model
	if m.Width < 0 || m.Height < 0 || m.Channels < 0 {
		return fmt.Sprintf("its model's image is %d×%d×%d", m.Channels, m.Height, m.Width)
	}
	// A report of a build that did not record the class count has 0.
	outside := func(i int) bool { return i < 0 || m.Classes > 0 && i >= m.Classes }
	for _, f := range res.Config.Formats {
		if !slices.Contains(AllFormats(), f) {
			return fmt.Sprintf("its formats name %.40q, which is no format fooltest writes", f)
		}
	}
	for _, i := range res.TargetClasses {
		if outside(i) {
			return fmt.Sprintf("target class %d is not a class of its model of %d classes", i, m.Classes)
		}
	}
	seen := make(map[int]bool, len(res.Classes))
	for _, c := range res.Classes {
		if seen[c.Index] {
			return fmt.Sprintf("class %d is listed twice", c.Index)
		}
		seen[c.Index] = true
		if outside(c.Index) {
			return fmt.Sprintf("class %d is not a class of its model of %d classes", c.Index, m.Classes)
		}
		if !(c.Confidence >= 0 && c.Confidence <= 1) {
			return fmt.Sprintf("class %d has a confidence of %g, outside 0 to 1", c.Index, c.Confidence)
		}
		if p := toThreshold(c.EvaluationsToThreshold); p != "" {
			return fmt.Sprintf("class %d has %s", c.Index, p)
		}
		if p := history(c.History); p != "" {
			return fmt.Sprintf("class %d's history %s", c.Index, p)
		}
	}
	if res.Config.MaxEvals < 0 {
		return fmt.Sprintf("its max_evals is negative (%d)", res.Config.MaxEvals)
	}
	if b := res.Baseline; b != nil {
		for _, c := range b.Classes {
			if p := toThreshold(c.EvaluationsToThreshold); p != "" {
				return fmt.Sprintf("its baseline's class %d has %s", c.Index, p)
			}
			if p := history(c.History); p != "" {
				return fmt.Sprintf("its baseline's class %d's history %s", c.Index, p)
			}
		}
	}
	return ""
}

// toThreshold says what is wrong with a class's evaluations to the
// threshold e, or returns "".
func toThreshold(e *int64) string {
	switch {
	case e == nil:
		return ""
	case *e < 0:
		return fmt.Sprintf("a negative evaluations_to_threshold (%d)", *e)
	case *e > MaxEvaluations:
		return fmt.Sprintf("an evaluations_to_threshold of %d, over the %d any run makes", *e, int64(MaxEvaluations))
	}
	return ""
}

// history says what in a class's history no run writes, or returns "". Its
// counts are not added up, nor bounded above: they only place points on a
// curve.
func history(h []Point) string {
	for _, p := range h {
		switch {
		case p.Evaluations < 0:
			return fmt.Sprintf("has a point at %d evaluations", p.Evaluations)
		case !(p.Confidence >= 0 && p.Confidence <= 1):
			return fmt.Sprintf("has a confidence of %g, outside 0 to 1", p.Confidence)
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
	// O_NONBLOCK: opening a FIFO for reading would wait for a writer,
	// and the merge would hang until its job times out.
	f, err := root.OpenFile(JSONFile, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fault.Invalidf("", "cannot read %s: %v", what, cause(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return nil, fault.Invalidf("", "%s is not a regular file: give the whole report directory", what)
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
		// os.Root refuses it as well, but would name the file as dir
		// joined with it, which is not where it points.
		if !filepath.IsLocal(filepath.FromSlash(c.Image)) {
			return nil, fault.Invalidf("", "%s names the image of class %d %.80q, outside its report directory: no run wrote it", what, c.Index, c.Image)
		}
		st, err := root.Stat(filepath.FromSlash(c.Image))
		if err != nil {
			return nil, imageError(dir, c, err)
		}
		if !st.Mode().IsRegular() {
			return nil, fault.Invalidf("", "the image of class %d, %s, is not a regular file: give the whole report directory", c.Index, filepath.Join(dir, filepath.FromSlash(c.Image)))
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
	// As report.json: a FIFO must not block the open.
	f, err := root.OpenFile(filepath.FromSlash(c.Image), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, imageError(dir, c, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return nil, fault.Invalidf("", "the image of class %d, %s, is not a regular file: give the whole report directory", c.Index, what)
	}
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
