package actions

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

func TestCommandSafe(t *testing.T) {
	tests := []struct {
		name string
		// writes are written one after the other.
		writes []string
		want   string
	}{
		{name: "plain text", writes: []string{"class 3 (cat) fooled\n"}, want: "class 3 (cat) fooled\n"},
		{name: "stop-commands in a label", writes: []string{`3  x ##[stop-commands]tok  0.99  yes` + "\n"}, want: `3  x ##\[stop-commands]tok  0.99  yes` + "\n"},
		{name: "add-mask at the start of a line", writes: []string{"##[add-mask]fail\n"}, want: `##\[add-mask]fail` + "\n"},
		{name: "set-output", writes: []string{`"##[set-output name=verdict;]pass"`}, want: `"##\[set-output name=verdict;]pass"`},
		{name: "more hashes", writes: []string{"###[x]"}, want: `###\[x]`},
		{name: "every occurrence", writes: []string{"##[a] ##[b]"}, want: `##\[a] ##\[b]`},
		{name: "split after the hashes", writes: []string{"a ##", "[add-mask]x"}, want: `a ##\[add-mask]x`},
		{name: "split between the hashes", writes: []string{"a #", "#", "[group]x"}, want: `a ##\[group]x`},
		{name: "one hash is no prefix", writes: []string{"#[x] # [y] #", "[z]"}, want: "#[x] # [y] #[z]"},
		{name: "new syntax untouched", writes: []string{"::error title=a%3A b::c\n"}, want: "::error title=a%3A b::c\n"},
		// The runner reads a line that starts with "::" as a command in
		// the newer syntax, and then looks for no other: fooltest's
		// own commands keep the model's path for their file property.
		{name: "a command line keeps its text", writes: []string{"::error file=m/##[x].onnx::class 1 (\"##[add-mask]a\")\n"}, want: "::error file=m/##[x].onnx::class 1 (\"##[add-mask]a\")\n"},
		{name: "the line after a command", writes: []string{"::endgroup::\n", "a ##[add-mask]x\n"}, want: "::endgroup::\n" + `a ##\[add-mask]x` + "\n"},
		{name: "a command split across writes", writes: []string{"\n:", ":error::##", "[x]\r##[y]"}, want: "\n::error::##[x]\r" + `##\[y]`},
		{name: "one colon starts no command", writes: []string{":##[x]\n :: ##[y]"}, want: `:##\[x]` + "\n" + ` :: ##\[y]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := CommandSafe(&b)
			for _, s := range tt.writes {
				n, err := w.Write([]byte(s))
				if err != nil || n != len(s) {
					t.Fatalf("Write(%q) = %d, %v; want %d, nil", s, n, err, len(s))
				}
			}
			if got := b.String(); got != tt.want {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
			for _, line := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\n' || r == '\r' }) {
				if !strings.HasPrefix(line, "::") && strings.Contains(line, legacyPrefix) {
					t.Errorf("line %q still holds %q", line, legacyPrefix)
				}
			}
		})
	}
}

// TestCommandSafeConcurrent: writes from several goroutines at once, as an
// os.File takes them, each arrive whole and broken.
func TestCommandSafeConcurrent(t *testing.T) {
	var b bytes.Buffer
	w := CommandSafe(&b)
	const writers, lines = 8, 100
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range lines {
				if _, err := w.Write([]byte("x ##[add-mask]y\n")); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if got, want := b.String(), strings.Repeat(`x ##\[add-mask]y`+"\n", writers*lines); got != want {
		t.Errorf("concurrent writes gave %d bytes, not %d lines each broken once", len(got), writers*lines)
	}
}
