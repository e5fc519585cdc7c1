package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sarifFile is the name of the SARIF report.
const sarifFile = "report.sarif"

// sarifRuleID is the rule every fooled class is reported under.
const sarifRuleID = "FOOL001"

// sarifRegressionRuleID is the rule a class that regressed against the
// baseline is reported under, and sarifNotTestedRuleID the rule of a run
// whose verdict is "error". Each is in the log only when it can occur.
const (
	sarifRegressionRuleID = "FOOL002"
	sarifNotTestedRuleID  = "FOOL003"
	// sarifUnreachableRuleID is the note on a class that looks
	// unreachable: not a finding against the model, but why the class
	// was not fooled.
	sarifUnreachableRuleID = "FOOL004"
	// sarifMinScoreRuleID is the rule of a score under --min-score.
	sarifMinScoreRuleID = "FOOL005"
	// sarifMissingShardsRuleID is the note on a merge with shards
	// missing: which, and which classes no shard searched.
	sarifMissingShardsRuleID = "FOOL006"
)

// sarifLevel is the level of a finding of kind what (a Result.FailedBy
// value): "error" when the gate failed on it, and "warning" when the gate
// allowed it or only reports (fail-on never). Code scanning fails its
// check on error-level alerts, so a run the gate let through has none of
// its own.
func sarifLevel(res *Result, what string) string {
	if gateFailed(res, what) {
		return "error"
	}
	return "warning"
}

// sarifAllowed is what a warning-level finding of kind what adds to its
// message: why it is not an error; "" for an error.
func sarifAllowed(res *Result, what string) string {
	if gateFailed(res, what) {
		return ""
	}
	return " " + allowedReason(res, what)
}

// sarifSchemaURI is the schema SARIF 2.1.0 files name; GitHub's code
// scanning documentation uses this address.
const sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"

// The SARIF types below hold only what fooltest writes; field names follow
// the SARIF 2.1.0 specification.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	// OriginalURIBaseIDs describes sarifSrcRoot. It gives no uri: the
	// root's absolute path on the runner means nothing to a reader of
	// the log, and would make the same run's logs differ by machine.
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	// Artifacts is the model file, or nothing for the embedded demo
	// model, which has none.
	Artifacts []sarifArtifact `json:"artifacts,omitempty"`
	// Results is never nil: an empty list says the tool ran and found
	// nothing, which code scanning uses to close earlier alerts.
	Results    []sarifResult  `json:"results"`
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	SemanticVer    string      `json:"semanticVersion,omitempty"`
	InformationURI string      `json:"informationUri,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string         `json:"id"`
	Name                 string         `json:"name"`
	ShortDescription     sarifText      `json:"shortDescription"`
	FullDescription      sarifText      `json:"fullDescription"`
	Help                 sarifText      `json:"help"`
	DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
	Properties           map[string]any `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	StartTimeUTC               string              `json:"startTimeUtc,omitempty"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	// ToolConfigurationNotifications are the problems with how fooltest
	// was configured, as against how it ran.
	ToolConfigurationNotifications []sarifNotification `json:"toolConfigurationNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifArtifact struct {
	Location sarifArtifactLocation `json:"location"`
	Hashes   map[string]string     `json:"hashes,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI         string     `json:"uri,omitempty"`
	URIBaseID   string     `json:"uriBaseId,omitempty"`
	Index       *int       `json:"index,omitempty"`
	Description *sarifText `json:"description,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

// sarifSrcRoot is the uriBaseId of a model file in the repository: the
// one CodeQL writes, which code scanning resolves against the root of the
// repository it analyses.
const sarifSrcRoot = "%SRCROOT%"

