package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/fooltest/fooltest/internal/fault"
)

// maxReportBytes bounds a report.json read into memory: one of 100,000
// classes with their histories stays well under it.
const maxReportBytes = 256 << 20

// maxImageBytes bounds one class image read back: an ImageNet image scaled
// up is under 1 MB.
const maxImageBytes = 16 << 20

// Decode reads a report.json of size bytes from r; what names it in
// messages (such as "baseline x.json"). Its errors are fault.Invalid
// errors: a report read back is the user's input.
func Decode(r io.Reader, size int64, what string) (*Result, error) {
	if size > maxReportBytes {
		return nil, fault.Invalidf("", "%s is %d bytes, over the %d a report.json may have", what, size, maxReportBytes)
	}
	var res Result
	dec := json.NewDecoder(r)
	if err := dec.Decode(&res); err != nil {
		return nil, fault.Invalidf("", "%s is not a fooltest report.json: %v", what, err)
	}
	// A second value after the report (two reports pasted together, a
	// merge conflict's leftovers) would be read as if the first were all.
	if _, err := dec.Token(); err != io.EOF {
		return nil, fault.Invalidf("", "%s is not a fooltest report.json: it holds more after the report's JSON object", what)
	}
	if res.Schema != Schema || res.Verdict == "" {
		return nil, fault.Invalidf("", "%s is not a fooltest report.json of schema %d (schema %d, verdict %q): rerun it with this fooltest", what, Schema, res.Schema, res.Verdict)
	}
	if problem := malformed(&res); problem != "" {
		return nil, fault.Invalidf("", "%s is not a report.json that fooltest wrote: %s", what, problem)
	}
	return &res, nil
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
