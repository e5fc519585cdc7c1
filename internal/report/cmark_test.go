package report_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// cmarkGFM renders md as GitHub does: cmark-gfm with GitHub's extensions,
// raw HTML kept (GitHub keeps it, then sanitizes; <img> with src, alt and
// width passes its sanitizer). The test skips without cmark-gfm (Debian's
// cmark-gfm package); CI installs it.
func cmarkGFM(t *testing.T, md []byte) *html.Node {
	t.Helper()
	bin, err := exec.LookPath("cmark-gfm")
	if err != nil {
		t.Skip("cmark-gfm is not installed (apt-get install cmark-gfm)")
	}
	cmd := exec.Command(bin, "--unsafe", "-e", "table", "-e", "strikethrough", "-e", "autolink", "-e", "tagfilter", "-e", "tasklist")
	cmd.Stdin = bytes.NewReader(md)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cmark-gfm: %v: %s", err, stderr.Bytes())
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("parsing cmark-gfm's HTML: %v", err)
	}
	return doc
}

// elements returns every element named tag under n, in document order.
func elements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for d := range n.Descendants() {
		if d.Type == html.ElementNode && d.Data == tag {
			out = append(out, d)
		}
	}
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// imageLabels are labels built to break an <img> in a table cell: quotes
// that would end the attribute, a tag, cell separators, a code span, and
// Markdown image syntax.
var imageLabels = []string{
	reporttest.HostileLabel,
	`"><img src=x onerror=alert(1)>`,
	`it's | a "pipe" \| or two`,
	"![img](https://evil.example/x.png) `code` <b>bold</b>",
	"tabby cat",
}

// cmarkResult is a result whose fooled classes carry imageLabels, with
// the image base URL base and the artifact URL artifact.
func cmarkResult(t *testing.T, base, artifact string) *report.Result {
	res := reporttest.New(t, reporttest.Options{
		Classes: 12, Fooled: 7, HistoryLen: 10,
		Label: func(i int) string {
			if i < len(imageLabels) {
				return imageLabels[i]
			}
			return fmt.Sprintf("class %d", i)
		},
	})
	res.Config.ImageBaseURL, res.Config.ArtifactURL = base, artifact
	report.Prepare(res, report.DefaultFormats())
	return res
}

// TestMarkdownImagesRenderOnGitHub renders report.md with an image base URL
// through GitHub's Markdown dialect and checks that every fooled class's
// image, and the gallery, is an <img> with the expected src and alt text,
// in the fooled table's Image column, and that no label made an element of
// its own.
func TestMarkdownImagesRenderOnGitHub(t *testing.T) {
	const base = "https://github.com/octo/models/raw/fooltest-assets/17-2&x=y"
	res := cmarkResult(t, base+"/", "https://example.com/ignored")
	doc := cmarkGFM(t, renderMarkdown(res))

	want := map[string]string{base + "/" + report.GalleryFile: "gallery of the 7 fooled classes"}
	for _, c := range res.Classes {
		if c.Fooled {
			want[base+"/images/"+report.ImageName(&c)] = fmt.Sprintf("class %d (", c.Index)
		}
	}
	imgs := elements(doc, "img")
	if len(imgs) != len(want) {
		t.Errorf("rendered report.md has %d <img> elements, want %d (one per fooled class and the gallery)", len(imgs), len(want))
	}
	seen := map[string]bool{}
	for _, img := range imgs {
		src, alt := attr(img, "src"), attr(img, "alt")
		prefix, ok := want[src]
		if !ok {
			t.Errorf("<img src=%q alt=%q>: not an image the report links", src, alt)
			continue
		}
		seen[src] = true
		if !strings.HasPrefix(alt, prefix) {
			t.Errorf("<img src=%q> has alt %q, want it to start with %q", src, alt, prefix)
		}
		if attr(img, "width") == "" {
			t.Errorf("<img src=%q> has no width", src)
		}
		if src == base+"/"+report.GalleryFile {
			continue
		}
		// A thumbnail sits alone in the last cell of a five-cell row.
		td := img.Parent
		if td == nil || td.Data != "td" || td.NextSibling != nil && strings.TrimSpace(td.NextSibling.Data) != "" {
			t.Errorf("<img src=%q> is not in the table's last cell", src)
			continue
		}
		if n := len(elements(td.Parent, "td")); n != 5 {
			t.Errorf("the row of <img src=%q> has %d cells, want 5", src, n)
		}
		if !strings.Contains(alt, "confidence 0.99") {
			t.Errorf("<img src=%q> has alt %q, which does not give the confidence", src, alt)
		}
	}
	for src := range want {
		if !seen[src] {
			t.Errorf("no <img src=%q> in the rendered report.md", src)
		}
	}
	// The hostile label's alt text reads as the label, unescaped once.
	for _, img := range imgs {
		if strings.Contains(attr(img, "src"), "/images/1-") && !strings.Contains(attr(img, "alt"), `"><img src=x onerror=alert(1)>`) {
			t.Errorf("class 1's alt text %q does not hold its label", attr(img, "alt"))
		}
	}
	for _, tag := range []string{"script", "b"} {
		if n := len(elements(doc, tag)); n != 0 {
			t.Errorf("a label made %d <%s> elements", n, tag)
		}
	}
}

// TestMarkdownArtifactLinkRendersOnGitHub: with only an artifact URL, the
// report links to the artifact, names each image's path in it, and shows
// no image.
func TestMarkdownArtifactLinkRendersOnGitHub(t *testing.T) {
	const artifact = "https://github.com/octo/models/actions/runs/17/artifacts/99?a=1&b=2"
	res := cmarkResult(t, "", artifact)
	doc := cmarkGFM(t, renderMarkdown(res))
	if imgs := elements(doc, "img"); len(imgs) != 0 {
		t.Errorf("rendered report.md has %d <img> elements without an image base URL", len(imgs))
	}
	var hrefs []string
	for _, a := range elements(doc, "a") {
		hrefs = append(hrefs, attr(a, "href"))
	}
	if len(hrefs) != 1 || hrefs[0] != artifact {
		t.Errorf("rendered report.md links %q, want only the artifact %q", hrefs, artifact)
	}
	var code []string
	for _, c := range elements(doc, "code") {
		if c.FirstChild != nil {
			code = append(code, c.FirstChild.Data)
		}
	}
	for _, c := range res.Classes {
		if c.Fooled && !strings.Contains(strings.Join(code, "\n"), c.Image) {
			t.Errorf("class %d's image path %q is not named in the rendered report", c.Index, c.Image)
		}
	}
}
