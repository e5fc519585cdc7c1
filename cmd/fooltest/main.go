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
// 3 runtime or environment failure, or the verdict error (the model was not
// tested).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/actions"
	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/panics"
	"github.com/fooltest/fooltest/internal/report"
)

// env is what a command sees of the process, so that tests can run commands
// in-process with their own arguments, environment and streams.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTerminal reports whether stderr is a terminal (progress bars).
	isTerminal bool
	// writing collects the report directories the command writes into,
	// and what a signal needs to know of the run; nil in tests that send
	// no signals.
	writing *reportDirs
	// vocab names the settings as the front end that runs the command
	// lets its users set them: the flags on the command line, the
	// Action's inputs in Actions mode (see actionMain). It words the
	// model's summary, and its reportWords the libraries' messages in the
	// reports a person reads and in the console summary.
	vocab vocabulary
}

func main() {
	e := env{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: isTerminal(os.Stderr), writing: &reportDirs{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if writesReports(os.Args[1:], e.getenv) {
		// A reader that went away (fooltest run | head -1) would
		// otherwise have Go kill the process on its next write to
		// stdout, before any report is written and with an earlier
		// run's reports still in place: the console is not the gate,
		// the reports and the exit code are. Writes to the closed pipe
		// then fail, and are dropped. The other commands' output is what
		// they are for, and a filter's SIGPIPE ends them as usual.
		signal.Ignore(syscall.SIGPIPE)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	what := func() string { return stopping(os.Args[1:], e.getenv, e.writing.searchStarted()) }
	go guardedApart(func() { handleSignals(sigs, cancel, e.stderr, what, e.writing, os.Exit) }, e, os.Exit)
	os.Exit(guarded(func() int { return Main(ctx, os.Args[1:], e) }, e))
}

// guarded returns what main returns, or exit code 3 when it panics. Go
// exits a panicking program with code 2, which a pipeline reads as its
// own mistake (invalid usage or input) and is told nothing about how to
// fix; a panic is fooltest's failure, a runtime one. The panic and its
// stack go to stderr, for the bug report. Reports are written to
// temporary files renamed into place, so none is left half-written.
//
// The goroutines that work for the command (the search's renderers, the
// classifier's pipeline, the report writers) recover their panics and hand
// them to the goroutine that waits for their work, which raises them again
// (see internal/panics): they reach this recover too, with the stack of
// the goroutine where they happened, printed first. A goroutine that works
// for no caller, such as the signal handler, is started by guardedApart.
// The Go runtime's fatal errors (a thread it cannot start, concurrent map
// writes) cannot be recovered and still end the process with code 2.
func guarded(main func() int, e env) (code int) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		reportPanic(r, debug.Stack(), e)
		code = exitcode.Environment
	}()
	return main()
}

// guardedApart runs f, the whole of a goroutine that no other waits for,
// and when it panics reports the panic as guarded does and exits with code
// 3 through exit: there is no caller to raise the panic again in.
func guardedApart(f func(), e env, exit func(int)) {
	if p := panics.Catch(f); p != nil {
		reportPanic(p, nil, e)
		exit(exitcode.Environment)
	}
}

// reportPanic writes r, a recovered panic, to stderr: one line saying that
// it is fooltest's bug, then the stack of the goroutine that panicked, then,
// for a panic raised again in another goroutine (a *panics.Panic), stack,
// the stack where it was raised again.
func reportPanic(r any, stack []byte, e env) {
	stderr := e.stderr
	if e.getenv("GITHUB_ACTIONS") == "true" {
		stderr = actions.CommandSafe(stderr)
	}
	value, first := r, stack
	p, apart := r.(*panics.Panic)
	if apart {
		value, first = p.Value, p.Stack
	}
	fmt.Fprintf(stderr, "fooltest: internal error, a bug in fooltest (please report it with what follows): %s\n\n%s",
		safetext.OneLine(fmt.Sprint(value)), first)
	if apart && len(stack) > 0 {
		fmt.Fprintf(stderr, "\n[raised again in the goroutine that waited for it]\n%s", stack)
	}
}

// handleSignals waits for SIGINT or SIGTERM on sigs. The first stops the
// search, and the reports of what was found are still written (what says
// what the command does then, as it stands when the signal comes); a
// second one means "now": it removes the temporary files of the reports
// being written into writing's directories, which would otherwise stay
// there (a workflow that copies images/ would publish them), and the
// folders the run created and left empty, lets the Action report the step
// as ended (see reportDirs.atExit), and exits with code 3 through exit.
func handleSignals(sigs <-chan os.Signal, cancel context.CancelFunc, stderr io.Writer, what func() string, writing *reportDirs, exit func(int)) {
	sig := <-sigs
	fmt.Fprintf(stderr, "fooltest: %s: %s (signal again to exit at once)\n", sig, what())
	cancel()
	<-sigs
	fmt.Fprintln(stderr, "fooltest: second signal: exiting without finishing the reports")
	writing.removeTemps()
	writing.runAtExit()
	// The writers are stopped, so this finds nothing of theirs; it costs
	// little and removes what else appeared while the Action reported.
	writing.removeTemps()
	exit(exitcode.Environment)
}

// reportDirs are the report directories a command writes into.
type reportDirs struct {
	mu   sync.Mutex
	dirs []string
	// absent are the folders that did not exist when their report
	// directory was added, deepest first: those a run may create.
	absent []string
	// searching is set once the model's search has started: only then
	// does a stopped run write the reports of its results so far.
	searching atomic.Bool
	// atExit, when set, runs before a second signal's exit.
	atExit func()
	// stop stops the command's report writers (see stopper); it is the
	// process's, as the signal handlers are, but passed to the writers,
	// not shared through the report package.
	stop report.Stopper
}

// stopper is what the command gives its report writers, which removeTemps
// stops before it removes their temporary files; nil, which stops
// nothing, when r is.
func (r *reportDirs) stopper() *report.Stopper {
	if r == nil {
		return nil
	}
	return &r.stop
}

// add records dir, once the command is about to write there.
func (r *reportDirs) add(dir string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dirs = append(r.dirs, dir)
	for _, p := range report.Folders(dir) {
		if _, err := os.Lstat(p); err != nil {
			r.absent = append(r.absent, p)
		}
	}
	// The report directory and the parents it is created with.
	for p := filepath.Clean(dir); ; p = filepath.Dir(p) {
		if _, err := os.Lstat(p); err == nil || filepath.Dir(p) == p {
			break
		}
		r.absent = append(r.absent, p)
	}
}

// removeTemps stops the writers still running from creating temporary
// files in every directory added, removes those they made, then the
// folders the run created there and left empty (images/, say, when the
// second signal came before any image was in place); it is best effort,
// since the process exits next. Removing before stopping left, in one
// interrupted run in seven, the temporaries image workers created a moment
// after the removal.
func (r *reportDirs) removeTemps() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range r.dirs {
		r.stop.Stop(d)
		_ = report.RemoveTemps(d)
	}
	for _, p := range r.absent {
		// Remove fails on a folder that is not empty.
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			_ = os.Remove(p)
		}
	}
}