// modelLocation is where report.sarif places the model, and whether it
// has a place at all. A model in the repository is at its path there
// (Model.RepoPath), relative to sarifSrcRoot, whatever folder fooltest ran
// in; a model file outside it gets a file: URI of its absolute path. The
// embedded demo model is no file: code scanning rejects a whole log that
// has a result without a file location, or one located at a path that is
// not a URI, so it has none and the log lists no results. A report.json
// from an older fooltest has no RepoPath; its Path, relative to the
// working directory, is taken as relative to the root.
func modelLocation(m *Model) (sarifArtifactLocation, bool) {
	if p := strings.TrimSpace(cleanText(m.RepoPath)); p != "" {
		return sarifArtifactLocation{URI: relativeURI(p), URIBaseID: sarifSrcRoot}, true
	}
	p := strings.TrimSpace(cleanText(m.Path))
	if p == "" || p == DemoModelPath {
		return sarifArtifactLocation{}, false
	}
	if slash := filepath.ToSlash(p); filepath.IsAbs(p) || strings.HasPrefix(slash, "/") {
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: slash}).String()}, true
	}
	return sarifArtifactLocation{URI: relativeURI(p), URIBaseID: sarifSrcRoot}, true
}

// relativeURI is relative path p as a URI reference: forward slashes,
// percent-encoded, without a leading "./".
func relativeURI(p string) string {
	slash := filepath.ToSlash(p)
	for strings.HasPrefix(slash, "./") {
		slash = slash[2:]
	}
	u := (&url.URL{Path: slash}).EscapedPath()
	// A relative URI whose first segment has a ':' would read as a scheme.
	if first, _, _ := strings.Cut(u, "/"); strings.Contains(first, ":") {
		u = "./" + u
	}
	return u
}

