package report

import (
	"fmt"
	"html"
	"net/url"
	"slices"
	"strings"
)

// maxURLBytes bounds --image-base-url and --artifact-url: report.md repeats
// the image base URL once per fooled class, and a pull request comment holds
// only so much.
const maxURLBytes = 512

// thumbnailWidth is the width, in CSS pixels, of each fooled class's image
// in report.md's table: wide enough to see the pattern, narrow enough that
// 50 rows stay a readable comment.
const thumbnailWidth = 64

// CheckImageBaseURL reports whether s can be --image-base-url: an absolute
// http or https URL with a host, no credentials, no query or fragment (the
// images' relative paths are appended to it), and nothing that would need
// quoting in Markdown or HTML. The empty string is valid and means none.
func CheckImageBaseURL(s string) error {
	u, err := checkURL(s)
	if err != nil || u == nil {
		return err
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(s, "?#") {
		return fmt.Errorf("%q has a query or fragment, and the images' paths are appended to it", s)
	}
	return checkGitHubFiles(u)
}

// checkGitHubFiles refuses the two GitHub URLs of a branch's files that
// look right but break the images, naming the one that works: a
// github.com /blob/ or /tree/ URL is a page of HTML, not the file, and a
// raw.githubusercontent.com file of a private repository needs a token,
// which GitHub's image proxy does not have. github.com/OWNER/REPO/raw/…
// serves the files of public and private repositories alike, to whoever
// may read them.
func checkGitHubFiles(u *url.URL) error {
	segs := strings.SplitN(strings.TrimPrefix(u.EscapedPath(), "/"), "/", 4)
	switch host := strings.ToLower(u.Hostname()); {
	case (host == "github.com" || host == "www.github.com") && len(segs) >= 3 && (segs[2] == "blob" || segs[2] == "tree"):
		page := segs[2]
		segs[2] = "raw"
		return fmt.Errorf("%q is a github.com page (/%s/), which shows the files in HTML, not the files themselves: use https://github.com/%s",
			u.String(), page, strings.Join(segs, "/"))
	case host == "raw.githubusercontent.com" && len(segs) >= 3:
		raw := append([]string{segs[0], segs[1], "raw"}, segs[2:]...)
		return fmt.Errorf("%q is on raw.githubusercontent.com, whose files of a private repository need a token, so the images would break there: use https://github.com/%s, which serves public and private repositories alike",
			u.String(), strings.Join(raw, "/"))
	}
	return nil
}

// CheckArtifactURL reports whether s can be --artifact-url: an absolute
// http or https URL with a host, no credentials, and nothing that would
// need quoting in Markdown or HTML. The empty string is valid and means
// none.
func CheckArtifactURL(s string) error {
	_, err := checkURL(s)
	return err
}

// checkURL is what both URL settings require; it returns nil for "".
func checkURL(s string) (*url.URL, error) {
	if s == "" {
		return nil, nil
	}
	if len(s) > maxURLBytes {
		return nil, fmt.Errorf("is %d bytes long, over the %d allowed", len(s), maxURLBytes)
	}
	// These never occur in a URL as browsers and GitHub write it, and each
	// could end an HTML attribute or a Markdown link early.
	if i := strings.IndexFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r > 0x7e || strings.ContainsRune("\"'<>\\`()|", r)
	}); i >= 0 {
		return nil, fmt.Errorf("%q holds %q, which a URL must percent-encode", s, []rune(s[i:])[0])
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q is not an absolute http or https URL", s)
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("%q has no host", s)
	case u.User != nil:
		// Reports are posted where many can read them.
		return nil, fmt.Errorf("%q holds credentials (user:password@)", s)
	}
	return u, nil
}

