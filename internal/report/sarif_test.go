package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// sarifSchema compiles the official SARIF 2.1.0 schema from testdata (see
// testdata/README.md), with format assertions on so that URIs and times
// are checked too.
func sarifSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "file:///sarif-schema-2.1.0.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sarifDoc is the part of a SARIF log the tests inspect.
type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name    string `json:"name"`
				Version string `json:"version"`
				Rules   []struct {
					ID string `json:"id"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Invocations []struct {
			ExecutionSuccessful        bool  `json:"executionSuccessful"`
			ToolExecutionNotifications []any `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI string `json:"uri"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// checkSARIF validates data against the schema and checks what code
// scanning needs: one result per fooled class, each located at line 1 of
// the model file.
func checkSARIF(t testing.TB, schema *jsonschema.Schema, data []byte, res *report.Result, wantURI string) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("report.sarif is not JSON: %v", err)
	}
	if err := schema.Validate(inst); err != nil {
		t.Fatalf("report.sarif does not follow the SARIF 2.1.0 schema: %v", err)
	}
	var doc sarifDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("version %q with %d runs", doc.Version, len(doc.Runs))
	}
	run := doc.Runs[0]
	rules := []string{report.SARIFRuleID}
	notTested, regressed := 0, 0
	if res.Baseline != nil {
		rules = append(rules, report.SARIFRegressionRuleID)
		for _, c := range res.Baseline.Classes {
			if res.Baseline.Regressed(c) {
				regressed++
			}
		}
	}
	if res.Verdict == "error" {
		rules = append(rules, report.SARIFNotTestedRuleID)
		notTested = 1
	}
	// The gate's findings are errors where it failed on them and the run
	// does not only report; the test works that out from the settings.
	blocking := res.Config.FailOn != "never"
	level := func(fails bool) string {
		if fails && blocking {
			return "error"
		}
		return "warning"
	}
	fooledLevel := level(res.Config.FailOn != "regression" && res.Fooled > res.MaxFooled)
	regressionLevel := level(res.Config.FailOn == "regression" && res.Baseline != nil && res.Baseline.Regression)
	minScore := 0
	if res.Config.MinScore > 0 && res.Score < res.Config.MinScore && res.ScoreComparable {
		rules = append(rules, report.SARIFMinScoreRuleID)
		minScore = 1
	}
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	if run.Tool.Driver.Name != "fooltest" || !slices.Equal(ids, rules) {
		t.Errorf("driver %+v, want rules %v", run.Tool.Driver, rules)
	}
	if inv := run.Invocations; len(inv) != 1 || inv[0].ExecutionSuccessful == (res.Verdict == "error") ||
		(res.Verdict == "error") != (len(inv[0].ToolExecutionNotifications) == 1) {
		t.Errorf("invocations %+v for verdict %s", inv, res.Verdict)
	}
	if run.Results == nil || len(run.Results) != notTested+minScore+regressed+res.Fooled {
		t.Fatalf("%d results (nil: %v) for %d not tested, %d score under the minimum, %d regressed and %d fooled classes",
			len(run.Results), run.Results == nil, notTested, minScore, regressed, res.Fooled)
	}
	for i, r := range run.Results {
		want, wantLevel := report.SARIFRuleID, fooledLevel
		switch {
		case i < notTested:
			want, wantLevel = report.SARIFNotTestedRuleID, "error"
		case i < notTested+minScore:
			want, wantLevel = report.SARIFMinScoreRuleID, level(true)
		case i < notTested+minScore+regressed:
			want, wantLevel = report.SARIFRegressionRuleID, regressionLevel
		}
		if r.RuleID != want || ids[r.RuleIndex] != r.RuleID || r.Level != wantLevel || r.Message.Text == "" {
			t.Errorf("result %d %+v, want rule %s at level %s", i, r, want, wantLevel)
		}
		// Code scanning fails its check on error-level alerts.
		if res.Verdict == "pass" && r.Level == "error" {
			t.Errorf("a passing run has error-level result %d %+v", i, r)
		}
		if r.Level == "warning" && !strings.Contains(r.Message.Text, "It is not a failure") {
			t.Errorf("warning-level result %d does not say why it is no error: %q", i, r.Message.Text)
		}
		if len(r.Locations) == 0 {
			t.Fatal("a result without a location is rejected by code scanning")
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI != wantURI || loc.Region.StartLine != 1 {
			t.Errorf("location %+v, want %s line 1", loc, wantURI)
		}
	}
}

func TestSARIFSchema(t *testing.T) {
	schema := sarifSchema(t)
	withPath := func(p string) func(*report.Result) {
		return func(r *report.Result) { r.Model.Path = p }
	}
	tests := []struct {
		name    string
		opts    reporttest.Options
		edit    func(*report.Result)
		wantURI string
	}{
		{"golden-like", reporttest.Options{Classes: 6, Fooled: 3}, nil, "models/lenet.onnx"},
		{"nothing fooled", reporttest.Options{Classes: 5}, nil, "models/lenet.onnx"},
		{"hostile labels", reporttest.Options{Classes: 50, Fooled: 50,
			Label: func(int) string { return reporttest.HostileLabel }}, nil, "models/lenet.onnx"},
		{"path with spaces", reporttest.Options{Classes: 2, Fooled: 1}, withPath("my models/net v2.onnx"), "my%20models/net%20v2.onnx"},
		{"dot slash path", reporttest.Options{Classes: 2, Fooled: 1}, withPath("./net.onnx"), "net.onnx"},
		{"colon in first segment", reporttest.Options{Classes: 2, Fooled: 1}, withPath("c:net.onnx"), "./c:net.onnx"},
		{"absolute path", reporttest.Options{Classes: 2, Fooled: 1}, withPath("/github/workspace/net.onnx"), "file:///github/workspace/net.onnx"},
		{"no path", reporttest.Options{Classes: 2, Fooled: 1}, withPath(""), "model"},
		{"error", reporttest.Options{Classes: 4, Fooled: 1, Error: "the model failed: <b>\x00</b>"}, nil, "models/lenet.onnx"},
		{"error nothing fooled", reporttest.Options{Classes: 4, Interrupted: true}, nil, "models/lenet.onnx"},
		{"baseline", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4, 7)}, nil, "models/lenet.onnx"},
		{"baseline harder", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(0.25)}, nil, "models/lenet.onnx"},
		{"baseline fail-on fooled", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4, 7), FailOn: "fooled", MaxFooled: "8"}, nil, "models/lenet.onnx"},
		{"baseline report only", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4, 7), FailOn: "never"}, nil, "models/lenet.onnx"},
		{"fooled within the allowance", reporttest.Options{Classes: 6, Fooled: 3, MaxFooled: "50%"}, nil, "models/lenet.onnx"},
		{"fooled over the allowance", reporttest.Options{Classes: 6, Fooled: 3, MaxFooled: "2"}, nil, "models/lenet.onnx"},
		{"report only", reporttest.Options{Classes: 6, Fooled: 3, FailOn: "never"}, nil, "models/lenet.onnx"},
		{"min score missed", reporttest.Options{Classes: 6, Fooled: 3, MaxFooled: "3", MinScore: 0.99}, nil, "models/lenet.onnx"},
		{"min score missed, report only", reporttest.Options{Classes: 6, Fooled: 3, FailOn: "never", MinScore: 0.99}, nil, "models/lenet.onnx"},
		{"odd versions and time", reporttest.Options{Classes: 2, Fooled: 2}, func(r *report.Result) {
			r.Versions.Fooltest = "dev (abc123)"
			r.StartedAt = "yesterday"
			r.Model.SHA256 = "not-a-hash"
		}, "models/lenet.onnx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := reporttest.New(t, tt.opts)
			if tt.edit != nil {
				tt.edit(res)
			}
			report.Prepare(res, report.DefaultFormats())
			checkSARIF(t, schema, render(t, encodeAs(report.FormatSARIF), res), res, tt.wantURI)
		})
	}
}

// TestSARIFSchemaCatchesErrors makes sure the schema check can fail: a log
// without runs, or with a bad level, must be rejected.
func TestSARIFSchemaCatchesErrors(t *testing.T) {
	schema := sarifSchema(t)
	for _, bad := range []string{
		`{"version":"2.1.0"}`,
		`{"version":"2.0.0","runs":[]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"fatal"}]}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
		if err != nil {
			t.Fatal(err)
		}
		if schema.Validate(inst) == nil {
			t.Errorf("schema accepted %s", bad)
		}
	}
}