// sarifFor builds the SARIF log without its results, which encodeSARIF
// streams: one run, rule FOOL001, and the model file as the one artifact.
func sarifFor(res *Result, words Words) sarifLog {
	loc, located := modelLocation(&res.Model)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:        "fooltest",
			Version:     cleanText(res.Versions.Fooltest),
			SemanticVer: semver(res.Versions.Fooltest),
			Rules: []sarifRule{{
				ID:               sarifRuleID,
				Name:             "FoolingImage",
				ShortDescription: sarifText{Text: "The classifier gives high confidence to an unrecognizable image."},
				FullDescription: sarifText{Text: "fooltest evolved an image that looks like nothing to a person, yet the " +
					"model assigns it to a target class with confidence at or above the threshold (Nguyen, Yosinski " +
					"and Clune, 2015). The model is overconfident far from its training data."},
				Help: sarifText{Text: "Look at the fooling image in the fooltest report. Common remedies are training " +
					"with an out-of-distribution or background class, calibrating the outputs, or rejecting inputs " +
					"the model is unsure about. Allow more fooled classes, or raise the threshold, only if this risk is accepted."},
				DefaultConfiguration: sarifConfig{Level: "error"},
				Properties:           map[string]any{"tags": []string{"robustness", "machine-learning"}},
			}},
		}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: !isError(res), StartTimeUTC: sarifTime(res.StartedAt)}},
		Results:     []sarifResult{},
		Properties: map[string]any{
			"model":       cleanText(res.Model.Path),
			"verdict":     cleanText(string(res.Verdict)),
			"failOn":      cleanText(res.Config.FailOn),
			"fooled":      res.Fooled,
			"targets":     res.Targets,
			"threshold":   finite(res.Threshold),
			"maxFooled":   res.MaxFooled,
			"evaluations": res.Evaluations,
			"interrupted": res.Interrupted,
			// The score of the run, and what it was measured under.
			"score":              finite(res.Score),
			"scoreVersion":       res.ScoreVersion,
			"scoreComparable":    res.ScoreComparable,
			"evaluationBudget":   res.EvaluationBudget,
			"fooledWithinBudget": res.FooledWithinBudget,
			"repeats":            max(res.Repeats, 1),
		},
	}
	if res.MedianEvaluations != nil {
		run.Properties["medianEvaluationsToThreshold"] = *res.MedianEvaluations
	}
	if res.NonFiniteOutputs > 0 {
		// A fail too may rest on a model that often gave NaN.
		run.Properties["nonFiniteOutputs"] = res.NonFiniteOutputs
	}
	if note := nonFiniteNote(res, words); note != "" {
		run.Properties["nonFinite"] = note
	}
	if len(res.FailedBy) > 0 {
		failed := make([]string, len(res.FailedBy))
		for i, f := range res.FailedBy {
			failed[i] = cleanText(f)
		}
		run.Properties["failedBy"] = failed
	}
	if name, value, ok := shardRow(res); ok {
		// As junit.xml: the results are a shard's, or a merge's.
		run.Properties[map[string]string{"Shard": "shard", "Merged from": "mergedFrom"}[name]] = cleanText(value)
	}
	if len(res.Model.OutputsNotSearched) > 0 {
		// The results are the searched output's classes; the model's
		// other heads were not tested.
		run.Properties["output"] = cleanText(res.Model.Output)
		run.Properties["outputsNotSearched"] = notSearchedText(res.Model, cleanText)
	}
	if b := res.Baseline; b != nil {
		baseline := map[string]any{
			"path":       cleanText(b.Path),
			"score":      finite(b.Score),
			"change":     change(res),
			"regression": b.Regression,
		}
		// A run that tested nothing states no difference or test.
		if !isError(res) {
			baseline["scoreDifference"] = finite(b.ScoreDifference)
			baseline["pValue"] = finite(b.PValue)
		}
		run.Properties["baseline"] = baseline
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               sarifRegressionRuleID,
			Name:             "EasierToFool",
			ShortDescription: sarifText{Text: "The class is fooled at a fraction of the baseline model's cost."},
			FullDescription: sarifText{Text: "Compared with its baseline, the model is significantly easier to fool, " +
				"and this class reached the threshold at half the baseline's evaluations or fewer: a change made " +
				"the model more overconfident on unrecognizable images."},
			Help: sarifText{Text: "Compare the fooling images of the candidate and the baseline in the fooltest reports, " +
				"and look at what changed between the two models' training or architecture."},
			DefaultConfiguration: sarifConfig{Level: "error"},
			Properties:           map[string]any{"tags": []string{"robustness", "machine-learning", "regression"}},
		})
	}
	if isError(res) {
		reason := errorReason(res, words)
		run.Properties["error"] = reason
		// Code scanning reads a run with no results as a clean one; the
		// notification marks the run as failed for SARIF viewers, and the
		// result keeps an alert open on the model.
		run.Invocations[0].ToolExecutionNotifications = []sarifNotification{{
			Level: "error", Message: sarifText{Text: notTestedHeadline + ": " + reason},
		}}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               sarifNotTestedRuleID,
			Name:             "ModelNotTested",
			ShortDescription: sarifText{Text: "fooltest could not test the model."},
			FullDescription: sarifText{Text: "The run ended without testing the model enough to judge it: the model " +
				"failed, returned non-finite outputs, was too slow, would have passed on a preprocessing " +
				"nothing gave or confirmed, or the run was interrupted."},
			Help:                 sarifText{Text: "Read the reason in the result, fix it, and run fooltest again."},
			DefaultConfiguration: sarifConfig{Level: "error"},
		})
	}
	if n := unreachableCount(res); n > 0 {
		run.Properties["unreachable"] = n
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               sarifUnreachableRuleID,
			Name:             "ClassLooksUnreachable",
			ShortDescription: sarifText{Text: "The class looks impossible to fool on this model."},
			FullDescription: sarifText{Text: "The outputs of every image the search scored show a limit on the class: " +
				"they vary in fewer dimensions than the classes allow (a linear layer narrower than the classes " +
				"feeds the softmax) and nowhere in that space does the class's softmax reach the threshold, or the " +
				"class never rose above a trace of confidence. The class is not fooled and counts as not fooled for the gate."},
			Help: sarifText{Text: "Check that the class is meant to be reachable: a bottleneck layer narrower than " +
				"the classes, two classes that always score alike, or an output that never rises, often mean a " +
				"design, training or export problem."},
			DefaultConfiguration: sarifConfig{Level: "note"},
		})
	}
	if slices.Contains(res.FailedBy, FailedByMinScore) {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               sarifMinScoreRuleID,
			Name:             "ScoreBelowMinimum",
			ShortDescription: sarifText{Text: "The model is easier to fool than the minimum score allows."},
			FullDescription: sarifText{Text: "The score measures how many model evaluations the search needed before " +
				"each class reached the threshold (0: every class fooled at once, 1: none within the evaluation " +
				"budget), and it is below the minimum the run was given."},
			Help: sarifText{Text: "Compare the fooling images and the classes' evaluations to the threshold in the " +
				"fooltest report with an earlier model's, and look at what made this one easier to fool."},
			DefaultConfiguration: sarifConfig{Level: "error"},
			Properties:           map[string]any{"tags": []string{"robustness", "machine-learning"}},
		})
	}
	if note := missingShardsNote(res); note != "" {
		missing, _, _ := missingShards(res)
		run.Properties["missingShards"] = missing
		run.Properties["notSearched"] = notSearchedCount(res)
		// SARIF viewers show the notification with the run; code
		// scanning, which does not, shows the note-level result as an
		// alert on the model, closed by the next merge of every shard.
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, sarifNotification{
			Level: "warning", Message: sarifText{Text: note},
		})
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               sarifMissingShardsRuleID,
			Name:             "ShardsMissing",
			ShortDescription: sarifText{Text: "Some target classes were not searched: their shards are missing from the merge."},
			FullDescription: sarifText{Text: "The run was split into shards, each searching its share of the target classes, " +
				"and the reports of some shards were not merged: their classes were not searched, and what the report " +
				"shows for them is only what the other shards met while searching their own classes."},
			Help: sarifText{Text: "Find out why the shards' jobs left no report (a failed or cancelled job, an artifact " +
				"not uploaded), and merge every shard's report."},
			DefaultConfiguration: sarifConfig{Level: "note"},
		})
	}
	if note := allowanceNote(res, words); note != "" {
		// A gate that cannot fail is a problem of the run's settings, not a
		// finding against the model: SARIF viewers show it with the run's
		// configuration, and code scanning keeps no alert open on it.
		run.Invocations[0].ToolConfigurationNotifications = []sarifNotification{{
			Level: "warning", Message: sarifText{Text: note},
		}}
	}
	sha := strings.ToLower(strings.TrimSpace(res.Model.SHA256))
	switch {
	case located:
		run.Artifacts = []sarifArtifact{{Location: loc}}
		if isHex(sha, 64) {
			run.Artifacts[0].Hashes = map[string]string{"sha-256": sha}
		}
		if loc.URIBaseID == sarifSrcRoot {
			run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{sarifSrcRoot: {Description: &sarifText{
				Text: "The root of the repository: $GITHUB_WORKSPACE in GitHub Actions, else the git work tree fooltest ran in, else its working directory."}}}
		}
	default:
		if isHex(sha, 64) {
			run.Properties["modelSha256"] = sha
		}
		// Without a file, the log can hold no result that code scanning
		// accepts; a notification says where the findings are.
		what := "The model's file is unknown"
		if strings.TrimSpace(res.Model.Path) == DemoModelPath {
			what = "fooltest ran its embedded demo model, which is no file in the repository"
		}
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications, sarifNotification{
			Level: "note",
			Message: sarifText{Text: fmt.Sprintf("%s, and code scanning needs a file for every result, so this log lists none: verdict %s, %d of %d target %s fooled. report.md and junit.xml list the findings.",
				what, cleanText(string(res.Verdict)), res.Fooled, res.Targets, noun(res.Targets, "class", "classes"))},
		})
	}
	return sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}}
}

