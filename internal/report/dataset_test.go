package report_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// TestDatasetLabelsExact: dataset/labels.csv is for data pipelines, so it
// holds each label exactly as report.json does, quoted by encoding/csv,
// not cleaned as the reports people read show it: a label with a
// zero-width space, a line break, a tab, a quotation mark or a comma
// reads back from the CSV as it was.
func TestDatasetLabelsExact(t *testing.T) {
	labels := []string{
		"zero\u200bwidth",
		"two\nlines",
		"tab\there",
		`say "cheese", please`,
		"bidi\u202eoverride",
		"\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F",
	}
	rows := readLabelsCSV(t, writeLabelsDataset(t, labels))
	if len(rows) != len(labels)+1 {
		t.Fatalf("labels.csv has %d rows, want a header and %d", len(rows), len(labels))
	}
	for _, row := range rows[1:] {
		i, err := strconv.Atoi(row[1])
		if err != nil || i < 0 || i >= len(labels) {
			t.Fatalf("row %q: no target index", row)
		}
		if row[2] != labels[i] {
			t.Errorf("class %d: labels.csv reads back %q, want %q", i, row[2], labels[i])
		}
	}
}

// TestDatasetLabelsCRLF: a label holding a carriage return, alone or
// before a line feed, is written byte for byte inside quotes, as RFC 4180
// readers (Python's csv, pandas) read it back. Go's encoding/csv reader
// turns "\r\n" inside quotes into "\n", which is why TestDatasetLabelsExact
// leaves such labels out, and why the documentation points to report.json
// for exact labels.
func TestDatasetLabelsCRLF(t *testing.T) {
	labels := []string{"windows\r\nline", "old\rmac"}
	dir := writeLabelsDataset(t, labels)
	data, err := os.ReadFile(filepath.Join(dir, report.DatasetDir, report.DatasetLabelsFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labels {
		if quoted := `,"` + l + `",`; !strings.Contains(string(data), quoted) {
			t.Errorf("labels.csv lacks %q:\n%q", quoted, data)
		}
	}
}

// writeLabelsDataset writes the dataset of a result whose classes, all
// fooled, bear labels, and returns its report directory.
func writeLabelsDataset(t *testing.T, labels []string) string {
	t.Helper()
	res := reporttest.New(t, reporttest.Options{Classes: len(labels), Fooled: len(labels), Label: func(i int) string { return labels[i] }})
	dir := t.TempDir()
	if _, err := write(dir, res, []string{report.FormatDataset}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readLabelsCSV reads the rows of the dataset's labels.csv in the report
// directory dir.
func readLabelsCSV(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, report.DatasetDir, report.DatasetLabelsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
