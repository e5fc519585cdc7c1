package report

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/jpeg"
	"io"
	"strings"
)

// htmlFile is the name of the HTML report.
const htmlFile = "report.html"

// maxHTMLLabel bounds labels on the page; the full label is in report.json.
const maxHTMLLabel = 120

// htmlTemplate is report.html. html/template escapes every value for its
// context, so labels and paths cannot inject markup. The page needs nothing
// outside itself: images are data: URIs, style is inline, there is no
// script, and the Content-Security-Policy forbids loading anything else.
const htmlTemplate = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>fooltest {{.Word}}: {{.Model}}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;padding:16px 24px;max-width:1400px;color:#1f2328;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
.verdict{padding:12px 16px;border-radius:6px;border:1px solid}
.pass{background:#dafbe1;border-color:#4ac26b}.fail{background:#ffebe9;border-color:#ff8182}.reportonly{background:#fff8c5;border-color:#d4a72c}
.error{background:#ffebe9;border-color:#cf222e;border-width:3px}
tr.regressed td{background:#ffebe9}
.note{margin:12px 0;padding:8px 12px;border-left:4px solid #d4a72c;background:#fff8c5}
table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;padding:6px;border:2px solid #d0d7de;border-radius:6px;width:140px;background:#f6f8fa}
figure.fooled{border-color:#cf222e;background:#ffebe9}
figure img{display:block;margin:0 auto;image-rendering:pixelated;image-rendering:crisp-edges;max-width:128px;max-height:128px}
figure .noimg{height:128px;display:flex;align-items:center;justify-content:center;color:#656d76}
figcaption{font-size:12px;margin-top:4px;overflow-wrap:anywhere}
.conf{font-variant-numeric:tabular-nums;font-weight:600}
svg text{font:11px system-ui,sans-serif;fill:#1f2328}
footer{margin-top:32px;color:#656d76;font-size:12px}
</style>
</head>
<body>
<div class="verdict {{.Class}}">
<h1>{{.Icon}} fooltest: {{.Word}}</h1>
<div>{{.Detail}}</div>
</div>
{{- with .MissingShards}}
<div class="note">{{.}}</div>
{{- end}}
{{- with .Comparison}}
<p><strong>{{$.ComparisonLabel}}</strong> ({{$.BaselinePath}}): {{.}}.{{with $.UngatedRegression}} {{.}}{{end}}</p>
{{- end}}
{{- if .Interrupted}}
<div class="note"><strong>This run was interrupted</strong> ({{.Reason}}) after {{.Evaluations}} {{if eq .Evaluations 1}}evaluation{{else}}evaluations{{end}}. Classes not fooled here might have been with the full budget.</div>
{{- end}}
{{- if .ReportOnly}}
<div class="note">Report-only mode (fail-on: never): the gate failed, but fooltest exits 0.</div>
{{- end}}
{{- with .PreprocessingWarning}}
<div class="note">{{.}}</div>
{{- end}}
{{- if .NonFinite}}
<div class="note">{{.NonFinite}}</div>
{{- end}}
{{- with .Allowance}}
<div class="note">{{.}}</div>
{{- end}}
<h2>Summary</h2>
<table>
{{- range .Summary}}
<tr><th>{{index . 0}}</th><td class="num">{{index . 1}}</td></tr>
{{- end}}
</table>
{{- if .Baseline}}
<h2>Classes against the baseline</h2>
{{- with .UngatedRegression}}
<p>{{.}}</p>
{{- end}}
<table>
<tr><th>Class</th><th>Label</th><th>Evaluations to threshold</th><th>Baseline's</th><th>Ratio</th></tr>
{{- range .Baseline}}
<tr{{if .Regressed}} class="regressed"{{end}}><td class="num">{{.Index}}</td><td>{{.Label}}</td><td class="num">{{.Cost}}</td><td class="num">{{.BaseCost}}</td><td class="num">{{.Ratio}}{{if .Regressed}} regressed{{end}}</td></tr>
{{- end}}
</table>
<p>Ratio: the candidate's evaluations over the baseline's; below 1, the candidate fell faster.{{if .BaselineHidden}} …and {{.BaselineHidden}} more {{if eq .BaselineHidden 1}}class{{else}}classes{{end}}, listed in report.json.{{end}}</p>
{{- end}}
{{- if .Unreachable}}
<h2>Classes that look unreachable</h2>
<p>{{.UnreachableNote}}</p>
<table>
<tr><th>Class</th><th>Label</th><th>Best confidence</th><th>Why</th></tr>
{{- range .Unreachable}}
<tr><td class="num">{{.Index}}</td><td>{{.Label}}</td><td class="num">{{.Confidence}}</td><td>{{.Reason}}</td></tr>
{{- end}}
</table>
{{- if .UnreachableHidden}}
<p>…and {{.UnreachableHidden}} more such {{if eq .UnreachableHidden 1}}class{{else}}classes{{end}}, listed in report.json.</p>
{{- end}}
{{- end}}
{{- with .Chart}}
<h2>{{.Title}}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.W}}" height="{{.H}}" viewBox="0 0 {{.W}} {{.H}}" role="img" aria-label="{{.Title}}">
<rect x="{{.Left}}" y="{{.Top}}" width="{{.PlotW}}" height="{{.PlotH}}" fill="#f6f8fa" stroke="#d0d7de"/>
{{- range .XTicks}}
<line x1="{{.Pos}}" y1="{{$.Chart.Bottom}}" x2="{{.Pos}}" y2="{{$.Chart.TickEnd}}" stroke="#656d76"/>
<text x="{{.Pos}}" y="{{$.Chart.XLabelY}}" text-anchor="middle">{{.Label}}</text>
{{- end}}
{{- range .YTicks}}
<line x1="{{$.Chart.Left}}" y1="{{.Pos}}" x2="{{$.Chart.Right}}" y2="{{.Pos}}" stroke="#d0d7de"/>
<text x="{{$.Chart.YLabelX}}" y="{{.Pos}}" text-anchor="end" dominant-baseline="middle">{{.Label}}</text>
{{- end}}
{{- with .Base}}
<polyline fill="none" stroke="#8c959f" stroke-width="2" stroke-dasharray="6 4" points="{{.}}"/>
{{- end}}
<polyline fill="none" stroke="#cf222e" stroke-width="2" points="{{.Points}}"/>
{{- if .Base}}
<text x="{{.LegendX}}" y="{{.LegendY}}" text-anchor="end" fill="#cf222e">candidate</text>
<text x="{{.LegendX}}" y="{{.LegendY2}}" text-anchor="end">baseline (dashed)</text>
{{- end}}
<text x="{{.MidX}}" y="{{.H}}" text-anchor="middle" dy="-4">evaluations</text>
<text x="12" y="{{.MidY}}" text-anchor="middle" transform="rotate(-90 12 {{.MidY}})">fooled classes</text>
</svg>
{{- end}}
<h2>Target classes</h2>
<div class="grid">
{{- range .Classes}}
<figure{{if .Fooled}} class="fooled"{{end}}>
{{- with .Src}}<img src="{{.}}" width="{{$.ImgW}}" height="{{$.ImgH}}" alt="best image for this class">{{else}}<div class="noimg">no image</div>{{end}}
<figcaption>{{.Index}} {{.Label}}<br><span class="conf">{{.Confidence}}</span>{{if .Fooled}} fooled{{end}}{{if .Unreachable}} looks unreachable{{end}}</figcaption>
</figure>
{{- end}}
</div>
{{- if .Hidden}}
<p>…and {{.Hidden}} more {{if eq .Hidden 1}}class{{else}}classes{{end}} of lower confidence, not shown here: report.json lists every class.</p>
{{- end}}
<details>
<summary>Run configuration</summary>
<table>
{{- range .Config}}
<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{- end}}
</table>
</details>
<footer>Written by fooltest {{.Version}}.</footer>
</body>
</html>
`

// htmlPage is the data behind htmlTemplate. Every string is plain text; the
// template does the escaping.
type htmlPage struct {
	Class, Icon, Word string
	Model             string
	// Detail follows the verdict: what decided it, or why the model was
	// not tested.
	Detail string
	// MissingShards, in a merge with shards missing, says which and
	// which classes were not searched.
	MissingShards string
	// Comparison is the comparison with the baseline at BaselinePath,
	// when it did not decide the verdict, introduced by ComparisonLabel.
	Comparison, BaselinePath, ComparisonLabel string
	// UngatedRegression says that a regression shown does not gate the
	// run; "" when there is none or it does.
	UngatedRegression string
	Interrupted       bool
	Reason            string
	Evaluations       int64
	ReportOnly        bool
	// NonFinite is the note on outputs that were not finite; "" when none.
	NonFinite string
	// Allowance says that a max-fooled count allows every target class,
	// as report.md does; "" otherwise.
	Allowance            string
	PreprocessingWarning string
	Summary              [][2]string
	Baseline             []htmlBaseline
	BaselineHidden       int
	Unreachable          []htmlUnreachable
	UnreachableHidden    int
	UnreachableNote      string
	Chart                *svgChart
	Classes              []htmlClass
	Hidden               int
	ImgW, ImgH           int
	Config               [][2]string
	Version              string
}

// htmlUnreachable is one class that looks unreachable.
type htmlUnreachable struct {
	Index                     int
	Label, Confidence, Reason string
}

// htmlBaseline is one class of the comparison with the baseline.
type htmlBaseline struct {
	Index                 int
	Label                 string
	Cost, BaseCost, Ratio string
	Regressed             bool
}

// maxHTMLBaseline caps the comparison table, which lists the worst
// regressions first; report.json has every class.
const maxHTMLBaseline = 200

// htmlClass is one figure of the class grid.
type htmlClass struct {
	Index       int
	Label       string
	Confidence  string
	Fooled      bool
	Unreachable bool
	pixels      *Image
}

// Src encodes the class image as a data: URI when the template asks for it,
// so that a thousand images are never all held in memory at once. Images
// larger than htmlThumb pixels a side are shrunk and sent as JPEG: the page
// must stay openable with a thousand ImageNet-size images in it, and the
// full-size PNGs are in images/.
func (c htmlClass) Src() (template.URL, error) {
	if c.pixels == nil || c.pixels.validate() != nil {
		return "", nil
	}
	var buf bytes.Buffer
	mime := "image/png"
	if f := shrinkFactor(c.pixels); f > 1 {
		mime = "image/jpeg"
		if err := jpeg.Encode(&buf, shrink(c.pixels, f), &jpeg.Options{Quality: 85}); err != nil {
			return "", fmt.Errorf("encoding the image of class %d: %w", c.Index, err)
		}
	} else {
		if err := encodeImagePNG(&buf, c.pixels, 1, 1); err != nil {
			return "", fmt.Errorf("encoding the image of class %d: %w", c.Index, err)
		}
	}
	// template.URL marks the data: URI as intended; html/template would
	// otherwise replace it with a placeholder.
	return template.URL("data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(buf.Bytes())), nil
}

// maxHTMLFigures caps the class grid of report.html. It shows the fooled
// classes and the maxUnfooledImages closest others; the cap keeps a run
// that fooled tens of thousands of classes to a page a browser opens (about
// 5 KB per ImageNet thumbnail).
const maxHTMLFigures = 1000

// htmlThumb is the largest side, in pixels, of an image inlined in the page.
const htmlThumb = 128

// shrinkFactor is the integer factor that brings m within htmlThumb.
func shrinkFactor(m *Image) int {
	side := max(m.W, m.H)
	return (side + htmlThumb - 1) / htmlThumb
}

// shrink averages f×f blocks of m into an RGB or gray image. It sums rows
// of blocks into a buffer rather than calling a function per pixel and
// channel: with a thousand fooled ImageNet classes it runs a thousand times
// a page.
func shrink(m *Image, f int) image.Image {
	w, h := m.W/f, m.H/f
	plane := m.H * m.W
	n := uint32(f * f)
	sum := make([]uint32, w)
	// block fills sum with the f×f block sums of channel c in block row y.
	block := func(c, y int) {
		clear(sum)
		for dy := range f {
			row := m.Pix[c*plane+(y*f+dy)*m.W:]
			for x := range w {
				for _, v := range row[x*f : x*f+f] {
					sum[x] += uint32(v)
				}
			}
		}
	}
	if m.C == 1 {
		g := image.NewGray(image.Rect(0, 0, w, h))
		for y := range h {
			block(0, y)
			out := g.Pix[y*g.Stride:]
			for x, v := range sum {
				out[x] = uint8((v + n/2) / n)
			}
		}
		return g
	}
	rgb := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		out := rgb.Pix[y*rgb.Stride:]
		for c := range 3 {
			block(c, y)
			for x, v := range sum {
				out[4*x+c] = uint8((v + n/2) / n)
			}
		}
		for x := range w {
			out[4*x+3] = 0xff
		}
	}
	return rgb
}

// svgChart is the inline SVG line chart of fooled classes against
// evaluations, with the baseline's as a second, dashed line when there is
// one; all coordinates are computed here, the template only prints.
type svgChart struct {
	Title                                        string
	W, H, Left, Right, Top, Bottom, PlotW, PlotH int
	TickEnd, XLabelY, YLabelX, MidX, MidY        int
	LegendX, LegendY, LegendY2                   int
	XTicks, YTicks                               []svgTick
	Points, Base                                 string
}

type svgTick struct {
	Pos   int
	Label string
}

// newSVGChart lays out the chart for res, or returns nil when there is
// nothing to plot.
func newSVGChart(res *Result) *svgChart {
	const n = 61
	title := "Fooled classes against evaluations"
	cand, base := baselineCurves(res, n)
	total := res.EvaluationBudget
	if cand == nil {
		cand, base, total = fooledCurve(res, n), nil, res.Evaluations
	} else {
		title = "Classes at the threshold against evaluations, candidate and baseline"
	}
	if cand == nil {
		return nil
	}
	maxY := cand[len(cand)-1].Fooled
	if base != nil {
		maxY = max(maxY, base[len(base)-1].Fooled)
	}
	if maxY == 0 {
		return nil
	}
	c := &svgChart{Title: title, W: 720, H: 280, Left: 56, Right: 704, Top: 12, Bottom: 240}
	c.PlotW, c.PlotH = c.Right-c.Left, c.Bottom-c.Top
	c.TickEnd, c.XLabelY, c.YLabelX = c.Bottom+5, c.Bottom+18, c.Left-6
	c.MidX, c.MidY = (c.Left+c.Right)/2, (c.Top+c.Bottom)/2
	// The legend sits at the top left of the plot, where step curves that
	// start at zero leave room.
	c.LegendX, c.LegendY, c.LegendY2 = c.Left+130, c.Top+16, c.Top+30
	x := func(e int64) int { return c.Left + int(float64(c.PlotW)*float64(e)/float64(total)) }
	y := func(n int) int { return c.Bottom - int(float64(c.PlotH)*float64(n)/float64(maxY)) }
	line := func(pts []curvePoint) string {
		var b strings.Builder
		for i, p := range pts {
			if i > 0 {
				// A step, not a slope: the count changes only when a
				// class crosses the threshold.
				fmt.Fprintf(&b, " %d,%d ", x(p.Evaluations), y(pts[i-1].Fooled))
			}
			fmt.Fprintf(&b, "%d,%d", x(p.Evaluations), y(p.Fooled))
		}
		return b.String()
	}
	c.Points = line(cand)
	if base != nil {
		c.Base = line(base)
	}
	for i := 0; i <= 5; i++ {
		e := total * int64(i) / 5
		c.XTicks = append(c.XTicks, svgTick{Pos: x(e), Label: compactCount(e)})
	}
	step := max(1, (maxY+4)/5)
	for n := 0; n <= maxY; n += step {
		c.YTicks = append(c.YTicks, svgTick{Pos: y(n), Label: fmt.Sprint(n)})
	}
	return c
}

// htmlData gathers the page for res, the libraries' messages in words.
func htmlData(res *Result, words Words) htmlPage {
	p := htmlPage{
		// Text symbols rather than emoji: they are in common fonts, so the
		// page reads the same on a machine without an emoji font.
		Class: "pass", Icon: "✓", Word: "PASS",
		Model:                displayLabel(res.Model.Path, 200),
		Detail:               gateDetail(res),
		MissingShards:        missingShardsNote(res),
		Interrupted:          res.Interrupted,
		Reason:               displayLabel(cmp.Or(res.StoppedReason, "stopped before its budget was spent"), 120),
		Evaluations:          res.Evaluations,
		NonFinite:            nonFiniteNote(res, words),
		Allowance:            allowanceNote(res, words),
		PreprocessingWarning: preprocessingWarning(res, func(s string) string { return displayLabel(s, 40) }),
		Summary:              append(summaryRows(res, func(s string) string { return displayLabel(s, 200) }), scoreRows(res)...),
		Chart:                newSVGChart(res),
		Version:              displayLabel(res.Versions.Fooltest, 60),
	}
	switch {
	case isError(res):
		p.Class, p.Icon, p.Word, p.Detail = "error", "⊘", notTestedHeadline, errorReason(res, words)
	case res.Verdict != VerdictPass:
		p.Class, p.Icon, p.Word = "fail", "✗", "FAIL"
		if reportOnly(res) {
			p.Class, p.Icon, p.Word, p.ReportOnly = "reportonly", "⚠", "FAIL (report only)", true
		}
	}
	if b := res.Baseline; b != nil && !comparisonInHeadline(res) {
		p.Comparison, p.BaselinePath, p.ComparisonLabel = comparison(res), displayLabel(b.Path, 200), comparisonLabel(res)
		p.UngatedRegression = ungatedRegression(res, words)
	}
	rows := baselineRows(res)
	if len(rows) > maxHTMLBaseline {
		p.BaselineHidden = len(rows) - maxHTMLBaseline
		rows = rows[:maxHTMLBaseline]
	}
	for _, r := range rows {
		p.Baseline = append(p.Baseline, htmlBaseline{
			Index:     r.Class.Index,
			Label:     displayLabel(r.Class.Label, maxHTMLLabel),
			Cost:      formatCost(r.Class.EvaluationsToThreshold, res.EvaluationBudget),
			BaseCost:  formatCost(r.Base.EvaluationsToThreshold, res.EvaluationBudget),
			Ratio:     formatRatio(r.Base.LogRatio),
			Regressed: r.Regressed,
		})
	}
	for i, c := range unreachableClasses(res) {
		if i == maxHTMLBaseline {
			p.UnreachableHidden++
			continue
		}
		p.UnreachableNote = unreachableIntro(res)
		p.Unreachable = append(p.Unreachable, htmlUnreachable{
			Index: c.Index, Label: displayLabel(c.Label, maxHTMLLabel),
			Confidence: formatConfidence(c.Confidence, res.Threshold),
			Reason:     displayLabel(c.Unreachable.Reason, 600),
		})
	}
	for _, kv := range configRows(res) {
		p.Config = append(p.Config, [2]string{kv[0], displayLabel(kv[1], 300)})
	}
	// Highest confidence first puts the fooled classes at the top. The
	// page shows what images/ shows, capped, so that its size is bounded
	// whatever the number of classes; report.json lists every class.
	shown := ShownClasses(res)
	if len(shown) > maxHTMLFigures {
		shown = shown[:maxHTMLFigures]
	}
	p.Hidden = len(res.Classes) - len(shown)
	for _, c := range shown {
		p.Classes = append(p.Classes, htmlClass{
			Index:       c.Index,
			Label:       displayLabel(c.Label, maxHTMLLabel),
			Confidence:  formatConfidence(c.Confidence, res.Threshold),
			Fooled:      c.Fooled,
			Unreachable: c.Unreachable != nil,
			pixels:      c.Pixels,
		})
		if c.Pixels != nil && p.ImgW == 0 && c.Pixels.validate() == nil {
			p.ImgW, p.ImgH = displaySize(c.Pixels.W, c.Pixels.H)
		}
	}
	return p
}

// displaySize is the size an image is shown at in the class grid: the same
// integer upscale as images/, shrunk to fit the 128 px figure if need be.
func displaySize(w, h int) (int, int) {
	ky, kx := upscaleFactors(h, w)
	w, h = w*kx, h*ky
	if side := max(w, h); side > 128 {
		w, h = max(1, w*128/side), max(1, h*128/side)
	}
	return w, h
}

// encodeHTML writes report.html's content.
func encodeHTML(w io.Writer, res *Result, words Words) error {
	t, err := template.New("report.html").Parse(htmlTemplate)
	if err != nil {
		return fmt.Errorf("parsing the HTML template: %w", err)
	}
	if err := t.Execute(w, htmlData(res, words)); err != nil {
		return fmt.Errorf("rendering HTML: %w", err)
	}
	return nil
}
