package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestReportDirFull fills a tiny filesystem: the run must end with exit 3
// and one line, and every report file that does exist must be whole (no
// temporary files left, no truncated reports). A report directory the run
// created there, on a filesystem already full, is removed again with the
// images/ folder made in it: they hold nothing.
func TestReportDirFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	tests := []struct {
		name   string
		sub    string // the report directory under the mount
		filled bool   // fill the filesystem before the run
	}{
		{name: "reports partly written", sub: "."},
		{name: "report directory created on a full disk", sub: "a/rep", filled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=48k", "tmpfs", dir).CombinedOutput(); err != nil {
				t.Skipf("cannot mount tmpfs here: %v %s", err, out)
			}
			defer exec.Command("umount", dir).Run()
			filler := filepath.Join(dir, "filler")
			if tt.filled {
				// Fails with ENOSPC once the filesystem is full, as meant.
				_ = os.WriteFile(filler, make([]byte, 1<<20), 0o644)
			}
			r := runMain(t, nil, "run", "--encoding", "direct", "--max-evals", "400", "--threads", "1", "--quiet", "--report-dir", filepath.Join(dir, tt.sub))
			if r.code != exitcode.Environment {
				t.Fatalf("exit %d, want 3; stderr %q", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "writing reports") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("stderr %q: want one line about writing reports", r.stderr)
			}
			filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if tt.filled && p != dir && p != filler {
					t.Errorf("left on the full disk: %s", p)
				}
				if d.IsDir() {
					return nil
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
		})
	}
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

// TestFIFOInputs: an input file that is a named pipe exits 2 at once with
// one line, instead of waiting in the open for a writer that never comes
// (a CI job would hang until it timed out).
func TestFIFOInputs(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "input.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	shard := filepath.Join(dir, "shard")
	if err := os.Mkdir(shard, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(shard, "report.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"baseline", []string{"run", "--baseline", fifo, "--max-evals", "50", "--report-dir", filepath.Join(dir, "r")}, "is not a regular file"},
		{"image", []string{"inspect", "--image", fifo}, "not a regular file"},
		{"merged report.json", []string{"merge", shard, shard, "--report-dir", filepath.Join(dir, "m")}, "report.json is not a regular file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan result, 1)
			go func() { done <- runMain(t, nil, tc.args...) }()
			select {
			case r := <-done:
				if r.code != exitcode.Usage || !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
					t.Errorf("exit %d, stderr %q; want 2 and one line saying %q", r.code, r.stderr, tc.want)
				}
			case <-time.After(20 * time.Second):
				// Open and close the write end so that the blocked open
				// returns and the run does not outlive the test.
				for _, p := range []string{fifo, filepath.Join(shard, "report.json")} {
					if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
						w.Close()
					}
				}
				t.Fatal("still blocked on the FIFO after 20s")
			}
		})
	}
}

// TestUnwritableStdout: a stdout that cannot be written (a reader that
// went away, as in fooltest run | head -1, or a full disk) does not end the
// run before its reports, or the Action before its outputs, are written,
// and the exit code is still the gate's. SIGPIPE used to kill the run at
// its first line, leaving an earlier run's reports in place to be
// published (and a shell without pipefail read 0); the Action panicked on
// its first workflow command and exited as a bug in fooltest.
func TestUnwritableStdout(t *testing.T) {
	closedPipe := func(t *testing.T) *os.File {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		return w
	}
	devFull := func(t *testing.T) *os.File {
		f, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skip(err)
		}
		return f
	}
	run := func(string) []string { return []string{"run", "--max-evals", "2000", "--report-dir", "reports"} }
	action := func(string) []string { return nil }
	actionEnv := func(dir string) []string {
		return []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + dir, "GITHUB_OUTPUT=" + filepath.Join(dir, "outputs"),
			"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary.md"), "INPUT_MAX-EVALS=2000", "INPUT_REPORT-DIR=reports"}
	}
	noEnv := func(string) []string { return nil }
	tests := []struct {
		name   string
		stdout func(*testing.T) *os.File
		env    func(dir string) []string
		args   func(dir string) []string
	}{
		{"run, closed pipe", closedPipe, noEnv, run},
		{"run, full disk", devFull, noEnv, run},
		{"action, closed pipe", closedPipe, actionEnv, action},
		{"action, full disk", devFull, actionEnv, action},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			// An earlier run's report, which this run must replace.
			stale := filepath.Join(dir, "reports", "report.json")
			if err := os.MkdirAll(filepath.Dir(stale), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(stale, []byte(`{"fooltest_version":"stale"}`+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			stdout := tc.stdout(t)
			defer stdout.Close()
			cmd := exec.Command(binary, tc.args(dir)...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), tc.env(dir)...)
			if os.Getenv("ONNXRUNTIME_LIB") == "" {
				// The folder is no checkout: the runtime is the one the
				// repository installed.
				cmd.Env = append(cmd.Env, "ONNXRUNTIME_LIB="+filepath.Join(repoRoot(t), "third_party", "onnxruntime", "lib", "libonnxruntime.so"))
			}
			cmd.Stdout = stdout
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitcode.GateFailed {
				t.Fatalf("got %v (%s), want exit 1: the demo's gate fails; stderr %q", err, cmd.ProcessState, stderr.String())
			}
			if strings.Contains(stderr.String(), "internal error") {
				t.Errorf("stderr %q", stderr.String())
			}
			b, err := os.ReadFile(stale)
			if err != nil || strings.Contains(string(b), "stale") {
				t.Errorf("report.json is not this run's: %v %.60q", err, b)
			}
			if tc.env(dir) != nil {
				if b, err := os.ReadFile(filepath.Join(dir, "outputs")); err != nil || !strings.Contains(string(b), "\nfail\n") {
					t.Errorf("the step outputs do not give the verdict: %v %q", err, b)
				}
			}
		})
	}
}

// TestOutputToFullDisk: the commands whose output is what they are for
// exit 3 with one line when stdout cannot be written (inspect > file on a
// full disk), instead of 0 with the file short.
func TestOutputToFullDisk(t *testing.T) {
	tests := [][]string{
		{"inspect"},
		{"inspect", "--json"},
		{"version"},
		{"help"},
		{"-h"},
		{"--help"},
		{"run", "-h"},
		{"merge", "-h"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
			if err != nil {
				t.Skip(err)
			}
			defer full.Close()
			cmd := exec.Command(binary, args...)
			cmd.Dir = repoRoot(t)
			cmd.Stdout = full
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err = cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitcode.Environment {
				t.Fatalf("got %v, want exit 3; stderr %q", err, stderr.String())
			}
			if got := stderr.String(); !strings.Contains(got, "cannot write the output to stdout") || !strings.Contains(got, "no space left on device") ||
				strings.Count(strings.TrimSpace(got), "\n") != 0 {
				t.Errorf("stderr %q: want one line saying stdout could not be written and why", got)
			}
		})
	}
}
