package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/report"
)

// TestActionImageBaseURL: the action's image-base-url input reaches the job
// summary, which shows the gallery and every fooled class's image from it,
// and report.json records it; a bad one fails the step with exit 2 and an
// error annotation, before any search.
func TestActionImageBaseURL(t *testing.T) {
	const base = "https://github.com/octo/models/raw/fooltest-assets/42-1"
	ws := t.TempDir()
	t.Chdir(ws)
	summary := filepath.Join(ws, "summary.md")
	vars := map[string]string{
		"GITHUB_ACTIONS":       "true",
		"GITHUB_WORKSPACE":     ws,
		"GITHUB_STEP_SUMMARY":  summary,
		"INPUT_ENCODING":       "direct",
		"INPUT_BUDGET":         "60s",
		"INPUT_MAX-EVALS":      "600",
		"INPUT_THRESHOLD":      "0.9",
		"INPUT_FAIL-ON":        "never",
		"INPUT_REPORT-DIR":     "rep",
		"INPUT_IMAGE-BASE-URL": base,
		"INPUT_ARTIFACT-URL":   "https://github.com/octo/models/actions/runs/42",
	}
	r := runMain(t, vars)
	if r.code != exitcode.Pass {
		t.Fatalf("exit %d; stderr %q", r.code, r.stderr)
	}
	res := readResult(t, filepath.Join(ws, "rep"))
	if res.Config.ImageBaseURL != base || res.Config.ArtifactURL != vars["INPUT_ARTIFACT-URL"] {
		t.Errorf("report.json records %q and %q", res.Config.ImageBaseURL, res.Config.ArtifactURL)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	if !strings.Contains(md, `<img src="`+base+"/"+report.GalleryFile+`"`) {
		t.Errorf("the job summary does not show the gallery:\n%s", md)
	}
	if res.Fooled == 0 {
		t.Fatal("nothing fooled: the summary has no class images to check")
	}
	for _, c := range res.Classes {
		if c.Fooled {
			if _, err := os.Stat(filepath.Join(ws, "rep", c.Image)); err != nil {
				t.Errorf("class %d: %v", c.Index, err)
			}
			if want := `<img src="` + base + "/" + c.Image + `"`; !strings.Contains(md, want) {
				t.Errorf("the job summary lacks %s", want)
			}
		}
	}

	vars["INPUT_IMAGE-BASE-URL"] = "fooltest-assets/42-1"
	r = runMain(t, vars)
	// The step names its input, not the CLI's flag.
	if r.code != exitcode.Usage || !strings.Contains(r.stdout, "::error") || !strings.Contains(r.stderr, `image-base-url: "fooltest-assets/42-1"`) || strings.Contains(r.stdout+r.stderr, "--image-base-url") {
		t.Errorf("a relative image-base-url: exit %d, stdout %q, stderr %q; want exit 2 with an error annotation naming the input", r.code, r.stdout, r.stderr)
	}
}
