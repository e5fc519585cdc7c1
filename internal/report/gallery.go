package report

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"io"
	"strings"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// GalleryFile is the name of the contact sheet.
const GalleryFile = "gallery.png"

// Gallery layout, in pixels.
const (
	galleryMaxFooled = 100 // fooled classes shown, highest confidence first
	galleryTopNone   = 20  // classes shown when none is fooled
	galleryColumns   = 10
	tileSide         = 128 // the box each image is fitted into
	tilePad          = 8
	lineHeight       = 14 // basicfont.Face7x13 is 13 px high
	glyphWidth       = 7
	headerHeight     = 28
)

// galleryClasses picks the tiles: the fooled classes by confidence, at most
// galleryMaxFooled, or, when none is fooled, the galleryTopNone classes that
// came closest, so the sheet still shows what the search reached. Classes
// without pixels are skipped.
func galleryClasses(res *Result) (tiles []*Class, fooled bool) {
	all := make([]*Class, 0, len(res.Classes))
	for _, c := range ByConfidence(res) {
		if c.Pixels != nil && c.Pixels.validate() == nil {
			all = append(all, c)
		}
	}
	var picked []*Class
	for _, c := range all {
		if c.Fooled && len(picked) < galleryMaxFooled {
			picked = append(picked, c)
		}
	}
	if len(picked) > 0 {
		return picked, true
	}
	return all[:min(len(all), galleryTopNone)], false
}

// asciiCaption keeps a caption drawable with the bitmap font, which only has
// ASCII glyphs, and bounds it to n characters. The punctuation fooltest
// writes itself becomes its ASCII form ("…" "...", "≥" ">="), so that a
// cut reason reads as cut rather than ending in "?"; other characters,
// from labels, still become '?'.
func asciiCaption(s string, n int) string {
	s = asciiPunctuation.Replace(cleanText(s))
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
	if len(s) > n {
		s = s[:n-1] + "~"
	}
	return s
}

// asciiPunctuation spells in ASCII the punctuation the reports write.
var asciiPunctuation = strings.NewReplacer("…", "...", "≥", ">=", "≤", "<=", "−", "-", "–", "-", "—", "-", "×", "x", "’", "'", "‘", "'", "“", `"`, "”", `"`)

// renderGallery draws the contact sheet: a title line with the verdict, then
// a grid of tiles, each the class image fitted into tileSide with nearest
// neighbour, a red frame when fooled, and two caption lines under it: index
// and label, then confidence.
func renderGallery(res *Result, words Words) (image.Image, error) {
	tiles, fooled := galleryClasses(res)
	title := galleryTitle(res, len(tiles), fooled, words)
	cols, w, h := galleryLayout(len(tiles), title)
	cellW := tileSide + 2*tilePad
	cellH := tileSide + tilePad + 2*lineHeight + tilePad
	sheet := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)

	ink := image.NewUniform(color.Black)
	drawText(sheet, ink, tilePad, 18, asciiCaption(title, (w-2*tilePad)/glyphWidth))

	// One character short of the cell, so neighbouring captions never touch.
	maxChars := cellW/glyphWidth - 1
	for i, c := range tiles {
		x0 := (i%cols)*cellW + tilePad
		y0 := headerHeight + (i/cols)*cellH
		if err := c.Pixels.validate(); err != nil {
			return nil, fmt.Errorf("gallery tile of class %d: %w", c.Index, err)
		}
		box := image.Rect(x0, y0, x0+tileSide, y0+tileSide)
		frame := color.RGBA{0xc0, 0xc0, 0xc0, 0xff}
		if c.Fooled {
			frame = color.RGBA{0xd0, 0x20, 0x20, 0xff}
		}
		draw.Draw(sheet, box.Inset(-2), image.NewUniform(frame), image.Point{}, draw.Src)
		draw.Draw(sheet, box, image.NewUniform(color.RGBA{0xf0, 0xf0, 0xf0, 0xff}), image.Point{}, draw.Src)
		fitNearest(sheet, box, c.Pixels)
		base := y0 + tileSide + tilePad + 10
		drawText(sheet, ink, x0-tilePad/2, base, asciiCaption(fmt.Sprintf("%d %s", c.Index, c.Label), maxChars))
		drawText(sheet, ink, x0-tilePad/2, base+lineHeight, formatConfidence(c.Confidence, res.Threshold))
	}
	return sheet, nil
}

