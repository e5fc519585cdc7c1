package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/gate"
)

func TestExitCode(t *testing.T) {
	tests := []struct {
		v           gate.Verdict
		failOn      gate.FailOn
		interrupted bool
		want        int
	}{
		{gate.Pass, gate.FailOnFooled, false, 0},
		{gate.Fail, gate.FailOnFooled, false, 1},
		{gate.Fail, gate.FailOnNever, false, 0},
		{gate.Fail, gate.FailOnFooled, true, 1},
		{gate.Pass, gate.FailOnFooled, true, 3},
		{gate.Fail, gate.FailOnNever, true, 3},
	}
	for _, tc := range tests {
		if got := exitCode(tc.v, tc.failOn, tc.interrupted); got != tc.want {
			t.Errorf("exitCode(%s, %s, interrupted=%v) = %d, want %d", tc.v, tc.failOn, tc.interrupted, got, tc.want)
		}
	}
}

// startSearch starts a real fooltest process on a search that does not end
// by itself within its budget (the demo's softmax can round to exactly 1, so
// the threshold is not enough) and whose gate passes whatever it finds.
func startSearch(t *testing.T, dir string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, "run", "--algorithm", "paper", "--threshold", "1", "--max-fooled", "100%", "--budget", "120s", "--report-dir", dir, "--threads", "1")
	cmd.Dir = repoRoot(t)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The model summary ends with the runtime line, printed just before
	// the search starts.
	started := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "runtime") {
				started <- true
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("search did not start within 30s")
	}
	time.Sleep(1500 * time.Millisecond)
	return cmd, &stderr
}

func exitOf(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestInterrupt: SIGINT stops the search within a second, and the reports
// of the results so far are written and marked interrupted.
func TestInterrupt(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			cmd, stderr := startSearch(t, dir)
			sent := time.Now()
			cmd.Process.Signal(sig)
			err := cmd.Wait()
			took := time.Since(sent)
			if code := exitOf(err); code != exitcode.Environment {
				t.Fatalf("exit %d, want 3 (interrupted, gate not failed); stderr %s", code, stderr)
			}
			var rep struct {
				Interrupted bool   `json:"interrupted"`
				Stopped     string `json:"stopped_reason"`
				Evaluations int64  `json:"evaluations"`
			}
			b, err := os.ReadFile(filepath.Join(dir, "report.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if !rep.Interrupted || rep.Evaluations == 0 {
				t.Fatalf("report.json: %+v", rep)
			}
			md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
			if !strings.Contains(strings.ToLower(string(md)), "interrupted") {
				t.Error("report.md does not say the run was interrupted")
			}
			// The search stops within a second; writing ten small reports
			// takes well under the rest.
			if took > 5*time.Second {
				t.Errorf("exited %s after the signal", took)
			}
		})
	}
}

// TestSecondSignal: a second signal exits at once, and whatever report files
// exist are whole, because each is written to a temporary name and renamed.
func TestSecondSignal(t *testing.T) {
	dir := t.TempDir()
	cmd, stderr := startSearch(t, dir)
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if code := exitOf(err); code != exitcode.Environment {
		t.Fatalf("exit %d, want 3; stderr %s", code, stderr)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "report.json")); err == nil && !json.Valid(b) {
		t.Fatal("report.json is not whole")
	}
}
