package report_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestHTMLVerdict checks the page's verdict block, the score rows and the
// comparison with a baseline.
func TestHTMLVerdict(t *testing.T) {
	tests := []struct {
		name      string
		opts      reporttest.Options
		mustHave  []string
		mustNotBe []string
	}{
		{
			name: "pass",
			opts: reporttest.Options{Classes: 3},
			mustHave: []string{`<div class="verdict pass">`, "fooltest: PASS</h1>",
				"<tr><th>Score (0: every class fooled at once, 1: none within the evaluation budget)</th>", "<tr><th>Repeats</th>"},
			mustNotBe: []string{"ERROR", "baseline"},
		},
		{
			name: "error",
			opts: reporttest.Options{Classes: 3, Fooled: 1, Error: "the model failed: <b>bad</b>"},
			mustHave: []string{`<div class="verdict error">`, "<title>fooltest ERROR: the model was not tested: models/lenet.onnx</title>",
				"⊘ fooltest: ERROR: the model was not tested</h1>", "<div>the model failed: &lt;b&gt;bad&lt;/b&gt;</div>"},
			mustNotBe: []string{"PASS", "<b>bad"},
		},
		{
			name: "baseline regression",
			opts: reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4)},
			mustHave: []string{"<div>easier to fool than the baseline: score 0.933 against the baseline&#39;s 0.990 (difference −0.057, p = 0.004 that it is easier to fool)</div>",
				"<h2>Classes against the baseline</h2>", `<tr class="regressed"><td class="num">0</td><td>class-0</td><td class="num">12000</td><td class="num">48000</td><td class="num">0.25× regressed</td></tr>`,
				`stroke-dasharray="6 4"`, "baseline (dashed)"},
			mustNotBe: []string{"Compared with the baseline"},
		},
		{
			name:     "baseline under fail-on fooled",
			opts:     reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(1), FailOn: "fooled"},
			mustHave: []string{"<div>8 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 0)</div>", "<strong>Compared with the baseline</strong> (models/lenet-v1.onnx): no significant change"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, tt.opts)
			report.Prepare(res, report.DefaultFormats())
			page := string(render(t, encodeAs(report.FormatHTML), res))
			for _, s := range tt.mustHave {
				if !strings.Contains(page, s) {
					t.Errorf("report.html lacks %q", s)
				}
			}
			for _, s := range tt.mustNotBe {
				if strings.Contains(page, s) {
					t.Errorf("report.html contains %q", s)
				}
			}
		})
	}
}

// TestGalleryTitle checks that the contact sheet never reads as a pass when
// the model was not tested.
func TestGalleryTitle(t *testing.T) {
	tests := []struct {
		name string
		opts reporttest.Options
		want string
	}{
		{"fail", reporttest.Options{Classes: 3, Fooled: 1}, "fooltest FAIL: 1 of 3 classes fooled at >= 0.99 (allowed 0)"},
		{"error", reporttest.Options{Classes: 3, Fooled: 1, Error: "the model failed"},
			"fooltest ERROR: the model was not tested: the model failed"},
		{"error long reason", reporttest.Options{Classes: 3, Error: strings.Repeat("x", 500)},
			"fooltest ERROR: the model was not tested: " + strings.Repeat("x", 119) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, tt.opts)
			if got := report.GalleryTitle(res, 0, false, nil); got != tt.want+"; no images" {
				t.Errorf("title %q, want %q", got, tt.want+"; no images")
			}
		})
	}
}

// TestGalleryCaptionASCII: the gallery's bitmap font has ASCII glyphs
// only, so a reason cut with "…" ends in "..." on the sheet, not "?", and
// fooltest's own punctuation reads as its ASCII form; other characters
// still become '?'.
func TestGalleryCaptionASCII(t *testing.T) {
	for in, want := range map[string]string{
		"the model failed while runn…": "the model failed while runn...",
		"confidence ≥ 0.99, 1 − score": "confidence >= 0.99, 1 - score",
		"chat 猫":                       "chat ?",
	} {
		if got := report.ASCIICaption(in, 200); got != want {
			t.Errorf("caption of %q is %q, want %q", in, got, want)
		}
	}
}

