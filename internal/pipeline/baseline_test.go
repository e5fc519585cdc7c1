package pipeline

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/fault"
)

// TestReadBaseline: a file named .json is read as a report whatever it
// holds, so that an empty or cut report is refused as a report (not opened
// as a model once the candidate is searched); another name is a report
// when it holds a JSON object, and a model otherwise.
func TestReadBaseline(t *testing.T) {
	tests := []struct {
		name, content string
		// model: taken for a model; else the refusal holds want.
		model bool
		want  string
	}{
		{"empty.json", "", false, "baseline report %s is empty: give the report.json that the baseline's run wrote"},
		{"blank.JSON", " \n\t", false, "baseline report %s is empty"},
		{"array.json", "[1,2,3]", false, "baseline %s is not a fooltest report.json"},
		{"cut.json", `{"schema": 1, "versions": {`, false, "baseline %s is not a fooltest report.json"},
		{"other.json", `{"name":"x","version":"1.0.0"}`, false, "baseline %s is not a fooltest report.json of schema 1"},
		{"report", `{"name":"x"}`, false, "baseline %s is not a fooltest report.json of schema 1"},
		{"model.onnx", "\x08\x07", true, ""},
		{"empty.onnx", "", true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.name)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := readBaseline(path)
			if tc.model {
				if err != nil || b.report != nil {
					t.Fatalf("got %+v, %v; want a model to search", b, err)
				}
				return
			}
			want := strings.ReplaceAll(tc.want, "%s", path)
			if err == nil || !errors.Is(err, fault.Invalid) || !strings.Contains(err.Error(), want) {
				t.Fatalf("got %+v, %v; want invalid input with %q", b, err, want)
			}
		})
	}
}

// TestReadBaselineMissing checks that a baseline that does not exist keeps
// the operating system's error in its chain under the same words.
func TestReadBaselineMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.json")
	_, err := readBaseline(path)
	if !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, fault.Invalid) {
		t.Errorf("got %v, want invalid input that wraps fs.ErrNotExist", err)
	}
	if want := "cannot read baseline " + path + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}
