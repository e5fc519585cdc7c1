package report

import (
	"io"
	"io/fs"
)

// WriteAtomic is writeAtomic with no Stopper, as every writer but a
// stopped one writes.
func WriteAtomic(path string, perm fs.FileMode, write func(w io.Writer) error) error {
	return writeAtomic(nil, path, perm, write)
}

// Internal helpers the external tests check on their own.
var (
	RenderGallery  = renderGallery
	CleanText      = cleanText
	MDEscape       = mdEscape
	FormatRatio    = formatRatio
	FormatP        = formatP
	GalleryTitle   = galleryTitle
	ASCIICaption   = asciiCaption
	ImageName      = imageName
	Prepare        = prepare
	Slug           = slugOf
	BudgetUsed     = budgetUsed
	AppendIndented = appendIndented
	RemoveEarlier  = removeEarlier
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
