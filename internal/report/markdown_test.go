package report_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/report/reporttest"
)

// worstLabel expands as much as possible under Markdown escaping.
func worstLabel(i int) string {
	return strconv.Itoa(i) + strings.Repeat("@#|<`[", 400) + reporttest.HostileLabel
}

// TestMarkdownSize checks that report.md fits in a pull request comment
// for 1000 classes whatever their labels.
func TestMarkdownSize(t *testing.T) {
	tests := []struct {
		name      string
		fooled    int
		label     func(int) string
		wantRows  int
		wantMore  int
		withChart bool
	}{
		{"1000 fooled hostile", 1000, worstLabel, 50, 950, true},
		{"1000 fooled long", 1000, func(i int) string { return strings.Repeat("x", 10_000) }, 50, 950, true},
		{"1000 classes none fooled", 0, worstLabel, 0, 0, false},
		{"few fooled", 7, worstLabel, 7, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 1000, Fooled: tt.fooled, HistoryLen: 2,
				Width: 2, Height: 2, Label: tt.label, Interrupted: true})
			report.Prepare(res, report.DefaultFormats())
			md := string(report.RenderMarkdown(res))
			if len(md) >= report.MaxMarkdownBytes {
				t.Fatalf("report.md is %d bytes, limit %d", len(md), report.MaxMarkdownBytes)
			}
			rows := 0
			for line := range strings.SplitSeq(md, "\n") {
				if strings.HasPrefix(line, "| ") && strings.Contains(line, "](images/") {
					rows++
				}
			}
			if rows != tt.wantRows {
				t.Errorf("%d fooled rows, want %d", rows, tt.wantRows)
			}
			if tt.wantMore > 0 && !strings.Contains(md, "…and "+strconv.Itoa(tt.wantMore)+" more fooled classes") {
				t.Errorf("no note of the %d classes left out", tt.wantMore)
			}
			if got := strings.Contains(md, "```mermaid\nxychart-beta\n"); got != tt.withChart {
				t.Errorf("chart present = %v, want %v", got, tt.withChart)
			}
			t.Logf("%d bytes", len(md))
		})
	}
}

func TestMarkdownContent(t *testing.T) {
	tests := []struct {
		name      string
		opts      reporttest.Options
		verdict   string
		mustHave  []string
		mustNotBe []string
	}{
		{
			name:    "fail",
			opts:    reporttest.Options{Classes: 10, Fooled: 7},
			verdict: "❌ **fooltest: FAIL** — 7 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 0)",
			mustHave: []string{"| Target classes | 10 |", "| Evaluations per second |", "| Budget used | 48.2 s of 60 s (80%) |",
				"### Fooled classes", "<details>\n<summary>Run configuration</summary>", "</details>", "](images/"},
			mustNotBe: []string{"[!WARNING]", "Report-only", "data:"},
		},
		{
			name:     "pass within allowance",
			opts:     reporttest.Options{Classes: 10, Fooled: 2, MaxFooled: "20%"},
			verdict:  "✅ **fooltest: PASS** — 2 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 2)",
			mustHave: []string{"### Fooled classes"},
		},
		{
			name:      "nothing fooled",
			opts:      reporttest.Options{Classes: 1},
			verdict:   "✅ **fooltest: PASS** — 0 of 1 target class fooled at confidence ≥ 0.99 (allowed: 0)",
			mustNotBe: []string{"### Fooled classes", "mermaid"},
		},
		{
			name:     "report only",
			opts:     reporttest.Options{Classes: 3, Fooled: 1, FailOn: "never"},
			verdict:  "⚠️ **fooltest: FAIL (report only)** — 1 of 3 target classes fooled at confidence ≥ 0.99 (allowed: 0)",
			mustHave: []string{"> [!NOTE]\n> Report-only mode"},
		},
		{
			name:     "interrupted",
			opts:     reporttest.Options{Classes: 3, Fooled: 1, Interrupted: true},
			verdict:  "❌ **fooltest: FAIL** — 1 of 3 target classes fooled at confidence ≥ 0.99 (allowed: 0)",
			mustHave: []string{"> [!WARNING]\n> **This run was interrupted** (signal: terminated)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, tt.opts)
			report.Prepare(res, report.DefaultFormats())
			md := string(report.RenderMarkdown(res))
			first, _, _ := strings.Cut(md, "\n")
			if first != tt.verdict {
				t.Errorf("first line %q, want %q", first, tt.verdict)
			}
			for _, s := range tt.mustHave {
				if !strings.Contains(md, s) {
					t.Errorf("report.md lacks %q", s)
				}
			}
			for _, s := range tt.mustNotBe {
				if strings.Contains(md, s) {
					t.Errorf("report.md contains %q", s)
				}
			}
		})
	}
}

// TestMarkdownFooledOrder checks the fooled table is sorted by confidence.
func TestMarkdownFooledOrder(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 20, Fooled: 12})
	md := string(report.RenderMarkdown(res))
	re := regexp.MustCompile(`(?m)^\| (\d+) \| [^|]* \| ([0-9.]+) \|`)
	var prev float64 = 2
	n := 0
	for _, m := range re.FindAllStringSubmatch(md, -1) {
		c, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			t.Fatal(err)
		}
		if c > prev {
			t.Errorf("class %s (%v) listed after a lower confidence %v", m[1], c, prev)
		}
		prev = c
		n++
	}
	if n != 12 {
		t.Errorf("%d rows, want 12", n)
	}
}
