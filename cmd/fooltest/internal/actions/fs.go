package actions

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// workspaceDir returns the directory the workflow's repository is checked out
// in: GITHUB_WORKSPACE, or the working directory outside Actions.
func workspaceDir(getenv func(string) string) string {
	if ws := getenv("GITHUB_WORKSPACE"); ws != "" {
		return ws
	}
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

// relPath returns path relative to workspace, with forward slashes, as
// workflows and annotations expect: inside a container action the workspace
// is mounted at /github/workspace, a path that means nothing to later steps.
// A relative path is taken relative to the working directory. A path
// outside the workspace is returned absolute; see isInside.
func relPath(workspace, path string) string {
	if path == "" {
		return ""
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.ToSlash(filepath.Clean(path))
	}
	ws, err := filepath.Abs(workspace)
	if err != nil {
		return filepath.ToSlash(abs)
	}
	rel, err := filepath.Rel(ws, abs)
	if err != nil || !isInside(rel) {
		return filepath.ToSlash(abs)
	}
	return filepath.ToSlash(rel)
}

// isInside reports whether a path returned by relPath lies in the workspace.
func isInside(rel string) bool {
	return rel != "" && !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, "../")
}

// chownPaths gives exactly paths, and nothing under them, the owner and group of
// root (the workspace). A container action runs as root, and root-owned
// reports break later steps and self-hosted runners that clean the
// workspace as their own user. paths must be what the run wrote (see
// report.Written): walking the report directory instead would re-own files
// that were there before, and with report-dir "." the whole workspace.
// Paths that do not exist are skipped, and links are re-owned themselves,
// never their targets; when the process is not root, or the files already
// have root's owner, nothing changes.
func chownPaths(root string, paths ...string) error {
	st, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		// Not a Unix file system: there is no owner to give.
		return nil
	}
	uid, gid := int(sys.Uid), int(sys.Gid)
	if os.Geteuid() != 0 && os.Geteuid() != uid {
		return nil
	}
	var errs []error
	for _, p := range paths {
		if err := os.Lchown(p, uid, gid); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("chown %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}
