package report

import "path/filepath"

// Folders returns the folders inside the report directory dir that Write
// may create, images/ and dataset/, for a caller that must tell them from
// the user's (a process told to exit at once removes those its run
// created and left empty).
func Folders(dir string) []string {
	return []string{filepath.Join(dir, imagesDir), filepath.Join(dir, datasetDir)}
}
