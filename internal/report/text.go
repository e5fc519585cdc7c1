package report

import (
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanText makes untrusted text (labels come from users' label files, and
// may arrive in pull requests) safe to place in any report: invalid UTF-8
// becomes U+FFFD, line breaks and tabs become spaces so a label stays on one
// line, and other control characters, bidirectional overrides (which can
// make a report read differently from what it says), invisible characters
// (isInvisible, and tag characters outside an emoji tag sequence) and the
// noncharacters U+FFFE/U+FFFF (forbidden in XML) are dropped. Each format
// escapes the result further for its own syntax.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if n := emojiTagSequence(s[i:]); n > 0 {
			// England's, Scotland's and Wales's flags: without their
			// tags all three show as one black flag.
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		i += size
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r), isBidiControl(r), isInvisible(r), isTag(r), r == 0xFFFE, r == 0xFFFF:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// blackFlag is the base of the emoji tag sequences in use: the flags of
// England, Scotland and Wales (U+1F3F4 E0067 E0062 … E007F).
const blackFlag = 0x1F3F4

// tagEnd is the cancel tag that ends an emoji tag sequence.
const tagEnd = 0xE007F

// isTag reports the tag characters, U+E0000 to U+E007F, which show
// nothing and can spell text no reader sees.
func isTag(r rune) bool { return r >= 0xE0000 && r <= tagEnd }

// emojiTagSequence returns the length in bytes of the valid emoji tag
// sequence that s begins with, or 0: U+1F3F4, the tags of a subdivision
// code (3 to 7 digits and lowercase letters, "gbeng" for England) and the
// cancel tag U+E007F. Only such a sequence keeps its tags; any other tag
// is hidden text, and a code no longer than a subdivision's leaves little
// room for any.
func emojiTagSequence(s string) int {
	r, size := utf8.DecodeRuneInString(s)
	if r != blackFlag {
		return 0
	}
	n, tags := size, 0
	for n < len(s) && tags <= 7 {
		r, size := utf8.DecodeRuneInString(s[n:])
		n += size
		switch {
		case r == tagEnd && tags >= 3:
			return n
		case r >= 0xE0030 && r <= 0xE0039, r >= 0xE0061 && r <= 0xE007A:
			tags++
		default:
			return 0
		}
	}
	return 0
}

// isInvisible reports the characters that show nothing and mean nothing
// in a label: zero-width spaces, the word joiner and invisible operators,
// the byte order mark, the soft hyphen, the combining grapheme joiner and
// the Hangul fillers, which show as blank. Two labels that differ only by
// them would read the same. The zero-width joiner and non-joiner stay
// (emoji sequences and scripts such as Persian and Devanagari need them),
// and so do variation selectors (an emoji's U+FE0F). Tag characters are
// dropped by cleanText unless they form an emoji tag sequence.
func isInvisible(r rune) bool {
	switch r {
	case 0x00AD, 0x034F, 0x115F, 0x1160, 0x180E, 0x200B, 0x3164, 0xFEFF, 0xFFA0:
		return true
	}
	return r >= 0x2060 && r <= 0x2064 || r >= 0x206A && r <= 0x206F
}

// isBidiControl reports the invisible characters that reorder text.
func isBidiControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F:
		return true
	case r >= 0x202A && r <= 0x202E:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// truncate shortens s to at most n runes, marking a cut with an ellipsis, so
// that a hostile label cannot blow up the size of a report.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	runes := []rune(s)
	return string(runes[:n-1]) + "…"
}

// displayLabel is a label cleaned and bounded for reports read by people.
func displayLabel(s string, n int) string {
	clean := strings.TrimSpace(cleanText(s))
	cut := truncate(clean, n)
	if len(cut) < len(clean) {
		// A cut through a flag's tag sequence leaves tags that no longer
		// end it, hidden text again.
		cut = cleanText(cut)
	}
	return cut
}

// maxPlainLabel bounds a label in plain text messages: SARIF results,
// JUnit test cases and failures, and the workflow's annotations.
const maxPlainLabel = 200

// DisplayLabel is label as the plain text reports show it: cleaned by
// cleanText and cut to maxPlainLabel characters. A label may come from a
// pull request or a merged shard's report.json, of any length; callers
// that show labels outside the reports, such as the workflow's
// annotations, use it so that the label reads the same there.
func DisplayLabel(label string) string {
	return displayLabel(label, maxPlainLabel)
}

// quotedLabel is displayLabel in quotation marks (QuoteLabel), for the
// prose of plain text messages (SARIF, JUnit).
func quotedLabel(s string, n int) string {
	return QuoteLabel(displayLabel(s, n))
}

// labelQuoter escapes what would end a quoted label, or an escape in it.
var labelQuoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// QuoteLabel puts a label already made fit to show (DisplayLabel) in
// quotation marks, escaping the quotation marks and backslashes in it:
// a label such as `cat" is not fooled. Class 7 "dog` would otherwise
// close the quotes and read as the message's own words. Nothing else is
// escaped, unlike Go's quoting: readers would see escapes such as \u202e
// where report.md and report.html show the label itself, and cleanText
// has already removed what could break the line or reorder the text.
// Every plain text message that quotes a label (SARIF, JUnit, the
// workflow's annotations) uses it, so that one reads as the others.
func QuoteLabel(s string) string {
	return `"` + labelQuoter.Replace(s) + `"`
}

