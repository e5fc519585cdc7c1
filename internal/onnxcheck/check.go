package onnxcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/fooltest/fooltest/internal/fault"
)

// externalDataError is an external-data location that fooltest refuses.
type externalDataError struct {
	externalRef
	// Problem says what is wrong with the location; Fix, what to do.
	Problem, Fix string
}

// Error names the tensor, its location and the problem, on one line.
func (e *externalDataError) Error() string {
	return fmt.Sprintf("tensor %s keeps its data in %s, %s", quote(e.Tensor), quote(e.Location), e.Problem)
}

// The fixes for refused locations.
const (
	fixInside   = "fooltest reads external data only from files inside the model's folder; export the model with its weights file beside it"
	fixExport   = "export the model again"
	fixCopy     = "copy the weights file beside the model"
	fixEmbedded = "embed the weights in the model, or load it from a file"
)

// Check parses the model that was read from path (data is the file's
// contents) and refuses, with exit code 2, a model that is not valid
// protobuf or whose external data would be read from outside the folder
// that holds path. ONNX Runtime resolves external data against that folder
// and the operating system follows symlinks on the way, so a location must
// be relative, free of "..", and still inside the folder once every symlink
// is resolved.
func Check(path string, data []byte) (*Model, error) {
	m, err := parse(path, data)
	if err != nil || len(m.external) == 0 {
		return m, err
	}
	dir, err := folder(path)
	if err != nil {
		return nil, fault.Invalidf("", "cannot resolve the folder of model %s: %w: check the path", path, err)
	}
	// Exporters put every tensor in one file: resolve each location once.
	checked := map[string]bool{}
	for _, e := range m.external {
		if checked[e.Location] {
			continue
		}
		checked[e.Location] = true
		if err := checkLocation(dir, e); err != nil {
			return nil, fault.Invalidf("", "model %s refused: %w: %s", path, err, err.Fix)
		}
	}
	return m, nil
}

// CheckBytes is Check for a model held in memory, named name in messages.
// Such a model has no folder, and ONNX Runtime would resolve its external
// data against the working directory, so any external data is refused.
func CheckBytes(name string, data []byte) (*Model, error) {
	m, err := parse(name, data)
	if err != nil || len(m.external) == 0 {
		return m, err
	}
	e := &externalDataError{externalRef: m.external[0], Problem: "but a model given as bytes has no folder to read it from", Fix: fixEmbedded}
	return nil, fault.Invalidf("", "model %s refused: %w: %s", name, e, e.Fix)
}

// HasExternalData reports whether the model keeps any tensor's data in
// another file.
func (m *Model) HasExternalData() bool { return len(m.external) > 0 }

// ExternalFiles lists the files that hold the model's external data, as
// the model names them (relative to its folder), each once, in the order
// the model first names them.
func (m *Model) ExternalFiles() []string {
	var files []string
	for _, e := range m.external {
		if !slices.Contains(files, e.Location) {
			files = append(files, e.Location)
		}
	}
	return files
}

func parse(name string, data []byte) (*Model, error) {
	if len(data) == 0 {
		return nil, fault.Invalidf("", "model %s is empty: export it again", name)
	}
	if size, ok := lfsPointer(data); ok {
		// actions/checkout leaves such pointers unless told to fetch
		// the files, and they would parse as corrupt protobuf.
		return nil, fault.Invalidf("", "model %s is a Git LFS pointer%s, not the model: fetch the file itself (git lfs pull, or actions/checkout with lfs: true)", name, size)
	}
	m, err := parseModel(data)
	var fe *functionError
	if errors.As(err, &fe) {
		return nil, fault.Invalidf("", "model %s refused: %w: %s", name, err, fe.Fix)
	}
	if err != nil {
		if what, fix := textFile(data); what != "" {
			// A page or notebook saved in its place: "export it again"
			// would send the user to the wrong fix.
			return nil, fault.Invalidf("", "model %s is %s, not an ONNX model: %s", name, what, fix)
		}
		return nil, fault.Invalidf("", "model %s is not a valid ONNX model (%w): export it again", name, err)
	}
	return m, nil
}