// startSearch records that the model's search has started.
func (r *reportDirs) startSearch() {
	if r != nil {
		r.searching.Store(true)
	}
}

// searchStarted reports whether the model's search has started.
func (r *reportDirs) searchStarted() bool {
	return r != nil && r.searching.Load()
}

// setAtExit makes f run before a second signal's exit: the Action reports
// the step as ended there, which it would otherwise never do.
func (r *reportDirs) setAtExit(f func()) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.atExit = f
	r.mu.Unlock()
}

// runAtExit runs the function setAtExit set, if any.
func (r *reportDirs) runAtExit() {
	if r == nil {
		return
	}
	r.mu.Lock()
	f := r.atExit
	r.mu.Unlock()
	if f != nil {
		f()
	}
}

// command is the command args run: the first argument, run when there
// is none or it is a flag, and in Actions mode run or merge as the
// Action's inputs say.
func command(args []string, getenv func(string) string) string {
	cmd := "run"
	switch {
	case len(args) == 0:
	case args[0] == "-h" || args[0] == "-help" || args[0] == "--help":
		cmd = "help"
	case !strings.HasPrefix(args[0], "-"):
		cmd = args[0]
	}
	if actions.Enabled(getenv, args) {
		cmd = "run"
		if actions.Merging(getenv) {
			cmd = "merge"
		}
	}
	return cmd
}

