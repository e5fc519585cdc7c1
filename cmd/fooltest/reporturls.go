package main

import (
	"flag"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/report"
)

// reportURLs are the flags, shared by run and merge, that say where the
// report's files will be published, so that report.md can show or link
// them where people read it (a job summary, a pull request comment), where
// relative paths lead nowhere.
type reportURLs struct {
	imageBaseURL, artifactURL string
}

func (u *reportURLs) register(fs *flag.FlagSet) {
	fs.StringVar(&u.imageBaseURL, "image-base-url", "", "absolute http(s) `URL` under which the report directory's files are published: report.md then shows gallery.png and each fooled class's image from URL/<relative path>")
	fs.StringVar(&u.artifactURL, "artifact-url", "", "absolute http(s) `URL` of the uploaded report directory (such as actions/upload-artifact's artifact-url): report.md links to it when there is no --image-base-url")
}

// validate refuses a URL that report.md could not embed safely.
func (u *reportURLs) validate() error {
	if err := report.CheckImageBaseURL(u.imageBaseURL); err != nil {
		return exitcode.Usagef("--image-base-url %s: give the absolute http(s) URL of the folder the report's files are published in, without query or fragment, such as https://github.com/OWNER/REPO/raw/fooltest-assets/RUN", err)
	}
	if err := report.CheckArtifactURL(u.artifactURL); err != nil {
		return exitcode.Usagef("--artifact-url %s: give an absolute http(s) URL such as the artifact-url output of actions/upload-artifact", err)
	}
	return nil
}
