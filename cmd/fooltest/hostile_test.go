package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// writeModel writes m into a new temporary folder and returns its path.
func writeModel(t *testing.T, name string, m onnxtest.Model) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, m.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// nanModel gives NaN for every output: log(-(|x|+1)).
func nanModel() onnxtest.Model {
	return onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "").Then("Abs", nil).
		Then("Add", []string{"one"}, onnxtest.Tensor{Name: "one", Dims: []int64{1}, Data: []float32{1}}).
		Then("Neg", nil).Then("Log", nil)
}

// hugeImage declares a 3×20000×20000 image in a few hundred bytes.
func hugeImage() onnxtest.Model {
	return onnxtest.Model{
		Inputs:  []onnxtest.Value{{Name: "image", Type: onnxtest.Float, Dims: []int64{1, 3, 20000, 20000}}},
		Outputs: []onnxtest.Value{{Name: "scores", Type: onnxtest.Float, Dims: []int64{1, 3}}},
		Nodes: []onnxtest.Node{
			{Op: "GlobalAveragePool", Inputs: []string{"image"}, Outputs: []string{"pooled"}},
			{Op: "Flatten", Inputs: []string{"pooled"}, Outputs: []string{"scores"}, Ints: map[string]int64{"axis": 1}},
		},
	}
}

// TestUntestedModelNeverPasses runs the real binary on models that once
// made fooltest pass without testing them, crash, hang or exhaust memory.
// Each must fool, refuse with exit 2 naming the fix, or fail with exit 3:
// never exit 0.
func TestUntestedModelNeverPasses(t *testing.T) {
	// Two classes whose logits differ by the mean pixel: class 1 peaks
	// at e/(1+e) = 0.731 as probabilities, but at 0.675 if those were
	// read as logits and put through softmax again.
	twoClass := onnxtest.Classifier([]int64{-1, 1, 8, 8}, 2, "Softmax")
	tests := []struct {
		name  string
		model onnxtest.Model
		args  []string
		code  int
		// say is a part of stderr; verdict, when set, is report.json's.
		say, verdict string
	}{
		{"probabilities summing to 1.0015", twoClass.Scaled(1.0015), []string{"--threshold", "0.7"}, exitcode.GateFailed, "", "fail"},
		{"sigmoid scores behind a Mul", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "Sigmoid").Scaled(0.999), nil, exitcode.Usage, "--output-kind", ""},
		{"probabilities forced to logits", twoClass, []string{"--output-kind", "logits"}, exitcode.Usage, "--output-kind probabilities", ""},
		{"probabilities forced to percentages", twoClass, []string{"--output-kind", "percentages"}, exitcode.Usage, "read as percentages", ""},
		// Scores regressed onto one-hot targets, a little outside [0, 1]:
		// read as logits, their softmax stays near a tenth.
		{"regression scores", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "").Scaled(0.02).
			Then("Sub", []string{"shift"}, onnxtest.Tensor{Name: "shift", Dims: []int64{1}, Data: []float32{0.1}}), nil, exitcode.Usage, "--output-kind", ""},
		{"log-probabilities forced to probabilities", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "LogSoftmax"), []string{"--output-kind", "probabilities"}, exitcode.Usage, "they are log-probabilities", ""},
		{"logits forced to percentages", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 10, "").Scaled(-1), []string{"--output-kind", "percentages"}, exitcode.Usage, "outside [0, 100]", ""},
		{"all outputs NaN", nanModel(), nil, exitcode.Environment, "NaN", "error"},
		{"all outputs NaN, kind given", nanModel(), []string{"--output-kind", "probabilities"}, exitcode.Environment, "NaN", "error"},
		{"a 20000x20000 image", hugeImage(), nil, exitcode.Usage, "raise --max-input-bytes if the runner has the memory (the model fixes its batch and image size, which no flag changes)", ""},
		// A dynamic batch is the user's to make smaller.
		{"a batch of 4096 images", onnxtest.Classifier([]int64{-1, 3, 128, 128}, 3, "Softmax"), []string{"--batch", "4096"}, exitcode.Usage, "or use a smaller --batch or --input-shape", ""},
		// Fast on its own inputs, endless on the brighter ones of the
		// digit check's other presets: the error names the check.
		{"a check that never ends", brightEndless(), []string{"--budget", "3s"}, exitcode.Environment, "s checking its preprocessing with MNIST digits)", ""},
		{"a run that never ends", onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax").Looping(1<<50, 3), []string{"--budget", "2s"}, exitcode.Environment, "--budget", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"run", "--model", writeModel(t, "m.onnx", tc.model), "--report-dir", dir,
				"--threads", "1", "--quiet", "--encoding", "direct", "--max-evals", "2000"}, tc.args...)
			if !strings.Contains(strings.Join(args, " "), "--budget") {
				args = append(args, "--budget", "60s")
			}
			cmd := exec.Command(binary, args...)
			cmd.Dir = repoRoot(t)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			took := time.Since(start)
			if code := exitOf(err); code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tc.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.say) {
				t.Errorf("stderr does not say %q: %s", tc.say, stderr.String())
			}
			if tc.code == exitcode.Usage && strings.Count(strings.TrimSpace(stderr.String()), "\n") > 0 {
				t.Errorf("refusal is not one line: %q", stderr.String())
			}
			// No refusal or abort may cost the runner its memory.
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 1<<20 {
				t.Errorf("peak memory %d MiB, over 1 GiB", ru.Maxrss>>10)
			}
			// A hung model ends with the budget, not hours later;
			// generous for a loaded machine, far below a hang.
			if took > 20*time.Second {
				t.Errorf("took %s", took)
			}
			if tc.verdict != "" {
				var rep struct {
					Verdict, Error string
				}
				b, err := os.ReadFile(filepath.Join(dir, "report.json"))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, &rep); err != nil {
					t.Fatal(err)
				}
				if rep.Verdict != tc.verdict || (tc.verdict == "error") != (rep.Error != "") {
					t.Fatalf("report.json verdict %q, error %q; want %q", rep.Verdict, rep.Error, tc.verdict)
				}
			}
		})
	}
}

