package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// junitFile is the name of the JUnit report.
const junitFile = "junit.xml"

// junitClassname is every testcase's classname. It has no '.', because
// mikepenz/action-junit-report, when a testcase has no file attribute, takes
// the annotated file from the classname after its last '.', and a classname
// built from the model path ("models/net.onnx") would annotate a file named
// "onnx". The model path is in the suite name and the "model" property
// instead; fooltest's own annotations are what point at the model file.
const junitClassname = "fooltest"

// failureType is the type of a fooled class's JUnit failure.
const failureType = "FoolingImage"

// regressionType is the type of the JUnit failure of a class that
// regressed against the baseline.
const regressionType = "Regression"

// notTestedType is the type of the JUnit error of a run whose verdict is
// "error", and notTestedCase the name of its testcase.
const (
	notTestedType = "NotTested"
	notTestedCase = "model tested"
)

// maxJUnitLabel bounds labels in testcase names, which reporters show in
// lists and tables, and in the failure text.
const maxJUnitLabel = maxPlainLabel

// junitSuites builds the JUnit document without its testcases, which
// encodeJUnit streams: one testsuite for the run, and counts for one
// testcase per target class, a fooled class being a failure. The counts are
// those AddTestcase and AddSuite would give, so they agree with the
// testcases, as junitparser-based reporters require.
//
// The go-junit-report types have no testcase file attribute, and the
// testsuite one is left out: the Jenkins JUnit schema, which several
// consumers validate against, does not allow it.
func junitSuites(res *Result, words Words) junit.Testsuites {
	suite := junit.Testsuite{
		Name:      xmlLine("fooltest " + res.Model.Path),
		Time:      formatSeconds(res.ElapsedSeconds),
		Timestamp: xmlLine(res.StartedAt),
	}
	props := []struct{ name, value string }{
		{"model", res.Model.Path},
		{"model_sha256", res.Model.SHA256},
		{"threshold", formatThreshold(res.Threshold)},
		{"max_fooled", strconv.Itoa(res.MaxFooled)},
		{"verdict", string(res.Verdict)},
		{"budget", res.Config.Budget},
		{"budget_seconds", formatSeconds(res.BudgetSeconds)},
		{"seed", strconv.FormatUint(res.Config.Seed, 10)},
		{"evaluations", strconv.FormatInt(res.Evaluations, 10)},
		{"interrupted", strconv.FormatBool(res.Interrupted)},
		{"stopped_reason", res.StoppedReason},
		{"fooltest_version", res.Versions.Fooltest},
		{"onnxruntime_version", res.Versions.ONNXRuntime},
	}
	props = append(props, []struct{ name, value string }{
		{"score", formatScore(res.Score)},
		{"score_version", strconv.Itoa(res.ScoreVersion)},
		{"score_comparable", strconv.FormatBool(res.ScoreComparable)},
		{"evaluation_budget", strconv.FormatInt(res.EvaluationBudget, 10)},
		{"fooled_within_budget", strconv.Itoa(res.FooledWithinBudget)},
		// "> B", as the other formats write it, when the median class was
		// not fooled within the budget B.
		{"median_evaluations_to_threshold", formatCost(res.MedianEvaluations, res.EvaluationBudget)},
		{"repeats", strconv.Itoa(max(res.Repeats, 1))},
	}...)
	if len(res.FailedBy) > 0 {
		props = append(props, struct{ name, value string }{"failed_by", strings.Join(res.FailedBy, ",")})
	}
	if isError(res) {
		props = append(props, struct{ name, value string }{"error", errorReason(res, words)})
	}
	if len(res.Model.OutputsNotSearched) > 0 {
		// The testcases are the searched output's classes; the model's
		// other heads have none.
		props = append(props, []struct{ name, value string }{
			{"output", res.Model.Output},
			{"outputs_not_searched", notSearchedText(res.Model, cleanText)},
		}...)
	}
	if res.NonFiniteOutputs > 0 {
		// A fail too may rest on a model that often gave NaN.
		props = append(props, struct{ name, value string }{"non_finite_outputs", strconv.FormatInt(res.NonFiniteOutputs, 10)})
	}
	if note := nonFiniteNote(res, words); note != "" {
		props = append(props, struct{ name, value string }{"non_finite", note})
	}
	if note := allowanceNote(res, words); note != "" {
		// Beside max_fooled, as the non-finite note is a property: a
		// passing suite has no failure to carry it.
		props = append(props, struct{ name, value string }{"max_fooled_warning", note})
	}
	if n := unreachableCount(res); n > 0 {
		props = append(props, struct{ name, value string }{"unreachable", strconv.Itoa(n)})
	}
	if missing, _, ok := missingShards(res); ok {
		s := make([]string, len(missing))
		for i, m := range missing {
			s[i] = strconv.Itoa(m)
		}
		props = append(props, []struct{ name, value string }{
			{"missing_shards", strings.Join(s, ",")},
			{"not_searched", strconv.Itoa(notSearchedCount(res))},
		}...)
	}
	if d := res.DigitCheck; d != nil {
		props = append(props, struct{ name, value string }{"mnist_digits_right", fmt.Sprintf("%d of %d", d.Correct, d.Digits)})
		if d.Mismatch() {
			props = append(props, struct{ name, value string }{"suggested_preset", d.SuggestedPreset})
		}
	}
	if r := res.RangeCheck; r != nil {
		props = append(props, struct{ name, value string }{"input_range_fit", strconv.FormatFloat(r.Fit, 'f', 2, 64)})
		if r.Mismatch() {
			props = append(props, struct{ name, value string }{"input_range_presets", strings.Join(r.SuggestedPresets, ",")})
		}
	}
	if p := res.PhotoCheck; p != nil {
		props = append(props, struct{ name, value string }{"photo_spread", strconv.FormatFloat(p.Spread, 'f', 3, 64)})
		if p.Mismatch() {
			props = append(props, struct{ name, value string }{"photo_presets", strings.Join(p.SuggestedPresets, ",")})
		}
		if p.TooWide() {
			props = append(props, struct{ name, value string }{"photo_narrower_presets", strings.Join(p.NarrowerPresets, ",")})
		}
	}
	// A shard's suite holds every target class but searched some: a
	// test-report action shows the suite, not report.md's summary row.
	if name, value, ok := shardRow(res); ok {
		props = append(props, struct{ name, value string }{map[string]string{"Shard": "shard", "Merged from": "merged_from"}[name], value})
	}
	if b := res.Baseline; b != nil {
		props = append(props, []struct{ name, value string }{
			{"baseline", b.Path},
			{"baseline_sha256", b.SHA256},
			{"baseline_score", formatScore(b.Score)},
		}...)
		// A run that tested nothing states no difference or test.
		if !isError(res) {
			props = append(props, []struct{ name, value string }{
				{"score_difference", strconv.FormatFloat(finite(b.ScoreDifference), 'f', 3, 64)},
				{"p_value", strconv.FormatFloat(finite(b.PValue), 'g', 4, 64)},
			}...)
		}
		props = append(props, []struct{ name, value string }{
			{"change", change(res)},
			{"regression", strconv.FormatBool(b.Regression)},
		}...)
	}
	for _, p := range props {
		suite.AddProperty(p.name, xmlLine(p.value))
	}
	if isError(res) {
		suite.Tests++
		suite.Errors++
	}
	if tc, ok := junitMinScore(res); ok {
		suite.Tests++
		if tc.Failure != nil {
			suite.Failures++
		}
	}
	for i := range res.Classes {
		suite.Tests++
		if junitFailure(res, i) != nil {
			suite.Failures++
		} else if junitSkipped(res, i) != nil {
			suite.Skipped++
		}
	}
	var suites junit.Testsuites
	suites.AddSuite(suite)
	suites.Time = suite.Time
	// The Jenkins schema has no skipped count on testsuites: the one
	// testsuite's gives it.
	suites.Skipped = 0
	return suites
}

