package report

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// datasetDir is the folder, inside the report directory, of the exported
// dataset.
const datasetDir = "dataset"

// datasetLabelsFile is the index of the dataset, inside datasetDir.
const datasetLabelsFile = "labels.csv"

// datasetLabelsHeader is the first line of labels.csv, by which a later run
// knows the file for its own (see clearUnwritten): a dataset/labels.csv
// without it is the user's and is never removed.
const datasetLabelsHeader = "file,target_index,target_label,confidence\n"

// writeDataset writes dataset/: each fooled class's image as a PNG at model
// resolution (what a model would be retrained or tested on), and
// labels.csv with one row per image. Only fooled classes are included: the
// dataset is the set of fooling images, and a class that was not fooled has
// no fooling image, only the closest attempt. Labels are written exactly as
// report.json holds them, quoted by encoding/csv, because the file is meant
// for data pipelines, which match them against their own: not cleaned for
// people to read as the other reports show them, and not rewritten to
// defuse spreadsheet formulas. A "\r\n" in a label is written as it is:
// RFC 4180 readers keep it, while Go's encoding/csv reads it back as "\n";
// escaping it would break the exact match for every other reader, and
// report.json holds the label exactly for those that need it. PNGs left in dataset/ by an earlier run are
// removed, so that the folder is the dataset labels.csv describes.
func writeDataset(dir string, res *Result, files *fileList) (string, error) {
	out := filepath.Join(dir, datasetDir)
	created, err := ensureDir(out, datasetFolder)
	if err != nil {
		return "", fmt.Errorf("dataset: %w", err)
	}
	files.add(created...)
	fooled := sortedFooled(res)
	b := &batch{dir: out, stop: files.stop}
	errs := forEach(len(fooled), func(i int) error {
		c := fooled[i]
		if c.Pixels == nil {
			return nil
		}
		err := c.Pixels.validate()
		if err == nil {
			err = b.stage(filepath.Join(out, imageName(c)), func(w io.Writer) error { return encodeImagePNG(w, c.Pixels, 1, 1) })
		}
		if err != nil {
			return fmt.Errorf("dataset image of class %d: %w", c.Index, err)
		}
		return nil
	})
	placed, err := b.commit(files)
	if err != nil {
		errs = append(errs, fmt.Errorf("dataset: %w", err))
	}
	written := make([]bool, len(fooled))
	for i, c := range fooled {
		written[i] = placed[filepath.Join(out, imageName(c))]
	}
	rows := [][]string{strings.Split(strings.TrimSuffix(datasetLabelsHeader, "\n"), ",")}
	keep := make(map[string]bool)
	for i, c := range fooled {
		if !written[i] {
			continue
		}
		keep[imageName(c)] = true
		rows = append(rows, []string{
			imageName(c),
			strconv.Itoa(c.Index),
			c.Label,
			strconv.FormatFloat(finite(c.Confidence), 'g', -1, 64),
		})
	}
	// labels.csv is written last and lists only images that exist.
	_, err = writeFile(filepath.Join(out, datasetLabelsFile), files, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.WriteAll(rows); err != nil {
			return fmt.Errorf("encoding CSV: %w", err)
		}
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("dataset: %w", err))
	}
	// Images of an earlier run that labels.csv no longer lists.
	if err := removeStale(out, keep); err != nil {
		errs = append(errs, fmt.Errorf("dataset: %w", err))
	}
	return out, errors.Join(errs...)
}