// TestLargeImageOpens: an image over batch tuning's 32 MiB per batch gets
// batch 1; it once panicked on an empty choice.
func TestLargeImageOpens(t *testing.T) {
	m := hugeImage()
	m.Inputs[0].Dims = []int64{-1, 3, -1, -1}
	m.Outputs[0].Dims = []int64{-1, 3}
	r := runBinary(t, repoRoot(t), nil, "inspect", "--model", writeModel(t, "big.onnx", m), "--input-shape", "3,1673,1673", "--output-kind", "logits", "--threads", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "batch       1") {
		t.Fatalf("exit %d; stdout %s; stderr %s", r.code, r.stdout, r.stderr)
	}
}

// TestSignalStopsHungModel: the first SIGTERM stops a model run that would
// never return by itself.
func TestSignalStopsHungModel(t *testing.T) {
	model := writeModel(t, "endless.onnx", onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax").Looping(1<<50, 3))
	code, took, stderr := signalAfter(t, []string{"run", "--model", model, "--budget", "600s", "--report-dir", t.TempDir(), "--threads", "1"}, syscall.SIGTERM, 2*time.Second)
	if code != exitcode.Environment {
		t.Fatalf("exit %d, want 3; stderr %s", code, stderr)
	}
	if took > 5*time.Second {
		t.Errorf("exited %s after SIGTERM", took)
	}
}

// TestActionsErrorVerdict: in Actions mode a model that was not tested
// publishes verdict=error and an error annotation, never a pass, both when
// its outputs are NaN and when the run is interrupted before anything
// fails the gate.
func TestActionsErrorVerdict(t *testing.T) {
	for _, tc := range []struct {
		name   string
		model  onnxtest.Model
		signal bool
	}{
		{"NaN outputs", nanModel(), false},
		// class 1 peaks at 0.73: nothing reaches 0.99 before the signal.
		{"interrupted", onnxtest.Classifier([]int64{-1, 1, 8, 8}, 2, ""), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			outputs := filepath.Join(dir, "outputs")
			env := []string{"GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + dir, "GITHUB_OUTPUT=" + outputs,
				"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary.md"),
				"INPUT_MODEL=" + writeModel(t, "m.onnx", tc.model), "INPUT_REPORT-DIR=" + filepath.Join(dir, "rep"),
				"INPUT_BUDGET=60s", "INPUT_ENCODING=direct"}
			cmd := exec.Command(binary)
			cmd.Dir = repoRoot(t)
			cmd.Env = append(os.Environ(), env...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.signal {
				time.Sleep(3 * time.Second)
				cmd.Process.Signal(syscall.SIGTERM)
			}
			err := cmd.Wait()
			if code := exitOf(err); code != exitcode.Environment {
				t.Fatalf("exit %d, want 3; stderr %s", code, stderr.String())
			}
			b, err := os.ReadFile(outputs)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), "verdict<<") || !strings.Contains(string(b), "\nerror\n") {
				t.Errorf("outputs do not publish verdict=error:\n%s", b)
			}
			if !strings.Contains(stdout.String(), "::error ") {
				t.Errorf("no error annotation:\n%s", stdout.String())
			}
			summary, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
			if strings.Contains(strings.ToLower(string(summary)), "pass") && !strings.Contains(strings.ToLower(string(summary)), "error") {
				t.Errorf("summary reads as a pass:\n%s", summary)
			}
		})
	}
}

