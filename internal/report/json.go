package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
)

// JSONFile is the name of the JSON report.
const JSONFile = "report.json"

// jsonResult returns the copy of res that report.json holds: schema set,
// histories thinned to MaxHistoryPoints, and every float finite, because
// encoding/json refuses NaN and infinities and one bad score must not lose
// the whole report. res is not modified.
func jsonResult(res *Result) *Result {
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
	out.Classes = make([]Class, len(res.Classes))
	for i, c := range res.Classes {
		c.Confidence = finite(c.Confidence)
		if c.SecondsToThreshold != nil {
			s := finite(*c.SecondsToThreshold)
			c.SecondsToThreshold = &s
		}
		c.History = ThinHistory(c.History, MaxHistoryPoints)
		for j := range c.History {
			c.History[j].Confidence = finite(c.History[j].Confidence)
		}
		out.Classes[i] = c
	}
	return &out
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

// encodeJSON writes report.json's content: the complete result, indented by
// two spaces. Invalid UTF-8 in labels is replaced by encoding/json.
func encodeJSON(w io.Writer, res *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(jsonResult(res)); err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	return nil
}

// writeJSON writes dir/report.json.
func writeJSON(dir string, res *Result) (string, error) {
	p := filepath.Join(dir, JSONFile)
	return p, WriteAtomic(p, 0o644, func(w io.Writer) error { return encodeJSON(w, res) })
}