// formatConfidence formats a confidence for a report that compares it with
// the threshold. It prints five decimals, or one more than the threshold
// has (0.999999 gets seven), and rounds toward zero where rounding would
// carry the value onto the threshold or up to 1: a value printed as
// reaching the threshold always does (0.9899999 reads "0.98999" at 0.99,
// 0.9999995 "0.9999995" at 0.999999, 0.999998 "0.99999" at 0.99).
func formatConfidence(c, threshold float64) string {
	if math.IsNaN(c) || math.IsInf(c, 0) {
		return strconv.FormatFloat(c, 'f', -1, 64)
	}
	prec := max(5, decimals(threshold)+1)
	s := strconv.FormatFloat(c, 'f', prec, 64)
	v, _ := strconv.ParseFloat(s, 64)
	if (v >= threshold) == (c >= threshold) && (v < 1 || c >= 1) {
		return s
	}
	return truncateDecimals(c, prec)
}

// FormatConfidence prints a confidence as every report format does, so that
// text written outside the reports (the Action's annotations and step
// summary) states the same digits: five decimals, or one more than the
// threshold has, cut rather than carried onto the threshold or up to 1.
func FormatConfidence(c, threshold float64) string {
	return formatConfidence(c, threshold)
}

// FormatThreshold prints a threshold as every report format does: as short
// as it can be exactly, never in exponent form.
func FormatThreshold(t float64) string {
	return formatThreshold(t)
}

// decimals is how many decimals the shortest form of t has.
func decimals(t float64) int {
	s := strconv.FormatFloat(t, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// truncateDecimals writes c, which is not negative, with prec decimals,
// cut rather than rounded. The shortest form of c reads back as c, so the
// cut one is never above it.
func truncateDecimals(c float64, prec int) string {
	s := strconv.FormatFloat(c, 'f', -1, 64)
	i := strings.IndexByte(s, '.')
	if i < 0 {
		s, i = s+".", len(s)
	}
	s += strings.Repeat("0", prec)
	return s[:i+1+prec]
}

// count writes n and the noun that agrees with it: "1 evaluation", "2
// evaluations". many is one's plural.
func count[N int | int64](n N, one, many string) string {
	return strconv.FormatInt(int64(n), 10) + " " + noun(n, one, many)
}

// noun is one for n = 1 and many otherwise.
func noun[N int | int64](n N, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formatThreshold prints a threshold as short as it can be exactly.
func formatThreshold(t float64) string {
	return strconv.FormatFloat(t, 'f', -1, 64)
}

// formatFloat32 prints a setting that a run holds as float32 (scale, mean,
// std) with the fewest digits that read back as the same float32: 0.485,
// not the 0.48500001430511475 of float64(v) that report.json keeps.
func formatFloat32(x float64) string {
	return strconv.FormatFloat(float64(float32(x)), 'g', -1, 32)
}

// formatSeconds prints a duration in seconds with a decimal point, as JUnit
// consumers expect.
func formatSeconds(s float64) string {
	if math.IsNaN(s) || math.IsInf(s, 0) || s < 0 {
		s = 0
	}
	return strconv.FormatFloat(s, 'f', 3, 64)
}

// finite replaces NaN and infinities, which JSON cannot hold, with 0.
func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// mdEscape makes cleaned text inert in GitHub-flavoured Markdown: every
// character that could start structure (tables, code, emphasis, links,
// images, HTML, math) becomes a numeric character reference, which
// CommonMark never treats as syntax. '@' and '#' are also followed by a
// zero-width space: GitHub links mentions and issue references in the
// rendered text, after references are decoded, and a label must not ping a
// user or cross-reference an issue from a pull request comment. So is the
// '-' of "GH-", which GitHub links as an issue reference too ("GH-26").
// The ':' of "://" and the '.' of "www." are encoded so that no URL is
// autolinked.
// Other punctuation is left alone so that the raw file stays readable.
func mdEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case r == '@' || r == '#':
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";&#8203;")
		case r == '-' && i >= 2 && strings.EqualFold(string(runes[i-2:i]), "gh"):
			b.WriteString("-&#8203;")
		case strings.ContainsRune("\\`*_[]()<>!|~&$", r),
			r == ':' && i+1 < len(runes) && runes[i+1] == '/',
			r == '.' && i >= 3 && strings.EqualFold(string(runes[i-3:i]), "www"):
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MarkdownText makes text fooltest does not control inert in Markdown, as
// report.md makes labels: cleaned, with every character that could start
// structure, HTML, an image, a mention, an issue reference or an autolink
// escaped. Errors quote paths and a model's own names (its nodes, inputs
// and metadata), so a step summary that shows one uses it.
func MarkdownText(s string) string {
	return mdEscape(cleanText(s))
}

// mdText cleans, bounds and escapes untrusted text for Markdown.
func mdText(s string, n int) string {
	return mdEscape(displayLabel(s, n))
}