// sarifResultFor is the result of fooled class c, located at line 1 of the
// model file uri.
func sarifResultFor(res *Result, c *Class, loc sarifArtifactLocation) sarifResult {
	label := displayLabel(c.Label, maxPlainLabel)
	msg := fmt.Sprintf("Class %d %s is fooled: an unrecognizable image scored confidence %s, at or above the threshold %s.",
		c.Index, quotedLabel(c.Label, maxPlainLabel), formatConfidence(c.Confidence, res.Threshold), formatThreshold(res.Threshold))
	if c.Image != "" {
		msg += " Image: " + c.Image + " in the fooltest report."
	}
	msg += sarifAllowed(res, FailedByFooled)
	props := map[string]any{
		"classIndex": c.Index,
		"label":      label,
		"confidence": finite(c.Confidence),
	}
	if c.EvaluationsToThreshold != nil {
		props["evaluationsToThreshold"] = *c.EvaluationsToThreshold
	}
	if c.Image != "" {
		props["image"] = c.Image
	}
	// Code scanning matches alerts across runs by fingerprint; the model
	// and class identify a finding, whatever the image is.
	return modelResult(sarifRuleID, 0, sarifLevel(res, FailedByFooled), msg, loc, "fooltestClass/v1", loc.URI+"#"+strconv.Itoa(c.Index), props)
}