// junitNotTested is the testcase of a run that did not test the model: an
// error rather than a failure, since no finding failed, which test-report
// actions still show as a failed test.
func junitNotTested(res *Result, words Words) junit.Testcase {
	reason := errorReason(res, words)
	return junit.Testcase{
		Name:      notTestedCase,
		Classname: junitClassname,
		Time:      formatSeconds(res.ElapsedSeconds),
		Error: &junit.Result{
			Message: "the model was not tested: " + reason,
			Type:    notTestedType,
			Data:    xmlText(fmt.Sprintf("%s: %s\nModel: %s\n", notTestedHeadline, reason, cleanText(res.Model.Path))),
		},
	}
}

// minScoreType is the type of the JUnit failure of a score under
// --min-score.
const minScoreType = "ScoreBelowMinimum"

// junitMinScore is the testcase of the --min-score gate, and whether there
// is one (only with a minimum): a failure when the gate failed on it. When
// the model was not tested no score was judged, which its output says; the
// Jenkins schema that consumers validate against has no skipped count on
// the document, and the run's own error testcase fails the suite anyway.
func junitMinScore(res *Result) (junit.Testcase, bool) {
	if !(res.Config.MinScore > 0) {
		return junit.Testcase{}, false
	}
	tc := junit.Testcase{
		Name:      "score at least " + formatScore(res.Config.MinScore),
		Classname: junitClassname,
		Time:      "0.000",
	}
	switch {
	case gateFailed(res, FailedByMinScore):
		tc.Failure = &junit.Result{
			Message: "score " + minScoreFinding(res),
			Type:    minScoreType,
			Data:    xmlText(fmt.Sprintf("The score, %s (0: every class fooled at once, 1: none within the evaluation budget of %d), is below the minimum %s.\nModel: %s\n", formatScore(res.Score), res.EvaluationBudget, formatScore(res.Config.MinScore), cleanText(res.Model.Path))),
		}
	case slices.Contains(res.FailedBy, FailedByMinScore):
		tc.SystemOut = &junit.Output{Data: xmlText("Score " + minScoreFinding(res) + ". " + allowedReason(res, FailedByMinScore))}
	case isError(res):
		tc.SystemOut = &junit.Output{Data: "The model was not tested, so its score was not judged."}
	}
	return tc, true
}

