package attack

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/testsupport/ortload"
)

// TestMain loads the real ONNX Runtime once, for the tests that need a real
// model: the classifier's input format and batching, and the evaluation
// counts on real models. Tests of the search itself run on linearScorer.
func TestMain(m *testing.M) {
	_, err := ortload.Load()
	if err != nil {
		fmt.Fprintln(os.Stderr, "attack tests need ONNX Runtime:", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// openDemo opens the embedded LeNet. One thread and a fixed batch make its
// scores reproducible, which the determinism tests rely on.
func openDemo(t testing.TB, batch int) *classifier.Classifier {
	t.Helper()
	norm, err := classifier.Preset(demo.Preset)
	if err != nil {
		t.Fatal(err)
	}
	c, err := classifier.OpenBytes(demo.Name, demo.Model, classifier.Options{Normalization: norm, Threads: 1, Batch: batch})
	if err != nil {
		t.Fatalf("opening the demo model: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// openShared opens a third-party model from ../shared/models, skipping the
// test when this checkout has no shared folder beside it.
func openShared(t testing.TB, rel, preset string, opts classifier.Options) *classifier.Classifier {
	t.Helper()
	var dir string
	for d := "."; ; d = filepath.Join(d, "..") {
		p := filepath.Join(d, "..", "shared", "models")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			dir = p
			break
		}
		if abs, _ := filepath.Abs(d); abs == "/" {
			t.Skip("../shared/models is absent: third-party model tests skipped")
		}
	}
	norm, err := classifier.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	opts.Normalization = norm
	c, err := classifier.Open(filepath.Join(dir, rel), opts)
	if err != nil {
		t.Fatalf("opening %s: %v", rel, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
