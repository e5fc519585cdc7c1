package report_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/report"
)

// loadSeeds are FuzzLoad's seeds: a real shard's report.json, and edits of
// it into what a hostile artifact may hold.
func loadSeeds(f *testing.F) [][]byte {
	real, err := os.ReadFile(filepath.Join("testdata", "shard-report.json"))
	if err != nil {
		f.Fatal(err)
	}
	edit := func(change func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(real, &m); err != nil {
			f.Fatal(err)
		}
		change(m)
		b, err := json.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	model := func(m map[string]any) map[string]any { return m["model"].(map[string]any) }
	class := func(m map[string]any) map[string]any { return m["classes"].([]any)[0].(map[string]any) }
	seeds := [][]byte{
		real,
		edit(func(m map[string]any) { model(m)["classes"] = 1 << 62 }),
		edit(func(m map[string]any) { model(m)["classes"] = 1_000_000_000 }),
		edit(func(m map[string]any) { model(m)["width"], model(m)["height"] = 65535, 65535 }),
		edit(func(m map[string]any) { class(m)["image"] = "../../../etc/passwd" }),
		edit(func(m map[string]any) { class(m)["label"] = "x\n::error::y%0A##[error]<script>" }),
		edit(func(m map[string]any) { class(m)["confidence"] = -1e308 }),
		edit(func(m map[string]any) { class(m)["index"] = -1 }),
		edit(func(m map[string]any) { class(m)["evaluations_to_threshold"] = 1<<63 - 1 }),
		edit(func(m map[string]any) { m["evaluations"] = 1<<62 + 1<<61 }),
		edit(func(m map[string]any) { m["classes"] = append(m["classes"].([]any), class(m)) }),
		edit(func(m map[string]any) { m["config"].(map[string]any)["formats"] = []string{"../x"} }),
		[]byte(strings.Repeat(`{"model":[`, 200)),
		[]byte(`{"model":{"classes":1e400}}`),
		[]byte(`{"schema":1,"verdict":"pass","classes":null}`),
		[]byte(`{}`),
		[]byte(`[]`),
	}
	return seeds
}

// FuzzLoad: report.Decode, the reader of the report.json files merge and
// --baseline read (another job's artifact, which a pull request may have
// written), never panics, refuses what it refuses with one invalid-input
// line that names the file, and reads only reports whose classes and
// counts no check downstream has to distrust: each class once, with a
// confidence in [0, 1], and each read report, written again, reads back.
func FuzzLoad(f *testing.F) {
	for _, s := range loadSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := report.Decode(bytes.NewReader(data), int64(len(data)), "shard/report.json")
		if err != nil {
			if res != nil || !errors.Is(err, fault.Invalid) || !strings.HasPrefix(err.Error(), "shard/report.json ") || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("got %v, want one invalid-input line naming the file", err)
			}
			// A message quotes no more of the file than a line holds.
			if len(err.Error()) > 1000 {
				t.Fatalf("a message of %d bytes", len(err.Error()))
			}
			return
		}
		seen := map[int]bool{}
		for _, c := range res.Classes {
			if seen[c.Index] || c.Index < 0 || !(c.Confidence >= 0 && c.Confidence <= 1) {
				t.Fatalf("read class %d (confidence %g), which no run writes", c.Index, c.Confidence)
			}
			seen[c.Index] = true
		}
		var again bytes.Buffer
		if err := report.Render(&again, res, report.FormatJSON, nil); err != nil {
			t.Fatalf("a report read cannot be written again: %v", err)
		}
		if _, err := report.Decode(bytes.NewReader(again.Bytes()), int64(again.Len()), "shard/report.json"); err != nil {
			t.Fatalf("a report read, written again, is refused: %v", err)
		}
	})
}
