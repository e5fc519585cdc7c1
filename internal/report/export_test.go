package report

// Internal renderers, exported to the external tests so that they can run
// them in memory (fuzzing through files and fsync would be far too slow).
var (
	RenderMarkdown   = renderMarkdown
	EncodeJUnit      = encodeJUnit
	EncodeSARIF      = encodeSARIF
	EncodeHTML       = encodeHTML
	EncodeJSON       = encodeJSON
	RenderGallery    = renderGallery
	FormatConfidence = formatConfidence
	CleanText        = cleanText
	MDEscape         = mdEscape
	FormatRatio      = formatRatio
	FormatP          = formatP
	GalleryTitle     = galleryTitle
)
