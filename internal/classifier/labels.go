package classifier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/fooltest/fooltest/internal/fault"
)

// Limits on label files, which may come from untrusted pull requests.
const (
	maxLabelsBytes    = 1 << 20
	maxLabelLineBytes = 1000
)

// LabelsFile is the file, one label per line, that exports such as Teachable
// Machine's and Azure Custom Vision's keep beside the model.
const LabelsFile = "labels.txt"

// LabelsBeside returns the LabelsFile in the folder of the model at path,
// or "" when there is no regular file of that name.
func LabelsBeside(model string) string {
	p := filepath.Join(filepath.Dir(model), LabelsFile)
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return ""
	}
	return p
}

// ReadLabels reads one label per class for a model with k classes, from a
// text file of one label per line or a JSON file (see parseLabels). A
// final newline is optional, CRLF line ends are accepted, and invalid UTF-8
// is replaced rather than rejected, since labels are shown, never
// interpreted.
//
// Only regular files are read: a FIFO would block until something writes
// to it, and /dev/zero or a directory never yields a label file.
func ReadLabels(path string, k int) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fault.Invalidf(SettingLabels, "cannot read labels file %s: %w", path, errors.Unwrap(err))
	}
	if err := labelsRegular(path, st); err != nil {
		return nil, err
	}
	// O_NONBLOCK keeps the open itself from blocking should the path have
	// become a FIFO since the Stat; the Stat of the open file settles it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fault.Invalidf(SettingLabels, "cannot read labels file %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, fault.Invalidf(SettingLabels, "cannot read labels file %s: %w", path, errors.Unwrap(err))
	}
	if err := labelsRegular(path, st); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxLabelsBytes+1))
	if err != nil {
		return nil, fault.Invalidf("", "cannot read labels file %s: %w", path, err)
	}
	if len(data) > maxLabelsBytes {
		return nil, fault.Invalidf("", "labels file %s is over %d bytes: give one short label per class", path, maxLabelsBytes)
	}
	return parseLabels(path, data, k)
}

// labelsRegular refuses label files that are not regular files, or that
// are too large to be one.
func labelsRegular(path string, st os.FileInfo) error {
	if !st.Mode().IsRegular() {
		kind := "not a regular file"
		switch {
		case st.IsDir():
			kind = "a directory"
		case st.Mode()&os.ModeNamedPipe != 0:
			kind = "a named pipe"
		case st.Mode()&os.ModeDevice != 0:
			kind = "a device"
		}
		return fault.Invalidf(SettingLabels, "labels file %s is %s, not a text file with one label per line", path, kind)
	}
	if st.Size() > maxLabelsBytes {
		return fault.Invalidf("", "labels file %s is over %d bytes: give one short label per class", path, maxLabelsBytes)
	}
	return nil
}

// parseLabels parses label file contents; name is used in messages. A text
// file holds one label per line. A JSON file, as training frameworks write
// labels, holds an array of labels, an object from class index to label,
// or such an object under "id2label" (a Hugging Face config.json); a label
// that is itself an array, such as Keras's ["n01440764", "tench"], is its
// last string.
func parseLabels(name string, data []byte, k int) ([]string, error) {
	if labels, ok, err := parseJSONLabels(name, data, k); ok || err != nil {
		return labels, err
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	lines := strings.Split(string(data), "\n")
	if len(data) == 0 {
		lines = nil
	}
	for i, l := range lines {
		// Each invalid byte becomes three, so the limit applies to the
		// label as shown.
		l = strings.ToValidUTF8(strings.TrimSuffix(l, "\r"), "\uFFFD")
		if len(l) > maxLabelLineBytes {
			return nil, fault.Invalidf("", "labels file %s: line %d is %d bytes, over the %d-byte limit", name, i+1, len(l), maxLabelLineBytes)
		}
		lines[i] = l
	}
	if len(lines) != k {
		return nil, fault.Invalidf("", "labels file %s has %d lines but the model has %d classes: give one label per class, in class order%s", name, len(lines), k, backgroundHint(len(lines), k))
	}
	return unnumbered(lines), nil
}

// unnumbered returns lines without their class index when every line i
// begins with i and a space, as Teachable Machine's labels.txt writes them
// ("0 Cat", "1 Dog"); otherwise lines as they are.
func unnumbered(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, strconv.Itoa(i))
		if !ok || len(rest) < 2 || (rest[0] != ' ' && rest[0] != '\t') || strings.TrimSpace(rest) == "" {
			return lines
		}
		out[i] = strings.TrimSpace(rest)
	}
	return out
}

