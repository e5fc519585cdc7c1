package actions

import (
	"regexp"
	"slices"
	"strings"
)

// flagUse finds a flag a message names: an optional "pass " before it,
// the word before it when that is an article or an adjective of one
// ("the same --shard" names the same shard input, "a longer --budget" a
// longer budget input), and a value after it,
// given with = or a space. A value given with a space may be a word of
// the sentence instead (see notValues).
var flagUse = regexp.MustCompile(`(?:\b(pass|a|an|its|the|same|longer) )?--([a-z][a-z0-9-]*)(?:=([^\s,;:()]+)| ([^\s,;:()]+(?:,[^\s,;:()]+)*))?`)

// notValues are the words that follow a flag in a sentence without being
// its value: "raise --max-evals to at least 100", "the score missed
// --min-score first", "with --baseline set to its own shard's report".
var notValues = []string{"a", "an", "and", "as", "first", "for", "if", "in", "is", "of", "or", "over", "set", "the", "to", "which", "whose", "with"}

// inputList finds three or more inputs named in a row, which InInputs
// names at once: "the scale, mean and std inputs".
var inputList = regexp.MustCompile(`the ([a-z][a-z0-9-]*) input((?:, the [a-z][a-z0-9-]* input)+) (and|or) the ([a-z][a-z0-9-]*) input`)

// cliHelp finds where a message sends its reader to the CLI's help for
// the flags, which a step's user neither runs nor sets.
var cliHelp = regexp.MustCompile(`(\(|: )run 'fooltest [a-z]+ -h' for the flags`)

// actionHelp is where the Action's user finds the inputs instead.
const actionHelp = "see the inputs in the action's action.yml"

// InInputs rewrites the flags that text names into the Action's inputs
// of the same names, for a message that a library words once for every
// front end (the gate's reason for the verdict error, an error and its
// hint) when it reaches a step's annotations and outputs, where users set
// inputs, not flags: "raise --max-evals to at least 100" becomes "raise
// the max-evals input to at least 100", "capped by --max-evals 1" "capped
// by max-evals: 1", "pass --preprocessing-check=false" "set the
// preprocessing-check input to false". Flags the Action has no input for
// (--batch, --onnxruntime-lib) are left as the CLI has them. A pointer
// to the CLI's help ("run 'fooltest run -h' for the flags") points to
// the action's inputs instead.
func InInputs(text string) string {
	text = cliHelp.ReplaceAllString(text, "${1}"+actionHelp)
	matches := flagUse.FindAllStringSubmatchIndex(text, -1)
	var b strings.Builder
	last := 0
	for _, m := range matches {
		verb, name := group(text, m, 1), group(text, m, 2)
		value, spaced := group(text, m, 3), false
		if value == "" {
			value, spaced = group(text, m, 4), true
		}
		in, ok := inputNamed(name)
		// A flag glued to a word before it ("x--y") is no flag.
		if !ok || (m[0] > 0 && !boundary(text[m[0]-1])) {
			continue
		}
		end := m[1]
		// A full stop after a word ends the sentence, not the value:
		// "missed --min-score first." or "capped by --max-evals 5.".
		if spaced && strings.HasSuffix(value, ".") {
			value, end = strings.TrimSuffix(value, "."), end-1
		}
		if spaced && slices.Contains(notValues, value) {
			value, end = "", m[5]
		}
		b.WriteString(text[last:m[0]])
		article := verb != "" && verb != "pass"
		switch {
		case verb == "pass" && value != "":
			b.WriteString("set the " + name + " input to " + value)
		case verb == "pass" && in.boolean:
			b.WriteString("set the " + name + " input to true")
		case verb == "pass":
			b.WriteString("set the " + name + " input")
		case value != "":
			if article {
				b.WriteString(verb + " ")
			}
			b.WriteString(name + ": " + value)
		case article:
			b.WriteString(verb + " " + name + " input")
		default:
			b.WriteString("the " + name + " input")
		}
		// A message for both front ends may name the input beside the
		// flag already.
		own := " (the Action's " + name + " input)"
		if strings.HasPrefix(text[end:], own) {
			end += len(own)
		}
		last = end
	}
	b.WriteString(text[last:])
	return inputList.ReplaceAllStringFunc(b.String(), func(s string) string {
		sm := inputList.FindStringSubmatch(s)
		names := []string{sm[1]}
		for _, n := range strings.Split(strings.TrimPrefix(sm[2], ", "), ", ") {
			names = append(names, strings.TrimSuffix(strings.TrimPrefix(n, "the "), " input"))
		}
		return "the " + strings.Join(names, ", ") + " " + sm[3] + " " + sm[4] + " inputs"
	})
}

// group returns submatch i of m in text, or "".
func group(text string, m []int, i int) string {
	if m[2*i] < 0 {
		return ""
	}
	return text[m[2*i]:m[2*i+1]]
}

// boundary reports whether c may stand before a flag in a sentence.
func boundary(c byte) bool {
	return strings.IndexByte(" (\"'`", c) >= 0
}

// inputNamed returns the input called name.
func inputNamed(name string) (input, bool) {
	i := slices.IndexFunc(inputs, func(in input) bool { return in.name == name })
	if i < 0 {
		return input{}, false
	}
	return inputs[i], true
}