// sarifUnreachableFor is the note on class c, which looks unreachable.
func sarifUnreachableFor(res *Result, c *Class, loc sarifArtifactLocation, rule int) sarifResult {
	label := displayLabel(c.Label, maxPlainLabel)
	msg := fmt.Sprintf("Class %d %s looks unreachable: %s. %s", c.Index, quotedLabel(c.Label, maxPlainLabel), displayLabel(c.Unreachable.Reason, 600), unreachableNote)
	props := map[string]any{
		"classIndex": c.Index,
		"label":      label,
		"confidence": finite(c.Confidence),
		"kind":       cleanText(c.Unreachable.Kind),
		"ceiling":    finite(c.Unreachable.Ceiling),
	}
	if c.Unreachable.Rank > 0 {
		props["rank"] = c.Unreachable.Rank
	}
	return modelResult(sarifUnreachableRuleID, rule, "note", msg, loc, "fooltestUnreachable/v1", loc.URI+"#"+strconv.Itoa(c.Index), props)
}

// GitHub code scanning's limits on one run of a SARIF upload: it rejects
// a run of more than sarifMaxResults results, and shows only the
// sarifShownResults most severe. A 100,000-class run once listed 73,892
// unreachable classes, an 88 MB log that code scanning rejected.
const (
	sarifMaxResults   = 25_000
	sarifShownResults = 5_000
)

// sarifMoreUnreachableFor is the one note that stands for the n classes
// that look unreachable beyond what code scanning would show.
func sarifMoreUnreachableFor(n int, loc sarifArtifactLocation, rule int) sarifResult {
	msg := fmt.Sprintf("%d more %s look unreachable, left out of this log because code scanning shows at most %d results per run; report.json lists every class.",
		n, noun(n, "class", "classes"), sarifShownResults)
	return modelResult(sarifUnreachableRuleID, rule, "note", msg, loc, "fooltestUnreachable/v1", loc.URI+"#more",
		map[string]any{"omitted": n})
}

// sarifMoreFooledFor is the one result that stands for the n fooled
// classes, those of lowest confidence, beyond the sarifMaxResults results
// code scanning accepts in a run.
func sarifMoreFooledFor(res *Result, n int, loc sarifArtifactLocation) sarifResult {
	msg := fmt.Sprintf("%d more %s fooled, those of lowest confidence, left out of this log because code scanning rejects a run of more than %d results; report.json lists every class.",
		n, noun(n, "class is", "classes are"), sarifMaxResults) + sarifAllowed(res, FailedByFooled)
	return modelResult(sarifRuleID, 0, sarifLevel(res, FailedByFooled), msg, loc, "fooltestClass/v1", loc.URI+"#more",
		map[string]any{"omitted": n})
}

// modelResult is a result of rule id (at ruleIndex in the driver's rules)
// at level, located at line 1 of the model file loc. Code scanning matches
// alerts across runs by fingerprint fp, which holds the model's location
// and so stays the same whatever folder fooltest ran in.
func modelResult(id string, ruleIndex int, level, msg string, loc sarifArtifactLocation, fpName, fp string, props map[string]any) sarifResult {
	zero := 0
	loc.Index = &zero
	return sarifResult{
		RuleID:    id,
		RuleIndex: ruleIndex,
		Level:     level,
		Message:   sarifText{Text: msg},
		Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
			ArtifactLocation: loc,
			Region:           sarifRegion{StartLine: 1},
		}}},
		PartialFingerprints: map[string]string{fpName: fp},
		Properties:          props,
	}
}

