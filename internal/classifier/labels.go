package classifier

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fooltest/fooltest/internal/exitcode"
)

// Limits on label files, which may come from untrusted pull requests.
const (
	MaxLabelsBytes    = 1 << 20
	MaxLabelLineBytes = 1000
)

// ReadLabels reads one label per line for a model with k classes. A final
// newline is optional, CRLF line ends are accepted, and invalid UTF-8 is
// replaced rather than rejected, since labels are shown, never interpreted.
func ReadLabels(path string, k int) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, exitcode.Usagef("cannot read labels file %s: %v: check --labels", path, errors.Unwrap(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxLabelsBytes+1))
	if err != nil {
		return nil, exitcode.Usagef("cannot read labels file %s: %v", path, err)
	}
	if len(data) > MaxLabelsBytes {
		return nil, exitcode.Usagef("labels file %s is over %d bytes: give one short label per class", path, MaxLabelsBytes)
	}
	return ParseLabels(path, data, k)
}

// ParseLabels parses label file contents; name is used in messages.
func ParseLabels(name string, data []byte, k int) ([]string, error) {
	data = bytes.TrimSuffix(data, []byte("\n"))
	lines := strings.Split(string(data), "\n")
	if len(data) == 0 {
		lines = nil
	}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if len(l) > MaxLabelLineBytes {
			return nil, exitcode.Usagef("labels file %s: line %d is %d bytes, over the %d-byte limit", name, i+1, len(l), MaxLabelLineBytes)
		}
		lines[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	if len(lines) != k {
		return nil, exitcode.Usagef("labels file %s has %d lines but the model has %d classes: give one label per class, in class order", name, len(lines), k)
	}
	return lines, nil
}

// DefaultLabels names classes "class 0" .. "class K-1".
func DefaultLabels(k int) []string {
	out := make([]string, k)
	for i := range out {
		out[i] = fmt.Sprintf("class %d", i)
	}
	return out
}
