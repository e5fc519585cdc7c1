package classifier

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/ortlib"
)

// TestMain loads the real ONNX Runtime once: every test in this package runs
// real models through it.
func TestMain(m *testing.M) {
	path, err := ortlib.Find("", os.Getenv)
	if err == nil {
		_, err = LoadRuntime(path)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "classifier tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// sharedModels returns ../shared/models, skipping the test when this
// checkout has no shared folder beside it (a user's fresh clone).
func sharedModels(t testing.TB) string {
	t.Helper()
	for dir := "."; ; dir = filepath.Join(dir, "..") {
		p := filepath.Join(dir, "..", "shared", "models")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if abs, _ := filepath.Abs(dir); abs == "/" {
			t.Skip("../shared/models is absent: third-party model tests skipped")
		}
	}
}
