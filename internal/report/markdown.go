package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// MarkdownFile is the name of the Markdown report.
const MarkdownFile = "report.md"

// Markdown size limits. A pull request comment holds at most 65,536
// characters; the report stays well under that whatever the labels are.
const (
	// maxMarkdownBytes is the most report.md ever holds.
	maxMarkdownBytes = 60_000
	// maxMarkdownRows is how many fooled classes the table lists.
	maxMarkdownRows = 50
	// maxMarkdownLabel bounds each label, in runes, before escaping.
	maxMarkdownLabel = 60
	// chartPoints is the number of points in the Mermaid chart.
	chartPoints = 30
)

// verdictLine is the one-line verdict that opens report.md. An "error"
// verdict says first that the model was not tested, and why, in words.
func verdictLine(res *Result, words Words) string {
	if isError(res) {
		return "⛔ **fooltest: " + notTestedHeadline + "** — " + mdEscape(errorReason(res, words))
	}
	icon, word := "✅", "PASS"
	if res.Verdict != VerdictPass {
		icon, word = "❌", "FAIL"
		if reportOnly(res) {
			icon, word = "⚠️", "FAIL (report only)"
		}
	}
	return fmt.Sprintf("%s **fooltest: %s** — %s", icon, word, gateDetail(res))
}

// renderMarkdown returns report.md: verdict, warnings, summary, the fooled
// classes, the chart and the configuration. Every piece of untrusted text
// goes through mdText, and the fooled table is cut short so the whole stays
// under maxMarkdownBytes. The libraries' messages are in words.
func renderMarkdown(res *Result, words Words) []byte {
	var head strings.Builder
	head.WriteString(verdictLine(res, words))
	head.WriteString("\n\n")
	if note := missingShardsNote(res); note != "" {
		fmt.Fprintf(&head, "> [!WARNING]\n> %s\n\n", note)
	}
	if res.Interrupted {
		reason := "stopped before its budget was spent"
		if res.StoppedReason != "" {
			reason = mdText(res.StoppedReason, 120)
		}
		fmt.Fprintf(&head, "> [!WARNING]\n> **This run was interrupted** (%s) after %s. "+
			"Classes not fooled here might have been with the full budget.\n\n", reason, count(res.Evaluations, "evaluation", "evaluations"))
	}
	if b := res.Baseline; b != nil && !comparisonInHeadline(res) {
		fmt.Fprintf(&head, "**%s** (%s): %s.", comparisonLabel(res), mdText(b.Path, 120), comparison(res))
		if note := ungatedRegression(res, words); note != "" {
			head.WriteString(" " + mdEscape(note))
		}
		head.WriteString("\n\n")
	}
	if res.Verdict == VerdictFail && reportOnly(res) {
		head.WriteString("> [!NOTE]\n> Report-only mode (fail-on: never): the gate failed, but fooltest exits 0.\n\n")
	}
	if w := preprocessingWarning(res, func(s string) string { return mdText(s, 40) }); w != "" {
		fmt.Fprintf(&head, "> [!WARNING]\n> %s\n\n", w)
	}
	if note := nonFiniteNote(res, words); note != "" {
		fmt.Fprintf(&head, "> [!WARNING]\n> %s\n\n", mdEscape(note))
	}
	if note := allowanceNote(res, words); note != "" {
		fmt.Fprintf(&head, "> [!WARNING]\n> %s\n\n", mdEscape(note))
	}

	head.WriteString("| Summary | |\n|---|---:|\n")
	for _, row := range summaryRows(res, func(s string) string { return mdText(s, 120) }) {
		fmt.Fprintf(&head, "| %s | %s |\n", row[0], row[1])
	}
	for _, row := range scoreRows(res) {
		fmt.Fprintf(&head, "| %s | %s |\n", row[0], row[1])
	}
	head.WriteString("\n")
	head.WriteString(markdownImages(res, words))

	tail := markdownTail(res)

	// The comparison gets half of what is left, the fooled classes the
	// rest: two tables of hostile labels then fit together.
	var rows strings.Builder
	rows.WriteString(markdownBaseline(res, (maxMarkdownBytes-head.Len()-len(tail))/2, words))
	fooled := sortedFooled(res)
	shown := 0
	if len(fooled) > 0 {
		rows.WriteString("### Fooled classes\n\n")
		rows.WriteString("| Class | Label | Confidence | Evaluations to threshold | Image |\n")
		rows.WriteString("|---:|---|---:|---:|---|\n")
		// Room for the closing note; the budget then holds for any labels.
		budget := maxMarkdownBytes - head.Len() - len(tail) - 200
		shown = cappedRows(&rows, len(fooled), budget, func(i int) string { return markdownRow(res, fooled[i]) })
		rows.WriteString("\n")
		if more := len(fooled) - shown; more > 0 {
			fmt.Fprintf(&rows, "…and %d more fooled %s, listed in report.json and report.html.\n\n", more, noun(more, "class", "classes"))
		}
		if slices.ContainsFunc(fooled[:shown], func(c *Class) bool { return c.EvaluationsToThreshold == nil }) {
			fmt.Fprintf(&rows, "> %s to threshold: fooled by the best of the %d searches, but their median search did not reach the threshold within the evaluation budget, so the score counts the class as not fooled.\n\n",
				count(res.EvaluationBudget, "evaluation", "evaluations"), max(res.Repeats, 1))
		}
	}

	if unr := unreachableClasses(res); len(unr) > 0 {
		rows.WriteString("### Classes that look unreachable\n\n")
		rows.WriteString(unreachableIntro(res) + "\n\n")
		rows.WriteString("| Class | Label | Best confidence | Why |\n|---:|---|---:|---|\n")
		budget := maxMarkdownBytes - head.Len() - len(tail) - 200
		n := cappedRows(&rows, len(unr), budget, func(i int) string {
			c := unr[i]
			return fmt.Sprintf("| %d | %s | %s | %s |\n", c.Index, mdText(c.Label, maxMarkdownLabel),
				formatConfidence(c.Confidence, res.Threshold), mdText(c.Unreachable.Reason, 400))
		})
		rows.WriteString("\n")
		if more := len(unr) - n; more > 0 {
			fmt.Fprintf(&rows, "…and %d more such %s, listed in report.json.\n\n", more, noun(more, "class", "classes"))
		}
	}

	out := make([]byte, 0, head.Len()+rows.Len()+len(tail))
	out = append(out, head.String()...)
	out = append(out, rows.String()...)
	return append(out, tail...)
}

