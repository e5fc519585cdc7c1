package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sethvargo/go-githubactions"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/gate"
	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
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

// startSearch starts a real fooltest process on a model whose confidences
// are bounded: class 1 peaks at 0.73 and class 0 at 0.5, so no search ends
// by itself and the gate's outcome depends only on the threshold. It
// returns once a progress line on stderr shows the search under way, with
// at least fooled classes at the threshold: what the test's signal must
// find, waited for rather than guessed with a sleep.
func startSearch(t *testing.T, dir, threshold string, fooled int) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	model := filepath.Join(t.TempDir(), "bounded.onnx")
	if err := os.WriteFile(model, onnxtest.Classifier([]int64{-1, 1, 8, 8}, 2, "").Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "run", "--model", model, "--threshold", threshold, "--budget", "120s", "--report-dir", dir, "--threads", "1")
	cmd.Dir = repoRoot(t)
	// The buffer is complete, and safe to read, once Wait returns.
	var stderr bytes.Buffer
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.Close() })
	cmd.Stderr = io.MultiWriter(&stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	progress := regexp.MustCompile(`(\d+)/\d+ classes at threshold, .*, (\d+) evaluations`)
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			m := progress.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			at, _ := strconv.Atoi(m[1])
			evals, _ := strconv.Atoi(m[2])
			if at >= fooled && evals > 0 {
				ready <- true
				break
			}
		}
		io.Copy(io.Discard, pr)
	}()
	// A hang guard, not a measurement: progress lines come every 5 s.
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("no progress line with %d classes at threshold %s within 60s", fooled, threshold)
	}
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