// textFile says what text file data holds, and how to get the model
// instead, or "" when data does not start as text. An ONNX file starts
// with a protobuf field tag, a control character, where text has none.
func textFile(data []byte) (what, fix string) {
	head := data[:min(len(data), 512)]
	for cut := 0; cut < 3 && len(head) > 0 && !utf8.Valid(head); cut++ {
		// A multi-byte character cut at the end.
		head = head[:len(head)-1]
	}
	if !utf8.Valid(head) || bytes.ContainsFunc(head, func(r rune) bool { return r < ' ' && r != '\t' && r != '\n' && r != '\r' }) {
		return "", ""
	}
	t := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(string(head), "\ufeff")))
	const download = "download the .onnx file itself (a repository's raw or release link, not the page that shows it)"
	switch {
	case strings.HasPrefix(t, "<!doctype html") || strings.HasPrefix(t, "<html"):
		return "an HTML page", download
	case strings.HasPrefix(t, "{") && strings.Contains(t, `"cells"`):
		return "a Jupyter notebook", "give the .onnx file the notebook exports"
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
		return "a JSON file", "give the model's .onnx file (a labels or config file goes to --labels, or beside the model)"
	case strings.HasPrefix(t, "<"):
		return "an XML file", "give the model's .onnx file"
	}
	return "a text file", "give the model's .onnx file (a labels file goes to --labels)"
}

// lfsPrefix starts every Git LFS pointer file.
const lfsPrefix = "version https://git-lfs.github.com/spec/"

// lfsPointer reports whether data is a Git LFS pointer, and, when it gives
// one, the size of the file it stands for, as " to a file of N bytes".
func lfsPointer(data []byte) (size string, ok bool) {
	// A pointer is at most a few hundred bytes of text.
	if len(data) > 1024 || !bytes.HasPrefix(data, []byte(lfsPrefix)) {
		return "", false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if n, found := strings.CutPrefix(strings.TrimSpace(line), "size "); found {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil && v >= 0 {
				return fmt.Sprintf(" to a file of %d bytes", v), true
			}
		}
	}
	return "", true
}

// folder returns the absolute, symlink-free folder that holds path. It
// resolves the text before the last separator as the operating system
// does, symlinks and ".." in order, because filepath.Dir's lexical
// cleaning would take "link/.." to a different folder than open(2) does.
func folder(path string) (string, error) {
	dir := "."
	if i := strings.LastIndexByte(path, filepath.Separator); i >= 0 {
		dir = path[:i+1]
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", err
	}
	return filepath.Abs(real)
}

// checkLocation refuses e unless its location names a regular file inside
// dir, which must be absolute and free of symlinks.
func checkLocation(dir string, e externalRef) *externalDataError {
	refuse := func(fix, format string, args ...any) *externalDataError {
		return &externalDataError{externalRef: e, Problem: fmt.Sprintf(format, args...), Fix: fix}
	}
	loc := e.Location
	switch {
	case loc == "":
		return refuse(fixExport, "an empty location")
	case strings.IndexByte(loc, 0) >= 0:
		// The runtime's C strings would end at the NUL: it would open
		// another file than the one checked here.
		return refuse(fixExport, "a location with a NUL byte")
	case filepath.IsAbs(loc) || loc[0] == '/' || loc[0] == '\\':
		return refuse(fixInside, "an absolute path")
	}
	// Any "..", even one that comes back, is refused: after a symlinked
	// folder the operating system resolves ".." from the link's target,
	// where a lexical check would not look.
	for _, el := range strings.FieldsFunc(loc, func(r rune) bool { return r == '/' || r == '\\' }) {
		if el == ".." {
			return refuse(fixInside, "a path through \"..\"")
		}
	}
	real, err := filepath.EvalSymlinks(filepath.Join(dir, loc))
	if errors.Is(err, fs.ErrNotExist) {
		return refuse(fixCopy, "which is missing from the model's folder %s (or is a link to a missing file)", dir)
	}
	if err != nil {
		return refuse(fixInside, "which cannot be resolved (%v)", errors.Unwrap(err))
	}
	if rel, err := filepath.Rel(dir, real); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return refuse(fixInside, "which resolves to %s, outside the model's folder %s", real, dir)
	}
	if st, err := os.Stat(real); err != nil || !st.Mode().IsRegular() {
		return refuse(fixInside, "which is not a regular file")
	}
	return nil
}

