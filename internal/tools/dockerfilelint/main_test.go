package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	tests := []struct {
		name       string
		dockerfile string
		// want is "LINE:Rule" per finding, "LINE:" for a parse error.
		want []string
	}{
		{
			name:       "clean multi-stage",
			dockerfile: "FROM golang:1.26-bookworm AS build\nWORKDIR /src\nRUN go version\n\nFROM debian:bookworm-slim\nCOPY --from=build /src /src\nENTRYPOINT [\"/src/app\"]\n",
			want:       nil,
		},
		{
			name:       "shell-form entrypoint",
			dockerfile: "FROM debian:bookworm-slim\nENTRYPOINT /usr/local/bin/fooltest\n",
			want:       []string{"2:JSONArgsRecommended"},
		},
		{
			name:       "legacy ENV and relative WORKDIR",
			dockerfile: "FROM debian:bookworm-slim\nENV A 1\nWORKDIR src\n",
			want:       []string{"2:LegacyKeyValueFormat", "3:WorkdirRelativePath"},
		},
		{
			name:       "casing",
			dockerfile: "FROM debian:bookworm-slim AS Build\nrun true\nRUN true\nRUN true\n",
			want:       []string{"1:StageNameCasing", "2:ConsistentInstructionCasing"},
		},
		{
			name:       "undefined variable",
			dockerfile: "FROM debian:bookworm-slim\nENV PATH=$GOROOT/bin:$PATH\n",
			want:       []string{"2:UndefinedVar"},
		},
		{
			name:       "a check directive skips a rule",
			dockerfile: "# check=skip=JSONArgsRecommended\nFROM debian:bookworm-slim\nCMD echo hi\n",
			want:       nil,
		},
		{
			name:       "parse error",
			dockerfile: "FROM debian:bookworm-slim\nFROM\n",
			want:       []string{"2:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings, err := lint(context.Background(), "Dockerfile", []byte(tt.dockerfile))
			if err != nil {
				t.Fatalf("lint() error = %v", err)
			}
			var got []string
			for _, f := range findings {
				got = append(got, strconv.Itoa(f.Line)+":"+f.Rule)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("findings = %q, want %q\n%v", got, tt.want, findings)
			}
		})
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	clean := write("clean", "FROM debian:bookworm-slim\nENTRYPOINT [\"true\"]\n")
	bad := write("bad", "FROM debian:bookworm-slim\nENTRYPOINT true\n")
	tests := []struct {
		name       string
		files      []string
		wantCode   int
		wantStdout string
	}{
		{"clean", []string{clean}, 0, ""},
		{"findings", []string{clean, bad}, 1, bad + ":2: JSONArgsRecommended: "},
		{"missing file", []string{filepath.Join(dir, "none")}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tt.files, &stdout, &stderr); code != tt.wantCode {
				t.Errorf("run() = %d, want %d (stderr %q)", code, tt.wantCode, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), tt.wantStdout) || (tt.wantStdout == "" && stdout.Len() > 0) {
				t.Errorf("stdout = %q, want it to start %q", stdout.String(), tt.wantStdout)
			}
		})
	}
}

// TestProjectDockerfile keeps fooltest's own Dockerfile clean.
func TestProjectDockerfile(t *testing.T) {
	p := filepath.Join("..", "..", "..", "Dockerfile")
	dt, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("no project Dockerfile: %v", err)
	}
	findings, err := lint(context.Background(), p, dt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		t.Error(f)
	}
}
