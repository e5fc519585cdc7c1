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

// TestBaselineOutsideReports: a baseline that is the report.json the run
// writes into its report directory, by any name, is refused; one beside
// it, elsewhere, or reached through a report.json that is a link, is not.
func TestBaselineOutsideReports(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "reports")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	own := filepath.Join(dir, "report.json")
	elsewhere := filepath.Join(root, "released.json")
	for _, p := range []string{own, elsewhere} {
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(own, filepath.Join(root, "to-own.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dir, filepath.Join(root, "reports-link")); err != nil {
		t.Fatal(err)
	}
	linkedDir := filepath.Join(root, "linked")
	if err := os.MkdirAll(linkedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(linkedDir, "report.json")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, baseline, dir string
		refused             bool
	}{
		{"the run's own", own, dir, true},
		{"the run's own, not yet written", filepath.Join(root, "new", "report.json"), filepath.Join(root, "new"), true},
		{"through ..", filepath.Join(dir, "..", "reports", "report.json"), dir, true},
		{"through a link to it", filepath.Join(root, "to-own.json"), dir, true},
		{"through a link to the report directory", own, filepath.Join(root, "reports-link"), true},
		{"elsewhere", elsewhere, dir, false},
		{"another file in the report directory", filepath.Join(dir, "released.json"), dir, false},
		{"the target of a report.json that is a link", elsewhere, linkedDir, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := baselineOutsideReports(tc.baseline, tc.dir)
			if !tc.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, fault.Invalid) || fault.SettingOf(err) != SettingBaseline || !strings.Contains(err.Error(), "would be replaced by this run's") {
				t.Fatalf("got %v, want the baseline refused as the run's own report.json", err)
			}
		})
	}
}
