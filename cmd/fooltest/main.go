// Command fooltest evolves unrecognizable images that an ONNX image
// classifier labels with high confidence, and fails the build when too many
// classes can be fooled.
//
// Usage:
//
//	fooltest [run] [flags]      search for fooling images (default: the embedded demo model)
//	fooltest merge DIR... [flags]  merge the reports of a run's shards (run --shard I/N)
//	fooltest inspect [flags]    print what fooltest detects about a model
//	fooltest bench [flags]      measure scoring throughput
//	fooltest version            print fooltest and ONNX Runtime versions
//
// Exit codes: 0 gate passed, 1 gate failed, 2 invalid usage or input,
// 3 runtime or environment failure.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/report"
)

// env is what a command sees of the process, so that tests can run commands
// in-process with their own arguments, environment and streams.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTerminal reports whether stderr is a terminal (progress bars).
	isTerminal bool
	// writing collects the report directories the command writes into;
	// nil in tests that send no signals.
	writing *reportDirs
}

func main() {
	e := env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: isTerminal(os.Stderr), writing: &reportDirs{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go handleSignals(sigs, cancel, e.stderr, stopping(os.Args[1:], e.getenv), e.writing, os.Exit)
	os.Exit(Main(ctx, os.Args[1:], e))
}

// handleSignals waits for SIGINT or SIGTERM on sigs. The first stops the
// search, and the reports of what was found are still written (what says
// what the command does then); a second one means "now": it removes the temporary files of the reports being written
// into writing's directories, which would otherwise stay there (a
// workflow that copies images/ would publish them), and exits with code 3
// through exit.
func handleSignals(sigs <-chan os.Signal, cancel context.CancelFunc, stderr io.Writer, what string, writing *reportDirs, exit func(int)) {
	sig := <-sigs
	fmt.Fprintf(stderr, "fooltest: %s: %s (signal again to exit at once)\n", sig, what)
	cancel()
	<-sigs
	fmt.Fprintln(stderr, "fooltest: second signal: exiting without finishing the reports")
	writing.removeTemps()
	exit(exitcode.Environment)
}

// reportDirs are the report directories a command writes into. Writers
// still running when the process exits at once could create a temporary
// file after removeTemps; the next run into the folder removes it (see
// report.RemoveTemps).
type reportDirs struct {
	mu   sync.Mutex
	dirs []string
}

// add records dir, once the command is about to write there.
func (r *reportDirs) add(dir string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.dirs = append(r.dirs, dir)
	r.mu.Unlock()
}

// removeTemps removes fooltest's temporary files from every directory
// added; it is best effort, since the process exits next.
func (r *reportDirs) removeTemps() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.dirs {
		_ = report.RemoveTemps(d)
	}
}

// stopping says what the command of args does on the first signal: only
// run and merge (and the Action, which runs either) write reports.
func stopping(args []string, getenv func(string) string) string {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd = args[0]
	}
	switch {
	case actions.Enabled(getenv, args), cmd == "run":
		return "stopping the search and writing reports"
	case cmd == "merge":
		return "stopping and writing the merged reports"
	case cmd == "bench":
		return "stopping the measurement"
	}
	return "stopping"
}

// Main runs fooltest with args and returns the process exit code.
func Main(ctx context.Context, args []string, e env) int {
	if actions.Enabled(e.getenv, args) {
		return actionMain(ctx, e)
	}
	cmd, rest := "run", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		var code int
		code, err = runCmd(ctx, rest, e)
		if err == nil {
			return code
		}
	case "merge":
		var code int
		code, err = mergeCmd(ctx, rest, e)
		if err == nil {
			return code
		}
	case "inspect":
		err = inspectCmd(rest, e)
	case "bench":
		err = benchCmd(ctx, rest, e)
	case "version":
		err = versionCmd(rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
		return exitcode.Pass
	default:
		err = exitcode.Usagef("unknown command %q: use run, merge, inspect, bench or version (fooltest help)", cmd)
	}
	if errors.Is(err, errHelp) {
		return exitcode.Pass
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "fooltest: %s\n", safetext.OneLine(withHint(err).Error()))
		return exitcode.Of(err)
	}
	return exitcode.Pass
}

const usage = `fooltest evolves unrecognizable images that an image classifier labels with
high confidence, and fails the build when too many classes can be fooled.

Usage:
  fooltest [run] [flags]     search for fooling images (no --model: the embedded demo LeNet)
  fooltest merge DIR...      merge the report directories of a run's shards
                             (run --shard I/N, one per CI job) into one report
  fooltest inspect [flags]   print what fooltest detects about a model
  fooltest bench [flags]     measure scoring throughput (runtime alone and whole pipeline)
  fooltest version           print fooltest and ONNX Runtime versions

Run 'fooltest COMMAND -h' for a command's flags.

Exit codes: 0 gate passed, 1 gate failed, 2 invalid usage or input,
3 runtime or environment failure.
`

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