// TestInterrupt: SIGINT or SIGTERM stops the search within a second, and
// the reports of the results so far are written and marked interrupted. The
// run exits 1 when those results already fail the gate, 3 otherwise.
func TestInterrupt(t *testing.T) {
	tests := []struct {
		sig       syscall.Signal
		threshold string
		// fooled classes the search has when the signal comes.
		fooled int
		want   int
	}{
		{syscall.SIGINT, "0.99", 0, exitcode.Environment},
		{syscall.SIGTERM, "0.99", 0, exitcode.Environment},
		{syscall.SIGINT, "0.6", 1, exitcode.GateFailed},
	}
	for _, tc := range tests {
		t.Run(tc.sig.String()+"/"+tc.threshold, func(t *testing.T) {
			dir := t.TempDir()
			cmd, stderr := startSearch(t, dir, tc.threshold, tc.fooled)
			sent := time.Now()
			cmd.Process.Signal(tc.sig)
			err := cmd.Wait()
			took := time.Since(sent)
			if code := exitOf(err); code != tc.want {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.want, stderr)
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
	cmd, stderr := startSearch(t, dir, "0.99", 0)
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

// signalAfter starts the built fooltest with args, sends sig after wait,
// and returns its exit code, how long it took to exit after the signal, and
// its stderr. It fails the test if the process outlives the signal by 10 s.
func signalAfter(t *testing.T, args []string, sig syscall.Signal, wait time.Duration) (code int, took time.Duration, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = repoRoot(t)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(wait)
	sent := time.Now()
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitOf(err), time.Since(sent), errb.String()
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("still running 10s after %s; stderr %s", sig, errb.String())
	}
	return 0, 0, ""
}

// TestBenchInterrupt: the first SIGINT stops bench between model runs, and
// it exits 3 at once rather than measuring for the rest of --duration.
func TestBenchInterrupt(t *testing.T) {
	// Whether the signal lands while the model loads or while it is being
	// measured, bench must stop: the context is already cancelled.
	code, took, stderr := signalAfter(t, []string{"bench", "--duration", "1h", "--threads", "1"}, syscall.SIGINT, 2*time.Second)
	if code != exitcode.Environment {
		t.Fatalf("exit %d, want 3; stderr %s", code, stderr)
	}
	if !strings.Contains(stderr, "bench interrupted") {
		t.Errorf("stderr %q does not say bench was interrupted", stderr)
	}
	if took > 5*time.Second {
		t.Errorf("exited %s after the signal", took)
	}
}

// TestInspectInterrupted: inspect whose context ends (the first signal)
// stops, and exits 3 as run does, with nothing on stdout: a full output and exit
// 0 would read as an inspection that ran its course.
func TestInspectInterrupted(t *testing.T) {
	for _, args := range [][]string{
		{"inspect", "--threads", "1"},
		// No batch tuning: the first runs are the digit check's.
		{"inspect", "--threads", "1", "--batch", "1", "--json"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out, errb bytes.Buffer
			code := Main(ctx, args, envFor(&out, &errb, nil))
			if code != exitcode.Environment {
				t.Errorf("exit %d, want %d; stderr %s", code, exitcode.Environment, errb.String())
			}
			if out.Len() > 0 {
				t.Errorf("printed after the stop:\n%s", out.String())
			}
			if !strings.Contains(errb.String(), "inspect interrupted") {
				t.Errorf("stderr %q does not say inspect was interrupted", errb.String())
			}
		})
	}
}

// TestSignalStopsOpening: the first signal stops inspect and bench while
// the model opens, as it stops run: a model whose runs never end would
// otherwise keep them until killed.
func TestSignalStopsOpening(t *testing.T) {
	model := writeModel(t, "endless.onnx", onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax").Looping(1<<50, 3))
	for _, tc := range []struct {
		cmd, says string
	}{
		{"inspect", "inspect interrupted"},
		{"bench", "bench interrupted"},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			// The wait only lets the process install its signal handler:
			// the model never finishes a run, so the signal always finds
			// it opening.
			code, _, stderr := signalAfter(t, []string{tc.cmd, "--model", model, "--threads", "1"}, syscall.SIGINT, 2*time.Second)
			if code != exitcode.Environment {
				t.Fatalf("exit %d, want 3; stderr %s", code, stderr)
			}
			if !strings.Contains(stderr, tc.says) {
				t.Errorf("stderr %q does not say %q", stderr, tc.says)
			}
		})
	}
}

// TestSecondSignalRemovesTemps: the first signal cancels the run; the
// second removes the temporary files of the reports being written, in the
// report directory and images/, and the folders the run created and left
// empty, and nothing else there, before it exits with code 3.
func TestSecondSignalRemovesTemps(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	temps := []string{".report.html.1642198035.tmp", "images/.123-class-123.png.987654.tmp"}
	kept := []string{"report.json", ".notes.1.tmp", "images/0-class.png"}
	for _, name := range append(append([]string{}, temps...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// An empty folder that was there before the run is the user's.
	if err := os.Mkdir(filepath.Join(dir, "dataset"), 0o755); err != nil {
		t.Fatal(err)
	}
	writing := &reportDirs{}
	writing.add(dir)
	// A report directory the run creates, with its parent, and leaves
	// empty but for a temporary file.
	top := t.TempDir()
	fresh := filepath.Join(top, "new", "rep")
	writing.add(fresh)
	if err := os.MkdirAll(filepath.Join(fresh, "images"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "images", ".1-one.png.42.tmp"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan os.Signal, 2)
	cancelled := make(chan bool, 1)
	exited := make(chan int, 1)
	var stderr bytes.Buffer
	go handleSignals(sigs, func() { cancelled <- true }, &stderr, func() string { return "stopping the search and writing reports" }, writing, func(code int) { exited <- code })

	sigs <- syscall.SIGINT
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the first signal did not cancel the run")
	}
	for _, name := range temps {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Fatalf("the first signal removed %s, which the reports being written need: %v", name, err)
		}
	}
	sigs <- syscall.SIGINT
	expectSecondSignalExit(t, exited, dir, temps)
	for _, name := range append(kept, "dataset") {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); err != nil {
			t.Errorf("the second signal removed %s: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(top, "new")); !os.IsNotExist(err) {
		t.Errorf("the folders the run created and left empty are still there (%v)", err)
	}
	if _, err := os.Stat(top); err != nil {
		t.Errorf("the second signal removed a folder that was there before: %v", err)
	}
	if !strings.Contains(stderr.String(), "second signal") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// TestActionExitNow: in the Action, a second signal that exits at once
// still reports the step: the log group is closed, verdict=error is
// published, and the summary and an error annotation say why; the run's
// own report, if it comes after, adds nothing. A step already reported is
// left as it is.
func TestActionExitNow(t *testing.T) {
	newStep := func(t *testing.T) (*actionStep, *bytes.Buffer, string, string) {
		ws := t.TempDir()
		vars := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws,
			"GITHUB_OUTPUT": filepath.Join(ws, "outputs"), "GITHUB_STEP_SUMMARY": filepath.Join(ws, "summary.md")}
		var out, errb bytes.Buffer
		e := envFor(&out, &errb, vars)
		gha := githubactions.New(githubactions.WithGetenv(e.getenv), githubactions.WithWriter(e.stdout))
		return &actionStep{gha: gha, e: e}, &out, vars["GITHUB_OUTPUT"], vars["GITHUB_STEP_SUMMARY"]
	}

	t.Run("during the run", func(t *testing.T) {
		step, out, outputs, summary := newStep(t)
		step.group("fooltest run")
		fmt.Fprint(out, "a line the run had not ended")
		step.exitNow()
		want := "::group::fooltest run\na line the run had not ended\n::endgroup::\n" +
			"::error title=fooltest%3A runtime failure::a second signal stopped fooltest at once, before it finished: the reports are missing or incomplete\n"
		if got := out.String(); got != want {
			t.Errorf("log =\n%s\nwant\n%s", got, want)
		}
		if b, _ := os.ReadFile(outputs); !strings.Contains(string(b), "verdict<<") || !strings.Contains(string(b), "\nerror\n") {
			t.Errorf("outputs do not publish verdict=error:\n%s", b)
		}
		if b, _ := os.ReadFile(summary); !strings.Contains(string(b), "a second signal stopped fooltest") {
			t.Errorf("the summary does not say the step was stopped:\n%s", b)
		}
		if code := step.finish(nil, errors.New("the run's own error")); code != exitcode.Environment || strings.Contains(out.String(), "own error") {
			t.Errorf("the run's report after the signal's: exit %d, log\n%s", code, out.String())
		}
	})

	t.Run("after the run's report", func(t *testing.T) {
		step, out, outputs, _ := newStep(t)
		end := step.group("fooltest run")
		end()
		step.finish(nil, exitcode.Usagef("bad input"))
		before, _ := os.ReadFile(outputs)
		logged := out.String()
		step.exitNow()
		if after, _ := os.ReadFile(outputs); out.String() != logged || !bytes.Equal(after, before) {
			t.Errorf("the signal reported a step already reported:\n%s", out.String())
		}
	})
}

// TestSecondSignalRunsAtExit: the second signal runs what the command set
// to run at exit (the Action's report), after the temporary files are
// removed and before it exits; a temporary file that a writer still
// running made meanwhile is removed too.
func TestSecondSignalRunsAtExit(t *testing.T) {
	writing := &reportDirs{}
	dir := t.TempDir()
	writing.add(dir)
	late := filepath.Join(dir, ".report.json.77.tmp")
	var order []string
	writing.setAtExit(func() {
		order = append(order, "at exit")
		if err := os.WriteFile(late, nil, 0o600); err != nil {
			t.Error(err)
		}
	})
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	go handleSignals(sigs, func() {}, io.Discard, func() string { return "stopping" }, writing, func(code int) {
		order = append(order, "exit")
		exited <- code
	})
	sigs <- syscall.SIGTERM
	sigs <- syscall.SIGTERM
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not exit")
	}
	if !slices.Equal(order, []string{"at exit", "exit"}) {
		t.Errorf("second signal: %q, want the function set to run at exit, then the exit", order)
	}
	if _, err := os.Stat(late); !os.IsNotExist(err) {
		t.Errorf("a temporary file made while the first ones were removed is still there (%v)", err)
	}
}

// TestSearchStarted: a run marks the start of the model's search, after
// which a first signal leaves reports; one that fails before searching
// does not.
func TestSearchStarted(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"run", "--max-evals", "50", "--threshold", "0.5", "--fail-on", "never"}, true},
		{[]string{"run", "--threshold", "1.5"}, false},
	} {
		var out, errb bytes.Buffer
		e := envFor(&out, &errb, nil)
		e.writing = &reportDirs{}
		t.Chdir(t.TempDir())
		Main(context.Background(), tc.args, e)
		if got := e.writing.searchStarted(); got != tc.want {
			t.Errorf("%q: search started %v, want %v\n%s%s", tc.args, got, tc.want, out.String(), errb.String())
		}
	}
}

