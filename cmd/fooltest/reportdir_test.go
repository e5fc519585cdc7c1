package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestRunReportDirSymlink: a report directory, images/ or dataset/ that is
// a symbolic link is a usage error, reported on one line that names the
// path, before the search; nothing is written through the link.
func TestRunReportDirSymlink(t *testing.T) {
	tests := []struct {
		name string
		link string // under the report directory; "" is the directory itself
	}{
		{"report directory", ""},
		{"images folder", "images"},
		{"dataset folder", "dataset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "fooltest-report")
			target := t.TempDir()
			link := filepath.Join(dir, tt.link)
			if tt.link != "" {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			r := runMain(t, nil, "run", "--encoding", "direct", "--budget", "60s", "--max-evals", "200",
				"--threads", "1", "--quiet", "--export-dataset", "--report-dir", dir)
			if r.code != exitcode.Usage {
				t.Fatalf("exit %d, want %d; stderr %q", r.code, exitcode.Usage, r.stderr)
			}
			msg := strings.TrimSpace(r.stderr)
			if !strings.Contains(msg, link+" is a symbolic link") || strings.Contains(msg, "\n") {
				t.Errorf("stderr %q: want one line naming %s as a symbolic link", r.stderr, link)
			}
			if entries, _ := os.ReadDir(target); len(entries) != 0 {
				t.Errorf("written through the link: %v", entries)
			}
			if tt.link != "" {
				// Refused before the search, so no report either.
				if _, err := os.Stat(filepath.Join(dir, "report.json")); err == nil {
					t.Error("report.json written")
				}
			}
		})
	}
}

// TestActionChownsOnlyWritten: in a container action, run as root, the
// reports get the workspace's owner, and a file that was in the report
// directory before keeps its own, even with report-dir ".".
func TestActionChownsOnlyWritten(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown to another user needs root, as in the action's container")
	}
	const uid, gid = 4242, 4343
	ws := t.TempDir()
	if err := os.Chown(ws, uid, gid); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(ws, "secret.txt")
	if err := os.WriteFile(secret, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Lchown(secret, 12345, 12345); err != nil {
		t.Fatal(err)
	}
	t.Chdir(ws)
	r := runMain(t, map[string]string{
		"GITHUB_ACTIONS":   "true",
		"GITHUB_WORKSPACE": ws,
		"INPUT_ENCODING":   "direct",
		"INPUT_BUDGET":     "60s",
		"INPUT_MAX-EVALS":  "300",
		"INPUT_FAIL-ON":    "never",
		"INPUT_REPORT-DIR": ".",
	})
	if r.code != 0 {
		t.Fatalf("exit %d; stderr %q", r.code, r.stderr)
	}
	n := 0
	err := filepath.WalkDir(ws, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == ws {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		sys := st.Sys().(*syscall.Stat_t)
		want := uint32(uid)
		if p == secret {
			want = 12345
		}
		if sys.Uid != want {
			t.Errorf("%s owned by %d, want %d", p, sys.Uid, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 5 {
		t.Errorf("only %d paths in the workspace; were the reports written?", n)
	}
}
