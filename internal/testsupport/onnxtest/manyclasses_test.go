package onnxtest

import (
	"os"
	"strconv"
	"testing"
)

// TestWriteManyClasses writes ManyClasses to a file for trying the CLI on a
// huge class count; it runs only when asked:
//
//	FOOLTEST_MANY_CLASSES=/tmp/100k.onnx go test -run WriteManyClasses ./internal/testsupport/onnxtest
//
// FOOLTEST_MANY_CLASSES_K sets the class count (100,000 by default).
func TestWriteManyClasses(t *testing.T) {
	path := os.Getenv("FOOLTEST_MANY_CLASSES")
	if path == "" {
		t.Skip("set FOOLTEST_MANY_CLASSES to a file to write the model")
	}
	k := 100000
	if s := os.Getenv("FOOLTEST_MANY_CLASSES_K"); s != "" {
		var err error
		if k, err = strconv.Atoi(s); err != nil || k < 1 {
			t.Fatalf("FOOLTEST_MANY_CLASSES_K=%q: want a positive class count", s)
		}
	}
	if err := os.WriteFile(path, ManyClasses(k).Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s: %d classes", path, k)
}
