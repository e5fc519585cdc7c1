package architecture

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/fooltest/fooltest/"

// rule forbids packages matching from to depend (directly or not) on
// packages matching to. A pattern ending in "/..." matches the package and
// everything under it.
type rule struct {
	from, to []string
	except   []string // packages of from the rule leaves alone
	why      string
}

var rules = []rule{
	{
		from: []string{"internal/..."},
		to:   []string{"cmd/...", "github.com/sethvargo/go-githubactions"},
		why:  "exit codes and the Actions runner belong to cmd/fooltest; libraries return fault errors",
	},
	{
		from: []string{"internal/attack"},
		to:   []string{"internal/classifier", "github.com/yalue/onnxruntime_go"},
		why:  "the search sees the model only through its Scorer interface",
	},
	{
		from: []string{"internal/ceiling"},
		to:   []string{"internal/classifier", "internal/attack", "github.com/yalue/onnxruntime_go"},
		why:  "class ceilings are read from the model file alone, without the runtime or the search",
	},
	{
		from: []string{"internal/inputrange"},
		to:   []string{"internal/classifier", "internal/attack", "github.com/yalue/onnxruntime_go"},
		why:  "the input range a model was built for is read from the model file alone, without the runtime or the search",
	},
	{
		from: []string{"internal/digits"},
		to:   []string{"internal/attack", "internal/report/...", "internal/gate"},
		why:  "the digit check only asks the model; the pipeline records its answer in the result",
	},
	{
		from: []string{"internal/hfconfig"},
		to:   []string{"internal/classifier", "internal/attack", "internal/pipeline", "github.com/yalue/onnxruntime_go"},
		why:  "the files an export keeps beside a model are read as data, without the model or the runtime",
	},
	{
		from: []string{"internal/cppn"},
		to:   []string{module + "..."},
		why:  "the CPPN renderer stands alone",
	},
	{
		from: []string{"internal/panics"},
		to:   []string{module + "..."},
		why:  "every goroutine of fooltest's may carry its panics with it, the libraries' lowest included",
	},
	{
		from: []string{"internal/photo"},
		to:   []string{module + "..."},
		why:  "decoding and fitting a photo knows nothing of models",
	},
	{
		from: []string{"internal/report/..."},
		to:   []string{"internal/attack", "internal/classifier", "internal/gate", "github.com/yalue/onnxruntime_go"},
		why:  "a report renders a Result, which is data; the gate reads reports, not the other way round",
	},
	{
		from:   []string{"cmd/...", "internal/..."},
		to:     []string{"internal/testsupport/..."},
		except: []string{"internal/testsupport/..."},
		why:    "test support is for tests; a product package must not need it",
	},
	{
		from: []string{"internal/gate", "internal/score"},
		to:   []string{"internal/attack", "internal/classifier", "github.com/yalue/onnxruntime_go"},
		why:  "the verdict is decided from the result alone",
	},
}

// deps lists, for every package of the module, its production imports,
// direct and indirect, as go list reports them (tests excluded).
func deps(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Deps " "}}`, module+"...").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	m := map[string][]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		m[strings.TrimPrefix(f[0], module)] = f[1:]
	}
	return m
}

func matches(pattern, pkg string) bool {
	if !strings.HasPrefix(pattern, "github.com/") {
		pattern = module + pattern
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	return pkg == pattern
}

// violations returns "from -> to: why" for every forbidden arrow in graph.
func violations(graph map[string][]string) []string {
	var bad []string
	for pkg, ds := range graph {
		for _, r := range rules {
			if !anyMatch(r.from, module+pkg) || anyMatch(r.except, module+pkg) {
				continue
			}
			for _, d := range ds {
				if d != module+pkg && anyMatch(r.to, d) {
					bad = append(bad, pkg+" -> "+strings.TrimPrefix(d, module)+": "+r.why)
				}
			}
		}
	}
	return bad
}

func anyMatch(patterns []string, pkg string) bool {
	for _, p := range patterns {
		if matches(p, pkg) {
			return true
		}
	}
	return false
}

func TestImportArrows(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	graph := deps(t)
	if len(graph) < 10 {
		t.Fatalf("go list found only %d packages", len(graph))
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// TestRulesBite checks that each rule catches the arrow it forbids, on a
// made-up graph, so a rule with a typo cannot pass silently.
func TestRulesBite(t *testing.T) {
	forbidden := map[string][]string{
		"internal/classifier": {module + "cmd/fooltest/internal/exitcode"},
		"internal/report":     {"github.com/sethvargo/go-githubactions"},
		"internal/attack":     {module + "internal/classifier"},
		"internal/cppn":       {module + "internal/fault"},
		"internal/panics":     {module + "internal/fault"},
		"internal/photo":      {module + "internal/classifier"},
		"internal/ceiling":    {"github.com/yalue/onnxruntime_go"},
		"internal/inputrange": {module + "internal/classifier"},
		"internal/digits":     {module + "internal/report"},
		"internal/gate/x":     {module + "cmd/fooltest"},
		"internal/report/x":   {module + "internal/gate"},
		"internal/gate":       {"github.com/yalue/onnxruntime_go"},
		"cmd/fooltest/x":      {module + "internal/testsupport/onnxtest"},
	}
	for pkg, ds := range forbidden {
		if v := violations(map[string][]string{pkg: ds}); len(v) == 0 {
			t.Errorf("%s -> %v passed the rules", pkg, ds)
		}
	}
	allowed := map[string][]string{
		"cmd/fooltest":                    {module + "cmd/fooltest/internal/exitcode", "github.com/sethvargo/go-githubactions", module + "internal/classifier"},
		"internal/attack":                 {module + "internal/cppn", module + "internal/fault"},
		"internal/classifier":             {"github.com/yalue/onnxruntime_go", module + "internal/fault"},
		"internal/testsupport/reporttest": {module + "internal/gate", module + "internal/testsupport/onnxtest"},
	}
	if v := violations(allowed); len(v) > 0 {
		t.Errorf("allowed arrows refused: %v", v)
	}
}
