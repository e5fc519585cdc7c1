package report_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// largest makes res the largest report.json fooltest writes for its class
// count: every class and its baseline's with a full history of 19-digit
// counts and 17-digit confidences, a 1000-byte label (the classifier's
// bound) of characters JSON escapes to six bytes each, and an
// unreachable class's reason.
func largest(res *report.Result) {
	worst := make([]report.Point, 3*report.MaxHistoryPoints)
	for k := range worst {
		// Every point improves, so that thinning keeps as many as it may.
		worst[k] = report.Point{Evaluations: math.MaxInt64 - int64(len(worst)-k), Confidence: 0.1 + 0.8*float64(k+1)/float64(len(worst)+1) + 1e-13}
	}
	label := strings.Repeat("<", 1000)
	for i := range res.Classes {
		c := &res.Classes[i]
		c.Label, c.History = label, worst
		c.Unreachable = &report.Unreachable{Kind: report.UnreachableBoundedLayer, Ceiling: 0.123456789, Layer: strings.Repeat("Tanh ", 40),
			Reason: report.BoundedLayerReason(0.123456789, 0.123456789, strings.Repeat("Tanh ", 40))}
		if res.Baseline != nil {
			res.Baseline.Classes[i].History = worst
			res.Baseline.Classes[i].LogRatio = -1.2345678901234567e-300
		}
	}
}

// TestLargestClassFits: the largest class fooltest writes, and its
// baseline's, are each within three quarters of MaxClassBytes, so that
// MaxReportBytes holds every report.json fooltest writes.
func TestLargestClassFits(t *testing.T) {
	sizeOf := func(classes int, baseline bool) int {
		o := reporttest.Options{Classes: classes, Fooled: 1, NoPixels: true}
		if baseline {
			o.Baseline = reporttest.Times(2)
		}
		res := reporttest.New(t, o)
		largest(res)
		var b bytes.Buffer
		if err := report.Render(&b, res, report.FormatJSON, nil); err != nil {
			t.Fatal(err)
		}
		return b.Len()
	}
	class := sizeOf(3, false) - sizeOf(2, false)
	base := sizeOf(3, true) - sizeOf(2, true) - class
	t.Logf("the largest class: %d bytes, its baseline's: %d", class, base)
	for _, tc := range []struct {
		what       string
		got, least int
	}{{"a class", class, 15000}, {"a baseline's class", base, 10000}} {
		if tc.got > 3*report.MaxClassBytes/4 || tc.got < tc.least {
			t.Errorf("%s takes %d bytes at its largest, want over %d (a full history) and within %d", tc.what, tc.got, tc.least, 3*report.MaxClassBytes/4)
		}
	}
}

// TestLongLabelCut: a label longer than MaxLabelBytes, as a model's
// metadata may name a class, is cut in report.json at the start of a
// character, so that the class stays within MaxClassBytes.
func TestLongLabelCut(t *testing.T) {
	for _, tc := range []struct{ label, want string }{
		{strings.Repeat("<", 40_000), strings.Repeat("<", report.MaxLabelBytes)},
		// 999 bytes, then a character of 2 bytes that would end past the bound.
		{strings.Repeat("a", 999) + strings.Repeat("ü€", 20), strings.Repeat("a", 999)},
		{strings.Repeat("a", 998) + strings.Repeat("ü", 20), strings.Repeat("a", 998) + "ü"},
		{"cat", "cat"},
	} {
		res := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1, NoPixels: true})
		res.Classes[1].Label = tc.label
		var b bytes.Buffer
		if err := report.Render(&b, res, report.FormatJSON, nil); err != nil {
			t.Fatal(err)
		}
		back, err := report.Decode(&b, int64(b.Len()), "report.json")
		if err != nil {
			t.Fatalf("a label of %d bytes: %v", len(tc.label), err)
		}
		if got := back.Classes[1].Label; got != tc.want {
			t.Errorf("a label of %d bytes read back as %d bytes %.20q…, want %d bytes", len(tc.label), len(got), got, len(tc.want))
		}
		if res.Classes[1].Label != tc.label {
			t.Errorf("writing cut the result's own label")
		}
	}
}