// TestTimeoutBoundsOpening: inspect and bench, which have no budget, stop
// opening a model whose runs never return at --timeout and exit 3 with one
// line naming it, rather than holding a CI job until its own limit.
func TestTimeoutBoundsOpening(t *testing.T) {
	model := writeModel(t, "endless.onnx", onnxtest.Classifier([]int64{-1, 1, 4, 4}, 3, "Softmax").Looping(1<<50, 3))
	for _, cmd := range []string{"inspect", "bench"} {
		t.Run(cmd, func(t *testing.T) {
			start := time.Now()
			r := runBinary(t, repoRoot(t), nil, cmd, "--model", model, "--threads", "1", "--timeout", "2s")
			// Generous for a loaded machine, far below a hang.
			if took := time.Since(start); took > 60*time.Second {
				t.Errorf("took %s", took)
			}
			if r.code != exitcode.Environment {
				t.Fatalf("exit %d, want 3; stderr %s", r.code, r.stderr)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 || !strings.Contains(r.stderr, "did not open within --timeout 2s") || !strings.Contains(r.stderr, "raise --timeout") {
				t.Errorf("stderr is not one line naming --timeout: %q", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("printed %q", r.stdout)
			}
		})
	}
	if r := runBinary(t, repoRoot(t), nil, "inspect", "--timeout", "0s"); r.code != exitcode.Usage {
		t.Errorf("--timeout 0s: exit %d, want 2", r.code)
	}
}

// brightEndless is a 28×28 gray classifier whose runs loop 10^12 times
// per unit by which the brightest input value exceeds 2: none on inputs in
// [0, 1], as its own preprocessing (raw01) gives, endlessly on those of
// presets that scale pixels up (mnist, raw255).
func brightEndless() onnxtest.Model {
	m := onnxtest.Classifier([]int64{-1, 1, 28, 28}, 10, "Softmax").Looping(0, 10)
	m.Initializers = append([]onnxtest.Tensor(nil), m.Initializers...)
	m.Initializers = slices.DeleteFunc(m.Initializers, func(t onnxtest.Tensor) bool { return t.Name == "loop_trips" })
	m.Initializers = append(m.Initializers,
		onnxtest.Tensor{Name: "bright_two", Data: []float32{2}},
		onnxtest.Tensor{Name: "bright_trips", Data: []float32{1e12}})
	m.Nodes = append([]onnxtest.Node{
		{Op: "ReduceMax", Inputs: []string{"image"}, Outputs: []string{"bright_max"}, Ints: map[string]int64{"keepdims": 0}},
		{Op: "Sub", Inputs: []string{"bright_max", "bright_two"}, Outputs: []string{"bright_over"}},
		{Op: "Relu", Inputs: []string{"bright_over"}, Outputs: []string{"bright_relu"}},
		{Op: "Mul", Inputs: []string{"bright_relu", "bright_trips"}, Outputs: []string{"bright_f"}},
		{Op: "Cast", Inputs: []string{"bright_f"}, Outputs: []string{"loop_trips"}, Ints: map[string]int64{"to": onnxtest.Int64}},
	}, m.Nodes...)
	return m
}