// TestHTMLDigitCheck: the page shows the digit check in its summary, and
// warns, escaped, when the check found the preprocessing most likely wrong.
func TestHTMLDigitCheck(t *testing.T) {
	res := goldenDigitsResult(t)
	page := string(render(t, encodeAs(report.FormatHTML), res))
	for _, s := range []string{
		`<div class="note">The model labelled only 10 of 100 MNIST test digits right with this run&#39;s preprocessing, and 100 with preset raw255 # &lt;b&gt;hi&lt;/b&gt;`,
		`<tr><th>MNIST test digits labelled right</th><td class="num">10 of 100 (100 with preset raw255 # &lt;b&gt;hi&lt;/b&gt; [x](javascript:y))</td></tr>`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("report.html lacks %q", s)
		}
	}
	if strings.Contains(page, "<b>hi") {
		t.Error("report.html holds the preset's markup unescaped")
	}
	// Labels right, each unsure: the warning and the row say how sure.
	unsure := *res.DigitCheck
	unsure.Correct, unsure.Confidence, unsure.SuggestedCorrect, unsure.SuggestedConfidence, unsure.Unsure = 89, 0.109, 89, 0.998, true
	res.DigitCheck = &unsure
	page = string(render(t, encodeAs(report.FormatHTML), res))
	for _, s := range []string{
		`<div class="note">The model labelled 89 of 100 MNIST test digits right with this run&#39;s preprocessing but at a median confidence of only 0.11, against 1.00 with preset raw255 # &lt;b&gt;hi&lt;/b&gt;`,
		`<td class="num">89 of 100 at a median confidence of 0.11 (1.00 with preset raw255 # &lt;b&gt;hi&lt;/b&gt;`,
	} {
		if !strings.Contains(page, s) {
			t.Errorf("report.html lacks %q", s)
		}
	}
	res.DigitCheck.SuggestedPreset, res.DigitCheck.SuggestedCorrect, res.DigitCheck.Correct, res.DigitCheck.Unsure = "", 0, 97, false
	page = string(render(t, encodeAs(report.FormatHTML), res))
	if strings.Contains(page, "MNIST test digits right with this run") || !strings.Contains(page, `<td class="num">97 of 100</td>`) {
		t.Error("report.html warns of a preprocessing the check found right, or lacks its count")
	}
}

// TestAllowanceNote: every format a person reads but the console warns
// that a max-fooled count allows every target class (report.sarif as a
// configuration notification, junit.xml as a suite property), and none
// does where the count gates: a percentage, report-only mode, or a run
// whose verdict is "error", whose search did not finish. The console
// leaves it to the command's stderr line, which a terminal shows beside
// it, so that it is not said twice.
func TestAllowanceNote(t *testing.T) {
	const note = "--max-fooled 20 allows every one of the 10 target classes"
	tests := []struct {
		name string
		opts reporttest.Options
		want bool
	}{
		{"a count over the targets", reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "20"}, true},
		{"100%", reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "100%"}, false},
		{"report only", reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "20", FailOn: "never"}, false},
		{"report only error", reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "20", FailOn: "never", Error: goldenError}, false},
		{"error", reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "20", Error: goldenError}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, tt.opts)
			report.Prepare(res, report.DefaultFormats())
			if got := report.EveryTargetAllowed(res); got != tt.want {
				t.Fatalf("EveryTargetAllowed = %v, want %v", got, tt.want)
			}
			if got := report.AllowanceWarning(res) != ""; got != tt.want {
				t.Fatalf("AllowanceWarning = %q, want one: %v", report.AllowanceWarning(res), tt.want)
			}
			found := map[string]bool{
				"report.md":   strings.Contains(string(render(t, encodeAs(report.FormatMarkdown), res)), "> [!WARNING]\n> "+note),
				"report.html": strings.Contains(string(render(t, encodeAs(report.FormatHTML), res)), `<div class="note">`+note),
				"junit.xml":   strings.Contains(string(render(t, encodeAs(report.FormatJUnit), res)), `<property name="max_fooled_warning" value="`+note),
			}
			var log struct {
				Runs []struct {
					Invocations []struct {
						ToolConfigurationNotifications []struct {
							Level   string
							Message struct{ Text string }
						}
					}
				}
			}
			if err := json.Unmarshal(render(t, encodeAs(report.FormatSARIF), res), &log); err != nil {
				t.Fatal(err)
			}
			for _, n := range log.Runs[0].Invocations[0].ToolConfigurationNotifications {
				if n.Level == "warning" && strings.HasPrefix(n.Message.Text, note) {
					found["report.sarif"] = true
				}
			}
			for _, file := range []string{"report.md", "report.html", "junit.xml", "report.sarif"} {
				if found[file] != tt.want {
					t.Errorf("the warning in %s: %v, want %v", file, found[file], tt.want)
				}
			}
			if console := string(render(t, consoleIn(nil), res)); strings.Contains(console, "allows every one") {
				t.Errorf("the console repeats the warning the command gives on stderr:\n%s", console)
			}
		})
	}
	if report.EveryTargetAllowed(nil) {
		t.Error("EveryTargetAllowed(nil) = true, want false")
	}
}
