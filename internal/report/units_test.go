package report_test

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fooltest/fooltest/internal/report"
)

func TestSlug(t *testing.T) {
	tests := []struct{ label, want string }{
		{"tabby cat", "tabby-cat"},
		{"n02085620 Chihuahua", "n02085620-chihuahua"},
		{"  --Leading and trailing--  ", "leading-and-trailing"},
		{"../../etc/passwd", "etc-passwd"},
		{`..\..\windows`, "windows"},
		{"", "class"},
		{"!!!", "class"},
		{"日本語", "class"},
		{"café au lait", "caf-au-lait"},
		{"a\x00b", "a-b"},
		{"\xff\xfe", "class"},
		{"CON", "con"},
		{strings.Repeat("abc ", 50), "abc-abc-abc-abc-abc-abc-abc-abc-abc-abc"},
		{strings.Repeat("x", 100), strings.Repeat("x", 40)},
	}
	for _, tt := range tests {
		got := report.Slug(tt.label)
		if got != tt.want {
			t.Errorf("Slug(%q) = %q, want %q", tt.label, got, tt.want)
		}
		if len(got) == 0 || len(got) > 40 || strings.Trim(got, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" ||
			strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") {
			t.Errorf("Slug(%q) = %q is not a safe name part", tt.label, got)
		}
	}
}

func TestImageName(t *testing.T) {
	c := report.Class{Index: 7, Label: "../x"}
	if got := report.ImageName(&c); got != "7-x.png" {
		t.Errorf("ImageName = %q", got)
	}
}

func pts(confs ...float64) []report.Point {
	out := make([]report.Point, len(confs))
	for i, c := range confs {
		out[i] = report.Point{Evaluations: int64(10 * (i + 1)), Confidence: c}
	}
	return out
}

func TestThinHistory(t *testing.T) {
	long := make([]report.Point, 1000)
	for i := range long {
		long[i] = report.Point{Evaluations: int64(i), Confidence: float64(i) / 1000}
	}
	tests := []struct {
		name  string
		in    []report.Point
		limit int
		want  []report.Point // nil: only check the invariants
	}{
		{"empty", nil, 100, nil},
		{"one point", pts(0.5), 100, pts(0.5)},
		{"flat keeps ends", pts(0.5, 0.5, 0.5, 0.5), 100, []report.Point{{10, 0.5}, {40, 0.5}}},
		{"drops non-improvements", pts(0.1, 0.3, 0.2, 0.4, 0.4, 0.35), 100,
			[]report.Point{{10, 0.1}, {20, 0.3}, {40, 0.4}, {60, 0.35}}},
		{"limit below two counts as two", pts(0.1, 0.2, 0.3), 0, []report.Point{{10, 0.1}, {30, 0.3}}},
		{"many improvements are spread", long, 100, nil},
		{"spread to a small limit", long, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := append([]report.Point(nil), tt.in...)
			got := report.ThinHistory(tt.in, tt.limit)
			if !reflect.DeepEqual(tt.in, orig) {
				t.Fatal("ThinHistory modified its input")
			}
			if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if len(tt.in) == 0 {
				if got != nil {
					t.Fatalf("got %v for no history", got)
				}
				return
			}
			if len(got) > max(tt.limit, 2) {
				t.Errorf("%d points, limit %d", len(got), tt.limit)
			}
			if got[0] != tt.in[0] || got[len(got)-1] != tt.in[len(tt.in)-1] {
				t.Errorf("first/last not kept: %v ... %v", got[0], got[len(got)-1])
			}
			for i := 1; i < len(got); i++ {
				if got[i].Evaluations <= got[i-1].Evaluations {
					t.Errorf("points out of order at %d: %v", i, got)
				}
			}
		})
	}
	// With 1000 improvements and room for 100, the kept points must reach
	// across the run, not bunch at one end.
	got := report.ThinHistory(long, 100)
	if len(got) != 100 || got[50].Evaluations < 400 || got[50].Evaluations > 600 {
		t.Errorf("uneven thinning: %d points, middle at %d", len(got), got[50].Evaluations)
	}
}

