package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
)

// TestModelIdentity: a model's sha256 covers the files that hold its
// external data, so two sets of weights behind one graph are two models to
// merge, baseline comparisons and reports; a model without external data
// keeps the sha256 of its file, as reports from before had it.
func TestModelIdentity(t *testing.T) {
	src := filepath.Join("..", "..", "testdata", "models", "fp16-external")
	dir := t.TempDir()
	for _, name := range []string{"model.onnx", "model.onnx.data"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	open := func(path string) string {
		t.Helper()
		o, err := Open(context.Background(), Model{Path: path, Options: classifier.Options{Threads: 1, Batch: 1}})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		return o.SHA256
	}
	path := filepath.Join(dir, "model.onnx")
	before := open(path)
	graph, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if file := sha256.Sum256(graph); before == hex.EncodeToString(file[:]) {
		t.Fatal("the sha256 of a model with external data is its file's alone")
	}
	// Other weights, the same graph.
	data := filepath.Join(dir, "model.onnx.data")
	w, err := os.ReadFile(data)
	if err != nil {
		t.Fatal(err)
	}
	w[len(w)-1] ^= 0x40
	if err := os.WriteFile(data, w, 0o644); err != nil {
		t.Fatal(err)
	}
	if after := open(path); after == before {
		t.Fatalf("other external weights, the same sha256 %s", after)
	}

	plain := filepath.Join("..", "..", "testdata", "models", "mnist-20px-norm.onnx")
	b, err := os.ReadFile(plain)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := open(plain), sha256.Sum256(b); got != hex.EncodeToString(want[:]) {
		t.Fatalf("a model without external data: sha256 %s, its file's %x", got, want)
	}
}
