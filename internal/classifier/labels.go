package classifier

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/fooltest/fooltest/internal/fault"
)

// Limits on label files, which may come from untrusted pull requests.
const (
	maxLabelsBytes    = 1 << 20
	maxLabelLineBytes = 1000
)

// ReadLabels reads one label per line for a model with k classes. A final
// newline is optional, CRLF line ends are accepted, and invalid UTF-8 is
// replaced rather than rejected, since labels are shown, never interpreted.
//
// Only regular files are read: a FIFO would block until something writes
// to it, and /dev/zero or a directory never yields a label file.
func ReadLabels(path string, k int) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fault.Invalidf(SettingLabels, "cannot read labels file %s: %v", path, errors.Unwrap(err))
	}
	if err := labelsRegular(path, st); err != nil {
		return nil, err
	}
	// O_NONBLOCK keeps the open itself from blocking should the path have
	// become a FIFO since the Stat; the Stat of the open file settles it.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fault.Invalidf(SettingLabels, "cannot read labels file %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	if st, err = f.Stat(); err != nil {
		return nil, fault.Invalidf(SettingLabels, "cannot read labels file %s: %v", path, errors.Unwrap(err))
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

// parseLabels parses label file contents; name is used in messages.
func parseLabels(name string, data []byte, k int) ([]string, error) {
	data = bytes.TrimSuffix(data, []byte("\n"))
	lines := strings.Split(string(data), "\n")
	if len(data) == 0 {
		lines = nil
	}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if len(l) > maxLabelLineBytes {
			return nil, fault.Invalidf("", "labels file %s: line %d is %d bytes, over the %d-byte limit", name, i+1, len(l), maxLabelLineBytes)
		}
		lines[i] = strings.ToValidUTF8(l, "\uFFFD")
	}
	if len(lines) != k {
		return nil, fault.Invalidf("", "labels file %s has %d lines but the model has %d classes: give one label per class, in class order", name, len(lines), k)
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
