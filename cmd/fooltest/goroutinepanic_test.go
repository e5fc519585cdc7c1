package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestGoroutinePanic runs a fooltest built with the fooltest_testpanic tag,
// whose panics.Inject panics at the site that $FOOLTEST_TEST_PANIC names,
// in a goroutine other than the command's: a search renderer, a report
// writer. The panic must end the run as guarded ends one of the command's
// own goroutine, with exit code 3 (Go's own code would be 2, read as
// invalid input), the one line saying it is fooltest's bug, and the stack
// of the goroutine where it happened.
func TestGoroutinePanic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds another fooltest")
	}
	bin := filepath.Join(t.TempDir(), "fooltest-testpanic")
	build := exec.Command("go", append(append([]string{"build"}, raceFlags...), "-tags", "fooltest_testpanic", "-o", bin, ".")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building fooltest with the fooltest_testpanic tag: %v\n%s", err, out)
	}
	tests := []struct {
		site string
		// stack is a function that the printed stack must name: the
		// panicking goroutine's.
		stack string
	}{
		{site: "render", stack: "attack.(*engine).parallel.func"},
		{site: "report", stack: "report.WriteFiles.func"},
	}
	for _, tt := range tests {
		t.Run(tt.site, func(t *testing.T) {
			dir := t.TempDir()
			// A budget that a loaded machine's slow start cannot use
			// up: the run must reach the search and its reports.
			cmd := exec.Command(bin, "run", "--max-evals", "300", "--budget", "10m", "--threshold", "0.999", "--max-fooled", "100%",
				"--threads", "1", "--seed", "3", "--format", "json,images", "--quiet", "--report-dir", dir)
			cmd.Dir = repoRoot(t)
			// Four workers, so that the search spreads its first
			// renders over goroutines of its own on any machine.
			cmd.Env = append(os.Environ(), "FOOLTEST_TEST_PANIC="+tt.site, "GOMAXPROCS=4")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != exitcode.Environment {
				t.Fatalf("exit %d, want 3\n%s", code, stderr.String())
			}
			line := "fooltest: internal error, a bug in fooltest (please report it with what follows): injected panic at " + tt.site + " (FOOLTEST_TEST_PANIC)"
			before, rest, ok := strings.Cut(stderr.String(), line+"\n")
			if !ok {
				t.Fatalf("stderr has no line %q:\n%s", line, stderr.String())
			}
			if strings.Contains(before, "internal error") {
				t.Errorf("more than one line about the panic:\n%s", stderr.String())
			}
			if !strings.Contains(rest, tt.stack) {
				t.Errorf("the stack does not name %s, where the panic happened:\n%s", tt.stack, rest)
			}
		})
	}
}
