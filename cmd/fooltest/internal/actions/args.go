// Package actions is fooltest's GitHub Actions mode: it turns the action's
// inputs into flags for `fooltest run`, and turns the run's outcome into step
// outputs, a step summary, annotations and file ownership that later steps
// can use.
//
// The package depends on no other fooltest package, so that the command can
// fill an Outcome from whatever its report model looks like.
//
// A docker action receives every input as an environment variable
// INPUT_<NAME> (upper-cased, hyphens kept) and starts the image's entrypoint
// with no arguments; Enabled tells that case apart from a plain CLI call.
package actions

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// errInvalidInput marks an action input that fooltest cannot use. The
// command should end with exit code 2 (invalid usage or input) for it.
var errInvalidInput = errors.New("invalid action input")

// input is one action input and the `fooltest run` flag it becomes.
type input struct {
	name string
	// boolean inputs become the bare flag when "true" and nothing when
	// "false", because the CLI's boolean flags have no string form to
	// validate.
	boolean bool
	// defaultTrue marks a boolean input whose flag defaults to true: it
	// becomes --name=false when "false" and nothing when "true".
	defaultTrue bool
	// merge says which command reads the input: run (0), merge
	// (mergeOnly) or both (mergeToo).
	merge int
	// path marks an input that names a file or folder.
	path bool
	// list marks an input of comma-separated values.
	list bool
}

// Values of input.merge.
const (
	runOnly = iota
	mergeOnly
	mergeToo
)

// inputs are the inputs declared in action.yml, in the order their flags
// are emitted. Each input's flag has the input's name.
var inputs = []input{
	{name: "model", path: true},
	{name: "labels", path: true},
	{name: "preset"},
	{name: "scale"},
	{name: "mean", list: true},
	{name: "std", list: true},
	{name: "channel-order"},
	{name: "input-shape", list: true},
	{name: "output"},
	{name: "output-kind"},
	{name: "max-model-bytes"},
	{name: "max-input-bytes"},
	{name: "encoding"},
	{name: "algorithm"},
	{name: "budget"},
	{name: "max-evals"},
	{name: "classes", list: true},
	{name: "threshold"},
	{name: "max-fooled"},
	{name: "fail-on"},
	{name: "seed"},
	{name: "repeats"},
	{name: "baseline", path: true},
	{name: "baseline-preset"},
	{name: "alpha"},
	{name: "tolerance"},
	{name: "min-score"},
	{name: "shard"},
	{name: "report-dir", merge: mergeToo, path: true},
	{name: "format", merge: mergeToo, list: true},
	{name: "image-base-url", merge: mergeToo},
	{name: "artifact-url", merge: mergeToo},
	{name: "export-dataset", boolean: true},
	{name: "preprocessing-check", boolean: true, defaultTrue: true},
	{name: "merge", merge: mergeOnly},
	{name: "allow-missing-shards", boolean: true, merge: mergeOnly},
}

// isDefault reports whether v, a boolean input's value, is what its flag
// is without it.
func (in input) isDefault(v string) bool {
	if !in.boolean {
		return false
	}
	def := "false"
	if in.defaultTrue {
		def = "true"
	}
	return strings.EqualFold(strings.TrimSpace(v), def)
}

// Enabled reports whether the process was started as the fooltest action:
// inside GitHub Actions (GITHUB_ACTIONS=true) and with no command-line
// arguments. A step that runs the image or the binary with arguments, for
// example `fooltest run --model m.onnx` in a job container, is a plain CLI
// call even though GITHUB_ACTIONS is set there too.
func Enabled(getenv func(string) string, args []string) bool {
	return getenv("GITHUB_ACTIONS") == "true" && len(args) == 0
}

// envName returns the environment variable the runner sets for an input.
func envName(input string) string {
	return "INPUT_" + strings.ToUpper(strings.ReplaceAll(input, " ", "_"))
}

