package actions

import (
	"io"
	"sync"
)

// legacyPrefix starts a workflow command in the runner's older syntax,
// "##[name key=value;]data". Unlike "::name::data", which the runner reads
// only at the start of a line, it finds "##[" anywhere in any line of the
// step's output, and acts on the command if it knows it: stop-commands
// silences every annotation after it, add-mask hides words of the log and
// set-output sets a step output.
const legacyPrefix = "##["

// commandSafe breaks every "##[" written through it, so that text fooltest
// does not control (a model's class labels and names, paths in a pull
// request) cannot issue commands in the runner's older syntax. It keeps no
// output back: a "[" after "##" gets a backslash before it ("##\["), which
// the runner does not read as a command and a reader still reads, however
// the writes split the text. Lines that start with "::" are left as they
// are: they are fooltest's own commands (untrusted text never starts a
// line, see safetext), which the runner reads in the newer syntax without
// looking for the older one, and a file property must keep the path.
type commandSafe struct {
	// mu is held through a write, which may take several writes to w:
	// callers may write at once, as an os.File allows, and the state
	// below must see their bytes in order.
	mu sync.Mutex
	w  io.Writer
	// hashes counts the "#" that ended the text written so far, up to 2.
	hashes int
	// line is where the text written so far ends: lineStart, lineColon
	// (after a ":" that starts the line), lineCommand or lineText.
	line int
}

// Values of commandSafe.line.
const (
	lineStart = iota
	lineColon
	lineCommand
	lineText
)

// CommandSafe returns a writer that passes what is written to w on, with
// every "##[" broken so that the runner reads no workflow command in its
// older syntax from it. Output in Actions mode goes through it: stdout and
// stderr carry labels, model names and paths that a pull request
// controls. Commands fooltest issues itself use the "::" syntax, which
// the writer leaves alone, and escape their values.
func CommandSafe(w io.Writer) io.Writer {
	return &commandSafe{w: w}
}

func (c *commandSafe) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := 0
	for i, b := range p {
		switch {
		case b == '\n' || b == '\r':
			c.line = lineStart
		case c.line == lineStart && b == ':':
			c.line = lineColon
		case c.line == lineColon && b == ':':
			c.line = lineCommand
		case c.line == lineStart || c.line == lineColon:
			c.line = lineText
		}
		switch {
		case b == '[' && c.hashes == 2 && c.line == lineText:
			if n, err := c.w.Write(p[start:i]); err != nil {
				return start + n, err
			}
			if _, err := io.WriteString(c.w, `\`); err != nil {
				return i, err
			}
			start = i
			c.hashes = 0
		case b == '#':
			c.hashes = min(c.hashes+1, 2)
		default:
			c.hashes = 0
		}
	}
	n, err := c.w.Write(p[start:])
	return start + n, err
}