// cappedRows appends row(0), row(1), … to b while there are fewer than
// maxMarkdownRows of them and b stays within budget bytes, and returns how
// many it appended.
func cappedRows(b *strings.Builder, n, budget int, row func(i int) string) int {
	shown := 0
	for i := range n {
		if shown == maxMarkdownRows {
			break
		}
		r := row(i)
		if b.Len()+len(r) > budget {
			break
		}
		b.WriteString(r)
		shown++
	}
	return shown
}

// markdownBaseline is the per-class comparison with the baseline, worst
// regression first, in at most budget bytes; "" without a baseline.
func markdownBaseline(res *Result, budget int, words Words) string {
	all := baselineRows(res)
	if len(all) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("### Classes against the baseline\n\n")
	if note := ungatedRegression(res, words); note != "" {
		b.WriteString(mdEscape(note) + "\n\n")
	}
	b.WriteString("| Class | Label | Evaluations to threshold | Baseline's | Ratio |\n")
	b.WriteString("|---:|---|---:|---:|---:|\n")
	// Room for the closing note, as in the fooled table.
	shown := cappedRows(&b, len(all), budget-200, func(i int) string {
		r := all[i]
		ratio := formatRatio(r.Base.LogRatio)
		if r.Regressed {
			ratio = "**" + ratio + " regressed**"
		}
		return fmt.Sprintf("| %d | %s | %s | %s | %s |\n", r.Class.Index, mdText(r.Class.Label, maxMarkdownLabel),
			formatCost(r.Class.EvaluationsToThreshold, res.EvaluationBudget),
			formatCost(r.Base.EvaluationsToThreshold, res.EvaluationBudget), ratio)
	})
	b.WriteString("\nRatio: the candidate's evaluations over the baseline's; below 1, the candidate fell faster.\n\n")
	if more := len(all) - shown; more > 0 {
		fmt.Fprintf(&b, "…and %d more %s, listed in report.json.\n\n", more, noun(more, "class", "classes"))
	}
	return b.String()
}