// ruleIndex is the index of rule id in log's rules.
func ruleIndex(log *sarifLog, id string) int {
	for i, r := range log.Runs[0].Tool.Driver.Rules {
		if r.ID == id {
			return i
		}
	}
	return 0
}

// sarifRegressionFor is the result of class c, which regressed against
// its baseline bc.
func sarifRegressionFor(res *Result, c *Class, bc *BaselineClass, loc sarifArtifactLocation, rule int) sarifResult {
	label := displayLabel(c.Label, maxPlainLabel)
	msg := fmt.Sprintf("Class %d %s is easier to fool than in the baseline: %s.", c.Index, quotedLabel(c.Label, maxPlainLabel), costs(res, c, bc)) +
		sarifAllowed(res, FailedByRegression)
	props := map[string]any{
		"classIndex": c.Index,
		"label":      label,
		"logRatio":   finite(bc.LogRatio),
	}
	if c.EvaluationsToThreshold != nil {
		props["evaluationsToThreshold"] = *c.EvaluationsToThreshold
	}
	if bc.EvaluationsToThreshold != nil {
		props["baselineEvaluationsToThreshold"] = *bc.EvaluationsToThreshold
	}
	return modelResult(sarifRegressionRuleID, rule, sarifLevel(res, FailedByRegression), msg, loc, "fooltestRegression/v1", loc.URI+"#"+strconv.Itoa(c.Index), props)
}

// sarifNotTestedFor is the result of a run that did not test the model.
func sarifNotTestedFor(res *Result, loc sarifArtifactLocation, rule int, words Words) sarifResult {
	reason := errorReason(res, words)
	return modelResult(sarifNotTestedRuleID, rule, "error", notTestedHeadline+": "+reason, loc, "fooltestNotTested/v1", loc.URI,
		map[string]any{"reason": reason})
}

// sarifMinScoreFor is the result of a score under --min-score.
func sarifMinScoreFor(res *Result, loc sarifArtifactLocation, rule int) sarifResult {
	msg := "The score " + minScoreFinding(res) + " (0: every class fooled at once, 1: none within the evaluation budget of " +
		strconv.FormatInt(res.EvaluationBudget, 10) + ")." + sarifAllowed(res, FailedByMinScore)
	return modelResult(sarifMinScoreRuleID, rule, sarifLevel(res, FailedByMinScore), msg, loc, "fooltestMinScore/v1", loc.URI,
		map[string]any{"score": finite(res.Score), "minScore": finite(res.Config.MinScore)})
}

// sarifMissingShardsFor is the note on a merge with shards missing. Its
// fingerprint is the model's, so code scanning keeps one alert open while
// merges of that model lack shards.
func sarifMissingShardsFor(res *Result, loc sarifArtifactLocation, rule int) sarifResult {
	missing, _, _ := missingShards(res)
	return modelResult(sarifMissingShardsRuleID, rule, "note", missingShardsNote(res), loc, "fooltestMissingShards/v1", loc.URI,
		map[string]any{"missingShards": missing, "notSearched": notSearchedCount(res)})
}

// semver returns v when it looks like a semantic version (SARIF's
// semanticVersion must be one), without a leading "v"; otherwise "".
func semver(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	core, _, _ := strings.Cut(v, "-")
	core, _, _ = strings.Cut(core, "+")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return ""
	}
	for _, p := range parts {
		if !isDigits(p) {
			return ""
		}
	}
	return cleanText(v)
}

// sarifTime returns the start time in UTC, as SARIF's "...Utc" properties
// require, or "" when it is not RFC 3339.
func sarifTime(t string) string {
	tm, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(t))
	if err != nil {
		return ""
	}
	return tm.UTC().Format(time.RFC3339Nano)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
}

// sarifResultsAt is the empty result list in sarifFor encoded with
// two-space indentation. Encoded strings cannot hold a raw line break, so
// only the field itself matches.
const sarifResultsAt = "\n      \"results\": []"

