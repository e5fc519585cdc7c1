package main

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
)

// TestExtremeNormalization: --scale, --mean and --std values that do not
// survive float32, or that make (S*x - mean)/std non-finite or constant for
// x in [0,1], end with exit 2 and one line naming the flag, instead of
// running on a different preprocessing than the one reported.
func TestExtremeNormalization(t *testing.T) {
	tests := []struct {
		args []string
		want string // "" for accepted
	}{
		{[]string{"--scale", "1e-300"}, "--scale"},
		{[]string{"--scale", "0"}, "--scale"},
		{[]string{"--scale", "-1"}, "for inverted pixels (1 - x) keep the scale and pass --mean 1 --std -1"},
		{[]string{"--mean", "1", "--std", "-1"}, ""},
		// The demo model is gray.
		{[]string{"--preset", "imagenet"}, "takes 1 channel (gray): give 1 value; the colour presets (cifar10, imagenet, caffe) do not apply to it"},
		{[]string{"--channel-order", "bgr"}, "the channel order bgr applies to colour models, but the model takes 1 channel (gray): leave out --channel-order"},
		{[]string{"--channel-order", "rgb"}, ""},
		{[]string{"--scale", "1e7"}, "--scale"},
		{[]string{"--std", "1e-40"}, "--std"},
		{[]string{"--std", "0"}, "--std"},
		{[]string{"--std", "0.5,1e-40,0.5"}, "--std"},
		{[]string{"--mean", "1e-40"}, "--mean"},
		{[]string{"--mean", "1e39"}, "--mean"},
		{[]string{"--scale", "1e6", "--std", "1e-33"}, "overflows"},
		{[]string{"--mean", "3e38", "--std", "0.5"}, "overflows"},
		{[]string{"--scale", "1e-6", "--std", "3e38"}, "underflows"},
		{[]string{"--preset", "raw255", "--std", "1e-37"}, "overflows"},
		{[]string{"--scale", "255", "--mean", "0.5", "--std", "0.25"}, ""},
		{[]string{"--mean", "0", "--std", "1e-30"}, ""},
		{[]string{"--scale", "1e-6"}, ""},
		// Any count parses; the model says which counts fit it.
		{[]string{"--mean", "0.1,0.2"}, "input mean has 2 values but the model takes 1 channel (gray)"},
		{[]string{"--std", strings.Repeat("0.5,", 12) + "0.5"}, "input std has 13 values but the model takes 1 channel (gray)"},
		{[]string{"--mean", strings.Repeat("0,", maxChannelValues) + "0"}, "at most 512"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runMain(t, nil, append([]string{"inspect"}, tc.args...)...)
			if tc.want == "" {
				if r.code != 0 {
					t.Fatalf("exit %d, want 0; stderr %s", r.code, r.stderr)
				}
				return
			}
			if r.code != exitcode.Usage {
				t.Fatalf("exit %d, want 2; stdout %s stderr %s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("stderr %q: want one line mentioning %q", r.stderr, tc.want)
			}
		})
	}
}

// TestLabelsFIFO: --labels naming a FIFO exits 2 at once instead of
// waiting for a writer that never comes.
func TestLabelsFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "labels.fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan result, 1)
	go func() { done <- runMain(t, nil, "inspect", "--labels", fifo) }()
	select {
	case r := <-done:
		if r.code != exitcode.Usage || !strings.Contains(r.stderr, "named pipe") {
			t.Errorf("exit %d, stderr %q; want 2 saying it is a named pipe", r.code, r.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("inspect --labels FIFO still blocked after 20s")
	}
}
