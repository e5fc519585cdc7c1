package report

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// consoleRows is how many classes the console summary lists when fewer
// were fooled; consoleFooledRows bounds the fooled ones it lists, every
// one up to that. report.json has them all.
const (
	consoleRows       = 20
	consoleFooledRows = 200
)

// WriteConsole writes the summary a terminal or a CI log shows: the fooled
// classes by confidence, then the closest of the others up to 20 rows in all, the
// score, the comparison with the baseline and the verdict line, from the
// same view as report.md and report.html, the libraries' messages in
// words (see Words). Labels are cleaned as in every format, so that no
// text from a user can start a line of the log. A nil res is an error,
// as in WriteFiles.
func WriteConsole(w io.Writer, res *Result, words Words) error {
	if res == nil {
		return errors.New("report: no result to summarise")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-6s  %-24s  %-10s  %s\n", "class", "label", "confidence", "fooled")
	shown, hiddenFooled := consoleClasses(res)
	for _, c := range shown {
		mark := "no"
		switch {
		case c.Fooled:
			mark = "yes"
		case c.Unreachable != nil:
			mark = "no (looks unreachable)"
		}
		fmt.Fprintf(&b, "%-6d  %-24s  %-10s  %s\n", c.Index, displayLabel(c.Label, 24), formatConfidence(c.Confidence, res.Threshold), mark)
	}
	if more := len(res.Classes) - len(shown); more > 0 {
		where := cleanText(filepath.Join(res.Config.ReportDir, JSONFile))
		if hiddenFooled > 0 {
			fmt.Fprintf(&b, "… %d more %s in %s, %d of them fooled\n", more, noun(more, "class", "classes"), where, hiddenFooled)
		} else {
			fmt.Fprintf(&b, "… %d more %s in %s, none of them fooled\n", more, noun(more, "class", "classes"), where)
		}
	}
	b.WriteString("\n")
	if w := preprocessingWarning(res, func(s string) string { return cleanText(displayLabel(s, 40)) }); w != "" {
		b.WriteString("warning: " + w + "\n\n")
	}
	consoleUnreachable(&b, res)
	if name, value, ok := shardRow(res); ok {
		b.WriteString(strings.ToLower(name) + " " + value + "\n")
	}
	b.WriteString(consoleScore(res, words) + "\n")
	switch bl := res.Baseline; {
	case bl != nil && isError(res):
		b.WriteString("baseline: " + comparison(res) + "\n")
	case bl != nil:
		fmt.Fprintf(&b, "baseline: %s; %d %s faster, %d slower\n", comparison(res), bl.Easier, noun(bl.Easier, "class fell", "classes fell"), bl.Harder)
		if note := ungatedRegression(res, words); note != "" {
			b.WriteString(note + "\n")
		}
	}
	if note := nonFiniteNote(res, words); note != "" {
		b.WriteString("warning: " + note + "\n")
	}
	b.WriteString(consoleVerdict(res, words) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// consoleClasses returns the classes the console lists: every fooled one
// up to consoleFooledRows, by confidence, then the closest of the others
// while fewer than consoleRows are listed; and how many fooled classes it
// leaves out. A verdict that counts 21 fooled classes has all 21 beside it.
func consoleClasses(res *Result) (shown []*Class, hiddenFooled int) {
	var rest []*Class
	for _, c := range ByConfidence(res) {
		switch {
		case c.Fooled && len(shown) < consoleFooledRows:
			shown = append(shown, c)
		case c.Fooled:
			hiddenFooled++
		case len(rest) < consoleRows:
			rest = append(rest, c)
		}
	}
	if n := consoleRows - len(shown); n > 0 {
		shown = append(shown, rest[:min(n, len(rest))]...)
	}
	return shown, hiddenFooled
}

// consoleScore states the score and what it was measured under, and
// how to make it comparable when it is not, in words.
func consoleScore(res *Result, words Words) string {
	median := formatCost(res.MedianEvaluations, res.EvaluationBudget)
	s := fmt.Sprintf("score: %s (0: every class fooled at once, 1: none within %s); %s fooled within the budget, median %s %s",
		formatScore(res.Score), count(res.EvaluationBudget, "evaluation", "evaluations"), fooledWithinBudget(res), median, costNoun(median))
	if res.Repeats > 1 {
		s += fmt.Sprintf(" (medians of %d searches)", res.Repeats)
	}
	switch {
	case res.Config.MaxEvals == 0:
		s += words.Say("; comparable with other runs only under an evaluation budget: set --max-evals")
	case !res.ScoreComparable:
		s += "; not comparable: the search stopped before its evaluation budget"
	}
	return s
}

// consoleVerdict is the verdict in one line of plain text, as the console
// and CI logs show it: what decided it, and what the run spent.
func consoleVerdict(res *Result, words Words) string {
	if isError(res) {
		// The headline only: fooltest ends with the whole reason and
		// its fix, once, on the last line (stderr), where a cut copy
		// here would only repeat it.
		if res.Error == "" {
			return "fooltest: " + notTestedHeadline + ": no reason was recorded"
		}
		return "fooltest: " + notTestedHeadline + " (why, and the fix, on the last line)"
	}
	word := "PASS"
	if res.Verdict != VerdictPass {
		word = "FAIL"
	}
	s := fmt.Sprintf("fooltest: %s: %s, %s in %.1fs", word, gateDetail(res), count(res.Evaluations, "evaluation", "evaluations"), finite(res.ElapsedSeconds))
	if res.Interrupted {
		s += " (interrupted: results so far)"
	}
	if res.Verdict == VerdictFail && reportOnly(res) {
		s += reportOnlyNote(words)
	}
	return s
}

// reportOnlyNote says, after the verdict line of a failed gate under
// --fail-on never, what the failure does not do: on the command line
// (nil words) its users read the exit code; another front end, the
// Action, runs as a step, whose users read whether it failed.
func reportOnlyNote(words Words) string {
	if words == nil {
		return " (report only: --fail-on never, so the exit code is 0)"
	}
	return " (report only: the gate does not fail the step)"
}

// consoleUnreachable lists why the classes that look unreachable do, the
// first few of them.
func consoleUnreachable(b *strings.Builder, res *Result) {
	n := unreachableCount(res)
	if n == 0 {
		return
	}
	if n == 1 {
		b.WriteString("1 target class looks unreachable; it counts as not fooled:\n")
	} else {
		fmt.Fprintf(b, "%d target classes look unreachable; they count as not fooled:\n", n)
	}
	const maxLines = 10
	shown := 0
	for _, c := range res.Classes {
		if c.Unreachable == nil {
			continue
		}
		if shown == maxLines {
			fmt.Fprintf(b, "  … %d more in %s\n", n-shown, cleanText(filepath.Join(res.Config.ReportDir, JSONFile)))
			break
		}
		fmt.Fprintf(b, "  class %d %s: %s\n", c.Index, displayLabel(c.Label, 24), cleanText(c.Unreachable.Reason))
		shown++
	}
	if n == len(res.Classes) {
		b.WriteString(allUnreachableNote + "\n")
	}
	b.WriteString("\n")
}
