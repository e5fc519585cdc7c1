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
			got := Rel(ws, tt.path)
			if got != tt.want {
				t.Errorf("Rel(%q) = %q, want %q", tt.path, got, tt.want)
			}
			if Inside(got) != tt.inside {
				t.Errorf("Inside(%q) = %v, want %v", got, !tt.inside, tt.inside)
			}
		})
	}
}

func TestWorkspace(t *testing.T) {
	if got := Workspace(env(map[string]string{"GITHUB_WORKSPACE": "/github/workspace"})); got != "/github/workspace" {
		t.Errorf("Workspace() = %q, want GITHUB_WORKSPACE", got)
	}
	wd := t.TempDir()
	t.Chdir(wd)
	if got := Workspace(env(nil)); got != wd {
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

func TestChown(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root, as in the action's container")
	}
	const uid, gid = 4242, 4343
	ws := t.TempDir()
	if err := os.Chown(ws, uid, gid); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(ws, "fooltest-report")
	files := []string{
		report,
		filepath.Join(report, "report.json"),
		filepath.Join(report, "images"),
		filepath.Join(report, "images", "class-0.png"),
		filepath.Join(report, "latest"),
	}
	if err := os.MkdirAll(filepath.Join(report, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{files[1], files[3]} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A link out of the report: its target must keep its owner.
	outside := filepath.Join(t.TempDir(), "outside")
	if err := os.WriteFile(outside, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, files[4]); err != nil {
		t.Fatal(err)
	}
	untouched := filepath.Join(ws, "other")
	if err := os.WriteFile(untouched, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	if err := Chown(ws, report, filepath.Join(ws, "does-not-exist")); err != nil {
		t.Fatalf("Chown() error = %v", err)
	}
	for _, f := range files {
		if u, g := owner(t, f); u != uid || g != gid {
			t.Errorf("%s owned by %d:%d, want %d:%d", f, u, g, uid, gid)
		}
	}
	for _, f := range []string{outside, untouched} {
		if u, _ := owner(t, f); u != 0 {
			t.Errorf("%s owned by %d, want it left to root", f, u)
		}
	}
}

func TestChownMissingWorkspace(t *testing.T) {
	if err := Chown(filepath.Join(t.TempDir(), "gone"), "x"); err == nil {
		t.Error("Chown() with a missing workspace succeeded, want an error")
	}
}
