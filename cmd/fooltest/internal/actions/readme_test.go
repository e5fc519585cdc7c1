package actions

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// docFiles returns the documentation that shows workflows, README.md then
// docs/*.md in name order, each file's text keyed by its path from the
// repository root: the README shows the Action's workflow, docs/ the rest.
func docFiles(t *testing.T) (paths []string, texts map[string]string) {
	t.Helper()
	root := filepath.Join("..", "..", "..", "..")
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	texts = map[string]string{}
	for _, p := range append([]string{filepath.Join(root, "README.md")}, docs...) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, rel)
		texts[rel] = string(b)
	}
	return paths, texts
}

// readmeSteps returns the run scripts of the documented workflows' steps
// named name, in docFiles order, dedented as the runner gets them.
func readmeSteps(t *testing.T, name string) []string {
	t.Helper()
	paths, texts := docFiles(t)
	var lines []string
	for _, p := range paths {
		lines = append(lines, strings.Split(texts[p], "\n")...)
	}
	var scripts []string
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "- name: "+name {
			continue
		}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "run: |"; i++ {
		}
		if i == len(lines) {
			t.Fatalf("documented step %q has no run: | script", name)
		}
		indent := strings.Index(lines[i], "run:") + 2
		var script []string
		for i++; i < len(lines) && (strings.TrimSpace(lines[i]) == "" || strings.HasPrefix(lines[i], strings.Repeat(" ", indent))); i++ {
			script = append(script, strings.TrimPrefix(lines[i], strings.Repeat(" ", indent)))
		}
		scripts = append(scripts, strings.Join(script, "\n")+"\n")
	}
	if len(scripts) == 0 {
		t.Fatalf("neither README.md nor docs/*.md has a step %q", name)
	}
	return scripts
}

// gitRun runs git in dir and returns its output.
func gitRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// stepRun runs script as the runner runs a step (bash -eo pipefail) in dir,
// with the variables the workflow sets; origin is the remote the step
// pushes to, a bare repository standing for github.com.
func stepRun(t *testing.T, script, dir, origin string, vars ...string) error {
	cmd := exec.Command("bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null",
		"RUNNER_TEMP="+t.TempDir(), "GITHUB_WORKSPACE="+dir, "GH_TOKEN=not-a-token",
		"GITHUB_SERVER_URL=file://"+filepath.Dir(origin), "GITHUB_REPOSITORY="+strings.TrimSuffix(filepath.Base(origin), ".git"))
	cmd.Env = append(cmd.Env, vars...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Logf("step output:\n%s", out.String())
		return err
	}
	return nil
}

// branchFiles lists the files on origin's fooltest-assets branch.
func branchFiles(t *testing.T, origin string) []string {
	t.Helper()
	return strings.Fields(gitRun(t, origin, "ls-tree", "-r", "--name-only", "fooltest-assets"))
}

