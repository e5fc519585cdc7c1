package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// TestZipMapLabels: a scikit-learn model's ZipMap names its classes, and
// those names label the reports when no labels file is given; names that
// are not the digits turn the digit check off, as a labels file's do.
func TestZipMapLabels(t *testing.T) {
	dir := t.TempDir()
	fashion := []string{"top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"}
	digits := make([]int64, 10)
	numerals := make([]string, 10)
	for i := range digits {
		digits[i], numerals[i] = int64(i), string(rune('0'+i))
	}
	dims := []int64{-1, 784}
	for _, tc := range []struct {
		name   string
		model  onnxtest.Model
		file   string // labels file contents; empty for none
		labels []string
		from   string
		check  bool
	}{
		{"fashion names", onnxtest.ZipMapped(dims, 10, fashion, nil, false), "", fashion, "ZipMap", false},
		{"digit labels", onnxtest.ZipMapped(dims, 10, nil, digits, false), "", numerals, "ZipMap", true},
		{"a labels file wins", onnxtest.ZipMapped(dims, 10, fashion, nil, false), strings.Join(numerals, "\n") + "\n", numerals, "file", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := demoSpec(t).Model
			m.Path = filepath.Join(dir, tc.name+".onnx")
			if err := os.WriteFile(m.Path, tc.model.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.file != "" {
				m.Labels = filepath.Join(dir, tc.name+".txt")
				if err := os.WriteFile(m.Labels, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			o, err := Open(context.Background(), m)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if !slices.Equal(o.Labels, tc.labels) || !strings.Contains(o.LabelsFrom, tc.from) {
				t.Fatalf("labels %q from %q; want %q from something naming %s", o.Labels, o.LabelsFrom, tc.labels, tc.from)
			}
			if got := o.Digits != nil; got != tc.check {
				t.Fatalf("digit check ran: %v, want %v", got, tc.check)
			}
		})
	}
}
