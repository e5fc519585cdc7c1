package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/report"
)

// TestCommandsStopWriters: run and merge give their report writers the
// command's own Stopper, the one the second signal's removal stops: once
// it stopped the report directory, neither writes a report there, and each
// says why. A command that did not pass it on would write them, since
// the stop is no longer shared through the report package.
func TestCommandsStopWriters(t *testing.T) {
	shards := []string{runShard(t, "1/2"), runShard(t, "2/2")}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"run", []string{"run", "--max-evals", "300", "--threshold", "0.9", "--threads", "1", "--quiet", "--format", "json,images"}},
		{"merge", append(append([]string{"merge"}, shards...), "--format", "json,images")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rep")
			writing := &reportDirs{}
			writing.add(dir)
			writing.removeTemps()
			var out, errb bytes.Buffer
			e := envFor(&out, &errb, nil)
			e.writing = writing
			code := Main(context.Background(), append(tc.args, "--report-dir", dir), e)
			if code != exitcode.Environment || !strings.Contains(errb.String(), report.ErrStopped.Error()) {
				t.Errorf("exit %d, want 3 saying %q: %s", code, report.ErrStopped, errb.String())
			}
			if _, err := os.Stat(filepath.Join(dir, report.JSONFile)); err == nil {
				t.Errorf("%s wrote %s into the stopped report directory", tc.name, report.JSONFile)
			}
		})
	}
}