func TestParseFormats(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", report.DefaultFormats(), ""},
		{"  ", report.DefaultFormats(), ""},
		{"json", []string{"json"}, ""},
		{" JSON , junit,json ", []string{"json", "junit"}, ""},
		{"dataset,html", []string{"dataset", "html"}, ""},
		{"json,,junit", nil, "empty entry"},
		{"json,pdf", nil, `"pdf" is unknown`},
		{"md", nil, "choose from"},
	}
	for _, tt := range tests {
		got, err := report.ParseFormats(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFormats(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFormats(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, f := range report.DefaultFormats() {
		if f == report.FormatDataset {
			t.Error("the dataset must be written only when asked for")
		}
	}
}

func TestFormatConfidence(t *testing.T) {
	tests := []struct {
		c, threshold float64
		want         string
	}{
		{0.99987, 0.99, "0.99987"},
		{0.5, 0.99, "0.50000"},
		{1, 0.99, "1.00000"},
		// Rounded, five decimals would print 0.99000 for a value below
		// 0.99, and 1.00000 for one below 1: they are cut instead.
		{0.989999999, 0.99, "0.98999"},
		{0.9999999, 0.99, "0.99999"},
		{0.999998, 0.99, "0.99999"},
		{0.999995, 0.99, "0.99999"},
		// One decimal more than the threshold has, and cut where
		// rounding reaches it.
		{0.9999995, 0.999999, "0.9999995"},
		{0.99999949, 0.999999, "0.9999995"},
		{0.99999999, 0.999999, "0.9999999"},
		{0.999999, 0.999999, "0.9999990"},
		{0.9999997, 0.9999999, "0.99999970"},
		{0.98, 0.5, "0.98000"},
		{0.4999999, 0.5, "0.49999"},
		{0.5, 0.5, "0.50000"},
		{1e-9, 0.99, "0.00000"},
		{math.NaN(), 0.99, "NaN"},
	}
	for _, tt := range tests {
		if got := report.FormatConfidence(tt.c, tt.threshold); got != tt.want {
			t.Errorf("FormatConfidence(%v, %v) = %q, want %q", tt.c, tt.threshold, got, tt.want)
		}
	}
}

// The flags of England, Scotland and Wales: a black flag, the tags of a
// subdivision code and a cancel tag.
const (
	england  = "\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067\U000E007F"
	scotland = "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"
	wales    = "\U0001F3F4\U000E0067\U000E0062\U000E0077\U000E006C\U000E0073\U000E007F"
)

// TestDisplayLabelFlags: the plain text and Markdown reports tell the
// three flags apart, and a label cut through a flag's tags keeps none of
// them.
func TestDisplayLabelFlags(t *testing.T) {
	if report.DisplayLabel(england) == report.DisplayLabel(scotland) || report.MarkdownText(england) == report.MarkdownText(wales) {
		t.Errorf("the flags of England, Scotland and Wales read alike: %q, %q, %q", report.DisplayLabel(england), report.DisplayLabel(scotland), report.MarkdownText(wales))
	}
	long := strings.Repeat("x", 196) + england
	if got, want := report.DisplayLabel(long), strings.Repeat("x", 196)+"\U0001F3F4…"; got != want {
		t.Errorf("DisplayLabel cut a flag's tags to %q, want %q", got, want)
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a\nb\r\tc", "a b  c"},
		{"nul\x00bell\x07del\x7f", "nulbelldel"},
		{"bad\xff\xfeutf8", "bad\uFFFDutf8"},
		{"rtl\u202eoverride\u2066", "rtloverride"},
		{"non\uFFFEchar", "nonchar"},
		{"emoji 🐱 ok", "emoji 🐱 ok"},
		{"c\u200bat\ufeff", "cat"},
		{"word\u2060joiner\u2062", "wordjoiner"},
		{"tag\U000E0061\U000E0062\U000E007F", "tag"},
		// The flags of England, Scotland and Wales are emoji tag
		// sequences: without their tags all three are one black flag.
		{england, england},
		{scotland + " and " + wales, scotland + " and " + wales},
		{"\U0001F3F4 black flag", "\U0001F3F4 black flag"},
		// Tags anywhere else, or not ending in a cancel tag, or
		// spelling more than a subdivision code, are hidden text.
		{"a" + england[4:], "a"},
		{"\U0001F3F4\U000E0067\U000E0062\U000E0065\U000E006E\U000E0067", "\U0001F3F4"},
		{"\U0001F3F4\U000E007F", "\U0001F3F4"},
		{"\U0001F3F4\U000E0067\U000E0062\U000E007F", "\U0001F3F4"},
		{"\U0001F3F4\U000E0049\U000E0047\U000E004E\U000E004F\U000E007F", "\U0001F3F4"},
		{"\U0001F3F4" + strings.Repeat("\U000E0061", 8) + "\U000E007F", "\U0001F3F4"},
		{"\U000E007F" + england, england},
		// Characters that show blank or nothing make labels look alike.
		{"soft\u00adhyphen", "softhyphen"},
		{"cgj\u034fx", "cgjx"},
		{"fill\u115f\u1160\u3164\uffa0ers", "fillers"},
		// Variation selectors stay: emoji need U+FE0F.
		{"\u2764\ufe0f heart", "\u2764\ufe0f heart"},
		{"\U0001F3F3\uFE0F\u200D\U0001F308", "\U0001F3F3\uFE0F\u200D\U0001F308"},
		// Scripts and emoji sequences need the joiner and non-joiner.
		{"\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"},
		{"\U0001F469\u200D\U0001F52C", "\U0001F469\u200D\U0001F52C"},
	}
	for _, tt := range tests {
		got := report.CleanText(tt.in)
		if got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("CleanText(%q) is not valid UTF-8", tt.in)
		}
	}
}

func TestMDEscape(t *testing.T) {
	tests := []struct {
		in       string
		want     string // "" means only the forbidden substrings are checked
		mustNot  []string
		mustHave []string
	}{
		{in: "tabby cat", want: "tabby cat"},
		{in: "a|b", want: "a&#124;b"},
		{in: "<script>", mustNot: []string{"<", ">"}},
		{in: "@octocat", mustNot: []string{"@"}, mustHave: []string{"&#64;&#8203;octocat"}},
		{in: "fixes #12", mustNot: []string{"#12"}},
		{in: "fixes GH-12 and gh-3", want: "fixes GH-&#8203;12 and gh-&#8203;3"},
		{in: "ghost-town e-ghx-1", want: "ghost-town e-ghx-1"},
		{in: "[y](http://z)", mustNot: []string{"[", "](", "://"}},
		{in: "www.evil.com", mustNot: []string{"www."}},
		{in: "`code` *em* _em_ ~~del~~ $x$ ![i](j)", mustNot: []string{"`", "*", "_", "~", "$", "!["}},
		{in: `back\slash`, want: "back&#92;slash"},
		{in: "n02085620.chihuahua 3:1", want: "n02085620.chihuahua 3:1"},
	}
	for _, tt := range tests {
		got := report.MDEscape(tt.in)
		if tt.want != "" && got != tt.want {
			t.Errorf("MDEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		for _, s := range tt.mustNot {
			if strings.Contains(got, s) {
				t.Errorf("MDEscape(%q) = %q still contains %q", tt.in, got, s)
			}
		}
		for _, s := range tt.mustHave {
			if !strings.Contains(got, s) {
				t.Errorf("MDEscape(%q) = %q lacks %q", tt.in, got, s)
			}
		}
	}
}

func TestReportURLs(t *testing.T) {
	tests := []struct {
		url        string
		base, link bool // valid as image base URL, as artifact URL
	}{
		{"", true, true},
		{"https://github.com/octo/models/raw/fooltest-assets/17-1", true, true},
		{"https://github.com/octo/models/raw/fooltest-assets/17-1/", true, true},
		{"http://127.0.0.1:8080/r", true, true},
		{"https://github.com/octo/models/actions/runs/17/artifacts/9?x=1&y=2", false, true},
		{"https://example.com/r#frag", false, true},
		{"https://example.com/r?", false, true},
		{"fooltest-assets/17-1", false, false},
		{"/raw/17-1", false, false},
		{"ftp://example.com/r", false, false},
		{"javascript:alert(1)", false, false},
		{"https:example.com", false, false},
		{"https://", false, false},
		{"https://u:p@example.com/r", false, false},
		{"https://example.com/a b", false, false},
		{"https://example.com/a\"b", false, false},
		{"https://example.com/a'b", false, false},
		{"https://example.com/a<b", false, false},
		{"https://example.com/a)b", false, false},
		{"https://example.com/a|b", false, false},
		{"https://example.com/a\nb", false, false},
		{"https://exämple.com/a", false, false},
		{"https://example.com/" + strings.Repeat("a", 600), false, false},
		// GitHub URLs of files that break images; an artifact URL is a
		// page anyway.
		{"https://github.com/octo/models/blob/fooltest-assets/42-1", false, true},
		{"https://raw.githubusercontent.com/octo/models/fooltest-assets/42-1", false, true},
		{"https://github.com/octo/blob/raw/fooltest-assets/42-1", true, true}, // a repository named blob
	}
	for _, tt := range tests {
		if err := report.CheckImageBaseURL(tt.url); (err == nil) != tt.base {
			t.Errorf("CheckImageBaseURL(%q) = %v, want valid %v", tt.url, err, tt.base)
		}
		if err := report.CheckArtifactURL(tt.url); (err == nil) != tt.link {
			t.Errorf("CheckArtifactURL(%q) = %v, want valid %v", tt.url, err, tt.link)
		}
	}
}

// TestImageBaseURLOnGitHub: a GitHub URL that shows a page, or that a
// private repository serves only with a token, is refused with the URL
// that serves the same files as images.
func TestImageBaseURLOnGitHub(t *testing.T) {
	const want = "use https://github.com/octo/models/raw/fooltest-assets/42-1"
	for _, url := range []string{
		"https://github.com/octo/models/blob/fooltest-assets/42-1",
		"https://github.com/octo/models/tree/fooltest-assets/42-1",
		"https://GitHub.com/octo/models/blob/fooltest-assets/42-1",
		"https://raw.githubusercontent.com/octo/models/fooltest-assets/42-1",
	} {
		err := report.CheckImageBaseURL(url)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckImageBaseURL(%q) = %v, want an error that says %q", url, err, want)
		}
	}
}

// TestShardsMissing: the missing shards are listed in prose, and the verb
// agrees with their number.
func TestShardsMissing(t *testing.T) {
	for _, tc := range []struct {
		missing []int
		count   int
		want    string
	}{
		{[]int{3}, 3, "shard 3 of 3 is missing"},
		{[]int{2, 3}, 3, "shards 2 and 3 of 3 are missing"},
		{[]int{1, 2, 4}, 5, "shards 1, 2 and 4 of 5 are missing"},
	} {
		if got := report.ShardsMissing(tc.missing, tc.count); got != tc.want {
			t.Errorf("ShardsMissing(%v, %d) = %q, want %q", tc.missing, tc.count, got, tc.want)
		}
	}
}

// TestBudgetUsed: the evaluations a run made are set against what its
// searches could make in all, --max-evals being per search (each repeat,
// each shard of a merge), so the share never passes 100%.
func TestBudgetUsed(t *testing.T) {
	tests := []struct {
		name     string
		evals    int64
		maxEvals int64
		repeats  int
		shard    *report.Shard
		want     string
	}{
		{"no cap", 42, 0, 1, nil, "12.5 s of 60 s (21%)"},
		{"one search", 3000, 3000, 1, nil, "12.5 s of 60 s (21%); 3000 of 3000 evaluations (100%)"},
		{"five repeats", 15000, 3000, 5, nil, "12.5 s of 60 s (21%); 15000 of 15000 evaluations (100%: 3000 per search × 5 searches)"},
		{"a shard", 2000, 3000, 1, &report.Shard{Index: 2, Count: 3}, "12.5 s of 60 s (21%); 2000 of 3000 evaluations (67%)"},
		{"three shards merged, two repeats", 18000, 3000, 2, &report.Shard{Count: 3, Merged: []int{1, 2, 3}},
			"12.5 s of 60 s (21%, the longest shard); 18000 of 18000 evaluations (100%: 3000 per search × 2 searches × 3 shards)"},
	}
	// The budget counts opening the model too: a run stopped by its
	// budget has used all of it, not the search's share.
	for _, tt := range []struct {
		open, used float64
		want       string
	}{
		{0.9, 13.42, "13.4 s of 20 s (67%: 0.9 s opening the model, 12.5 s searching)"},
		{0.9, 18.5, "18.5 s of 20 s (92%: 0.9 s opening the model, 5.1 s preparing the search, 12.5 s searching)"},
		{0.9, 0, "13.4 s of 20 s (67%: 0.9 s opening the model, 12.5 s searching)"},
		// The budget restarted after a baseline model's search.
		{4, 12.6, "12.6 s of 20 s (63%)"},
		{0, 12.52, "12.5 s of 20 s (63%)"},
	} {
		res := &report.Result{ElapsedSeconds: 12.5, OpenSeconds: tt.open, BudgetSeconds: 20, BudgetUsedSeconds: tt.used}
		if got := report.BudgetUsed(res); got != tt.want {
			t.Errorf("opened in %v, %v s used: got %q, want %q", tt.open, tt.used, got, tt.want)
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &report.Result{Evaluations: tt.evals, ElapsedSeconds: 12.5, BudgetSeconds: 60, Repeats: tt.repeats, Shard: tt.shard}
			res.Config.MaxEvals = tt.maxEvals
			if got := report.BudgetUsed(res); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
