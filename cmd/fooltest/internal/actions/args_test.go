package actions

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// env returns a getenv over m, as the runner would set the variables.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestArgs(t *testing.T) {
	// Files outside the workspace, as a derived image may bake in,
	// whose names a pattern would not match.
	outside := t.TempDir()
	for _, f := range []string{"model[v2].onnx", "model[.onnx"} {
		if err := os.WriteFile(filepath.Join(outside, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    []string
		wantErr string
	}{
		{name: "no inputs runs the demo with defaults", env: nil, want: nil},
		{
			name: "empty and blank inputs are defaults",
			env:  map[string]string{"INPUT_MODEL": "", "INPUT_THRESHOLD": "  ", "INPUT_EXPORT-DATASET": ""},
			want: nil,
		},
		{
			name: "every input in action.yml order",
			env: map[string]string{
				"INPUT_MODEL": "models/net.onnx", "INPUT_LABELS": "labels.txt", "INPUT_PRESET": "mnist",
				"INPUT_SCALE": "255", "INPUT_MEAN": "0.5,0.5,0.5", "INPUT_STD": "0.25", "INPUT_INPUT-SHAPE": "1,28,28",
				"INPUT_OUTPUT": "logits", "INPUT_OUTPUT-KIND": "logits", "INPUT_MAX-MODEL-BYTES": "4294967296",
				"INPUT_MAX-INPUT-BYTES": "536870912", "INPUT_ENCODING": "both",
				"INPUT_ALGORITHM": "paper", "INPUT_BUDGET": "30s", "INPUT_MAX-EVALS": "1000",
				"INPUT_CLASSES": "random:3", "INPUT_THRESHOLD": "0.95", "INPUT_MAX-FOOLED": "10%",
				"INPUT_FAIL-ON": "never", "INPUT_SEED": "7", "INPUT_REPEATS": "3", "INPUT_BASELINE": "models/old.onnx",
				"INPUT_ALPHA": "0.01", "INPUT_TOLERANCE": "0.05", "INPUT_MIN-SCORE": "0.5", "INPUT_REPORT-DIR": "out",
				"INPUT_FORMAT": "json,junit", "INPUT_IMAGE-BASE-URL": "https://example.com/r", "INPUT_ARTIFACT-URL": "https://example.com/a",
				"INPUT_EXPORT-DATASET": "true", "INPUT_PREPROCESSING-CHECK": "false",
			},
			want: []string{
				"--model=models/net.onnx", "--labels=labels.txt", "--preset=mnist", "--scale=255",
				"--mean=0.5,0.5,0.5", "--std=0.25", "--input-shape=1,28,28", "--output=logits",
				"--output-kind=logits", "--max-model-bytes=4294967296", "--max-input-bytes=536870912", "--encoding=both", "--algorithm=paper", "--budget=30s",
				"--max-evals=1000", "--classes=random:3", "--threshold=0.95", "--max-fooled=10%",
				"--fail-on=never", "--seed=7", "--repeats=3", "--baseline=models/old.onnx", "--alpha=0.01",
				"--tolerance=0.05", "--min-score=0.5", "--report-dir=out", "--format=json,junit",
				"--image-base-url=https://example.com/r", "--artifact-url=https://example.com/a", "--export-dataset",
				"--preprocessing-check=false",
			},
		},
		{
			name: "values are trimmed and a leading minus stays a value",
			env:  map[string]string{"INPUT_MEAN": " -0.5 \n", "INPUT_MODEL": "m.onnx\n"},
			want: []string{"--model=m.onnx", "--mean=-0.5"},
		},
		{
			name: "unknown values are left to the CLI",
			env:  map[string]string{"INPUT_ENCODING": "pixels", "INPUT_THRESHOLD": "high"},
			want: []string{"--encoding=pixels", "--threshold=high"},
		},
		{
			name: "export-dataset false is the default",
			env:  map[string]string{"INPUT_EXPORT-DATASET": "False"},
			want: nil,
		},
		{
			name: "export-dataset true in any case",
			env:  map[string]string{"INPUT_EXPORT-DATASET": "TRUE"},
			want: []string{"--export-dataset"},
		},
		{
			name: "preprocessing-check true is the default",
			env:  map[string]string{"INPUT_PREPROCESSING-CHECK": "True"},
			want: nil,
		},
		{
			name:    "preprocessing-check must be a boolean",
			env:     map[string]string{"INPUT_PREPROCESSING-CHECK": "off"},
			wantErr: `preprocessing-check must be true or false, got "off"`,
		},
		{
			name:    "export-dataset must be a boolean",
			env:     map[string]string{"INPUT_EXPORT-DATASET": "yes"},
			wantErr: `export-dataset must be true or false, got "yes"`,
		},
		{
			name:    "a value spanning lines is rejected",
			env:     map[string]string{"INPUT_CLASSES": "1\n2"},
			wantErr: "classes must be a single line",
		},
		{
			name:    "a list, one value a line",
			env:     map[string]string{"INPUT_FORMAT": "json\n  junit\n"},
			wantErr: `format must be a single line, got "json\n  junit": separate its values with commas, as in "json,junit"`,
		},
		{
			name:    "a list with commas, one value a line",
			env:     map[string]string{"INPUT_MEAN": "0.485,\n0.456,\n0.406"},
			wantErr: `separate its values with commas, as in "0.485,0.456,0.406"`,
		},
		{
			name:    "a YAML list",
			env:     map[string]string{"INPUT_CLASSES": "- 1\n- 2\n"},
			wantErr: `separate its values with commas, as in "1,2"`,
		},
		{
			name: "files outside the workspace whose names hold brackets",
			env: map[string]string{"GITHUB_WORKSPACE": "/github/workspace", "INPUT_MODEL": filepath.Join(outside, "model[v2].onnx"),
				"INPUT_BASELINE": filepath.Join(outside, "model[.onnx")},
			want: []string{"--model=" + filepath.Join(outside, "model[v2].onnx"), "--baseline=" + filepath.Join(outside, "model[.onnx")},
		},
		{
			name:    "a report-dir in the home folder",
			env:     map[string]string{"INPUT_REPORT-DIR": "~/reports"},
			wantErr: `report-dir "~/reports" starts with ~, which the runner does not expand in an action's inputs`,
		},
		{
			name:    "a model in the home folder",
			env:     map[string]string{"INPUT_MODEL": "~/models/net.onnx", "INPUT_LABELS": "~", "INPUT_BASELINE": "~/old.onnx"},
			wantErr: `invalid action input: model "~/models/net.onnx" starts with ~, which the runner does not expand in an action's inputs, and the action's container sees only the workspace: give a path relative to the repository; labels "~" starts with ~`,
		},
		{
			// A step before may have put it in the runner's temporary
			// folder, which the container does not mount.
			name:    "a model outside the workspace that is not there",
			env:     map[string]string{"GITHUB_WORKSPACE": "/github/workspace", "INPUT_MODEL": "/home/runner/work/_temp/net.onnx", "INPUT_BASELINE": "../old.onnx"},
			wantErr: `invalid action input: model "/home/runner/work/_temp/net.onnx" is outside the workspace /github/workspace, and the action's container sees only the workspace: put it in the repository's folder (an earlier step can copy it there) and give its path relative to the repository; baseline "../old.onnx" is outside the workspace`,
		},
		{
			name: "a name that only starts with a tilde",
			env:  map[string]string{"INPUT_MODEL": "~net.onnx", "INPUT_REPORT-DIR": "out/~"},
			want: []string{"--model=~net.onnx", "--report-dir=out/~"},
		},
		{
			name:    "a merge step's input on a search step",
			env:     map[string]string{"INPUT_ALLOW-MISSING-SHARDS": "true"},
			wantErr: "allow-missing-shards is an input of a merge step (merge: the shards' report folders), and this step searches: leave it out here",
		},
		{
			name: "a merge step's input at its default on a search step",
			env:  map[string]string{"INPUT_ALLOW-MISSING-SHARDS": "false"},
			want: nil,
		},
		{
			name:    "every bad input is reported, on one line and apart",
			env:     map[string]string{"INPUT_CLASSES": "1\n2", "INPUT_EXPORT-DATASET": "1", "INPUT_MODEL": "a\nb"},
			wantErr: `invalid action input: model must be a single line, got "a\nb"; classes must be a single line, got "1\n2": separate its values with commas, as in "1,2"; export-dataset must be true or false, got "1"`,
		},
		{
			name: "underscored names are not the runner's",
			env:  map[string]string{"INPUT_MAX_FOOLED": "3"},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Args(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Args() error = %v, want one containing %q", err, tt.wantErr)
				}
				if !errors.Is(err, errInvalidInput) {
					t.Errorf("Args() error = %v, want it to wrap ErrInvalidInput", err)
				}
				if got != nil {
					t.Errorf("Args() = %q with an error, want nil", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Args() error = %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Args() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

func TestEnabled(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want bool
	}{
		{"action entrypoint", map[string]string{"GITHUB_ACTIONS": "true"}, nil, true},
		{"CLI call in a job container", map[string]string{"GITHUB_ACTIONS": "true"}, []string{"run", "--model", "m.onnx"}, false},
		{"outside Actions", nil, nil, false},
		{"not exactly true", map[string]string{"GITHUB_ACTIONS": "1"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Enabled(env(tt.env), tt.args); got != tt.want {
				t.Errorf("Enabled() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestEnvName(t *testing.T) {
	tests := map[string]string{
		"max-fooled": "INPUT_MAX-FOOLED",
		"model":      "INPUT_MODEL",
		"odd name":   "INPUT_ODD_NAME",
	}
	for in, want := range tests {
		if got := envName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestInputsMatchActionYAML keeps action.yml and the mapping in step: an
// input declared there but not read here would be silently ignored.
func TestInputsMatchActionYAML(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "action.yml"))
	if err != nil {
		t.Fatalf("read action.yml: %v", err)
	}
	// Inputs are the two-space-indented keys between "inputs:" and the
	// next top-level key.
	text := string(b)
	start := strings.Index(text, "\ninputs:\n")
	if start < 0 {
		t.Fatal("action.yml has no inputs section")
	}
	section := text[start+len("\ninputs:\n"):]
	if end := regexp.MustCompile(`(?m)^\S`).FindStringIndex(section); end != nil {
		section = section[:end[0]]
	}
	var declared []string
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z][a-z0-9-]*):\s*$`).FindAllStringSubmatch(section, -1) {
		declared = append(declared, m[1])
	}
	if !slices.Equal(declared, inputNames()) {
		t.Errorf("action.yml inputs =\n%q\nArgs reads\n%q", declared, inputNames())
	}
}

// TestMergeArgs: the merge input's directories (glob patterns expanded)
// come first, then merge's flags; search inputs beside it are refused, and
// run steps never see merge's inputs.
func TestMergeArgs(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"shard-2", "shard-1", "fooltest shard 1", "fooltest shard 2", "shard [3]"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    []string
		wantErr string
	}{
		{
			name: "directories, globs and merge's flags",
			env: map[string]string{"INPUT_MERGE": "a/b\n" + filepath.Join(dir, "shard-*") + "\n  missing-*", "INPUT_REPORT-DIR": "out",
				"INPUT_FORMAT": "json", "INPUT_IMAGE-BASE-URL": "https://example.com/r", "INPUT_ARTIFACT-URL": "https://example.com/a",
				"INPUT_ALLOW-MISSING-SHARDS": "true", "INPUT_EXPORT-DATASET": "false", "INPUT_PREPROCESSING-CHECK": "true"},
			want: []string{"a/b", filepath.Join(dir, "shard-1"), filepath.Join(dir, "shard-2"), "missing-*", "--report-dir=out", "--format=json",
				"--image-base-url=https://example.com/r", "--artifact-url=https://example.com/a", "--allow-missing-shards"},
		},
		{
			// One folder a line, as download-artifact names them after
			// artifacts whose names hold spaces.
			name: "a line naming a folder with spaces",
			env:  map[string]string{"INPUT_MERGE": filepath.Join(dir, "fooltest shard 1") + "\n" + filepath.Join(dir, "fooltest shard 2") + "\n" + filepath.Join(dir, "shard-1") + " " + filepath.Join(dir, "shard-2") + "\n"},
			want: []string{filepath.Join(dir, "fooltest shard 1"), filepath.Join(dir, "fooltest shard 2"), filepath.Join(dir, "shard-1"), filepath.Join(dir, "shard-2")},
		},
		{
			// Artifact names may hold brackets, which a pattern reads
			// as a set of characters.
			name: "a folder whose name holds spaces and brackets",
			env:  map[string]string{"INPUT_MERGE": filepath.Join(dir, "shard [3]") + "\n" + filepath.Join(dir, "shard-1")},
			want: []string{filepath.Join(dir, "shard [3]"), filepath.Join(dir, "shard-1")},
		},
		{
			name: "a pattern with spaces",
			env:  map[string]string{"INPUT_MERGE": "  " + filepath.Join(dir, "fooltest shard *") + "  "},
			want: []string{filepath.Join(dir, "fooltest shard 1"), filepath.Join(dir, "fooltest shard 2")},
		},
		{name: "shards outside the workspace that are not there", env: map[string]string{"INPUT_MERGE": filepath.Join(dir, "shard-1") + " /home/runner/work/_temp/shards/*"},
			wantErr: `merge "/home/runner/work/_temp/shards/*" is outside the workspace`},
		{name: "a shard in the home folder", env: map[string]string{"INPUT_MERGE": "shard-1 ~/shard-2"}, wantErr: `merge "~/shard-2" starts with ~`},
		{name: "a search input beside merge", env: map[string]string{"INPUT_MERGE": "a", "INPUT_MODEL": "m.onnx"}, wantErr: "model is an input of a search"},
		{name: "shard beside merge", env: map[string]string{"INPUT_MERGE": "a", "INPUT_SHARD": "1/2"}, wantErr: "shard is an input of a search"},
		{name: "a bad boolean", env: map[string]string{"INPUT_MERGE": "a", "INPUT_ALLOW-MISSING-SHARDS": "yes"}, wantErr: "true or false"},
		{name: "a search's boolean off its default beside merge", env: map[string]string{"INPUT_MERGE": "a", "INPUT_PREPROCESSING-CHECK": "false"}, wantErr: "preprocessing-check is an input of a search"},
		{name: "several search inputs and a bad boolean beside merge", env: map[string]string{"INPUT_MERGE": "a", "INPUT_MODEL": "m.onnx", "INPUT_BUDGET": "5s", "INPUT_SEED": "3", "INPUT_ALLOW-MISSING-SHARDS": "yes"},
			wantErr: `invalid action input: model, budget and seed are inputs of a search, and merge only merges reports: set them on the shards' steps; allow-missing-shards must be true or false, got "yes"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !Merging(env(tt.env)) {
				t.Fatal("Merging() = false with a merge input")
			}
			got, err := MergeArgs(env(tt.env))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, errInvalidInput) {
					t.Fatalf("MergeArgs() error = %v, want an ErrInvalidInput containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("MergeArgs() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	// A search step maps its own inputs only, and refuses merge's, as
	// merge refuses a search's: it would ignore them.
	run, err := Args(env(map[string]string{"INPUT_SHARD": "2/4", "INPUT_ALLOW-MISSING-SHARDS": "false"}))
	if err != nil || !slices.Equal(run, []string{"--shard=2/4"}) {
		t.Errorf("Args() = %q, %v; want only --shard=2/4", run, err)
	}
	if _, err := Args(env(map[string]string{"INPUT_SHARD": "2/4", "INPUT_ALLOW-MISSING-SHARDS": "true"})); err == nil || !errors.Is(err, errInvalidInput) {
		t.Errorf("Args() with allow-missing-shards on a search step: %v, want an ErrInvalidInput", err)
	}
	if Merging(env(nil)) {
		t.Error("Merging() = true without a merge input")
	}
}

// inputNames returns the names of the inputs Args reads, in action.yml order.
func inputNames() []string {
	names := make([]string, len(inputs))
	for i, in := range inputs {
		names[i] = in.name
	}
	return names
}

// TestReportDirInWorkspace: the action's container keeps only the
// workspace, so a report-dir outside it is refused, for a run and a merge
// alike, and one anywhere inside it is passed on as given.
func TestReportDirInWorkspace(t *testing.T) {
	ws := t.TempDir()
	for _, tc := range []struct {
		dir     string
		outside bool
	}{
		{"fooltest-report", false},
		{".", false},
		{"reports/../out", false},
		{filepath.Join(ws, "out"), false},
		{"../outside-rep", true},
		{"out/../../elsewhere", true},
		{filepath.Dir(ws), true},
		{"/tmp/reports", true},
		{"/nonexistent/fooltest-reports", true},
	} {
		for _, merge := range []bool{false, true} {
			vars := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_REPORT-DIR": tc.dir}
			read := Args
			if merge {
				vars["INPUT_MERGE"] = "shard-1"
				read = MergeArgs
			}
			// Relative paths are the workspace's, where the action starts.
			t.Chdir(ws)
			args, err := read(env(vars))
			if !tc.outside {
				if err != nil || !slices.Contains(args, "--report-dir="+tc.dir) {
					t.Errorf("report-dir %q (merge %v): %q, %v; want it passed on", tc.dir, merge, args, err)
				}
				continue
			}
			want := "report-dir " + strconv.Quote(tc.dir) + " is outside the workspace " + ws + ", and the action's container keeps nothing else, so the reports would be lost"
			if err == nil || !errors.Is(err, errInvalidInput) || !strings.Contains(err.Error(), want) {
				t.Errorf("report-dir %q (merge %v): error %v, want an invalid input containing %q", tc.dir, merge, err, want)
			}
		}
	}
}
