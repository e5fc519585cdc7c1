package report

// Internal helpers the external tests check on their own.
var (
	RenderGallery    = renderGallery
	FormatConfidence = formatConfidence
	CleanText        = cleanText
	MDEscape         = mdEscape
	FormatRatio      = formatRatio
	FormatP          = formatP
	GalleryTitle     = galleryTitle
)
