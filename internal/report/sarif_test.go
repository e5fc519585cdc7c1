package report_test

import (
	"bytes"
	"encoding/json"
	"maps"
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
			ExecutionSuccessful        bool `json:"executionSuccessful"`
			ToolExecutionNotifications []struct {
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"toolExecutionNotifications"`
		} `json:"invocations"`
		OriginalURIBaseIDs map[string]any `json:"originalUriBaseIds"`
		Artifacts          []struct {
			Location sarifURI `json:"location"`
		} `json:"artifacts"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Locations           []struct {
				PhysicalLocation struct {
					ArtifactLocation sarifURI `json:"artifactLocation"`
					Region           struct {
						StartLine int `json:"startLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// sarifURI is an artifact location.
type sarifURI struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

// checkSARIF validates data against the schema and checks what code
// scanning needs: one result per fooled class, each located at line 1 of
// the model file want; for a model with no file (want.URI empty), no
// result at all, since code scanning rejects a log with a result it cannot
// place in the repository, and a notification that says so.
func checkSARIF(t testing.TB, schema *jsonschema.Schema, data []byte, res *report.Result, want sarifURI) {
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
	// A merge with shards missing says so in a note and a notification.
	missing := 0
	if len(res.MissingShards) > 0 {
		rules = append(rules, report.SARIFMissingShardsRuleID)
		missing = 1
	}
	var ids []string
	for _, r := range run.Tool.Driver.Rules {
		ids = append(ids, r.ID)
	}
	if run.Tool.Driver.Name != "fooltest" || !slices.Equal(ids, rules) {
		t.Errorf("driver %+v, want rules %v", run.Tool.Driver, rules)
	}
	inv := run.Invocations
	if len(inv) != 1 || inv[0].ExecutionSuccessful == (res.Verdict == "error") {
		t.Fatalf("invocations %+v for verdict %s", inv, res.Verdict)
	}
	errorNotes, warnings, notes := 0, 0, 0
	for _, n := range inv[0].ToolExecutionNotifications {
		switch n.Level {
		case "error":
			errorNotes++
		case "warning":
			warnings++
		case "note":
			notes++
		}
	}
	if (res.Verdict == "error") != (errorNotes == 1) || warnings != missing {
		t.Errorf("invocation notifications %+v for verdict %s and %d missing shards", inv[0].ToolExecutionNotifications, res.Verdict, len(res.MissingShards))
	}
	if want.URI == "" {
		if len(run.Results) != 0 || len(run.Artifacts) != 0 || run.Results == nil || notes != 1 {
			t.Errorf("a model with no file has %d results (nil: %v), artifacts %+v and %d notes", len(run.Results), run.Results == nil, run.Artifacts, notes)
		}
		return
	}
	if len(run.Artifacts) != 1 || run.Artifacts[0].Location != want {
		t.Errorf("artifacts %+v, want the model at %+v", run.Artifacts, want)
	}
	if _, ok := run.OriginalURIBaseIDs["%SRCROOT%"]; ok != (want.URIBaseID == "%SRCROOT%") {
		t.Errorf("originalUriBaseIds %v for a location relative to %q", run.OriginalURIBaseIDs, want.URIBaseID)
	}
	own := notTested + minScore + missing
	if run.Results == nil || len(run.Results) != own+regressed+res.Fooled {
		t.Fatalf("%d results (nil: %v) for %d not tested, %d score under the minimum, %d missing shards notes, %d regressed and %d fooled classes",
			len(run.Results), run.Results == nil, notTested, minScore, missing, regressed, res.Fooled)
	}
	for i, r := range run.Results {
		rule, wantLevel := report.SARIFRuleID, fooledLevel
		switch {
		case i < notTested:
			rule, wantLevel = report.SARIFNotTestedRuleID, "error"
		case i < notTested+minScore:
			rule, wantLevel = report.SARIFMinScoreRuleID, level(true)
		case i < own:
			rule, wantLevel = report.SARIFMissingShardsRuleID, "note"
		case i < own+regressed:
			rule, wantLevel = report.SARIFRegressionRuleID, regressionLevel
		}
		if r.RuleID != rule || ids[r.RuleIndex] != r.RuleID || r.Level != wantLevel || r.Message.Text == "" {
			t.Errorf("result %d %+v, want rule %s at level %s", i, r, rule, wantLevel)
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
		if loc.ArtifactLocation != want || loc.Region.StartLine != 1 {
			t.Errorf("location %+v, want %+v line 1", loc, want)
		}
		for name, fp := range r.PartialFingerprints {
			if !strings.HasPrefix(fp, want.URI) {
				t.Errorf("fingerprint %s %q does not name the model's location %q", name, fp, want.URI)
			}
		}
	}
}

func TestSARIFSchema(t *testing.T) {
	schema := sarifSchema(t)
	// withPath gives the model path as reports show it and its path in
	// the repository ("" for none).
	withPath := func(p, repo string) func(*report.Result) {
		return func(r *report.Result) { r.Model.Path, r.Model.RepoPath = p, repo }
	}
	lenet := sarifURI{"models/lenet.onnx", "%SRCROOT%"}
	tests := []struct {
		name    string
		opts    reporttest.Options
		edit    func(*report.Result)
		wantURI sarifURI
	}{
		{"golden-like", reporttest.Options{Classes: 6, Fooled: 3}, nil, lenet},
		{"nothing fooled", reporttest.Options{Classes: 5}, nil, lenet},
		{"hostile labels", reporttest.Options{Classes: 50, Fooled: 50,
			Label: func(int) string { return reporttest.HostileLabel }}, nil, lenet},
		{"run from a subfolder", reporttest.Options{Classes: 2, Fooled: 1}, withPath("ic_raw.onnx", "models/ic_raw.onnx"), sarifURI{"models/ic_raw.onnx", "%SRCROOT%"}},
		{"run from outside the repository", reporttest.Options{Classes: 2, Fooled: 1}, withPath("/home/u/repo/net.onnx", "net.onnx"), sarifURI{"net.onnx", "%SRCROOT%"}},
		{"path with spaces", reporttest.Options{Classes: 2, Fooled: 1}, withPath("net v2.onnx", "my models/net v2.onnx"), sarifURI{"my%20models/net%20v2.onnx", "%SRCROOT%"}},
		{"colon in first segment", reporttest.Options{Classes: 2, Fooled: 1}, withPath("c:net.onnx", "c:net.onnx"), sarifURI{"./c:net.onnx", "%SRCROOT%"}},
		{"model outside the repository", reporttest.Options{Classes: 2, Fooled: 1}, withPath("/opt/models/net.onnx", ""), sarifURI{"file:///opt/models/net.onnx", ""}},
		{"older report without a repository path", reporttest.Options{Classes: 2, Fooled: 1}, withPath("./net.onnx", ""), sarifURI{"net.onnx", "%SRCROOT%"}},
		{"embedded demo model", reporttest.Options{Classes: 10, Fooled: 10}, withPath(report.DemoModelPath, ""), sarifURI{}},
		{"embedded demo model not tested", reporttest.Options{Classes: 10, Fooled: 1, Interrupted: true}, withPath(report.DemoModelPath, ""), sarifURI{}},
		{"no path", reporttest.Options{Classes: 2, Fooled: 1}, withPath("", ""), sarifURI{}},
		{"error", reporttest.Options{Classes: 4, Fooled: 1, Error: "the model failed: <b>\x00</b>"}, nil, lenet},
		{"error nothing fooled", reporttest.Options{Classes: 4, Interrupted: true}, nil, lenet},
		{"baseline", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4, 7)}, nil, lenet},
		{"baseline harder", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(0.25)}, nil, lenet},
		{"baseline fail-on fooled", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4, 7), FailOn: "fooled", MaxFooled: "8"}, nil, lenet},
		{"baseline report only", reporttest.Options{Classes: 10, Fooled: 8, Baseline: reporttest.Times(4, 7), FailOn: "never"}, nil, lenet},
		{"fooled within the allowance", reporttest.Options{Classes: 6, Fooled: 3, MaxFooled: "50%"}, nil, lenet},
		{"fooled over the allowance", reporttest.Options{Classes: 6, Fooled: 3, MaxFooled: "2"}, nil, lenet},
		{"report only", reporttest.Options{Classes: 6, Fooled: 3, FailOn: "never"}, nil, lenet},
		{"min score missed", reporttest.Options{Classes: 6, Fooled: 3, MaxFooled: "3", MinScore: 0.99}, nil, lenet},
		{"min score missed, report only", reporttest.Options{Classes: 6, Fooled: 3, FailOn: "never", MinScore: 0.99}, nil, lenet},
		{"missing shards", reporttest.Options{Classes: 6, Fooled: 2}, func(r *report.Result) { markMissing(r, 2) }, lenet},
		{"missing shards not allowed", reporttest.Options{Classes: 6, Fooled: 2, Error: "shards 2 and 3 of 3 are missing"},
			func(r *report.Result) { markMissing(r, 2, 3) }, lenet},
		{"odd versions and time", reporttest.Options{Classes: 2, Fooled: 2}, func(r *report.Result) {
			r.Versions.Fooltest = "dev (abc123)"
			r.StartedAt = "yesterday"
			r.Model.SHA256 = "not-a-hash"
		}, lenet},
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

// TestSARIFFingerprints: a model's findings keep their fingerprints and
// location whatever folder fooltest ran in, so that code scanning matches
// them across runs, and differ between classes and models.
func TestSARIFFingerprints(t *testing.T) {
	results := func(path, repo string) map[string]string {
		res := reporttest.New(t, reporttest.Options{Classes: 4, Fooled: 4})
		res.Model.Path, res.Model.RepoPath = path, repo
		report.Prepare(res, report.DefaultFormats())
		var doc sarifDoc
		if err := json.Unmarshal(render(t, encodeAs(report.FormatSARIF), res), &doc); err != nil {
			t.Fatal(err)
		}
		fps := map[string]string{}
		for _, r := range doc.Runs[0].Results {
			fps[r.PartialFingerprints["fooltestClass/v1"]] = r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		}
		if len(fps) != 4 {
			t.Fatalf("%d distinct fingerprints for 4 fooled classes: %v", len(fps), fps)
		}
		return fps
	}
	root := results("models/ic_raw.onnx", "models/ic_raw.onnx")
	for _, path := range []string{"ic_raw.onnx", "../models/ic_raw.onnx", "/src/repo/models/ic_raw.onnx"} {
		if got := results(path, "models/ic_raw.onnx"); !maps.Equal(got, root) {
			t.Errorf("run as %s: fingerprints %v, want %v as from the repository root", path, got, root)
		}
	}
	for fp := range results("models/other.onnx", "models/other.onnx") {
		if _, ok := root[fp]; ok {
			t.Errorf("another model shares fingerprint %q", fp)
		}
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
