package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
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
	return &out
}

// jsonClass returns the copy of c that report.json holds: history thinned
// to MaxHistoryPoints and every float finite. c is not modified.
func jsonClass(c Class) Class {
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

// encodeJSON writes report.json's content: the complete result, indented by
// two spaces, exactly as one json.Encoder with that indent would. The
// classes are encoded one at a time into w, so that a run with 100,000
// classes never holds its whole report in memory. Invalid UTF-8 in labels
// is replaced by encoding/json.
func encodeJSON(w io.Writer, res *Result) error {
	head, err := json.MarshalIndent(jsonHead(res), "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	cut := bytes.LastIndex(head, []byte(jsonClassesAt))
	if cut < 0 {
		return errors.New("encoding JSON: no class list")
	}
	cut += len(jsonClassesAt) - len("]")
	if len(res.Classes) == 0 {
		cut = len(head)
	}
	if _, err := w.Write(head[:cut]); err != nil {
		return err
	}
	if len(res.Classes) > 0 {
		for i := range res.Classes {
			sep := ",\n    "
			if i == 0 {
				sep = "\n    "
			}
			c, err := json.MarshalIndent(jsonClass(res.Classes[i]), "    ", "  ")
			if err != nil {
				return fmt.Errorf("encoding JSON: class %d: %w", res.Classes[i].Index, err)
			}
			if _, err := io.WriteString(w, sep); err != nil {
				return err
			}
			if _, err := w.Write(c); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, "\n  "); err != nil {
			return err
		}
	}
	if _, err := w.Write(head[cut:]); err != nil {
		return err
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// writeJSON writes dir/report.json.
func writeJSON(dir string, res *Result, files *fileList) (string, error) {
	return writeFile(filepath.Join(dir, JSONFile), files, func(w io.Writer) error { return encodeJSON(w, res) })
}