// fakeReport makes a report directory with two images and a gallery.
func fakeReport(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{"images/0-tabby-cat.png", "images/3-3.png", "gallery.png", "report.md"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestReadmePublishesImages runs the publishing steps of the README's
// workflow and of docs/action.md's fork workflow against a local bare
// repository: runs that publish at once, on a branch that does not exist
// yet, each get their folder; the fork workflow copies only PNG files from
// the untrusted artifact; the pruning workflow keeps the newest runs in one
// commit, and refuses to overwrite a run published meanwhile.
func TestReadmePublishesImages(t *testing.T) {
	// The workflows run on GitHub's Ubuntu runners, and their steps use
	// GNU tools (base64 -w0) that macOS's BSD ones do not match.
	if runtime.GOOS != "linux" {
		t.Skip("the publishing steps run on Linux runners; skipped on " + runtime.GOOS)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	publish := readmeSteps(t, "Publish the images on the fooltest-assets branch")
	if len(publish) != 2 {
		t.Fatalf("README.md and docs/*.md have %d publishing steps, want 2 (the README workflow's and docs/action.md's fork workflow's)", len(publish))
	}
	// Runs that collide take turns: each failed push means another run's
	// push went through, which the next try builds on, so four runs need
	// at most four of the five tries. The test waits less between them.
	const backoff = "sleep $((try * 5))"
	for i, s := range publish {
		if !strings.Contains(s, backoff) {
			t.Fatalf("publishing step %d does not retry with %q", i+1, backoff)
		}
		publish[i] = strings.ReplaceAll(s, backoff, "sleep 0.$((try * 2))")
	}
	origin := filepath.Join(t.TempDir(), "octo", "models.git")
	if err := os.MkdirAll(origin, 0o755); err != nil {
		t.Fatal(err)
	}
	gitRun(t, origin, "init", "-q", "--bare")

	ws := t.TempDir()
	fakeReport(t, filepath.Join(ws, "out"))
	runs := []string{"1001-1", "1002-1", "1003-2", "999-1"}
	var wg sync.WaitGroup
	errs := make([]error, len(runs))
	for i, run := range runs {
		wg.Go(func() { errs[i] = stepRun(t, publish[0], ws, origin, "ASSETS="+run, "REPORT=out") })
	}
	wg.Wait()
	var want []string
	for i, run := range runs {
		if errs[i] != nil {
			t.Fatalf("publishing run %s: %v", run, errs[i])
		}
		want = append(want, run+"/gallery.png", run+"/images/0-tabby-cat.png", run+"/images/3-3.png")
	}
	slices.Sort(want)
	if got := branchFiles(t, origin); !slices.Equal(got, want) {
		t.Fatalf("fooltest-assets holds\n%q\nwant\n%q", got, want)
	}

	t.Run("fork artifact", func(t *testing.T) {
		ws := t.TempDir()
		art := filepath.Join(ws, "fooltest-report")
		fakeReport(t, art)
		if err := os.Symlink("/etc/passwd", filepath.Join(art, "images", "evil.png")); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(art, "images", "run.sh"), []byte("echo"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := stepRun(t, publish[1], ws, origin, "ASSETS=2000-1"); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range branchFiles(t, origin) {
			if strings.HasPrefix(f, "2000-1/") {
				got = append(got, f)
			}
		}
		if want := []string{"2000-1/gallery.png", "2000-1/images/0-tabby-cat.png", "2000-1/images/3-3.png"}; !slices.Equal(got, want) {
			t.Errorf("the fork's run published %q, want only its PNG files %q", got, want)
		}
	})

	t.Run("prune", func(t *testing.T) {
		prune := readmeSteps(t, "Keep the newest 200 runs, in one commit")
		if len(prune) != 1 || !strings.Contains(prune[0], "-n -200") {
			t.Fatalf("pruning step %q does not keep 200 runs", prune)
		}
		// Keeping 2 of the 5 runs shows the same as keeping 200 of 203.
		script := strings.ReplaceAll(prune[0], "-n -200", "-n -2")
		clone := func() string {
			dir := filepath.Join(t.TempDir(), "ws")
			gitRun(t, filepath.Dir(dir), "clone", "-q", "--depth", "1", "--branch", "fooltest-assets", "file://"+origin, dir)
			return dir
		}

		ws := clone()
		if err := stepRun(t, publish[0], filepath.Join(ws, ".."), origin, "ASSETS=3000-1", "REPORT=none"); err != nil {
			t.Fatal(err)
		}
		if got := branchFiles(t, origin); slices.ContainsFunc(got, func(f string) bool { return strings.HasPrefix(f, "3000-1") }) {
			t.Fatalf("a run without images published %q", got)
		}
		other := t.TempDir()
		fakeReport(t, filepath.Join(other, "out"))
		if err := stepRun(t, publish[0], other, origin, "ASSETS=3000-1", "REPORT=out"); err != nil {
			t.Fatal(err)
		}
		if err := stepRun(t, script, ws, origin); err == nil {
			t.Error("pruning overwrote a run published after its checkout")
		}

		ws = clone()
		if err := stepRun(t, script, ws, origin); err != nil {
			t.Fatal(err)
		}
		got := branchFiles(t, origin)
		want := []string{"2000-1/gallery.png", "2000-1/images/0-tabby-cat.png", "2000-1/images/3-3.png",
			"3000-1/gallery.png", "3000-1/images/0-tabby-cat.png", "3000-1/images/3-3.png"}
		if !slices.Equal(got, want) {
			t.Errorf("after pruning the branch holds %q, want the newest two runs' %q", got, want)
		}
		if n := strings.Count(gitRun(t, origin, "log", "--oneline", "fooltest-assets"), "\n"); n != 1 {
			t.Errorf("after pruning the branch has %d commits, want 1", n)
		}
	})
}

// readmeWorkflows returns the documented workflows, README.md's and
// docs/*.md's: the YAML blocks after a <!-- workflow --> line, as lines.
func readmeWorkflows(t *testing.T) [][]string {
	t.Helper()
	paths, texts := docFiles(t)
	var lines []string
	for _, p := range paths {
		lines = append(lines, strings.Split(texts[p], "\n")...)
	}
	var blocks [][]string
	for i := 0; i < len(lines); i++ {
		if lines[i] != "<!-- workflow -->" || i+1 == len(lines) || lines[i+1] != "```yaml" {
			continue
		}
		var block []string
		for i += 2; i < len(lines) && lines[i] != "```"; i++ {
			block = append(block, lines[i])
		}
		blocks = append(blocks, block)
	}
	if len(blocks) == 0 {
		t.Fatal("neither README.md nor docs/*.md has workflows")
	}
	return blocks
}

// workflowSteps splits a workflow's lines into its steps: each from a line
// "- …" under steps: to the next line indented as little.
func workflowSteps(block []string) []string {
	var steps []string
	indent := -1
	for _, l := range block {
		trimmed := strings.TrimLeft(l, " ")
		n := len(l) - len(trimmed)
		switch {
		case trimmed == "steps:":
			indent = -1
			steps = append(steps, "")
			fallthrough
		case trimmed == "":
			continue
		case strings.HasPrefix(trimmed, "- ") && (indent < 0 || n == indent):
			indent = n
			steps = append(steps, trimmed)
		case indent >= 0 && n > indent:
			steps[len(steps)-1] += "\n" + trimmed
		default:
			indent = -1
		}
	}
	return slices.DeleteFunc(steps, func(s string) bool { return s == "" })
}

// TestReadmeCommentsLinkImages: a workflow of README.md or docs/*.md that
// posts report.md as a comment runs fooltest with image-base-url or artifact-url, since a
// comment cannot show report.md's relative image links (they would be
// dead links).
func TestReadmeCommentsLinkImages(t *testing.T) {
	posting := 0
	for _, block := range readmeWorkflows(t) {
		steps := workflowSteps(block)
		for _, s := range steps {
			if !strings.Contains(s, "sticky-pull-request-comment@") {
				continue
			}
			_, path, _ := strings.Cut(s, "path: ")
			path, _, _ = strings.Cut(path, "\n")
			dir, ok := strings.CutSuffix(path, "/report.md")
			if !ok {
				t.Fatalf("a comment step posts %q, not a report.md", path)
			}
			var run string
			for _, f := range steps {
				reportDir := "fooltest-report"
				if _, d, ok := strings.Cut(f, "report-dir: "); ok {
					reportDir, _, _ = strings.Cut(d, "\n")
				}
				if strings.Contains(f, "uses: fooltest/fooltest@") && reportDir == dir {
					run = f
				}
			}
			if run == "" {
				continue // the workflow posts another run's report
			}
			posting++
			if !strings.Contains(run, "image-base-url: ") && !strings.Contains(run, "artifact-url: ") {
				t.Errorf("a documented workflow posts %s from a fooltest step with neither image-base-url nor artifact-url, so its image links are dead:\n%s", path, run)
			}
		}
	}
	if posting < 3 {
		t.Errorf("found %d workflows in README.md and docs/*.md that run fooltest and post report.md, want 3 at least (the Action's, the regression and the sharded one)", posting)
	}
}

// TestReadmeListsInputs: docs/action.md's list of the inputs that set a
// flag of the same name is action.yml's, the merge step's
// allow-missing-shards included, but for merge, which sets no flag and
// which the text after the list says is fooltest merge's arguments.
func TestReadmeListsInputs(t *testing.T) {
	const doc = "docs/action.md"
	_, texts := docFiles(t)
	const lead = "Every input but `merge` has the name of the CLI flag it sets: "
	text := strings.Join(strings.Fields(texts[doc]), " ")
	i := strings.Index(text, lead)
	if i < 0 {
		t.Fatalf("%s has no %q", doc, lead)
	}
	list, rest, _ := strings.Cut(text[i+len(lead):], ".")
	// A remark in parentheses says which command a flag belongs to.
	list = regexp.MustCompile(` \([^)]*\)`).ReplaceAllString(list, "")
	var listed []string
	for _, f := range strings.Split(strings.ReplaceAll(list, " and ", ", "), ", ") {
		listed = append(listed, strings.Trim(f, "`"))
	}
	var want []string
	for _, in := range inputs {
		if in.name != "merge" {
			want = append(want, in.name)
		}
	}
	if !slices.Equal(listed, want) {
		t.Errorf("%s lists the inputs\n%q\naction.yml has\n%q", doc, listed, want)
	}
	if !strings.HasPrefix(strings.TrimSpace(rest), "`merge` names no flag: it makes the step run `fooltest merge` on the report directories it lists") {
		t.Errorf("%s does not say after the list what merge sets: %q", doc, rest)
	}
}
