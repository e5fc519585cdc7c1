package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/safetext"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/pipeline"
	"github.com/fooltest/fooltest/internal/report"
)

func mergeCmd(ctx context.Context, args []string, e env) (int, error) {
	o, err := mergeReports(ctx, args, e)
	if o != nil {
		warnAllowance(e, o)
		return o.code, err
	}
	return 0, err
}

// mergeReports merges the reports of a run's shards (fooltest run --shard)
// into the report of the whole run, gated as a single run is.
func mergeReports(ctx context.Context, args []string, e env) (*runOutcome, error) {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	reportDir := fs.String("report-dir", "fooltest-report", "`directory` for the merged reports")
	format := fs.String("format", "", "comma-separated report formats (default: every format the shards wrote): "+strings.Join(report.AllFormats(), ", "))
	allowMissing := fs.Bool("allow-missing-shards", false, "gate on the shards present when some are missing, instead of the verdict error (exit 3); the reports list the missing shards and the classes they did not search")
	var urls reportURLs
	urls.register(fs)
	dirs, err := parseMergeArgs(fs, args, e)
	if err != nil {
		return nil, err
	}
	if err := urls.validate(); err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, exitcode.Usagef("merge needs the shards' report directories: fooltest merge DIR... --report-dir OUT")
	}
	if strings.TrimSpace(*reportDir) == "" {
		return nil, exitcode.Usagef("--report-dir is empty: give a directory for the merged reports")
	}
	spec := pipeline.MergeSpec{Dirs: dirs, ReportDir: *reportDir, AllowMissing: *allowMissing,
		ImageBaseURL: urls.imageBaseURL, ArtifactURL: urls.artifactURL, Words: e.vocab.reportWords(), Stop: e.writing.stopper()}
	if *format != "" {
		if spec.Formats, err = report.ParseFormats(*format); err != nil {
			return nil, exitcode.Usagef("%s", err)
		}
	}
	// Recorded as run records its own, so that a second signal removes
	// the temporary files of the merged reports being written.
	e.writing.add(*reportDir)
	po, err := pipeline.Merge(ctx, spec)
	return finish(e, po, err, func(res *report.Result) {
		fmt.Fprintf(e.stdout, "%-11s %d of %d shards (%s), %d target classes\n", "merged", len(res.Shard.Merged), res.Shard.Count, safetext.Printable(strings.Join(dirs, ", ")), len(res.Classes))
		if m := res.MissingShards; len(m) > 0 {
			fmt.Fprintf(e.stdout, "%-11s %s: %d of the %d target classes not searched\n", "missing", report.ShardList(m, res.Shard.Count), pipeline.NotSearched(res), len(res.Classes))
		}
	})
}

// parseMergeArgs parses merge's flags, which may come before, between or
// after the directories, and returns the directories.
func parseMergeArgs(fs *flag.FlagSet, args []string, e env) ([]string, error) {
	fs.SetOutput(io.Discard)
	var dirs []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(e.stdout)
				fmt.Fprintf(e.stdout, "Usage: fooltest merge DIR... [flags]\n\nMerges the report directories of a run's shards (fooltest run --shard I/N).\n\nFlags:\n")
				fs.PrintDefaults()
				return nil, errHelp
			}
			return nil, flagError(fs, err, "fooltest merge")
		}
		if fs.NArg() == 0 {
			return dirs, nil
		}
		// After "--" every argument is a directory.
		if len(args) > fs.NArg() && args[len(args)-fs.NArg()-1] == "--" {
			return append(dirs, fs.Args()...), nil
		}
		dirs = append(dirs, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
