package actions

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestInInputs: the flags of inputs become the inputs, in words a step's
// user reads; flags the Action has no input for stay.
func TestInInputs(t *testing.T) {
	for _, tc := range []struct{ cli, action string }{
		{"raise --max-evals to at least 100, or give fewer target classes per job (--classes, or --shard over a job matrix)",
			"raise the max-evals input to at least 100, or give fewer target classes per job (the classes input, or the shard input over a job matrix)"},
		{"capped by --max-evals 1, fewer than", "capped by max-evals: 1, fewer than"},
		{"a longer time budget (--budget: it stopped this search at 1158 evaluations)", "a longer time budget (the budget input: it stopped this search at 1158 evaluations)"},
		{"or, if the model and its preprocessing are right, pass --preprocessing-check=false", "or, if the model and its preprocessing are right, set the preprocessing-check input to false"},
		{"give the model's own (--preset, or --scale, --mean and --std, as its training code gives them), or, only if it was trained on these values, confirm these with --preset raw01",
			"give the model's own (the preset input, or the scale, mean and std inputs, as its training code gives them), or, only if it was trained on these values, confirm these with preset: raw01"},
		{"confirm these with --scale 1 --mean 0 --std 1", "confirm these with scale: 1 mean: 0 std: 1"},
		{"(--preset raw255, imagenet, cifar10, pm1 or caffe, or --scale", "(preset: raw255, imagenet, cifar10, pm1 or caffe, or the scale input"},
		{"check the preprocessing and --output-kind, give", "check the preprocessing and the output-kind input, give"},
		{"merge every shard, or pass --allow-missing-shards (the Action's allow-missing-shards input) to gate on the others",
			"merge every shard, or set the allow-missing-shards input to true to gate on the others"},
		{"pass --input-shape 3,H,W with the image size", "set the input-shape input to 3,H,W with the image size"},
		{"give a --threshold of at most 0.5", "give a threshold input of at most 0.5"},
		// A setting to keep alike between runs, as the refusals of
		// shards and baselines searched otherwise name it.
		{"a baseline run of the same part of the targets (the same --shard, or none), or the released model itself",
			"a baseline run of the same part of the targets (the same shard input, or none), or the released model itself"},
		{"or the report.json of a baseline run with the same --classes", "or the report.json of a baseline run with the same classes input"},
		{"each with --shard I/3 and --baseline set to the baseline's own shard I report.json, then merge them",
			"each with shard: I/3 and the baseline input set to the baseline's own shard I report.json, then merge them"},
		{"search the baseline again with a longer --budget, or give --baseline the baseline model itself",
			"search the baseline again with a longer budget input, or give the baseline input the baseline model itself"},
		{"run every shard with the same labels: --labels with the same file, or the same labels beside the model",
			"run every shard with the same labels: the labels input with the same file, or the same labels beside the model"},
		// The reports' notes beside a regression that does not gate the run.
		{"the score missed --min-score first.", "the score missed the min-score input first."},
		{"the run: --fail-on is never, so the gate only reports.", "the run: the fail-on input is never, so the gate only reports."},
		{"the baseline; setting --fail-on to regression would fail it.", "the baseline; setting the fail-on input to regression would fail it."},
		{"capped by --max-evals 5.", "capped by max-evals: 5."},
		// A value that does not parse: the CLI's help is no help.
		{`--max-evals "2k": give a whole number (run 'fooltest run -h' for the flags)`, `max-evals: "2k": give a whole number (see the inputs in the action's action.yml)`},
		{`flag provided but not defined: -x: run 'fooltest merge -h' for the flags`, `flag provided but not defined: -x: see the inputs in the action's action.yml`},
		// No input: the CLI's flag stays.
		{"omit --batch or pass --batch 1", "omit --batch or pass --batch 1"},
		{"point --onnxruntime-lib at it", "point --onnxruntime-lib at it"},
		// Not a flag.
		{"model x--max-evals.onnx", "model x--max-evals.onnx"},
		{"", ""},
	} {
		if got := InInputs(tc.cli); got != tc.action {
			t.Errorf("InInputs(%q)\n got %q\nwant %q", tc.cli, got, tc.action)
		}
	}
}

// TestInputsDeclared: the inputs that InInputs names are action.yml's.
func TestInputsDeclared(t *testing.T) {
	b, err := os.ReadFile("../../../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	in, _, ok := strings.Cut(strings.SplitN(string(b), "\ninputs:\n", 2)[1], "\noutputs:\n")
	if !ok {
		t.Fatal("action.yml has no inputs: and outputs: sections")
	}
	declared := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  ([a-z][a-z0-9-]*):$`).FindAllStringSubmatch(in, -1) {
		declared[m[1]] = true
	}
	for _, i := range inputs {
		if !declared[i.name] {
			t.Errorf("input %q is not in action.yml", i.name)
		}
		delete(declared, i.name)
	}
	for name := range declared {
		t.Errorf("action.yml's input %q is not among inputs", name)
	}
}
