package main

import (
	"bytes"
	"encoding/json"
	"io"
)

// writeJSON writes v to w as one JSON document (indented by indent, if
// any) for a script to read, with every "##[" written "##\u005b". In
// Actions mode the output goes through a writer that breaks the
// runner's older command syntax as "##\[", an invalid escape inside a
// JSON string; "#" appears in JSON only inside strings, where
// "\u005b" is the same "[" to any JSON reader, and no "##[" is left to
// break.
func writeJSON(w io.Writer, indent string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(bytes.ReplaceAll(b.Bytes(), []byte("##["), []byte(`##\u005b`)))
	return err
}
