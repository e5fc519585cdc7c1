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
	"syscall"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// env is what a command sees of the process, so that tests can run commands
// in-process with their own arguments, environment and streams.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTerminal reports whether stderr is a terminal (progress bars).
	isTerminal bool
}

func main() {
	e := env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: isTerminal(os.Stderr)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal stops the search, and the reports of what was
		// found are still written; a second one means "now".
		sig := <-sigs
		fmt.Fprintf(e.stderr, "fooltest: %s: %s (signal again to exit at once)\n", sig, stopping(os.Args[1:], e.getenv))
		cancel()
		<-sigs
		fmt.Fprintln(e.stderr, "fooltest: second signal: exiting without finishing the reports")
		os.Exit(exitcode.Environment)
	}()
	os.Exit(Main(ctx, os.Args[1:], e))
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