// LoadError is the error for a model that passed Check but that ONNX
// Runtime failed to load with runtimeMsg, which it shortens to one line. A
// model that uses a custom operator domain, an operator or operator version
// the runtime does not implement, or an opset or IR version newer than the
// runtime's, gets the fix for that.
func (m *Model) LoadError(name, runtimeMsg string) error {
	raw := runtimeMsg
	runtimeMsg = shorten(runtimeMsg)
	if m != nil && len(m.custom) > 0 {
		domains := m.custom
		more := ""
		if len(domains) > 3 {
			domains, more = domains[:3], fmt.Sprintf(" and %d more", len(domains)-3)
		}
		quoted := make([]string, len(domains))
		for i, d := range domains {
			quoted[i] = quote(d)
		}
		return fault.Invalidf("", "model %s uses custom operator domain %s%s (%s); fooltest never loads custom-op libraries: export the model with standard ONNX operators",
			name, strings.Join(quoted, ", "), more, runtimeMsg)
	}
	for _, marker := range []string{"No Op registered for", "is not a registered function/op"} {
		if strings.Contains(runtimeMsg, marker) {
			return fault.Invalidf("", "model %s uses an operator ONNX Runtime does not implement (%s): export the model with standard ONNX operators at an opset ONNX Runtime supports",
				name, runtimeMsg)
		}
	}
	if g := ortNewOpset.FindStringSubmatch(raw); g != nil {
		return fault.Invalidf("", "model %s imports opset %s of %s, newer than this ONNX Runtime runs (up to opset %s): export the model again with opset %s or lower",
			name, g[1], g[2], g[3], g[3])
	}
	if g := ortNewIR.FindStringSubmatch(raw); g != nil {
		return fault.Invalidf("", "model %s is written in ONNX IR version %s, newer than this ONNX Runtime reads (up to %s): export it again with an exporter (or onnx package) that writes IR version %s or lower",
			name, g[1], g[2], g[2])
	}
	if g := ortNoKernel.FindStringSubmatch(raw); g != nil {
		// ONNX Runtime dropped the operator versions of the opsets before
		// 7, and lacks some operators' kernels for some types.
		node := ""
		if g[3] != "" {
			node = fmt.Sprintf(" (node %s)", quote(g[3]))
		}
		if v, _ := strconv.Atoi(g[2]); v < 7 {
			// The types are whatever they are: no version before 7 has a
			// kernel. A converter rewrites an old file where its exporter
			// (MATLAB's of 2018, CNTK) is long gone.
			return fault.Invalidf("", "model %s runs %s as opset %s defines it%s, and ONNX Runtime has no implementation of any operator version before opset 7: convert the model to opset 7 or later (in Python, onnx.version_converter.convert_version(model, 7)), or export it again at a current opset",
				name, g[1], g[2], node)
		}
		return fault.Invalidf("", "model %s runs %s as opset %s defines it%s, with types this ONNX Runtime has no implementation of: export the model again at a current opset, with the types that operator takes",
			name, g[1], g[2], node)
	}
	if g := ortShortData.FindStringSubmatch(raw); g != nil {
		// Check found the weights file; a copy cut short (an interrupted
		// download, a partial artifact) fails only here.
		file := "its weights file"
		if m != nil {
			for _, e := range m.external {
				if e.Tensor == g[1] {
					file += " " + quote(e.Location)
					break
				}
			}
		}
		off, _ := strconv.ParseInt(g[2], 10, 64)
		size, _ := strconv.ParseInt(g[3], 10, 64)
		return fault.Invalidf("", "model %s reads tensor %s from bytes %d to %d of %s, which has only %s bytes: the weights file is incomplete; copy the weights file beside the model again, whole",
			name, quote(g[1]), off, off+size, file, g[4])
	}
	if i := strings.Index(runtimeMsg, "Unrecognized attribute: "); i >= 0 {
		// The operator's schema at the model's opset lacks the
		// attribute: an older opset's, written by an exporter that
		// mixed versions (MATLAB's of 2018 gave BatchNormalization
		// consumed_inputs at opset 6). The node dump before it says
		// nothing more.
		return fault.Invalidf("", "model %s gives an operator an attribute its opset does not define (%s), as exporters of the first ONNX versions wrote, whose files ONNX Runtime does not run: export the model again with a current exporter",
			name, runtimeMsg[i:])
	}
	return fault.Invalidf("", "model %s is not a valid ONNX model: %s: export it again", name, runtimeMsg)
}