// galleryLayout returns the sheet's columns and size in pixels for n tiles
// under title.
func galleryLayout(n int, title string) (cols, w, h int) {
	cols = max(1, min(galleryColumns, n))
	rows := (n + cols - 1) / cols
	cellW := tileSide + 2*tilePad
	cellH := tileSide + tilePad + 2*lineHeight + tilePad
	w = max(cols*cellW, len(title)*glyphWidth+2*tilePad)
	return cols, w, headerHeight + rows*cellH
}

// gallerySize returns the width and height of the gallery renderGallery
// draws for res, without drawing it.
func gallerySize(res *Result, words Words) (w, h int) {
	tiles, fooled := galleryClasses(res)
	_, w, h = galleryLayout(len(tiles), galleryTitle(res, len(tiles), fooled, words))
	return w, h
}

// galleryTitle is the sheet's title line: the verdict, or that the model
// was not tested and why (in words), and which tiles are shown.
func galleryTitle(res *Result, tiles int, fooled bool, words Words) string {
	title := fmt.Sprintf("fooltest %s: %d of %d %s fooled at >= %s (allowed %d)",
		strings.ToUpper(string(res.Verdict)), res.Fooled, res.Targets, noun(res.Targets, "class", "classes"), formatThreshold(res.Threshold), res.MaxFooled)
	if isError(res) {
		// The reason is bounded so that it cannot widen the sheet past
		// what its tiles need by much.
		title = "fooltest " + notTestedHeadline + ": " + truncate(errorReason(res, words), 120)
	}
	switch {
	case tiles == 0:
		title += "; no images"
	case !fooled:
		title += fmt.Sprintf("; top %d by confidence", tiles)
	case res.Fooled > tiles:
		title += fmt.Sprintf("; top %d shown", tiles)
	}
	return title
}

// fitNearest draws m centred in box, scaled with nearest neighbour by the
// largest factor that fits: an integer factor when enlarging, so pixels stay
// square blocks. It writes dst's bytes directly: going through Set and At
// for every pixel took most of the time of a 100-tile sheet. m must be
// valid.
func fitNearest(dst *image.RGBA, box image.Rectangle, m *Image) {
	sw, sh := m.W, m.H
	bw, bh := box.Dx(), box.Dy()
	var w, h int
	if k := min(bw/sw, bh/sh); k >= 1 {
		w, h = sw*k, sh*k
	} else if sw >= sh {
		w, h = bw, max(1, sh*bw/sw)
	} else {
		w, h = max(1, sw*bh/sh), bh
	}
	ox := box.Min.X + (bw-w)/2
	oy := box.Min.Y + (bh-h)/2
	plane := sw * sh
	for y := range h {
		src := (y * sh / h) * sw
		row := dst.Pix[dst.PixOffset(ox, oy+y):]
		for x := range w {
			i := src + x*sw/w
			r, g, b := m.Pix[i], m.Pix[i], m.Pix[i]
			if m.C == 3 {
				g, b = m.Pix[plane+i], m.Pix[2*plane+i]
			}
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = r, g, b, 0xff
		}
	}
}

// drawText draws one line of ASCII text with its baseline at y.
func drawText(dst draw.Image, ink image.Image, x, y int, s string) {
	d := font.Drawer{Dst: dst, Src: ink, Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

// encodeGallery writes gallery.png's content.
func encodeGallery(w io.Writer, res *Result, words Words) error {
	img, err := renderGallery(res, words)
	if err != nil {
		return err
	}
	return encodePNG(w, img)
}
