package main

import (
	"os"
	"path/filepath"
)

// sarifRoot is the folder that report.sarif locates the model from, as
// code scanning reads a location: $GITHUB_WORKSPACE in Actions, where the
// repository is checked out, else the root of the git work tree around the
// working directory wd (the nearest folder at or above it that holds a
// .git, which a linked work tree or a submodule has as a file), else wd;
// "" when wd is unknown.
// It needs no git binary: the Action's image has none.
func sarifRoot(getenv func(string) string, wd string) string {
	if ws := getenv("GITHUB_WORKSPACE"); ws != "" || wd == "" {
		return ws
	}
	for d := wd; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return wd
		}
		d = up
	}
}
