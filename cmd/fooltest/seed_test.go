package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSeedRoundTrip: the seed report.json records is the one the run used,
// for every uint64, so that --seed from a report reproduces the run.
func TestSeedRoundTrip(t *testing.T) {
	for _, seed := range []uint64{0, 1, 1 << 63, 1<<64 - 1} {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			// A second run from the recorded seed must be accepted and
			// record the same seed again.
			flag := strconv.FormatUint(seed, 10)
			for range 2 {
				dir := t.TempDir()
				r := runMain(t, nil, "run", "--encoding", "direct", "--max-evals", "50", "--threads", "1", "--quiet",
					"--format", "json", "--fail-on", "never", "--seed", flag, "--report-dir", dir)
				if r.code != 0 {
					t.Fatalf("--seed %s: exit %d: %s", flag, r.code, r.stderr)
				}
				b, err := os.ReadFile(filepath.Join(dir, "report.json"))
				if err != nil {
					t.Fatal(err)
				}
				var rep struct {
					Config struct {
						Seed json.Number `json:"seed"`
					} `json:"config"`
				}
				if err := json.Unmarshal(b, &rep); err != nil {
					t.Fatal(err)
				}
				if got := rep.Config.Seed.String(); got != strconv.FormatUint(seed, 10) {
					t.Fatalf("--seed %s recorded as %s", flag, got)
				}
				flag = rep.Config.Seed.String()
			}
		})
	}
}
