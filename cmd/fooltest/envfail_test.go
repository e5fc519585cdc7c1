package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestReportDirFull fills a tiny filesystem: the run must end with exit 3
// and one line, and every report file that does exist must be whole (no
// temporary files left, no truncated reports).
func TestReportDirFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount tmpfs here: %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	r := runMain(t, nil, "run", "--encoding", "direct", "--max-evals", "400", "--threads", "1", "--quiet", "--report-dir", dir)
	if r.code != exitcode.Environment {
		t.Fatalf("exit %d, want 3; stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "writing reports") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("stderr %q: want one line about writing reports", r.stderr)
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") {
			t.Errorf("temporary file left: %s", p)
		}
		if d.Name() == "report.json" {
			b, _ := os.ReadFile(p)
			if len(b) == 0 || b[len(b)-1] != '\n' {
				t.Errorf("report.json is truncated")
			}
		}
		return nil
	})
}

// TestReportDirUnwritable: a report directory that cannot be created is
// reported before the search starts; under a file, the path is the user's
// to fix (exit 2).
func TestReportDirUnwritable(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := runMain(t, nil, "run", "--report-dir", filepath.Join(blocker, "reports"), "--budget", "5s")
	if r.code != exitcode.Usage || !strings.Contains(r.stderr, "report directory") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "runtime") {
		t.Error("the search started before the report directory was checked")
	}
}
