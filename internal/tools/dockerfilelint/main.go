// Command dockerfilelint checks Dockerfiles with BuildKit's own linter rules,
// the checks `docker build --check` runs, without a Docker daemon or
// registry: base images are never resolved, so it works offline.
//
//	go run . Dockerfile...
//
// It prints one line per finding, FILE:LINE: Rule: message (URL), and exits
// 1 when there are findings, 2 on usage errors. The Dockerfile's own
// `# check=` directive configures the rules as it does for BuildKit:
// `# check=skip=Rule` silences one, `# check=experimental=all` adds the
// experimental ones.
//
// It is a module of its own so that BuildKit's dependencies stay out of
// fooltest's go.mod.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	digest "github.com/opencontainers/go-digest"
)

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: dockerfilelint Dockerfile...\n")
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	os.Exit(run(flag.Args(), os.Stdout, os.Stderr))
}

// run lints each file and returns the exit code.
func run(files []string, stdout, stderr io.Writer) int {
	code := 0
	for _, f := range files {
		dt, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "dockerfilelint: %v\n", err)
			return 2
		}
		findings, err := lint(context.Background(), f, dt)
		if err != nil {
			fmt.Fprintf(stderr, "dockerfilelint: %s: %v\n", f, err)
			return 2
		}
		for _, l := range findings {
			fmt.Fprintln(stdout, l)
		}
		if len(findings) > 0 {
			code = 1
		}
	}
	return code
}

// finding is one rule violation, or a parse error when Rule is empty.
type finding struct {
	File    string
	Line    int
	Rule    string
	Message string
	URL     string
}

func (f finding) String() string {
	if f.Rule == "" {
		return fmt.Sprintf("%s:%d: %s", f.File, f.Line, f.Message)
	}
	return fmt.Sprintf("%s:%d: %s: %s (%s)", f.File, f.Line, f.Rule, f.Message, f.URL)
}

// lint runs BuildKit's linter over one Dockerfile's contents.
func lint(ctx context.Context, name string, dt []byte) ([]finding, error) {
	sm := llb.NewSourceMap(nil, name, "Dockerfile", dt)
	// The results record the source's LLB definition; there is none
	// without a build, and a nil one crashes BuildKit.
	sm.Definition = &llb.Definition{}
	opt := dockerfile2llb.ConvertOpt{
		// Rules that look at a base image's config (its platform, say)
		// get a plain linux/amd64 one instead of a registry lookup.
		MetaResolver: offlineResolver{},
		SourceMap:    sm,
	}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, opt)
	if err != nil {
		return nil, fmt.Errorf("lint: %w", err)
	}
	var out []finding
	for _, w := range res.Warnings {
		line := 0
		if len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		out = append(out, finding{File: name, Line: line, Rule: w.RuleName, Message: w.Detail, URL: w.URL})
	}
	if res.Error != nil {
		line := 0
		if len(res.Error.Location.Ranges) > 0 {
			line = int(res.Error.Location.Ranges[0].Start.Line)
		}
		out = append(out, finding{File: name, Line: line, Message: res.Error.Message})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out, nil
}

// offlineResolver answers base image lookups without a registry.
type offlineResolver struct{}

// ResolveImageConfig returns a minimal linux/amd64 image config with one
// layer, so that no base image counts as scratch.
func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	const config = `{"architecture":"amd64","os":"linux","config":{},` +
		`"rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}}`
	return ref, "", []byte(config), nil
}
