package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/jstemmer/go-junit-report/v2/junit"
)

// JUnitFile is the name of the JUnit report.
const JUnitFile = "junit.xml"

// JUnitClassname is every testcase's classname. It has no '.', because
// mikepenz/action-junit-report, when a testcase has no file attribute, takes
// the annotated file from the classname after its last '.', and a classname
// built from the model path ("models/net.onnx") would annotate a file named
// "onnx". The model path is in the suite name and the "model" property
// instead; fooltest's own annotations are what point at the model file.
const JUnitClassname = "fooltest"

// FailureType is the type of a fooled class's JUnit failure.
const FailureType = "FoolingImage"

// maxJUnitLabel bounds labels in testcase names, which reporters show in
// lists and tables.
const maxJUnitLabel = 200

// junitSuites builds the JUnit document without its testcases, which
// encodeJUnit streams: one testsuite for the run, and counts for one
// testcase per target class, a fooled class being a failure. The counts are
// those AddTestcase and AddSuite would give, so they agree with the
// testcases, as junitparser-based reporters require.
//
// The go-junit-report types have no testcase file attribute, and the
// testsuite one is left out: the Jenkins JUnit schema, which several
// consumers validate against, does not allow it.
func junitSuites(res *Result) junit.Testsuites {
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
		{"verdict", res.Verdict},
		{"budget", res.Config.Budget},
		{"budget_seconds", formatSeconds(res.BudgetSeconds)},
		{"seed", strconv.FormatUint(res.Config.Seed, 10)},
		{"evaluations", strconv.FormatInt(res.Evaluations, 10)},
		{"interrupted", strconv.FormatBool(res.Interrupted)},
		{"stopped_reason", res.StoppedReason},
		{"fooltest_version", res.Versions.Fooltest},
		{"onnxruntime_version", res.Versions.ONNXRuntime},
	}
	for _, p := range props {
		suite.AddProperty(p.name, xmlLine(p.value))
	}
	for i := range res.Classes {
		suite.Tests++
		if res.Classes[i].Fooled {
			suite.Failures++
		}
	}
	var suites junit.Testsuites
	suites.AddSuite(suite)
	suites.Time = suite.Time
	return suites
}

// junitCase is class c's testcase.
func junitCase(res *Result, c *Class) junit.Testcase {
	tc := junit.Testcase{
		Name:      strconv.Itoa(c.Index) + " " + displayLabel(c.Label, maxJUnitLabel),
		Classname: JUnitClassname,
		// A class's time is how long the run took to fool it; classes
		// are searched together, so an unfooled one has no time of its own.
		Time: "0.000",
	}
	if c.Fooled {
		if c.SecondsToThreshold != nil {
			tc.Time = formatSeconds(*c.SecondsToThreshold)
		}
		tc.Failure = &junit.Result{
			Message: fmt.Sprintf("fooled: %s >= threshold %s",
				formatConfidence(c.Confidence, res.Threshold), formatThreshold(res.Threshold)),
			Type: FailureType,
			Data: xmlText(junitDetails(res, c)),
		}
	}
	return tc
}

// junitDetails is the failure text: what was fooled, how fast, and where the
// image is.
func junitDetails(res *Result, c *Class) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Class %d %q was given confidence %s (threshold %s) for an unrecognizable image.\n",
		c.Index, cleanText(c.Label), formatConfidence(c.Confidence, res.Threshold), formatThreshold(res.Threshold))
	if c.EvaluationsToThreshold != nil {
		fmt.Fprintf(&b, "Reached the threshold after %d evaluations", *c.EvaluationsToThreshold)
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
		case unicode.IsControl(r), isBidiControl(r), r == 0xFFFE, r == 0xFFFF:
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
func encodeJUnit(w io.Writer, res *Result) error {
	var head bytes.Buffer
	enc := xml.NewEncoder(&head)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites(res)); err != nil {
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
	if len(res.Classes) > 0 {
		// The encoder starts its first element without a line break.
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		cases := xml.NewEncoder(w)
		cases.Indent("    ", "  ")
		// Testcase has no XMLName: its name comes from the suite's field tag.
		start := xml.StartElement{Name: xml.Name{Local: "testcase"}}
		for i := range res.Classes {
			if err := cases.EncodeElement(junitCase(res, &res.Classes[i]), start); err != nil {
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

// writeJUnit writes dir/junit.xml.
func writeJUnit(dir string, res *Result, files *fileList) (string, error) {
	return writeFile(filepath.Join(dir, JUnitFile), files, func(w io.Writer) error { return encodeJUnit(w, res) })
}
