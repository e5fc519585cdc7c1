package report_test

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// worstLabel expands as much as possible under Markdown escaping.
func worstLabel(i int) string {
	return strconv.Itoa(i) + strings.Repeat("@#|<`[", 400) + reporttest.HostileLabel
}

// longestBase is the longest image base URL CheckImageBaseURL accepts,
// made of '&', which HTML escapes to five bytes.
var longestBase = "https://example.com/" + strings.Repeat("&", 512-len("https://example.com/"))

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
		// base is the image base URL: the longest one allowed, with
		// characters HTML escapes, fills the table's rows the most.
		base string
	}{
		{"1000 fooled hostile", 1000, worstLabel, 50, 950, true, ""},
		{"1000 fooled long", 1000, func(i int) string { return strings.Repeat("x", 10_000) }, 50, 950, true, ""},
		{"1000 classes none fooled", 0, worstLabel, 0, 0, false, ""},
		{"few fooled", 7, worstLabel, 7, 0, true, ""},
		{"1000 fooled hostile, image base URL", 1000, worstLabel, 50, 950, true, "https://github.com/" + strings.Repeat("o", 39) + "/" + strings.Repeat("r", 100) + "/raw/fooltest-assets/123456789012-3"},
		// Rows of 3 KB: fewer fit, and the note counts the rest.
		{"1000 fooled hostile, longest image base URL", 1000, worstLabel, -1, -1, true, longestBase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 1000, Fooled: tt.fooled, HistoryLen: 2,
				Width: 2, Height: 2, Label: tt.label, Interrupted: true})
			report.Prepare(res, report.DefaultFormats())
			if err := report.CheckImageBaseURL(tt.base); err != nil {
				t.Fatal(err)
			}
			res.Config.ImageBaseURL = tt.base
			md := string(renderMarkdown(res))
			if len(md) >= report.MaxMarkdownBytes {
				t.Fatalf("report.md is %d bytes, limit %d", len(md), report.MaxMarkdownBytes)
			}
			rows := 0
			for line := range strings.SplitSeq(md, "\n") {
				if strings.HasPrefix(line, "| ") && (strings.Contains(line, "](images/") || strings.Contains(line, "/images/") && strings.Contains(line, "<img ")) {
					rows++
				}
			}
			if tt.wantRows < 0 && rows > 0 {
				tt.wantRows, tt.wantMore = rows, 1000-rows
			}
			if rows != tt.wantRows {
				t.Errorf("%d fooled rows, want %d", rows, tt.wantRows)
			}
			if tt.wantMore > 0 && !strings.Contains(md, "…and "+strconv.Itoa(tt.wantMore)+" more fooled classes") {
				t.Errorf("no note of the %d classes left out", tt.wantMore)
			}
			if got := strings.Contains(md, "```mermaid\n") && strings.Contains(md, "\nxychart-beta\n"); got != tt.withChart {
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
			mustHave: []string{"| Target classes | 10 |", "| Evaluations per second |", "| Budget used | 48.2 s of 60 s (80%); 120000 of 120000 evaluations (100%) |",
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
			// A count of every target class cannot fail the gate: the
			// report says so, and how to gate or to report only.
			name:     "count allows every target",
			opts:     reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "20"},
			verdict:  "✅ **fooltest: PASS** — 3 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 20)",
			mustHave: []string{"> [!WARNING]\n> --max-fooled 20 allows every one of the 10 target classes, so no number of fooled classes can fail the gate: give --max-fooled a lower count or a percentage, or pass --fail-on never to report only."},
		},
		{
			name:      "count of exactly the targets",
			opts:      reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "10"},
			mustHave:  []string{"> --max-fooled 10 allows every one of the 10 target classes"},
			verdict:   "✅ **fooltest: PASS** — 3 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 10)",
			mustNotBe: []string{"Report-only"},
		},
		{
			// 100% is written on purpose, and one class fewer gates.
			name:      "100%",
			opts:      reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "100%"},
			verdict:   "✅ **fooltest: PASS** — 3 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 10)",
			mustNotBe: []string{"[!WARNING]", "allows every one"},
		},
		{
			name:      "a count below the targets",
			opts:      reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "9"},
			verdict:   "✅ **fooltest: PASS** — 3 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 9)",
			mustNotBe: []string{"[!WARNING]", "allows every one"},
		},
		{
			name:      "a count of every target under fail-on never",
			opts:      reporttest.Options{Classes: 10, Fooled: 3, MaxFooled: "20", FailOn: "never"},
			verdict:   "✅ **fooltest: PASS** — 3 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 20)",
			mustNotBe: []string{"allows every one"},
		},
		{
			name:    "error",
			opts:    reporttest.Options{Classes: 3, Fooled: 1, Error: "the model failed: <oops> | bad", FailOn: "never"},
			verdict: "⛔ **fooltest: ERROR: the model was not tested** — the model failed: &#60;oops&#62; &#124; bad",
			mustHave: []string{"| Score (0: every class fooled at once, 1: none within the evaluation budget) | ",
				"| Evaluation budget | 120000 |", "| Repeats | 1 |"},
			mustNotBe: []string{"PASS", "Report-only"},
		},
		{
			name:     "error interrupted",
			opts:     reporttest.Options{Classes: 3, Interrupted: true},
			verdict:  "⛔ **fooltest: ERROR: the model was not tested** — the run was interrupted before the search ended, and the classes fooled so far do not fail the gate",
			mustHave: []string{"> [!WARNING]\n> **This run was interrupted**", "(not comparable: the search stopped before its evaluation budget)"},
		},
		{
			name:    "baseline easier",
			opts:    reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4)},
			verdict: "❌ **fooltest: FAIL** — easier to fool than the baseline: score 0.933 against the baseline's 0.990 (difference −0.057, p = 0.004 that it is easier to fool)",
			mustHave: []string{"### Classes against the baseline", "| 0 | class-0 | 12000 | 48000 | **0.25× regressed** |",
				"| 9 | class-9 | > 120000 | > 120000 | 1.00× |", "| Baseline score | 0.990 |", "| p-value that the candidate is easier to fool | 0.004 |",
				"xychart-beta", "  line ["},
			mustNotBe: []string{"Compared with the baseline"},
		},
		{
			// Significantly easier, by less than the tolerance: not "no
			// significant change" beside a p-value under alpha.
			name:    "baseline easier within the tolerance",
			opts:    reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4), Alpha: 0.05, Tolerance: 0.1},
			verdict: "✅ **fooltest: PASS** — easier to fool than the baseline, but within the tolerance of 0.1: score 0.933 against the baseline's 0.990 (difference −0.057, p = 0.004 that it is easier to fool)",
		},
		{
			name:     "baseline harder",
			opts:     reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(0.25)},
			verdict:  "✅ **fooltest: PASS** — harder to fool than the baseline: score 0.933 against the baseline's 0.838 (difference +0.095, p = 1.000 that it is easier to fool)",
			mustHave: []string{"| 0 | class-0 | 12000 | 3000 | 4.00× |"},
		},
		{
			name:     "baseline no change under fail-on fooled",
			opts:     reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(1), FailOn: "fooled"},
			verdict:  "❌ **fooltest: FAIL** — 8 of 10 target classes fooled at confidence ≥ 0.99 (allowed: 0)",
			mustHave: []string{"**Compared with the baseline** (models/lenet-v1.onnx): no significant change from the baseline: score 0.933 against the baseline's 0.933 (difference ±0.000, p = "},
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
			md := string(renderMarkdown(res))
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
	md := string(renderMarkdown(res))
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