// Args maps the action's inputs, read with getenv, to the flags of
// `fooltest run`. An empty or unset input leaves its flag out, so the CLI's
// default applies; an empty model runs the embedded demo model, which lets
// people try the action before pointing it at their own classifier.
//
// Args rejects only what the CLI cannot see: a boolean input that is not
// true or false (the CLI's boolean flag would take any value as set), a
// value spanning lines, and a report-dir outside the workspace. Every other value is passed through, for the CLI's
// own validation to reject with exit code 2. The error names every bad
// input, in one line, and wraps errInvalidInput.
func Args(getenv func(string) string) ([]string, error) {
	args, problems := flags(getenv, runOnly)
	// A merge step's own input on a search step would be ignored, and
	// the user would believe missing shards allowed.
	for _, in := range inputs {
		if in.merge == mergeOnly && in.name != "merge" && strings.TrimSpace(getenv(envName(in.name))) != "" && !in.isDefault(getenv(envName(in.name))) {
			problems = append(problems, in.name+" is an input of a merge step (merge: the shards' report folders), and this step searches: leave it out here")
		}
	}
	if len(problems) > 0 {
		return nil, invalid(problems)
	}
	return args, nil
}

// Merging reports whether the merge input is set: the step merges the
// reports of a run's shards (fooltest merge) instead of running a search.
func Merging(getenv func(string) string) bool {
	return strings.TrimSpace(getenv(envName("merge"))) != ""
}

// MergeArgs maps the inputs of a merge step to the arguments of `fooltest
// merge`: the directories of the merge input (separated by whitespace, so
// one per line works; each may be a glob pattern, as download-artifact puts
// each artifact in a folder of its own), then the flags of report-dir,
// format, image-base-url, artifact-url and allow-missing-shards. A run input set beside merge is refused:
// the step would silently not search. A pattern that matches nothing stays
// as it is, for merge to name as missing.
func MergeArgs(getenv func(string) string) ([]string, error) {
	var search []string
	for _, in := range inputs {
		if in.merge == runOnly && strings.TrimSpace(getenv(envName(in.name))) != "" && !in.isDefault(getenv(envName(in.name))) {
			search = append(search, in.name)
		}
	}
	var problems []string
	switch len(search) {
	case 0:
	case 1:
		problems = append(problems, search[0]+" is an input of a search, and merge only merges reports: set it on the shards' steps")
	default:
		problems = append(problems, fmt.Sprintf("%s and %s are inputs of a search, and merge only merges reports: set them on the shards' steps",
			strings.Join(search[:len(search)-1], ", "), search[len(search)-1]))
	}
	var dirs []string
	for _, f := range mergeEntries(getenv(envName("merge"))) {
		if p := unseenPath(getenv, "merge", f); p != "" {
			problems = append(problems, p)
			continue
		}
		if _, err := os.Stat(f); err == nil {
			// A folder whose name holds [, * or ? is itself, not a
			// pattern that may not match it.
			dirs = append(dirs, f)
			continue
		}
		m, err := filepath.Glob(f)
		if err != nil || len(m) == 0 {
			m = []string{f}
		}
		dirs = append(dirs, m...)
	}
	flags, bad := flags(getenv, mergeOnly)
	if problems = append(problems, bad...); len(problems) > 0 {
		return nil, invalid(problems)
	}
	return append(dirs, flags...), nil
}

// mergeEntries splits the merge input into directories and patterns: at
// white space, except that a line naming an existing directory, or a
// pattern that matches one, is one entry whole. Artifact names may hold
// spaces, and download-artifact puts each in a folder of that name: a
// list with one such folder a line must not become the halves of each.
func mergeEntries(v string) []string {
	var entries []string
	for _, line := range strings.Split(v, "\n") {
		line = strings.TrimSpace(line)
		if strings.ContainsFunc(line, unicode.IsSpace) && exists(line) {
			entries = append(entries, line)
			continue
		}
		entries = append(entries, strings.Fields(line)...)
	}
	return entries
}

// exists reports whether path names a file or folder, itself first (a
// name may hold [, * or ?) or as a pattern that matches one.
func exists(path string) bool {
	if _, err := os.Stat(path); err == nil {
		return true
	}
	m, err := filepath.Glob(path)
	return err == nil && len(m) > 0
}