// TestReadBackLargest: the largest report.json fooltest writes for 10,000
// classes, over the 256 MB that merge and --baseline read before, is read
// back by LoadJSON, as merge reads it.
func TestReadBackLargest(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads 280 MB")
	}
	const classes = 10_000
	res := reporttest.New(t, reporttest.Options{Classes: classes, Fooled: 10, NoPixels: true, Baseline: reporttest.Times(2)})
	largest(res)
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Render(f, res, report.FormatJSON, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() <= 256<<20 || st.Size() > report.MaxReportBytes(classes) {
		t.Fatalf("report.json is %d bytes, want over 256 MiB and within %d", st.Size(), report.MaxReportBytes(classes))
	}
	t.Logf("report.json of %d classes at their largest: %d bytes", classes, st.Size())
	back, err := report.LoadJSON(dir)
	if err != nil {
		t.Fatalf("reading back the %d bytes fooltest wrote: %v", st.Size(), err)
	}
	if len(back.Classes) != classes || len(back.Baseline.Classes) != classes ||
		len(back.Classes[classes-1].History) != report.MaxHistoryPoints || len(back.Baseline.Classes[classes-1].History) != report.MaxHistoryPoints ||
		back.Classes[7].Label != res.Classes[7].Label || back.Classes[7].Unreachable.Reason != res.Classes[7].Unreachable.Reason {
		t.Errorf("read back %d classes and %d of the baseline, not the %d written whole", len(back.Classes), len(back.Baseline.Classes), classes)
	}
}

// TestDecodeRefusesOversized: a report.json larger than fooltest writes for
// the classes its model declares is refused in one line, whatever size its
// reader claims, before it is read whole; one class larger than fooltest
// writes now, as earlier builds wrote baselines' whole histories, is read
// within its report's bound, and a message quotes no more of the file than
// a line holds.
func TestDecodeRefusesOversized(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 1, NoPixels: true, Baseline: reporttest.Times(2)})
	var b bytes.Buffer
	if err := report.Render(&b, res, report.FormatJSON, nil); err != nil {
		t.Fatal(err)
	}
	written := b.String()
	// JSON allows any whitespace between tokens, and it parses cheaply.
	pad := strings.Repeat(" ", int(report.MaxReportBytes(3)))
	huge := strings.Repeat("a", 2*report.MaxClassBytes)
	for _, tc := range []struct {
		name, data string
		size       int64 // -1: the data's
		want       string
	}{
		{"as written", written, -1, ""},
		{"padded past the bound of 3 classes", written + pad, -1, "bytes, over the 16974016 bytes a report.json of 3 classes may have"},
		{"padded, its size unknown", strings.Replace(written, `"classes": [`, `"classes": [`+pad, 1), 0, "is over the 16974016 bytes a report.json of 3 classes may have"},
		{"a class over its share", strings.Replace(written, `"label": "class-1"`, `"label": "`+huge+`"`, 1), -1, ""},
		{"a baseline class over its share", strings.Replace(written, `"log_ratio": `, `"x": "`+huge+`", "log_ratio": `, 1), -1, ""},
		{"a mistyped number of a megabyte", strings.Replace(written, `"evaluations": `, `"evaluations": `+strings.Repeat("9", 1<<20)+`, "x": `, 1), -1, "cannot unmarshal number 9999"},
		{"a string where the classes go", strings.Replace(written, `"classes": [`, `"classes": "x\n::error::forged", "y": [`, 1), -1, "cannot unmarshal string"},
		{"not an object", `"x\n::error::forged"`, -1, "it is not a JSON object"},
		{"more classes than a model may have", strings.Replace(written, `"classes": 3,`, `"classes": 1000001,`, 1), -1, "its model has 1000001 classes, outside 0 to 1000000"},
		{"classes before the model", `{"classes": [` + strings.Repeat(" ", 17<<20) + `]}`, -1, "it holds over 16777216 bytes before its model's class count"},
		{"over the bound of any report", written, report.MaxReportBytes(report.MaxClasses) + 1, "a report.json may have"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size < 0 {
				size = int64(len(tc.data))
			}
			got, err := report.Decode(strings.NewReader(tc.data), size, "baseline base.json")
			if tc.want == "" {
				if err != nil || len(got.Classes) != 3 || len(got.Baseline.Classes) != 3 {
					t.Fatalf("the report as written: %v", err)
				}
				return
			}
			if got != nil || !errors.Is(err, fault.Invalid) || !strings.HasPrefix(err.Error(), "baseline base.json ") ||
				!strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") || len(err.Error()) > 400 {
				t.Fatalf("got %v, want one line naming the file and %q", err, tc.want)
			}
		})
	}
}