// TestMarkdownSizeBaseline checks that report.md stays under its bound with
// both the comparison and the fooled table full of the worst labels.
func TestMarkdownSizeBaseline(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 1000, Fooled: 1000, HistoryLen: 2, Width: 2, Height: 2,
		Label: worstLabel, Baseline: reporttest.Times(3)})
	report.Prepare(res, report.DefaultFormats())
	md := string(renderMarkdown(res))
	if len(md) >= report.MaxMarkdownBytes {
		t.Fatalf("report.md is %d bytes, limit %d", len(md), report.MaxMarkdownBytes)
	}
	for _, s := range []string{"### Classes against the baseline", "more classes, listed in report.json",
		"### Fooled classes\n", "more fooled classes", "xychart-beta"} {
		if !strings.Contains(md, s) {
			t.Errorf("report.md lacks %q", s)
		}
	}
	t.Logf("%d bytes", len(md))
}

func TestFormatRatioAndP(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{report.FormatRatio(math.Log(0.25)), "0.25×"},
		{report.FormatRatio(0), "1.00×"},
		{report.FormatRatio(math.Log(12.34)), "12.3×"},
		{report.FormatRatio(math.Log(250)), "250×"},
		{report.FormatRatio(math.NaN()), "n/a"},
		{report.FormatP(0.0123), "0.012"},
		{report.FormatP(0.0004), "< 0.001"},
		{report.FormatP(math.NaN()), "n/a"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestShardSummary: the report of a shard, and of a merge, says so where
// its counts are read, since neither counts as a whole run does: a shard
// searched a part of the targets, a merge adds up its shards' evaluations
// over the time of the longest.
func TestShardSummary(t *testing.T) {
	tests := []struct {
		name    string
		shard   *report.Shard
		want    []string // in report.md
		console string
		// junit and sarif are the property each gives; a test-report
		// action and code scanning show those, not report.md.
		junit, sarif string
	}{
		{"shard", &report.Shard{Index: 2, Count: 3, Searched: []int{1, 4, 7}},
			[]string{"| Shard | 2 of 3: searched 3 of the 10 target classes, and counts every one it fooled; fooltest merge gives the whole run's result |",
				"| Evaluations per second |", "| Budget used | 48.2 s of 60 s (80%); 120000 of 120000 evaluations (100%) |"},
			"\nshard 2 of 3: searched 3 of the 10 target classes",
			`<property name="shard" value="2 of 3: searched 3 of the 10 target classes`, `"shard": "2 of 3: searched 3 of the 10 target classes`},
		{"merge", &report.Shard{Count: 3, Merged: []int{1, 2, 3}},
			[]string{"| Merged from | shards 1, 2 and 3 of 3: evaluations add up, the time is the longest shard's |",
				"| Evaluations per second (all shards) |", "| Budget used | 48.2 s of 60 s (80%, the longest shard); 120000 of 360000 evaluations (33%: 120000 per search × 3 shards) |"},
			"\nmerged from shards 1, 2 and 3 of 3: evaluations add up",
			`<property name="merged_from" value="shards 1, 2 and 3 of 3`, `"mergedFrom": "shards 1, 2 and 3 of 3`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 4})
			res.Shard = tt.shard
			md := string(renderMarkdown(res))
			for _, w := range tt.want {
				if !strings.Contains(md, w) {
					t.Errorf("report.md lacks %q:\n%s", w, md)
				}
			}
			var console strings.Builder
			if err := report.WriteConsole(&console, res, nil); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(console.String(), tt.console) {
				t.Errorf("the console lacks %q:\n%s", tt.console, console.String())
			}
			if junit := string(render(t, encodeAs(report.FormatJUnit), res)); !strings.Contains(junit, tt.junit) {
				t.Errorf("junit.xml lacks %q:\n%s", tt.junit, junit)
			}
			if sarif := string(render(t, encodeAs(report.FormatSARIF), res)); !strings.Contains(sarif, tt.sarif) {
				t.Errorf("report.sarif lacks %q:\n%s", tt.sarif, sarif)
			}
		})
	}
}

