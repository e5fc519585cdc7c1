package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSarifRoot: report.sarif's locations are relative to the workspace in
// Actions, else to the git work tree fooltest runs in (a .git folder, or
// the .git file of a linked work tree), found without git, else to the
// working directory.
func TestSarifRoot(t *testing.T) {
	base := t.TempDir()
	repo := filepath.Join(base, "repo")
	linked := filepath.Join(base, "linked")
	plain := filepath.Join(base, "plain", "deep")
	for _, d := range []string{filepath.Join(repo, ".git"), filepath.Join(repo, "models", "v2"), filepath.Join(linked, "models"), plain} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(linked, ".git"), []byte("gitdir: /elsewhere/.git/worktrees/linked\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, workspace, wd, want string
	}{
		{"the workspace in Actions", "/github/workspace", filepath.Join(repo, "models"), "/github/workspace"},
		{"the work tree's root", "", repo, repo},
		{"above a subfolder", "", filepath.Join(repo, "models", "v2"), repo},
		{"a linked work tree", "", filepath.Join(linked, "models"), linked},
		{"no work tree", "", plain, plain},
		{"no working directory", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "GITHUB_WORKSPACE" {
					return tt.workspace
				}
				return ""
			}
			if got := sarifRoot(getenv, tt.wd); got != tt.want {
				t.Errorf("sarifRoot(%q, %q) = %q, want %q", tt.workspace, tt.wd, got, tt.want)
			}
		})
	}
}

// TestRunSARIFLocation: report.sarif locates the model at its path in the
// repository, with the same fingerprints, from whatever folder fooltest
// runs in and however the model path is given; with $GITHUB_WORKSPACE
// set, from the workspace's root. The embedded demo model, which is no
// file, has no result that code scanning would reject.
func TestRunSARIFLocation(t *testing.T) {
	base := t.TempDir()
	ws := filepath.Join(base, "repo")
	model := filepath.Join(ws, "models", "lenet.onnx")
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "demo", "lenet.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(ws, ".git"), filepath.Join(ws, "models"), filepath.Join(ws, "docs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(model, data, 0o644); err != nil {
		t.Fatal(err)
	}
	const inRepo = "models/lenet.onnx"
	tests := []struct {
		name, wd, model string
		env             map[string]string
		wantURI         string
	}{
		{"from the root", ws, "models/lenet.onnx", nil, inRepo},
		{"from the model's folder", filepath.Join(ws, "models"), "lenet.onnx", nil, inRepo},
		{"absolute from another folder", filepath.Join(ws, "docs"), model, nil, inRepo},
		{"relative from another folder", filepath.Join(ws, "docs"), "../models/lenet.onnx", nil, inRepo},
		{"the workspace in Actions", filepath.Join(ws, "models"), "lenet.onnx", map[string]string{"GITHUB_WORKSPACE": ws}, inRepo},
		{"the embedded demo model", ws, "", nil, ""},
	}
	var fingerprints []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(tt.wd)
			dir := t.TempDir()
			args := []string{"run", "--encoding", "direct", "--max-evals", "600", "--threads", "1", "--quiet", "--format", "sarif", "--report-dir", dir}
			if tt.model != "" {
				args = append(args, "--model", tt.model)
			}
			if r := runMain(t, tt.env, args...); r.code != 1 {
				t.Fatalf("exit %d, want 1 (the demo LeNet is fooled); stderr %s", r.code, r.stderr)
			}
			b, err := os.ReadFile(filepath.Join(dir, "report.sarif"))
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Runs []struct {
					Artifacts []struct {
						Location struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"location"`
					} `json:"artifacts"`
					Results []struct {
						Level     string `json:"level"`
						Locations []struct {
							PhysicalLocation struct {
								ArtifactLocation struct {
									URI       string `json:"uri"`
									URIBaseID string `json:"uriBaseId"`
								} `json:"artifactLocation"`
							} `json:"physicalLocation"`
						} `json:"locations"`
						PartialFingerprints map[string]string `json:"partialFingerprints"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(b, &doc); err != nil || len(doc.Runs) != 1 {
				t.Fatalf("report.sarif: %v", err)
			}
			run := doc.Runs[0]
			if tt.wantURI == "" {
				if len(run.Results) != 0 || len(run.Artifacts) != 0 {
					t.Errorf("the demo model has %d results and artifacts %+v", len(run.Results), run.Artifacts)
				}
				return
			}
			if len(run.Results) == 0 || len(run.Artifacts) != 1 || run.Artifacts[0].Location.URI != tt.wantURI || run.Artifacts[0].Location.URIBaseID != "%SRCROOT%" {
				t.Fatalf("%d results, artifacts %+v; want the model at %s from %%SRCROOT%%", len(run.Results), run.Artifacts, tt.wantURI)
			}
			var fps []string
			for _, r := range run.Results {
				loc := r.Locations[0].PhysicalLocation.ArtifactLocation
				if loc.URI != tt.wantURI || loc.URIBaseID != "%SRCROOT%" {
					t.Errorf("result at %+v, want %s from %%SRCROOT%%", loc, tt.wantURI)
				}
				fps = append(fps, r.PartialFingerprints["fooltestClass/v1"])
			}
			slices.Sort(fps)
			got := strings.Join(fps, " ")
			if fingerprints == nil {
				fingerprints = fps
			} else if want := strings.Join(fingerprints, " "); got != want {
				t.Errorf("fingerprints %s, want %s as from the root", got, want)
			}
		})
	}
}
