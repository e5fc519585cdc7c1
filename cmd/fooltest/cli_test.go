package main

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBadInput: every kind of bad input ends with exit 2 (or 3 for the
// environment) and one line on stderr that names the problem.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	corrupt := writeFile(t, dir, "corrupt.onnx", []byte("\x00definitely not a protobuf model"))
	truncated := writeFile(t, dir, "truncated.onnx", demo.Model[:len(demo.Model)/3])
	textModel := writeFile(t, dir, "text.onnx", onnxtest.Model{
		Inputs:  []onnxtest.Value{{Name: "text", Type: onnxtest.String, Dims: []int64{-1, 1}}},
		Outputs: []onnxtest.Value{{Name: "out", Type: onnxtest.String, Dims: []int64{-1, 1}}},
		Nodes:   []onnxtest.Node{{Op: "Identity", Inputs: []string{"text"}, Outputs: []string{"out"}}},
	}.Bytes())
	// scikit-learn's digits exported with integer pixels.
	intModel := writeFile(t, dir, "int.onnx", onnxtest.Model{
		Inputs:  []onnxtest.Value{{Name: "image", Type: onnxtest.Int64, Dims: []int64{-1, 64}}},
		Outputs: []onnxtest.Value{{Name: "out", Type: onnxtest.Int64, Dims: []int64{-1, 64}}},
		Nodes:   []onnxtest.Node{{Op: "Identity", Inputs: []string{"image"}, Outputs: []string{"out"}}},
	}.Bytes())
	// A browser canvas's RGBA pixels.
	rgba := writeFile(t, dir, "rgba.onnx", onnxtest.Classifier([]int64{-1, 4, 8, 8}, 10, "").Bytes())
	lfs := writeFile(t, dir, "lfs.onnx", []byte("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"))
	labels3 := writeFile(t, dir, "labels.txt", []byte("a\nb\nc\n"))
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing model", []string{"inspect", "--model", filepath.Join(dir, "nope.onnx")}, 2, "cannot read model"},
		{"directory as model", []string{"inspect", "--model", dir}, 2, "not a regular file"},
		{"corrupt model", []string{"inspect", "--model", corrupt}, 2, "not a valid ONNX model"},
		{"truncated model", []string{"inspect", "--model", truncated}, 2, "not a valid ONNX model"},
		{"non-image model", []string{"inspect", "--model", textModel}, 2, "fooltest feeds float or 8-bit images (float32, float16, bfloat16, double or uint8), not strings or other integers: export the model with a float32 input"},
		{"integer pixels", []string{"inspect", "--model", intModel}, 2, "has element type int64: fooltest feeds float or 8-bit images"},
		{"RGBA input", []string{"inspect", "--model", rgba}, 2, "has shape [-1 4 8 8]: 4 channels on axis 1 (RGBA, RGB and near-infrared, or RGB and depth), and fooltest draws gray or RGB images (1 or 3 channels), so it cannot test this model: export it behind a wrapper with a 1- or 3-channel input"},
		{"Git LFS pointer", []string{"inspect", "--model", lfs}, 2, "is a Git LFS pointer to a file of 12345 bytes, not the model: fetch the file itself (git lfs pull, or actions/checkout with lfs: true)"},
		{"label count", []string{"inspect", "--labels", labels3}, 2, "3 lines but the model has 10 classes"},
		{"missing labels", []string{"inspect", "--labels", filepath.Join(dir, "none.txt")}, 2, "cannot read labels"},
		{"unknown flag", []string{"inspect", "--colour", "red"}, 2, "flag provided but not defined"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"stray argument", []string{"inspect", "model.onnx"}, 2, "unexpected argument"},
		{"bad preset", []string{"inspect", "--preset", "imagenet2"}, 2, "unknown --preset"},
		{"bad mean", []string{"inspect", "--mean", "0.5,x,1"}, 2, "not a finite number"},
		{"bad input shape", []string{"inspect", "--input-shape", "2,28,28"}, 2, "C must be 1 (gray) or 3 (RGB), the images fooltest draws; a model of other channels (RGBA, depth) needs an export with a 1- or 3-channel input"},
		{"alpha without a baseline", []string{"run", "--alpha", "0.1"}, 2, "--alpha sets the regression test against --baseline: give --baseline, or leave --alpha out"},
		{"a Keras preprocess_input mode", []string{"inspect", "--preset", "tf"}, 2, `unknown --preset "tf": Keras's preprocess_input mode "tf" is --preset pm1`},
		{"input shape in NHWC order", []string{"inspect", "--input-shape", "224,224,3"}, 2, `--input-shape "224,224,3": give the channels first, C,H,W, whatever the model's layout (fooltest finds NHWC itself): --input-shape 3,224,224`},
		{"bad output kind", []string{"inspect", "--output-kind", "softmax"}, 2, "unknown --output-kind"},
		{"bad threshold", []string{"run", "--threshold", "1.5"}, 2, "--threshold"},
		{"bad encoding", []string{"run", "--encoding", "jpeg"}, 2, "--encoding"},
		{"bad algorithm", []string{"run", "--algorithm", "gradient"}, 2, "--algorithm"},
		{"bad budget", []string{"run", "--budget", "soon"}, 2, "--budget"},
		{"bad classes", []string{"run", "--classes", "3,12", "--budget", "1s"}, 2, "out of range"},
		{"bad max-fooled", []string{"run", "--max-fooled", "lots"}, 2, "max-fooled"},
		{"bad fail-on", []string{"run", "--fail-on", "sometimes"}, 2, "fail-on"},
		{"bad format", []string{"run", "--format", "json,pdf"}, 2, "pdf"},
		{"bad batch", []string{"bench", "--batch", "-3"}, 2, "--batch"},
		{"negative model size limit", []string{"inspect", "--max-model-bytes", "-1"}, 2, "--max-model-bytes -1: give a positive number of bytes"},
		{"no model size limit", []string{"run", "--max-model-bytes", "0"}, 2, "--max-model-bytes 0: give a positive number of bytes"},
		{"relative image base URL", []string{"run", "--image-base-url", "fooltest-assets/1"}, 2, "--image-base-url"},
		{"image base URL with a query", []string{"run", "--image-base-url", "https://example.com/a?b=c"}, 2, "query or fragment"},
		{"image base URL with a quote", []string{"run", "--image-base-url", `https://example.com/a"b`}, 2, "percent-encode"},
		{"image base URL with a space", []string{"merge", "shard-1", "--image-base-url", "https://example.com/a b"}, 2, "--image-base-url"},
		{"artifact URL not http", []string{"run", "--artifact-url", "javascript:alert(1)"}, 2, "--artifact-url"},
		{"artifact URL with credentials", []string{"merge", "shard-1", "--artifact-url", "https://u:p@example.com/a"}, 2, "credentials"},
		// A value that does not parse gets what the flag takes.
		{"negative seed", []string{"run", "--seed", "-1"}, 2, `--seed "-1": give a whole number of 0 or more, such as 1, in base-ten digits (1e4 for 10000; no 0x, 0o or _) (run 'fooltest run -h' for the flags)`},
		{"fractional max-evals", []string{"run", "--max-evals", "1.5"}, 2, `--max-evals "1.5": give a whole number, in base-ten digits (1e4 for 10000; no 0x, 0o or _) (run`},
		{"hexadecimal max-evals", []string{"run", "--max-evals", "0x100"}, 2, `--max-evals "0x100": give a whole number, in base-ten digits (1e4 for 10000; no 0x, 0o or _) (run`},
		{"fractional max-evals in scientific notation", []string{"run", "--max-evals", "1.5e0"}, 2, `--max-evals "1.5e0": give a whole number, in base-ten`},
		{"seed over its range", []string{"run", "--seed", "2e19"}, 2, `--seed "2e19": out of range: give a smaller whole number (run 'fooltest run -h' for the flags)`},
		{"exponent too long", []string{"run", "--max-evals", "1e100"}, 2, `--max-evals "1e100": out of range: give a smaller whole number (run`},
		{"seed with underscores", []string{"run", "--seed", "1_000"}, 2, `--seed "1_000": give a whole number of 0 or more, such as 1, in base-ten digits (1e4 for 10000; no 0x, 0o or _) (run`},
		{"octal-looking batch", []string{"bench", "--batch", "0o10"}, 2, `--batch "0o10": give a whole number, in base-ten digits`},
		{"alpha not a number", []string{"run", "--alpha", "abc"}, 2, `--alpha "abc": give a number, such as 0.05`},
		{"quiet not a boolean", []string{"run", "--quiet=2"}, 2, `--quiet "2": give true or false (--quiet alone means true)`},
		{"merge flag not a boolean", []string{"merge", "shard-1", "--allow-missing-shards=maybe"}, 2, `--allow-missing-shards "maybe": give true or false (--allow-missing-shards alone means true) (run 'fooltest merge -h'`},
		{"report dir is a file", []string{"run", "--report-dir", labels3, "--budget", "1s"}, 2, "check --report-dir"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runMain(t, nil, tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", r.code, tc.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr %q does not mention %q", r.stderr, tc.want)
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 {
				t.Errorf("stderr has %d lines, want one: %q", n+1, r.stderr)
			}
		})
	}
}