// TestMergeSecondSignalRemovesTemps: merge records its report directory as
// run does, so that a second signal while it writes the merged reports
// removes their temporary files (the gallery's, report.html's and the
// images' it had not renamed into place yet) and leaves the rest.
func TestMergeSecondSignalRemovesTemps(t *testing.T) {
	dirs := []string{runShard(t, "1/2"), runShard(t, "2/2")}
	for _, action := range []bool{false, true} {
		t.Run(fmt.Sprintf("action=%v", action), func(t *testing.T) {
			ws := t.TempDir()
			out := filepath.Join(ws, "merged")
			var stdout, stderr bytes.Buffer
			vars := map[string]string(nil)
			args := []string{"merge", dirs[0], dirs[1], "--report-dir", out}
			if action {
				vars = map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": ws, "GITHUB_OUTPUT": filepath.Join(ws, "outputs"),
					"INPUT_MERGE": dirs[0] + "\n" + dirs[1], "INPUT_REPORT-DIR": out, "INPUT_EXPORT-DATASET": "false"}
				args = nil
			}
			e := envFor(&stdout, &stderr, vars)
			e.writing = &reportDirs{}
			if code := Main(context.Background(), args, e); code != exitcode.Pass {
				t.Fatalf("merge: exit %d: %s", code, stderr.String())
			}
			// What the writers leave while a signal stops them: files not
			// yet renamed into place.
			temps := []string{".gallery.png.254276111.tmp", ".report.html.1148247567.tmp", "images/.0-0.png.1000162991.tmp"}
			for _, name := range temps {
				if err := os.WriteFile(filepath.Join(out, filepath.FromSlash(name)), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			sigs := make(chan os.Signal, 2)
			exited := make(chan int, 1)
			go handleSignals(sigs, func() {}, io.Discard, func() string { return "stopping and writing the merged reports" }, e.writing, func(code int) { exited <- code })
			sigs <- syscall.SIGINT
			sigs <- syscall.SIGINT
			expectSecondSignalExit(t, exited, out, temps)
			if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil {
				t.Errorf("the second signal removed a finished report: %v", err)
			}
		})
	}
}

// expectSecondSignalExit waits for the exit a second signal brings, with
// exit code 3, and checks that the temporary files temps (slash paths
// under dir) of the reports being written are gone.
func expectSecondSignalExit(t *testing.T, exited <-chan int, dir string, temps []string) {
	t.Helper()
	select {
	case code := <-exited:
		if code != exitcode.Environment {
			t.Errorf("exit %d, want %d", code, exitcode.Environment)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not exit")
	}
	for _, name := range temps {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name))); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the second signal (%v)", name, err)
		}
	}
}

// TestRemoveTempsStopsWriters: the second signal's removal first stops
// the writers, so that none creates a temporary file in a report directory
// after it (image workers of a run or a merge were still creating them,
// and left them behind in one interrupted run in seven).
func TestRemoveTempsStopsWriters(t *testing.T) {
	writing := &reportDirs{}
	dir := t.TempDir()
	writing.add(dir)
	writing.removeTemps()
	res := &report.Result{Verdict: report.VerdictPass}
	if _, err := report.WriteFiles(dir, res, []string{report.FormatJSON}, report.WriteOptions{Stop: writing.stopper()}); !errors.Is(err, report.ErrStopped) {
		t.Errorf("writing after the removal: %v, want report.ErrStopped", err)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
		t.Errorf("the report directory holds %d entries (%v), want none", len(entries), err)
	}
}