// imageURL is the absolute URL of rel, a path relative to the report
// directory, under the image base URL base. Each segment is
// percent-encoded, though the paths fooltest writes never need it.
func imageURL(base, rel string) string {
	segs := strings.Split(rel, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.TrimRight(base, "/") + "/" + strings.Join(segs, "/")
}

// htmlAttr escapes s for a double-quoted HTML attribute inside a GitHub
// Markdown table row: HTML's own characters, and '|', which ends a table
// cell even inside raw HTML, and '`', which could start a code span.
func htmlAttr(s string) string {
	s = html.EscapeString(s)
	return strings.NewReplacer("|", "&#124;", "`", "&#96;").Replace(s)
}

// imgTag is an <img> element for report.md: GitHub drops data: URIs and
// relative paths resolve against the comment's page, so the image is
// fetched from under the image base URL. width 0 leaves the width out.
func imgTag(base, rel, alt string, width int) string {
	w := ""
	if width > 0 {
		w = fmt.Sprintf(" width=\"%d\"", width)
	}
	return fmt.Sprintf("<img src=\"%s\" alt=\"%s\"%s>", htmlAttr(imageURL(base, rel)), htmlAttr(alt), w)
}

// classAlt is the alternative text of class c's image: its index, label
// and confidence, so that a reader without the image still learns what it
// fooled the model into.
func classAlt(res *Result, c *Class) string {
	alt := fmt.Sprintf("class %d", c.Index)
	if l := displayLabel(c.Label, maxMarkdownLabel); l != "" {
		alt += " (" + l + ")"
	}
	return alt + ", confidence " + formatConfidence(c.Confidence, res.Threshold)
}

// hasGallery reports whether the run writes gallery.png, which report.md
// then shows.
func hasGallery(res *Result) bool {
	return slices.Contains(res.Config.Formats, FormatGallery)
}

// markdownImages is the part of report.md that shows the images as a
// whole: with an image base URL, the gallery itself; with only an artifact
// URL, a link to the artifact that holds them; "" otherwise, and when the
// run wrote no images at all.
func markdownImages(res *Result, words Words) string {
	cfg := res.Config
	switch {
	case cfg.ImageBaseURL != "":
		if !hasGallery(res) {
			return ""
		}
		alt := galleryAlt(res)
		w, _ := gallerySize(res, words)
		return "### Gallery\n\n" + imgTag(cfg.ImageBaseURL, GalleryFile, alt, min(w, galleryShownWidth)) + "\n\n"
	case cfg.ArtifactURL != "":
		var what []string
		if hasGallery(res) {
			what = append(what, "`"+GalleryFile+"`")
		}
		if slices.Contains(cfg.Formats, FormatImages) {
			what = append(what, "`"+imagesDir+"/`")
		}
		if slices.Contains(cfg.Formats, FormatHTML) {
			what = append(what, "`"+htmlFile+"`")
		}
		if len(what) == 0 {
			return ""
		}
		// The URL was checked (CheckArtifactURL): it holds nothing that
		// ends a Markdown link destination. CommonMark decodes character
		// references there, so '&' is written as one.
		return fmt.Sprintf("**Images:** %s, in the [report artifact](%s).\n\n", strings.Join(what, ", "),
			strings.ReplaceAll(cfg.ArtifactURL, "&", "&amp;"))
	}
	return ""
}

// galleryAlt is the gallery's alternative text: which classes its tiles
// show, as its title line says.
func galleryAlt(res *Result) string {
	tiles, fooled := galleryClasses(res)
	switch {
	case len(tiles) == 0:
		return "gallery, without images"
	case !fooled:
		return fmt.Sprintf("gallery of the %d %s that came closest", len(tiles), noun(len(tiles), "class", "classes"))
	case res.Fooled > len(tiles):
		return fmt.Sprintf("gallery of the %d most confident of the %d fooled classes", len(tiles), res.Fooled)
	}
	return fmt.Sprintf("gallery of the %d fooled %s", len(tiles), noun(len(tiles), "class", "classes"))
}

// galleryShownWidth caps the gallery's width attribute at about the width
// of a pull request comment, where GitHub scales it down anyway.
const galleryShownWidth = 880
