package actions

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestRel(t *testing.T) {
	ws := t.TempDir()
	t.Chdir(ws)
	tests := []struct {
		name, path, want string
		inside           bool
	}{
		{name: "empty", path: "", want: "", inside: false},
		{name: "relative to the working directory", path: "fooltest-report/report.json", want: "fooltest-report/report.json", inside: true},
		{name: "cleaned", path: "./a/../fooltest-report/", want: "fooltest-report", inside: true},
		{name: "absolute inside", path: filepath.Join(ws, "models", "net.onnx"), want: "models/net.onnx", inside: true},
		{name: "the workspace itself", path: ws, want: ".", inside: true},
		{name: "absolute outside", path: "/opt/models/net.onnx", want: "/opt/models/net.onnx", inside: false},
		{name: "relative outside", path: "../elsewhere/x", want: filepath.Join(filepath.Dir(ws), "elsewhere", "x"), inside: false},
		{name: "sibling with the workspace as prefix", path: ws + "-other/x", want: ws + "-other/x", inside: false},
		{name: "dot-dot-prefixed name is inside", path: "..hidden/x", want: "..hidden/x", inside: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := relPath(ws, tt.path)
			if got != tt.want {
				t.Errorf("Rel(%q) = %q, want %q", tt.path, got, tt.want)
			}
			if isInside(got) != tt.inside {
				t.Errorf("Inside(%q) = %v, want %v", got, !tt.inside, tt.inside)
			}
		})
	}
}

func TestWorkspace(t *testing.T) {
	if got := workspaceDir(env(map[string]string{"GITHUB_WORKSPACE": "/github/workspace"})); got != "/github/workspace" {
		t.Errorf("Workspace() = %q, want GITHUB_WORKSPACE", got)
	}
	wd := t.TempDir()
	t.Chdir(wd)
	if got := workspaceDir(env(nil)); got != wd {
		t.Errorf("Workspace() = %q, want the working directory %q", got, wd)
	}
}

func owner(t *testing.T, path string) (uid, gid int) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	return int(sys.Uid), int(sys.Gid)
}

// setOwner gives path (a link itself, not its target) uid:gid.
func setOwner(t *testing.T, path string, uid, gid int) {
	t.Helper()
	if err := os.Lchown(path, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// TestChown: exactly the paths given are re-owned, not what is under them,
// and a link is re-owned itself, never its target.
func TestChown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root, as in the action's container")
	}
	const uid, gid = 4242, 4343
	const otherUID, otherGID = 12345, 12346
	ws := t.TempDir()
	setOwner(t, ws, uid, gid)
	report := filepath.Join(ws, "fooltest-report")
	images := filepath.Join(report, "images")
	if err := os.MkdirAll(images, 0o755); err != nil {
		t.Fatal(err)
	}
	written := []string{
		report,
		filepath.Join(report, "report.json"),
		images,
		filepath.Join(images, "0-class-0.png"),
		filepath.Join(report, "latest"),
	}
	kept := []string{
		// Under a re-owned folder, but not written by the run.
		filepath.Join(report, "secret.txt"),
		filepath.Join(images, "notes.txt"),
		filepath.Join(ws, "other"),
	}
	for _, f := range append([]string{written[1], written[3]}, kept...) {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A link out of the report: its target must keep its owner.
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, written[4]); err != nil {
		t.Fatal(err)
	}
	kept = append(kept, outside)
	for _, f := range kept {
		setOwner(t, f, otherUID, otherGID)
	}

	if err := chownPaths(ws, append(written, filepath.Join(ws, "does-not-exist"))...); err != nil {
		t.Fatalf("Chown() error = %v", err)
	}
	for _, f := range written {
		if u, g := owner(t, f); u != uid || g != gid {
			t.Errorf("%s owned by %d:%d, want %d:%d", f, u, g, uid, gid)
		}
	}
	for _, f := range kept {
		if u, g := owner(t, f); u != otherUID || g != otherGID {
			t.Errorf("%s owned by %d:%d, want it left to %d:%d", f, u, g, otherUID, otherGID)
		}
	}
}

// TestFinishChownsOnlyWritten: Finish re-owns what the run wrote, and with
// report-dir "." (the workspace) leaves every other file alone.
func TestFinishChownsOnlyWritten(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root, as in the action's container")
	}
	const uid, gid = 4242, 4343
	r := newRunner(t)
	setOwner(t, r.workspace, uid, gid)
	secret := r.write(t, "secret.txt", "root's")
	setOwner(t, secret, 12345, 12345)
	wrote := []string{r.write(t, "report.md", "# fooltest\n"), r.write(t, "report.json", "{}")}
	o := Outcome{Verdict: "pass", Targets: 1, ReportDir: r.workspace, Markdown: wrote[0], Written: wrote}
	if err := Finish(r.action(), o); err != nil {
		t.Fatal(err)
	}
	for _, f := range wrote {
		if u, g := owner(t, f); u != uid || g != gid {
			t.Errorf("%s owned by %d:%d, want the workspace's %d:%d", f, u, g, uid, gid)
		}
	}
	if u, g := owner(t, secret); u != 12345 || g != 12345 {
		t.Errorf("secret.txt re-owned to %d:%d", u, g)
	}
}

func TestChownMissingWorkspace(t *testing.T) {
	if err := chownPaths(filepath.Join(t.TempDir(), "gone"), "x"); err == nil {
		t.Error("Chown() with a missing workspace succeeded, want an error")
	}
}
