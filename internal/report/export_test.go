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
	ASCIICaption     = asciiCaption
	ImageName        = imageName
	Prepare          = prepare
	Slug             = slugOf
	WriteAtomic      = writeAtomic
	BudgetUsed       = budgetUsed
)

// Names only this package uses, which the external tests check the output
// against: file names, JUnit and SARIF vocabulary, limits.
const (
	DatasetDir               = datasetDir
	DatasetLabelsFile        = datasetLabelsFile
	FailureType              = failureType
	HTMLFile                 = htmlFile
	ImagesDir                = imagesDir
	JUnitClassname           = junitClassname
	JUnitFile                = junitFile
	MaxMarkdownBytes         = maxMarkdownBytes
	MaxUnfooledImages        = maxUnfooledImages
	MinScoreType             = minScoreType
	NotTestedCase            = notTestedCase
	NotTestedType            = notTestedType
	RegressionType           = regressionType
	SARIFFile                = sarifFile
	SARIFMinScoreRuleID      = sarifMinScoreRuleID
	SARIFMissingShardsRuleID = sarifMissingShardsRuleID
	SARIFNotTestedRuleID     = sarifNotTestedRuleID
	SARIFRegressionRuleID    = sarifRegressionRuleID
	SARIFRuleID              = sarifRuleID
)