// junitTestcase is a class's testcase. Its <skipped> holds the reason as
// text, as the Jenkins JUnit schema declares the element (a plain string):
// go-junit-report's always carries a message attribute, which that schema
// does not allow. Declared first, it is the testcase's first element, as
// the schema orders them, and hides the embedded Testcase's.
type junitTestcase struct {
	Skipped *string `xml:"skipped"`
	junit.Testcase
}

// junitCase is the testcase of res.Classes[i].
func junitCase(res *Result, i int) junitTestcase {
	c := &res.Classes[i]
	tc := junit.Testcase{
		Name:      strconv.Itoa(c.Index) + " " + displayLabel(c.Label, maxJUnitLabel),
		Classname: junitClassname,
		// A class's time is how long the run took to fool it; classes
		// are searched together, so an unfooled one has no time of its own.
		Time: "0.000",
	}
	if c.Fooled && c.SecondsToThreshold != nil {
		tc.Time = formatSeconds(*c.SecondsToThreshold)
	}
	out := junitTestcase{}
	tc.Failure = junitFailure(res, i)
	if tc.Failure == nil {
		out.Skipped = junitSkipped(res, i)
		if s := junitAllowed(res, i); s != "" {
			tc.SystemOut = &junit.Output{Data: xmlText(s)}
		}
	}
	out.Testcase = tc
	return out
}

// junitFailure is the failure of res.Classes[i], or nil when it passed: a
// class fails where it regressed against the baseline, or where it was
// fooled, when the gate failed on that (see gateFailed).
func junitFailure(res *Result, i int) *junit.Result {
	c := &res.Classes[i]
	bc := baselineFor(res, i)
	switch {
	case bc != nil && res.Baseline.Regressed(*bc) && gateFailed(res, FailedByRegression):
		return &junit.Result{
			Message: "regressed: " + costs(res, c, bc),
			Type:    regressionType,
			Data:    xmlText(junitDetails(res, c, bc)),
		}
	case c.Fooled && gateFailed(res, FailedByFooled):
		return &junit.Result{
			Message: "fooled: " + fooledFinding(res, c),
			Type:    failureType,
			Data:    xmlText(junitDetails(res, c, bc)),
		}
	}
	return nil
}

// fooledFinding is what was found of fooled class c, in a line.
func fooledFinding(res *Result, c *Class) string {
	return fmt.Sprintf("%s >= threshold %s",
		formatConfidence(c.Confidence, res.Threshold), formatThreshold(res.Threshold))
}

// junitAllowed is the output of res.Classes[i] when it passed: what it
// was found to be that the gate did not fail on (fooled, regressed), and
// why, or why it looks unreachable; "" when there is nothing to say.
// Test-report actions fail their check on any failure, so a finding that
// the gate allowed is told here instead.
func junitAllowed(res *Result, i int) string {
	c := &res.Classes[i]
	var parts []string
	if bc := baselineFor(res, i); bc != nil && res.Baseline.Regressed(*bc) {
		parts = append(parts, "Regressed: "+costs(res, c, bc)+". "+allowedReason(res, FailedByRegression))
	}
	if c.Fooled {
		parts = append(parts, "Fooled: "+fooledFinding(res, c)+". "+allowedReason(res, FailedByFooled))
	}
	if u := c.Unreachable; u != nil {
		parts = append(parts, "Looks unreachable: "+cleanText(u.Reason)+". "+unreachableNote)
	}
	return strings.Join(parts, "\n")
}

