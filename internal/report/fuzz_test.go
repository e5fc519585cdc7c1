package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jstemmer/go-junit-report/v2/junit"
	"golang.org/x/net/html"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// addSeeds gives every fuzz test the same hostile starting labels.
func addSeeds(f *testing.F) {
	for _, s := range []string{
		"benign",
		"",
		reporttest.HostileLabel,
		"]]>",
		"<![CDATA[x]]>",
		"\x00\x01\x08\x0b\x0c\x1f\x7f",
		"\xff\xfe\xfd",
		"\xed\xa0\x80", // an encoded surrogate, invalid in UTF-8 and XML
		"\uFFFE\uFFFF",
		"|||",
		"a\nb\r\n| x |",
		"<img src=x onerror=alert(1)>",
		"</figcaption></figure><script>alert(1)</script>",
		"@octocat #1 https://example.com www.example.com mail@example.com",
		"`` ` ``` $x$ **b** _i_ ~~s~~ ![i](j) [l](javascript:alert(1))",
		"\u202eevil\u202c",
		"&amp; &lt; &#124; \\| \\",
		"\"'quoted'\"",
		strings.Repeat("ab|<", 300),
	} {
		f.Add(s)
	}
}

// imageLink matches the destination of an image link in report.md.
var imageLink = regexp.MustCompile(`\]\(images/[a-z0-9-]+\.png\)`)

// markdownStructure is what a label must never change in report.md: the
// number of lines and of every character that makes Markdown or HTML
// structure.
func markdownStructure(md string) map[string]int {
	out := map[string]int{"lines": strings.Count(md, "\n")}
	for _, r := range "|<>[]()`@\\*_~$!" {
		out[string(r)] = strings.Count(md, string(r))
	}
	out["://"] = strings.Count(md, "://")
	// Image paths carry a slug of the label, which may spell "www"; a link
	// destination is never autolinked, so only the text around it counts.
	out["www."] = strings.Count(strings.ToLower(imageLink.ReplaceAllString(md, "")), "www.")
	return out
}

// imgAttr matches an attribute value of the <img> elements report.md
// holds with an image base URL.
var imgAttr = regexp.MustCompile(`(src|alt)="([^"]*)"`)

// safeAlt is what an escaped alt text may hold: no character that ends the
// attribute, the tag, the table cell or starts a code span, and '&' only
// as the character references htmlAttr writes.
var safeAlt = regexp.MustCompile("^([^\"<>|`&]|&(amp|lt|gt|#34|#39|#124|#96);)*$")

func FuzzMarkdown(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, label string) {
		for _, base := range []string{"", "https://github.com/octo/models/raw/fooltest-assets/1-1"} {
			render := func(label string) string {
				res := labelled(t, label)
				res.Config.ImageBaseURL = base
				md := renderMarkdown(res)
				if !utf8.Valid(md) {
					t.Fatal("report.md is not valid UTF-8")
				}
				// Raw HTML attributes are inert to Markdown: what they may
				// hold is checked on its own.
				return imgAttr.ReplaceAllStringFunc(string(md), func(m string) string {
					if v := imgAttr.FindStringSubmatch(m); v[1] == "alt" && !safeAlt.MatchString(v[2]) {
						t.Fatalf("label %q makes the alt text %q", label, v[2])
					}
					return ""
				})
			}
			want := markdownStructure(render("benign"))
			md := render(label)
			got := markdownStructure(md)
			for k, n := range want {
				if got[k] != n {
					t.Fatalf("label %q changed the count of %q from %d to %d (image base URL %q):\n%s", label, k, n, got[k], base, md)
				}
			}
		}
	})
}

func FuzzJUnit(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, label string) {
		res := labelled(t, label)
		data := render(t, encodeAs(report.FormatJUnit), res)
		var doc junit.Testsuites
		if err := xml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("label %q: junit.xml does not parse: %v\n%s", label, err, data)
		}
		if len(doc.Suites) != 1 || len(doc.Suites[0].Testcases) != 4 || doc.Suites[0].Failures != 3 {
			t.Fatalf("label %q: structure changed: %+v", label, doc)
		}
		tc := doc.Suites[0].Testcases[2]
		if !strings.HasPrefix(tc.Name, "2 ") || tc.Failure == nil || strings.ContainsAny(tc.Failure.Message, "\r\n") {
			t.Fatalf("label %q: testcase %+v", label, tc)
		}
		// Every token must decode too: Unmarshal skips what it does not map.
		dec := xml.NewDecoder(bytes.NewReader(data))
		for {
			_, err := dec.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Fatalf("label %q: %v", label, err)
				}
				break
			}
		}
	})
}

// htmlShape lists the tags and attribute names of a page in order, which a
// label must not change.
func htmlShape(t *testing.T, page []byte) []string {
	z := html.NewTokenizer(bytes.NewReader(page))
	var shape []string
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return shape
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			s := tt.String() + " " + tok.Data
			for _, a := range tok.Attr {
				s += " " + a.Key
			}
			shape = append(shape, s)
		case html.CommentToken, html.DoctypeToken:
			shape = append(shape, tt.String())
		}
	}
}

func FuzzHTML(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, label string) {
		want := htmlShape(t, render(t, encodeAs(report.FormatHTML), labelled(t, "benign")))
		page := render(t, encodeAs(report.FormatHTML), labelled(t, label))
		if !utf8.Valid(page) {
			t.Fatal("report.html is not valid UTF-8")
		}
		got := htmlShape(t, page)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("label %q changed the page structure:\n%s", label, page)
		}
		if _, err := html.Parse(bytes.NewReader(page)); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzJSON(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, label string) {
		data := render(t, encodeAs(report.FormatJSON), labelled(t, label))
		if !json.Valid(data) {
			t.Fatalf("label %q: report.json is not valid JSON", label)
		}
		var back report.Result
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if len(back.Classes) != 4 || back.Fooled != 3 {
			t.Fatalf("structure changed: %d classes, %d fooled", len(back.Classes), back.Fooled)
		}
		got := back.Classes[2].Label
		if !utf8.ValidString(got) {
			t.Fatalf("label %q came back as invalid UTF-8", label)
		}
		// report.json keeps a label's first MaxLabelBytes bytes.
		if utf8.ValidString(label) && len(label) <= report.MaxLabelBytes && got != label {
			t.Fatalf("valid label %q came back as %q", label, got)
		}
		// encoding/json writes each invalid byte of what is kept as
		// U+FFFD, three bytes.
		most := report.MaxLabelBytes
		if !utf8.ValidString(label) {
			most *= 3
		}
		if len(got) > most || utf8.ValidString(label) && !strings.HasPrefix(label, got) {
			t.Fatalf("label of %d bytes came back as %d bytes, not its start within %d", len(label), len(got), most)
		}
	})
}

func FuzzSARIF(f *testing.F) {
	addSeeds(f)
	schema := sarifSchema(f)
	f.Fuzz(func(t *testing.T, label string) {
		res := labelled(t, label)
		checkSARIF(t, schema, render(t, encodeAs(report.FormatSARIF), res), res, sarifURI{"models/lenet.onnx", "%SRCROOT%"})
	})
}