// markdownRow is one fooled class in the table. GitHub drops data: URIs, so
// the image is, with an image base URL, an <img> fetched from under it; with
// only an artifact URL, the path inside the artifact that markdownImages
// links; otherwise a plain link by relative path, which resolves wherever
// the report directory is browsed as a whole.
func markdownRow(res *Result, c *Class) string {
	// A fooled class without a count is one whose median search, of the
	// repeats, did not reach the threshold within the budget.
	evals := formatCost(c.EvaluationsToThreshold, res.EvaluationBudget)
	img := "—"
	if c.Image != "" {
		// Image paths are built from an index and a slug, so they need no
		// escaping in Markdown.
		switch cfg := res.Config; {
		case cfg.ImageBaseURL != "":
			img = imgTag(cfg.ImageBaseURL, c.Image, classAlt(res, c), thumbnailWidth)
		case cfg.ArtifactURL != "":
			img = "`" + c.Image + "`"
		default:
			img = "[image](" + c.Image + ")"
		}
	}
	return fmt.Sprintf("| %d | %s | %s | %s | %s |\n", c.Index, mdText(c.Label, maxMarkdownLabel),
		formatConfidence(c.Confidence, res.Threshold), evals, img)
}

// markdownTail is the chart and the collapsed run configuration.
func markdownTail(res *Result) string {
	var b strings.Builder
	if cand, base := baselineCurves(res, chartPoints); cand != nil {
		top := max(cand[len(cand)-1].Fooled, base[len(base)-1].Fooled)
		if top > 0 {
			// xychart-beta has no legend: the title names the lines, and
			// the palette draws the candidate red and the baseline grey.
			b.WriteString("### Fooled classes against the baseline\n\n```mermaid\n")
			b.WriteString("%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"#cf222e, #8c959f\"}}}}%%\n")
			b.WriteString("xychart-beta\n")
			b.WriteString("  title \"Classes at the threshold: candidate (red), baseline (grey)\"\n")
			mermaidAxes(&b, cand, top)
			mermaidLine(&b, cand)
			mermaidLine(&b, base)
			b.WriteString("```\n\n")
		}
	} else if pts := fooledCurve(res, chartPoints); res.Fooled > 0 && pts != nil {
		// Mermaid's default palette draws one line in a pale lavender
		// that almost vanishes on white; GitHub's blue reads on its light
		// and dark themes.
		b.WriteString("### Fooled classes over the run\n\n```mermaid\n")
		b.WriteString("%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"#0969da\"}}}}%%\n")
		b.WriteString("xychart-beta\n")
		b.WriteString("  title \"Fooled classes against evaluations\"\n")
		mermaidAxes(&b, pts, res.Fooled)
		mermaidLine(&b, pts)
		b.WriteString("```\n\n")
	}

	b.WriteString("<details>\n<summary>Run configuration</summary>\n\n| Setting | Value |\n|---|---|\n")
	for _, kv := range configRows(res) {
		fmt.Fprintf(&b, "| %s | %s |\n", kv[0], mdText(kv[1], 200))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// mermaidAxes writes a chart's axes: evaluations over the range of pts,
// which are evenly spaced, and fooled classes up to top. A numeric x-axis
// lets Mermaid choose a few readable ticks; a label per point crowded 30 of
// them into one unreadable run.
func mermaidAxes(b *strings.Builder, pts []curvePoint, top int) {
	first, last := int64(0), int64(1)
	if len(pts) > 0 {
		first, last = pts[0].Evaluations, max(pts[len(pts)-1].Evaluations, pts[0].Evaluations+1)
	}
	fmt.Fprintf(b, "  x-axis \"evaluations\" %d --> %d\n", first, last)
	fmt.Fprintf(b, "  y-axis \"fooled classes\" 0 --> %d\n", max(top, 1))
}

// mermaidLine writes one line of a chart.
func mermaidLine(b *strings.Builder, pts []curvePoint) {
	b.WriteString("  line [")
	for i, p := range pts {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(p.Fooled))
	}
	b.WriteString("]\n")
}

// encodeMarkdown writes report.md's content.
func encodeMarkdown(w io.Writer, res *Result, words Words) error {
	_, err := w.Write(renderMarkdown(res, words))
	return err
}
