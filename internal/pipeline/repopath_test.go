package pipeline

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRepoPath: report.sarif locates a model by its path in the
// repository, whatever folder fooltest ran in and however the root was
// reached; a model outside the root, or none, has no such path.
func TestRepoPath(t *testing.T) {
	root := t.TempDir()
	model := filepath.Join(root, "models", "ic raw.onnx")
	if err := os.MkdirAll(filepath.Dir(model), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(model, []byte("onnx"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A root reached through a link, as $GITHUB_WORKSPACE may be.
	link := filepath.Join(t.TempDir(), "workspace")
	if err := os.Symlink(root, link); err != nil {
		t.Fatal(err)
	}
	// A model linked into the repository keeps its own name there.
	if err := os.Symlink(model, filepath.Join(root, "current.onnx")); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "net.onnx")
	tests := []struct {
		name, root, path, want string
	}{
		{"inside the root", root, model, "models/ic raw.onnx"},
		{"relative to the working directory", "", "models/ic raw.onnx", "models/ic raw.onnx"},
		{"from a subfolder", root, filepath.Join(root, "models", "..", "models", "ic raw.onnx"), "models/ic raw.onnx"},
		{"root through a link", link, model, "models/ic raw.onnx"},
		{"model through the root's link", root, filepath.Join(link, "models", "ic raw.onnx"), "models/ic raw.onnx"},
		{"a link in the repository", root, filepath.Join(root, "current.onnx"), "current.onnx"},
		{"outside the root", root, outside, ""},
		{"the root itself", root, root, ""},
		{"a sibling with the root's name as prefix", root, root + "-other/net.onnx", ""},
		{"the embedded model", root, "", ""},
	}
	t.Chdir(root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := repoPath(tt.root, tt.path); got != tt.want {
				t.Errorf("repoPath(%q, %q) = %q, want %q", tt.root, tt.path, got, tt.want)
			}
		})
	}
}