// encodeSARIF writes report.sarif's content: an error-level result for a
// run that did not test the model, one for a score under the minimum, a
// note for the shards missing from a merge, one
// per class that regressed against the baseline, worst first, one per
// fooled class, highest confidence first, and a note per class that looks
// unreachable, within code scanning's limits (see sarifMaxResults: beyond
// them one result sums up the rest), exactly as one json.Encoder with a two-space indent would
// write the whole log. Findings are errors only where the gate failed on
// them (see sarifLevel). The results are encoded
// one at a time into w, so that a run that fooled 100,000 classes never
// holds its whole report in memory.
func encodeSARIF(w io.Writer, res *Result, words Words) error {
	log := sarifFor(res, words)
	head, err := json.MarshalIndent(log, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding SARIF: %w", err)
	}
	at := bytes.Index(head, []byte(sarifResultsAt))
	loc, located := modelLocation(&res.Model)
	// The results in order: the run's own failure, the regressions worst
	// first, then the fooled classes; each is built only as it is written.
	var regressed []baselineRow
	for _, r := range baselineRows(res) {
		if r.Regressed {
			regressed = append(regressed, r)
		}
	}
	fooled := sortedFooled(res)
	unreachable := unreachableClasses(res)
	// The run's own results come first: that it did not test the model,
	// a score under the minimum, then the shards missing from a merge.
	var own []func() sarifResult
	if isError(res) {
		own = append(own, func() sarifResult { return sarifNotTestedFor(res, loc, ruleIndex(&log, sarifNotTestedRuleID), words) })
	}
	if slices.Contains(res.FailedBy, FailedByMinScore) {
		own = append(own, func() sarifResult { return sarifMinScoreFor(res, loc, ruleIndex(&log, sarifMinScoreRuleID)) })
	}
	if missingShardsNote(res) != "" {
		own = append(own, func() sarifResult { return sarifMissingShardsFor(res, loc, ruleIndex(&log, sarifMissingShardsRuleID)) })
	}
	// Code scanning rejects a run of more than sarifMaxResults results
	// and keeps only the sarifShownResults most severe: the findings the
	// gate judges come first, and the notes on unreachable classes, the
	// least severe, fill what is left of the shown ones, the rest summed
	// up in one note (report.json lists every class).
	findings := len(own) + len(regressed) + len(fooled)
	var omitted, omittedFooled int
	// Two places stay free for the summaries.
	if findings > sarifMaxResults-2 {
		omittedFooled = len(fooled) - max(sarifMaxResults-2-len(own)-len(regressed), 0)
		fooled = fooled[:len(fooled)-omittedFooled]
	}
	kept := len(own) + len(regressed) + len(fooled) + min(omittedFooled, 1)
	if keep := max(sarifShownResults-1-kept, 0); len(unreachable) > keep {
		omitted = len(unreachable) - keep
		unreachable = unreachable[:keep]
	}
	var more []func() sarifResult
	if omittedFooled > 0 {
		more = append(more, func() sarifResult { return sarifMoreFooledFor(res, omittedFooled, loc) })
	}
	if omitted > 0 {
		more = append(more, func() sarifResult {
			return sarifMoreUnreachableFor(omitted, loc, ruleIndex(&log, sarifUnreachableRuleID))
		})
	}
	k := len(own)
	n := k + len(regressed) + len(fooled) + len(unreachable) + len(more)
	if !located {
		// See modelLocation: sarifFor notes why.
		n = 0
	}
	result := func(i int) sarifResult {
		switch {
		case i < k:
			return own[i]()
		case i < k+len(regressed):
			r := regressed[i-k]
			return sarifRegressionFor(res, r.Class, r.Base, loc, ruleIndex(&log, sarifRegressionRuleID))
		case i < k+len(regressed)+len(fooled):
			return sarifResultFor(res, fooled[i-k-len(regressed)], loc)
		}
		if j := i - k - len(regressed) - len(fooled); j < len(unreachable) {
			return sarifUnreachableFor(res, unreachable[j], loc, ruleIndex(&log, sarifUnreachableRuleID))
		}
		return more[i-k-len(regressed)-len(fooled)-len(unreachable)]()
	}
	// Results are four levels deep.
	return streamArray(w, head, at, sarifResultsAt, "        ", n, func(i int) (any, error) { return result(i), nil })
}