// TestMarkdownWording: report.md says what its numbers mean where they
// could mislead: a score with no evaluation budget, a gallery that shows
// some of the fooled classes, a comparison whose classes that neither model
// fell on would fill the table, and a fooled class without a count.
func TestMarkdownWording(t *testing.T) {
	tests := []struct {
		name      string
		opts      reporttest.Options
		edit      func(res *report.Result)
		mustHave  []string
		mustNotBe []string
		// firstRows end the first rows of the comparison with the baseline.
		firstRows []string
	}{
		{
			name: "no max-evals",
			opts: reporttest.Options{Classes: 10, Fooled: 4},
			edit: func(res *report.Result) { res.Config.MaxEvals, res.ScoreComparable = 0, false },
			mustHave: []string{"(comparable with other runs only under an evaluation budget: set max-evals) |",
				"| Evaluation budget | 120000 (the evaluations made: no max-evals was set) |"},
			mustNotBe: []string{"stopped before its evaluation budget"},
		},
		{
			name:     "gallery of some fooled classes",
			opts:     reporttest.Options{Classes: 150, Fooled: 120, HistoryLen: 2, Width: 2, Height: 2},
			edit:     func(res *report.Result) { res.Config.ImageBaseURL = "https://example.com/r" },
			mustHave: []string{`alt="gallery of the 100 most confident of the 120 fooled classes"`},
		},
		{
			name:     "gallery of every fooled class",
			opts:     reporttest.Options{Classes: 10, Fooled: 3},
			edit:     func(res *report.Result) { res.Config.ImageBaseURL = "https://example.com/r" },
			mustHave: []string{`alt="gallery of the 3 fooled classes"`},
		},
		{
			// The candidate needed twice the baseline's evaluations on the
			// 5 classes both fell on: they come before the 95 neither did.
			name:      "classes fooled before classes neither model fell on",
			opts:      reporttest.Options{Classes: 100, Fooled: 5, Baseline: reporttest.Times(0.5), HistoryLen: 2, Width: 2, Height: 2},
			firstRows: []string{"2.00× |", "2.00× |", "2.00× |", "2.00× |", "2.00× |", "| > 120000 | > 120000 | 1.00× |"},
		},
		{
			name: "fooled, but not within the budget in the median search",
			opts: reporttest.Options{Classes: 10, Fooled: 3},
			edit: func(res *report.Result) {
				res.Repeats = 5
				res.Classes[0].EvaluationsToThreshold = nil
			},
			mustHave: []string{"| 0 | class-0 | ", " | > 120000 | ",
				"> 120000 evaluations to threshold: fooled by the best of the 5 searches, but their median search did not reach the threshold"},
			mustNotBe: []string{" | — | "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, tt.opts)
			if tt.edit != nil {
				tt.edit(res)
			}
			md := string(renderMarkdown(res))
			for _, s := range tt.mustHave {
				if !strings.Contains(md, s) {
					t.Errorf("report.md lacks %q:\n%s", s, md)
				}
			}
			for _, s := range tt.mustNotBe {
				if strings.Contains(md, s) {
					t.Errorf("report.md has %q", s)
				}
			}
			if len(tt.firstRows) > 0 {
				_, table, _ := strings.Cut(md, "| Baseline's | Ratio |\n|---:|---|---:|---:|---:|\n")
				rows := strings.Split(table, "\n")
				for i, want := range tt.firstRows {
					if i >= len(rows) || !strings.HasSuffix(rows[i], want) {
						t.Errorf("the comparison's rows begin %q, want row %d to end %q", rows[:min(len(rows), len(tt.firstRows))], i+1, want)
						break
					}
				}
			}
		})
	}
}

// TestPhotoRowCertain: photos whose scores coincide while their log-scores
// lie far apart come from a model certain of its answers, which the
// summary says, as the check recorded it.
func TestPhotoRowCertain(t *testing.T) {
	for _, tc := range []struct {
		tops int
		want string
	}{
		{1, "log-scores 8.0 apart: certain of the same class for every photo"},
		{4, "log-scores 8.0 apart: certain of one class for each"},
	} {
		res := reporttest.New(t, reporttest.Options{Classes: 10, Fooled: 4})
		res.PhotoCheck = &report.PhotoCheck{Photos: 6, Spread: 0.01, LogitSpread: 8, Certain: true, TopClasses: tc.tops}
		if md := string(renderMarkdown(res)); !strings.Contains(md, tc.want) {
			t.Errorf("%d top classes: report.md lacks %q:\n%s", tc.tops, tc.want, md)
		}
	}
}
