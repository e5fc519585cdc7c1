// Package safetext makes text fooltest does not control safe to print on
// a terminal or in a CI log.
package safetext

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Printable returns s with every rune that is not printable (control
// characters, line and paragraph separators, format characters such as
// bidirectional overrides) replaced by its Go escape, such as \n, \x1b or
// \u2028, and every invalid UTF-8 byte by \xNN. Text fooltest does not
// control goes through it before reaching stdout or stderr: paths, labels,
// model names and runtime messages. GitHub Actions reads any output line
// that starts with "::" as a workflow command, so a newline or carriage
// return in a file name could otherwise forge ::error:: or ::add-mask::
// lines; after Printable, untrusted text can never start a line.
func Printable(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case strconv.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

func isPrintable(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
		}
		if !strconv.IsPrint(r) {
			return false
		}
	}
	return true
}

// OneLine keeps error output to one line, as CI logs and annotations
// expect. Its lines become clauses separated by "; ", since errors.Join
// puts each error on a line of its own and several errors must not run
// together into one sentence; other runs of white space become a space.
// Errors quote paths and runtime messages, so what white space does not
// cover is escaped by Printable.
func OneLine(s string) string {
	var b strings.Builder
	for _, line := range strings.FieldsFunc(s, isLineBreak) {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if b.Len() > 0 {
			// A line that ends a sentence or leads into the next needs
			// no separator of its own.
			if strings.ContainsAny(b.String()[b.Len()-1:], ".:;,") {
				b.WriteString(" ")
			} else {
				b.WriteString("; ")
			}
		}
		b.WriteString(line)
	}
	return Printable(b.String())
}

// isLineBreak reports whether r ends a line.
func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}