// writesReports reports whether the command of args writes reports: run
// and merge (and the Action, which runs either).
func writesReports(args []string, getenv func(string) string) bool {
	cmd := command(args, getenv)
	return cmd == "run" || cmd == "merge"
}

// stopping says what the command of args does on the first signal: only
// run and merge (and the Action, which runs either) write reports, and a
// run only once its search has started (searching).
func stopping(args []string, getenv func(string) string, searching bool) string {
	cmd := command(args, getenv)
	switch {
	case cmd == "run" && !searching:
		return "stopping; the model's search has not started, so no reports are written"
	case cmd == "run":
		return "stopping the search and writing reports"
	case cmd == "merge":
		return "stopping and writing the merged reports"
	case cmd == "bench":
		return "stopping the measurement"
	case cmd == "inspect":
		return "stopping; nothing is printed"
	}
	return "stopping"
}

// Main runs fooltest with args and returns the process exit code.
func Main(ctx context.Context, args []string, e env) int {
	if e.getenv("GITHUB_ACTIONS") == "true" {
		// The runner reads workflow commands in the output of any step,
		// the Action's or a run step's, and the output quotes labels and
		// names a pull request controls.
		e.stdout, e.stderr = actions.CommandSafe(e.stdout), actions.CommandSafe(e.stderr)
	}
	if actions.Enabled(e.getenv, args) {
		return actionMain(ctx, e)
	}
	cmd, rest := "run", args
	switch {
	case len(args) > 0 && !strings.HasPrefix(args[0], "-"):
		cmd, rest = args[0], args[1:]
	case len(args) > 0 && slices.Contains([]string{"-h", "-help", "--help"}, args[0]):
		// Asked for help before any command: the commands, not run's
		// flags, which 'fooltest run -h' prints.
		cmd = "help"
	}
	// What inspect, bench, version and help print is what they are for,
	// and so is the usage that -h asks any command for: a write that
	// failed must not exit 0 (see outputWriter). run and merge print
	// progress, and the reports and the exit code are their result.
	out := &outputWriter{w: e.stdout}
	e.stdout = out
	printsResult := !writesReports(args, e.getenv)
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
		err = inspectCmd(ctx, rest, e)
	case "bench":
		err = benchCmd(ctx, rest, e)
	case "version":
		err = versionCmd(rest, e)
	case "help", "-h", "--help":
		fmt.Fprint(e.stdout, usage)
	default:
		err = exitcode.Usagef("unknown command %q: use run, merge, inspect, bench or version (fooltest help)", cmd)
	}
	if errors.Is(err, errHelp) {
		err, printsResult = nil, true
	}
	if printsResult && out.err != nil && (err == nil || errors.Is(err, out.err)) {
		err = exitcode.Envf("cannot write the output to stdout: %w: free space where it goes, or send it elsewhere", out.err)
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "fooltest: %s\n", safetext.OneLine(withHint(err).Error()))
		return exitcode.Of(err)
	}
	return exitcode.Pass
}

// outputWriter is the stdout of a command that prints its result there,
// and keeps the first error writing it. fmt.Fprint's errors are easy to
// drop, and inspect > file on a full disk then exited 0, the file short.
type outputWriter struct {
	w   io.Writer
	err error
}

func (o *outputWriter) Write(p []byte) (int, error) {
	n, err := o.w.Write(p)
	if err != nil && o.err == nil {
		o.err = err
	}
	return n, err
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
3 runtime or environment failure, or the verdict error (the model was not tested).
`

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