// shorten keeps the first line of a runtime load message and drops the
// "Load model from PATH failed:" preamble that repeats the model's path,
// because such messages can carry whole protobuf dumps; RuntimeMessage
// does the rest.
func shorten(msg string) string {
	msg = strings.TrimSpace(msg)
	if i := strings.IndexAny(msg, "\r\n"); i >= 0 {
		msg = msg[:i]
	}
	if i := strings.LastIndex(msg, " failed:"); i >= 0 {
		msg = strings.TrimSpace(msg[i+len(" failed:"):])
	}
	if i := strings.Index(msg, "No Op registered for"); i >= 0 {
		// "No Op registered for X with domain_version of N" says it
		// all; what precedes it dumps the node.
		msg = msg[i:]
	}
	return RuntimeMessage(msg)
}

// ONNX Runtime wraps the reason a model failed in boilerplate: the Go
// binding's and the C API's prefixes, the C++ source location and the
// signature of the function that threw. The reason comes last, so these go
// before a message is bounded.
var (
	ortBoilerplate = regexp.MustCompile(`Error running network: |\[ONNXRuntimeError\] : \d+ : [A-Z_]+ : `)
	// "Non-zero status code returned while running Reshape node. Name:'r'
	// Status Message: " becomes "Reshape node 'r': ".
	ortNode = regexp.MustCompile(`Non-zero status code returned while running (\S+) node\. Name:'([^']*)' Status Message: `)
	// "/onnxruntime_src/.../reshape_helper.h:84 onnxruntime::ReshapeHelper::ReshapeHelper(const ...&, bool) "
	ortSource = regexp.MustCompile(`(?:\S*/)?\w+\.(?:h|cc|cpp):\d+ (?:[\w:~<>]+::[\w~]+\([^)]*\)(?: const)? )?`)
)

// Load failures whose fix is known: a file newer than the runtime, an
// operator version the runtime has no kernel for, or a weights file shorter
// than the model reads.
var (
	// "Opset 30 is under development ... Current official support for
	// domain ai.onnx is till opset 26."
	ortNewOpset = regexp.MustCompile(`(?s)Opset (\d+) is under development.*support for domain (\S+) is till opset (\d+)`)
	// "Unsupported model IR version: 15, max supported IR version: 13"
	ortNewIR = regexp.MustCompile(`Unsupported model IR version: (\d+), max supported IR version: (\d+)`)
	// "Could not find an implementation for Add(1) node with name 'Plus30'"
	ortNoKernel = regexp.MustCompile(`Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'`)
	// "External initializer: w offset: 0 size to read: 192 given
	// file_length: 96 are out of bounds"
	ortShortData = regexp.MustCompile(`External initializer: (\S+) offset: (\d+) size to read: (\d+) given file_length: (\d+)`)
)

// maxMessage bounds a one-line message, because ONNX Runtime messages can
// carry whole protobuf dumps.
const maxMessage = 300

// RuntimeMessage makes a message of ONNX Runtime one line: lines joined with spaces,
// ONNX Runtime's boilerplate removed, and, if it is still over maxMessage
// bytes, its middle cut, since the reason is usually at the end.
func RuntimeMessage(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = ortNode.ReplaceAllStringFunc(s, func(m string) string {
		g := ortNode.FindStringSubmatch(m)
		if g[2] == "" {
			return g[1] + " node: "
		}
		return fmt.Sprintf("%s node %q: ", g[1], g[2])
	})
	s = ortBoilerplate.ReplaceAllString(s, "")
	s = ortSource.ReplaceAllString(s, "")
	if len(s) <= maxMessage {
		return s
	}
	// Keep a third for the head, which says where it failed, and the rest
	// for the tail, which says why; cut on rune boundaries.
	head, tail := maxMessage/3, maxMessage-maxMessage/3
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[:head] + " … " + s[start:]
}
