package main

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestOutOfMemory: on a machine too small for a model at a larger batch
// (emulated with a 3 GiB address-space limit), a run at that batch exits 3
// with one line that names the memory and the fix, not exit 2 as a wrong
// flag, and batch tuning stops below the size that does not fit instead
// of calling the model broken at it.
func TestOutOfMemory(t *testing.T) {
	if len(raceFlags) > 0 {
		t.Skip("the race detector reserves more address space than the limit")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh to set the limit")
	}
	// A batch of one takes next to nothing and a batch of two asks for
	// 3 GiB in one allocation, which fails at once under the limit and
	// leaves the gigabyte or so the process had beyond its own 1.7 to
	// 1.9 GiB: the room the Go runtime and the C library need for the
	// threads they start after the failure. A model whose memory grows
	// with the batch (64 MiB an image under 2 GiB) fills that room batch
	// by batch before one fails, and a thread started then could abort
	// fooltest itself, on some runs.
	model := writeModel(t, "hungry.onnx", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "Softmax").HungryBatch(3<<30))
	limited := func(args ...string) (int, string, string) {
		t.Helper()
		cmd := exec.Command("sh", append([]string{"-c", `ulimit -v 3145728 && exec "$0" "$@"`, binary}, args...)...)
		cmd.Dir = repoRoot(t)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return exitOf(err), stdout.String(), stderr.String()
	}
	// Where the limit leaves too little for the Go runtime and ONNX
	// Runtime themselves to start, it cannot tell anything about a model.
	if code, _, stderr := limited("version"); code != 0 {
		t.Skipf("fooltest does not start under the limit here: exit %d, %.200s", code, stderr)
	}
	code, _, stderr := limited("run", "--model", model, "--batch", "2", "--threads", "1", "--budget", "60s", "--report-dir", t.TempDir())
	if code != exitcode.Environment {
		t.Fatalf("exit %d, want 3; stderr %s", code, stderr)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 || !strings.Contains(stderr, "ran out of memory at batch 2") ||
		!strings.Contains(stderr, "pass --batch 1, or use a runner with more memory") {
		t.Errorf("stderr is not one line naming the memory and the fix: %q", stderr)
	}
	// 3 GiB an image: no batch fits, and no smaller batch is the fix.
	huge := writeModel(t, "huge.onnx", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 3, "Softmax").Hungry(3<<30))
	code, _, stderr = limited("run", "--model", huge, "--threads", "1", "--budget", "60s", "--report-dir", t.TempDir())
	if code != exitcode.Environment {
		t.Fatalf("batch 1: exit %d, want 3; stderr %s", code, stderr)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 0 || !strings.Contains(stderr, "ran out of memory at batch 1") ||
		!strings.HasSuffix(strings.TrimSpace(stderr), ": use a runner with more memory") {
		t.Errorf("batch 1: stderr is not one line naming the memory and a bigger runner: %q", stderr)
	}
	code, stdout, stderr := limited("inspect", "--model", model, "--threads", "1")
	if code != 0 {
		t.Fatalf("inspect exit %d; stderr %s", code, stderr)
	}
	if !strings.Contains(stdout, "needs more memory than this machine gives the model") {
		t.Errorf("inspect does not say that tuning stopped for memory:\n%s", stdout)
	}
}