// backgroundHint explains a label count one short of the classes.
func backgroundHint(n, k int) string {
	switch {
	case n == 1 && k == 2:
		// One label for one score is what a user of a binary
		// classifier writes first.
		return " (a binary classifier's single score is read as two classes, class 1 the score and class 0 its complement: give two lines, the negative class first)"
	case n != k-1:
		return ""
	}
	return " (a model whose class 0 is a background class, as TensorFlow's 1001-class ImageNet models have, needs a label for it too)"
}

// parseJSONLabels reads data as a JSON labels file. ok is false, with no
// error, when data is not JSON: a text file whose first label begins with
// a bracket stays a text file.
func parseJSONLabels(name string, data []byte, k int) (labels []string, ok bool, err error) {
	t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\uFEFF")), " \t\r\n")
	if len(t) == 0 || t[0] != '[' && t[0] != '{' {
		return nil, false, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.More() {
		if strings.HasSuffix(strings.ToLower(name), ".json") {
			return nil, true, fault.Invalidf(SettingLabels, "labels file %s is not valid JSON (%v): give a JSON array of labels, an object from class index to label, or a text file with one label per line", name, err)
		}
		return nil, false, nil
	}
	invalid := func(format string, args ...any) ([]string, bool, error) {
		return nil, true, fault.Invalidf(SettingLabels, "labels file %s: "+format+": give a JSON array of labels, or an object from class index (\"0\" to \"%d\") to label", append(append([]any{name}, args...), k-1)...)
	}
	switch x := v.(type) {
	case []any:
		labels = make([]string, len(x))
		for i, e := range x {
			if labels[i], ok = jsonLabel(e); !ok {
				return invalid("the label of class %d is not text", i)
			}
		}
	case map[string]any:
		if inner, ok := x["id2label"].(map[string]any); ok {
			x = inner
		}
		labels = make([]string, len(x))
		// In key order, so that a refusal names the same key each run.
		for _, key := range slices.Sorted(maps.Keys(x)) {
			e := x[key]
			i, err := strconv.Atoi(key)
			if err != nil || i < 0 || i >= len(x) || strconv.Itoa(i) != key {
				if nested := labelTable(x, k); nested != "" {
					// A file of settings that holds the labels among
					// them (a "CLASS_NAMES" beside normalisation
					// constants): name the table that fits.
					return invalid("key %q is not a class index, and the file's %q holds %d entries, one per class of the model: give that table alone as the labels file", key, nested, k)
				}
				return invalid("key %q is not a class index (the object has %d keys, so they must be \"0\" to \"%d\")", key, len(x), len(x)-1)
			}
			if labels[i], ok = jsonLabel(e); !ok {
				return invalid("the label of class %d is not text", i)
			}
		}
	}
	for i, l := range labels {
		if len(l) > maxLabelLineBytes {
			return nil, true, fault.Invalidf("", "labels file %s: the label of class %d is %d bytes, over the %d-byte limit", name, i, len(l), maxLabelLineBytes)
		}
	}
	if len(labels) != k {
		return nil, true, fault.Invalidf(SettingLabels, "labels file %s lists %d labels but the model has %d classes: give one label per class, in class order%s", name, len(labels), k, backgroundHint(len(labels), k))
	}
	return labels, true, nil
}

// labelTable returns the key of x whose value is a table of k labels (an
// array, or an object of as many keys), the first in key order, or "".
func labelTable(x map[string]any, k int) string {
	for _, key := range slices.Sorted(maps.Keys(x)) {
		n := -1
		switch y := x[key].(type) {
		case []any:
			n = len(y)
		case map[string]any:
			n = len(y)
		}
		if n == k {
			return key
		}
	}
	return ""
}

// jsonLabel is the text of one JSON label: a string, a number, or the last
// string of an array.
func jsonLabel(e any) (string, bool) {
	switch y := e.(type) {
	case string:
		return y, true
	case json.Number:
		return y.String(), true
	case []any:
		for i := len(y) - 1; i >= 0; i-- {
			if s, ok := y[i].(string); ok {
				return s, true
			}
		}
	}
	return "", false
}

// DefaultLabels names classes "class 0" .. "class K-1".
func DefaultLabels(k int) []string {
	out := make([]string, k)
	for i := range out {
		out[i] = fmt.Sprintf("class %d", i)
	}
	return out
}
