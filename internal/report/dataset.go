package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// DatasetDir is the folder, inside the report directory, of the exported
// dataset.
const DatasetDir = "dataset"

// DatasetLabelsFile is the index of the dataset, inside DatasetDir.
const DatasetLabelsFile = "labels.csv"

// writeDataset writes dataset/: each fooled class's image as a PNG at model
// resolution (what a model would be retrained or tested on), and
// labels.csv with one row per image. Only fooled classes are included: the
// dataset is the set of fooling images, and a class that was not fooled has
// no fooling image, only the closest attempt. Labels are written as they are
// (cleaned of invalid UTF-8 and control characters, quoted by encoding/csv)
// because the file is meant for data pipelines; they are not rewritten to
// defuse spreadsheet formulas.
func writeDataset(dir string, res *Result) (string, error) {
	out := filepath.Join(dir, DatasetDir)
	if err := os.MkdirAll(out, 0o755); err != nil {
		return "", fmt.Errorf("dataset: %w", err)
	}
	fooled := sortedFooled(res)
	written := make([]bool, len(fooled))
	errs := forEach(len(fooled), func(i int) error {
		c := fooled[i]
		if c.Pixels == nil {
			return nil
		}
		img, err := toImage(c.Pixels, 1)
		if err == nil {
			err = WriteAtomic(filepath.Join(out, ImageName(c)), 0o644, func(w io.Writer) error { return encodePNG(w, img) })
		}
		if err != nil {
			return fmt.Errorf("dataset image of class %d: %w", c.Index, err)
		}
		written[i] = true
		return nil
	})
	rows := [][]string{{"file", "target_index", "target_label", "confidence"}}
	for i, c := range fooled {
		if !written[i] {
			continue
		}
		rows = append(rows, []string{
			ImageName(c),
			strconv.Itoa(c.Index),
			cleanText(c.Label),
			strconv.FormatFloat(finite(c.Confidence), 'g', -1, 64),
		})
	}
	// labels.csv is written last and lists only images that exist.
	err := WriteAtomic(filepath.Join(out, DatasetLabelsFile), 0o644, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rows); err != nil {
			return fmt.Errorf("encoding CSV: %w", err)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("dataset: %w", err))
	}
	return out, errors.Join(errs...)
}