// TestMissingRuntime runs a real process, since a process loads the runtime
// library once.
func TestMissingRuntime(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"inspect", "--onnxruntime-lib", filepath.Join(dir, "libonnxruntime.so")},
		{"version", "--onnxruntime-lib", dir},
	} {
		r := runBinary(t, dir, nil, args...)
		if r.code != exitcode.Environment || !strings.Contains(r.stderr, "install-onnxruntime.sh") {
			t.Errorf("%v: exit %d, stderr %q; want 3 naming the install script", args, r.code, r.stderr)
		}
	}
	// Not a shared library at all.
	fake := writeFile(t, dir, "libonnxruntime.so", []byte("not an ELF file"))
	r := runBinary(t, dir, []string{"ONNXRUNTIME_LIB=" + fake}, "inspect")
	if r.code != exitcode.Environment || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("fake library: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestInspectJSON(t *testing.T) {
	r := runMain(t, nil, "inspect", "--json", "--batch", "8")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		Layout     string `json:"layout"`
		Classes    int    `json:"classes"`
		OutputKind string `json:"output_kind"`
		Batch      int    `json:"batch"`
		Preset     string `json:"preset"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Layout != "NCHW" || got.Classes != 10 || got.OutputKind != "probabilities" || got.Batch != 8 || got.Preset != "raw01" {
		t.Fatalf("inspect --json: %+v", got)
	}
}

func TestBenchJSON(t *testing.T) {
	r := runMain(t, nil, "bench", "--json", "--duration", "400ms", "--threads", "1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]float64
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"raw_images_per_second", "pipeline_images_per_second", "batch", "threads"} {
		if got[k] <= 0 {
			t.Errorf("%s = %v", k, got[k])
		}
	}
}

// junitSuites is the part of junit.xml the gate test reads.
type junitSuites struct {
	Suites []struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Cases    []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestRunGate runs the search on the demo model's file (report.sarif
// locates findings only in a file) and checks the gate's exit codes and
// that every report is written and agrees with report.json.
func TestRunGate(t *testing.T) {
	common := []string{"run", "--model", filepath.Join("..", "..", "internal", "demo", "lenet.onnx"),
		"--encoding", "direct", "--budget", "60s", "--max-evals", "3000", "--threads", "1", "--quiet"}
	tests := []struct {
		name  string
		extra []string
		code  int
		// verdict is report.json's: under fail-on never still "fail" where
		// the gate was crossed, though the run exits 0.
		verdict string
	}{
		{"default gate fails", nil, 1, "fail"},
		{"report only", []string{"--fail-on", "never"}, 0, "fail"},
		{"everything allowed", []string{"--max-fooled", "100%"}, 0, "pass"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append(append(append([]string{}, common...), tc.extra...), "--report-dir", dir)
			r := runMain(t, nil, args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", r.code, tc.code, r.stderr)
			}
			for _, f := range []string{"report.json", "junit.xml", "report.md", "report.sarif", "gallery.png", "report.html", "images"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Errorf("missing %s: %v", f, err)
				}
			}
			var rep struct {
				Verdict string `json:"verdict"`
				Fooled  int    `json:"fooled"`
				Targets int    `json:"targets"`
				Classes []struct {
					Image string `json:"image"`
				} `json:"classes"`
			}
			b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
			if err := json.Unmarshal(b, &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Targets != 10 || rep.Fooled == 0 {
				t.Fatalf("report.json: %d of %d fooled", rep.Fooled, rep.Targets)
			}
			if rep.Verdict != tc.verdict {
				t.Errorf("report.json: verdict %q, want %q", rep.Verdict, tc.verdict)
			}
			for _, c := range rep.Classes {
				if _, err := os.Stat(filepath.Join(dir, c.Image)); err != nil {
					t.Errorf("image %q: %v", c.Image, err)
				}
			}
			var ju junitSuites
			b, _ = os.ReadFile(filepath.Join(dir, "junit.xml"))
			if err := xml.Unmarshal(b, &ju); err != nil {
				t.Fatal(err)
			}
			cases, failures := 0, 0
			for _, s := range ju.Suites {
				cases += len(s.Cases)
				for _, c := range s.Cases {
					if c.Failure != nil {
						failures++
					}
				}
			}
			// A fooled class is a failure, and an error in report.sarif,
			// only where it fails the run: test-report actions and code
			// scanning would otherwise turn a passing run's checks red.
			wantFailures := 0
			if tc.code == 1 {
				wantFailures = rep.Fooled
			}
			if cases != 10 || failures != wantFailures {
				t.Fatalf("junit: %d testcases, %d failures, want %d; report.json fooled %d", cases, failures, wantFailures, rep.Fooled)
			}
			var sarif struct {
				Runs []struct {
					Results []struct {
						Level string `json:"level"`
					} `json:"results"`
				} `json:"runs"`
			}
			b, _ = os.ReadFile(filepath.Join(dir, "report.sarif"))
			if err := json.Unmarshal(b, &sarif); err != nil || len(sarif.Runs) != 1 {
				t.Fatalf("report.sarif: %v", err)
			}
			errs := 0
			for _, res := range sarif.Runs[0].Results {
				if res.Level == "error" {
					errs++
				}
			}
			if errs != wantFailures {
				t.Errorf("report.sarif has %d error-level results, want %d", errs, wantFailures)
			}
			if !strings.Contains(r.stdout, "fooltest: FAIL") && tc.code == 1 {
				t.Errorf("no verdict line in %q", r.stdout)
			}
		})
	}
}

// TestOpenedLine checks that the time spent tuning the batch size is given
// only when the batch was tuned: a fixed batch costs no tuning, and a line
// saying "0.0s of it tuning" would suggest it had.
func TestOpenedLine(t *testing.T) {
	tests := []struct {
		name   string
		extra  []string
		tuning bool
	}{
		{"tuned batch", nil, true},
		{"batch given", []string{"--batch", "4"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"run", "--encoding", "direct", "--max-evals", "200", "--threads", "1",
				"--fail-on", "never", "--report-dir", t.TempDir()}, tc.extra...)
			r := runMain(t, nil, args...)
			if r.code != 0 {
				t.Fatalf("exit %d; stderr %s", r.code, r.stderr)
			}
			var line string
			for l := range strings.Lines(r.stdout) {
				if strings.HasPrefix(l, "opened in") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("no \"opened in\" line in %q", r.stdout)
			}
			if got := strings.Contains(line, "tuning the batch size"); got != tc.tuning {
				t.Errorf("%q: mentions tuning %v, want %v", line, got, tc.tuning)
			}
		})
	}
}

// TestInspectCeilings checks that inspect gives the class ceilings that a
// bounded layer before the scores sets (mnist-tanh-ls: 0.9473 for class 7
// to 0.9879 for class 8, see package ceiling), and nothing on the demo.
func TestInspectCeilings(t *testing.T) {
	model := filepath.Join("..", "..", "testdata", "models", "mnist-tanh-ls.onnx")
	r := runMain(t, nil, "inspect", "--model", model, "--batch", "8", "--threads", "1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "no class's confidence exceeds 0.9473 (class 7) to 0.9879 (class 8)") {
		t.Errorf("no ceilings line in:\n%s", r.stdout)
	}
	r = runMain(t, nil, "inspect", "--model", model, "--batch", "8", "--threads", "1", "--json")
	var got struct {
		BoundedLayer  string    `json:"bounded_layer"`
		ClassCeilings []float64 `json:"class_ceilings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.BoundedLayer != "Tanh layer of 64 values in [-1, 1]" || len(got.ClassCeilings) != 10 || math.Abs(got.ClassCeilings[7]-0.9473) > 5e-4 {
		t.Errorf("inspect --json: %+v", got)
	}
	r = runMain(t, nil, "inspect", "--batch", "8", "--threads", "1")
	if strings.Contains(r.stdout, "ceilings") || strings.Contains(r.stdout, "scores ") || strings.Contains(r.stdout, "no confidence exceeds") {
		t.Errorf("the demo LeNet has no bounded layer, but inspect says:\n%s", r.stdout)
	}
	// The demo's probabilities read as percentages: run would refuse any
	// threshold, and inspect says why.
	r = runMain(t, nil, "inspect", "--batch", "8", "--threads", "1", "--output-kind", "percentages")
	if r.code != 0 || !strings.Contains(r.stdout, "percentages; read so, with values in [") || !strings.Contains(r.stdout, "as on the probe images, no confidence exceeds 0.0") {
		t.Errorf("inspect --output-kind percentages: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestHelp: help asked for before any command, as most tools take it,
// prints the commands with exit 0, as 'fooltest help' does; run's flags
// stay behind 'fooltest run -h'.
func TestHelp(t *testing.T) {
	want := runMain(t, nil, "help")
	if want.code != exitcode.Pass || !strings.Contains(want.stdout, "fooltest merge DIR...") {
		t.Fatalf("help: exit %d, stdout %q", want.code, want.stdout)
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}, {"--help", "--model", "x.onnx"}} {
		r := runMain(t, nil, args...)
		if r.code != exitcode.Pass || r.stdout != want.stdout || r.stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 0 and the command list", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := runMain(t, nil, "run", "-h"); r.code != exitcode.Pass || !strings.Contains(r.stdout, "Usage: fooltest run [flags]") {
		t.Errorf("run -h: exit %d, stdout %q; want run's flags", r.code, r.stdout)
	}
}

// TestDecimalFlags: the integer flags read base ten, whatever leading
// zeros pad the number (an Action input such as max-evals: 0600 reaches
// them as written), where the flag package read 0600 as octal 384, and
// take a whole number in scientific notation.
func TestDecimalFlags(t *testing.T) {
	tests := []struct {
		flag, value string
		want        string // the flag's value after parsing
	}{
		{"max-evals", "0600", "600"},
		{"max-evals", "600", "600"},
		{"max-evals", "+0600", "600"},
		{"max-evals", "000", "0"},
		{"repeats", "09", "9"},
		{"seed", "0123", "123"},
		{"seed", "18446744073709551615", "18446744073709551615"},
		{"threads", "-0", "0"},
		{"max-model-bytes", "02147483648", "2147483648"},
		{"max-input-bytes", "010", "10"},
		{"batch", "010", "10"},
		// A whole number in scientific notation, exactly.
		{"max-evals", "1e3", "1000"},
		{"max-evals", "2.5E3", "2500"},
		{"max-evals", "15000e-1", "1500"},
		{"max-model-bytes", "4e9", "4000000000"},
		{"seed", "1.8446744073709551615e19", "18446744073709551615"},
	}
	for _, tc := range tests {
		t.Run(tc.flag+"="+tc.value, func(t *testing.T) {
			fs := flag.NewFlagSet("run", flag.ContinueOnError)
			var m modelFlags
			var r runFlags
			m.register(fs)
			r.register(fs)
			if err := parse(fs, []string{"--" + tc.flag + "=" + tc.value}, env{}, nil); err != nil {
				t.Fatal(err)
			}
			if got := fs.Lookup(tc.flag).Value.String(); got != tc.want {
				t.Errorf("--%s=%s reads as %s, want %s", tc.flag, tc.value, got, tc.want)
			}
		})
	}
}