// junitSkipped marks res.Classes[i] as skipped when no shard of a merge
// searched it, or returns nil: a class whose shard is missing did not pass,
// and a failure, should another shard have fooled it, still wins.
func junitSkipped(res *Result, i int) *string {
	c := &res.Classes[i]
	missing, count, ok := missingShards(res)
	if !c.NotSearched || !ok {
		return nil
	}
	why := "not searched: " + ShardsMissing(missing, count) + " from the merge, and the confidence is only what the other shards met"
	return &why
}

// junitDetails is the failure text: what was fooled, how fast, and where the
// image is.
func junitDetails(res *Result, c *Class, bc *BaselineClass) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Class %d %s was given confidence %s (threshold %s) for an unrecognizable image.\n",
		c.Index, quotedLabel(c.Label, maxJUnitLabel), formatConfidence(c.Confidence, res.Threshold), formatThreshold(res.Threshold))
	if bc != nil {
		fmt.Fprintf(&b, "Against the baseline %s: %s.\n", cleanText(res.Baseline.Path), costs(res, c, bc))
	}
	if c.EvaluationsToThreshold != nil {
		fmt.Fprintf(&b, "Reached the threshold after %s", count(*c.EvaluationsToThreshold, "evaluation", "evaluations"))
		if c.SecondsToThreshold != nil {
			fmt.Fprintf(&b, " (%s s)", formatSeconds(*c.SecondsToThreshold))
		}
		b.WriteString(".\n")
	}
	if c.Image != "" {
		fmt.Fprintf(&b, "Image: %s\n", c.Image)
	}
	fmt.Fprintf(&b, "Model: %s\n", res.Model.Path)
	return b.String()
}

// xmlText makes multi-line text safe for XML 1.0. It keeps line breaks and
// tabs but drops everything cleanText drops, which covers every character
// XML forbids (controls, U+FFFE, U+FFFF; surrogates cannot occur in valid
// UTF-8). This matters most for the failure text, because encoding/xml
// writes CDATA unchecked.
func xmlText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return r
		case unicode.IsControl(r), isBidiControl(r), isInvisible(r), r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, s)
}

// xmlLine makes text safe for an XML attribute that must stay on one line.
func xmlLine(s string) string { return cleanText(s) }

// junitCasesAt is where, in junitSuites encoded with two-space indentation,
// the testcases go: before the testsuite's end tag. Encoded text cannot hold
// a raw line break, so only the tag itself matches.
const junitCasesAt = "\n  </testsuite>"

// encodeJUnit writes junit.xml's content, with the XML header that consumers
// expect written explicitly because encoding/xml omits it. The testcases
// are encoded one at a time into w, in result order, so that a run with
// 100,000 classes never holds its whole report in memory.
func encodeJUnit(w io.Writer, res *Result, words Words) error {
	var head bytes.Buffer
	enc := xml.NewEncoder(&head)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites(res, words)); err != nil {
		return fmt.Errorf("encoding JUnit XML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("encoding JUnit XML: %w", err)
	}
	cut := bytes.LastIndex(head.Bytes(), []byte(junitCasesAt))
	if cut < 0 {
		return errors.New("encoding JUnit XML: no end of testsuite")
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	if _, err := w.Write(head.Bytes()[:cut]); err != nil {
		return err
	}
	if _, minScore := junitMinScore(res); len(res.Classes) > 0 || isError(res) || minScore {
		// The encoder starts its first element without a line break.
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		cases := xml.NewEncoder(w)
		cases.Indent("    ", "  ")
		// Testcase has no XMLName: its name comes from the suite's field tag.
		start := xml.StartElement{Name: xml.Name{Local: "testcase"}}
		if isError(res) {
			if err := cases.EncodeElement(junitNotTested(res, words), start); err != nil {
				return fmt.Errorf("encoding JUnit XML: %w", err)
			}
		}
		if tc, ok := junitMinScore(res); ok {
			if err := cases.EncodeElement(tc, start); err != nil {
				return fmt.Errorf("encoding JUnit XML: %w", err)
			}
		}
		for i := range res.Classes {
			if err := cases.EncodeElement(junitCase(res, i), start); err != nil {
				return fmt.Errorf("encoding JUnit XML: %w", err)
			}
		}
		if err := cases.Close(); err != nil {
			return fmt.Errorf("encoding JUnit XML: %w", err)
		}
	}
	if _, err := w.Write(head.Bytes()[cut:]); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