// homePath says what is wrong with the path v of input name when it starts
// with ~, and "" otherwise. Nothing expands ~ in an action's inputs: the
// path would name a folder called ~ in the workspace, which a report-dir
// creates there while a later step's shell looks for it in the home
// folder, and the action's container has no home folder of the runner's.
func homePath(name, v string) string {
	if v != "~" && !strings.HasPrefix(v, "~/") {
		return ""
	}
	return fmt.Sprintf("%s %q starts with ~, which the runner does not expand in an action's inputs, and the action's container sees only the workspace: give a path relative to the repository", name, v)
}

// unseenPath says why the path v of input name cannot be what the user
// meant, in the action's container, and "" when it may be: a path that
// starts with ~ (see homePath), or one outside the workspace that does
// not exist. The container mounts the workspace alone, so a file a step
// before put in the runner's temporary folder, say, is not there, and
// "no such file" would send the user to check a file they can see.
func unseenPath(getenv func(string) string, name, v string) string {
	if p := homePath(name, v); p != "" {
		return p
	}
	ws := workspaceDir(getenv)
	if isInside(relPath(ws, v)) || exists(v) {
		return ""
	}
	return fmt.Sprintf("%s %q is outside the workspace %s, and the action's container sees only the workspace: put it in the repository's folder (an earlier step can copy it there) and give its path relative to the repository", name, v, ws)
}

// commaList is the values of a list input given one a line, or as a
// YAML list ("- 1"), written on one line with commas between them.
func commaList(v string) string {
	var values []string
	for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if f != "-" {
			values = append(values, f)
		}
	}
	return strings.Join(values, ",")
}

// invalid is the error of an action's bad inputs, one problem each: one
// line, as annotations and logs show it, with the problems apart.
func invalid(problems []string) error {
	return fmt.Errorf("%w: %s", errInvalidInput, strings.Join(problems, "; "))
}

// flags maps the inputs of the command that reads inputs of kind (runOnly
// for run, mergeOnly for merge) to its flags, and says what is wrong with
// each input it cannot map.
func flags(getenv func(string) string, kind int) (args, problems []string) {
	for _, in := range inputs {
		if in.merge != kind && in.merge != mergeToo || in.name == "merge" {
			continue
		}
		v := strings.TrimSpace(getenv(envName(in.name)))
		if v == "" {
			continue
		}
		if strings.ContainsAny(v, "\r\n\x00") {
			p := fmt.Sprintf("%s must be a single line, got %q", in.name, v)
			if in.list {
				// A YAML list, one value a line, reads naturally.
				p += fmt.Sprintf(": separate its values with commas, as in %q", commaList(v))
			}
			problems = append(problems, p)
			continue
		}
		// A report-dir outside the workspace is refused below whether or
		// not it exists, for a reason of its own.
		if in.path && in.name != "report-dir" {
			if p := unseenPath(getenv, in.name, v); p != "" {
				problems = append(problems, p)
				continue
			}
		}
		if in.name == "report-dir" {
			if p := homePath(in.name, v); p != "" {
				problems = append(problems, p)
				continue
			}
			// The action runs in a container that keeps only the
			// workspace: reports written elsewhere vanish with it, and
			// the step would pass on reports nobody can read.
			ws := workspaceDir(getenv)
			if !isInside(relPath(ws, v)) {
				problems = append(problems, fmt.Sprintf("report-dir %q is outside the workspace %s, and the action's container keeps nothing else, so the reports would be lost: give a folder inside the repository, such as fooltest-report", v, ws))
				continue
			}
		}
		if in.boolean {
			switch strings.ToLower(v) {
			case "true":
				if !in.defaultTrue {
					args = append(args, "--"+in.name)
				}
			case "false":
				if in.defaultTrue {
					args = append(args, "--"+in.name+"=false")
				}
			default:
				problems = append(problems, fmt.Sprintf("%s must be true or false, got %q", in.name, v))
			}
			continue
		}
		// The joined form keeps values that start with "-" (a negative
		// mean, say) from being read as flags.
		args = append(args, "--"+in.name+"="+v)
	}
	return args, problems
}
