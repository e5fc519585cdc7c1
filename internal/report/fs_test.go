package report_test

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/testsupport/reporttest"
)

// linkingFormats are the reports that may name files in images/.
var linkingFormats = []string{report.FormatJSON, report.FormatJUnit, report.FormatMarkdown, report.FormatSARIF, report.FormatHTML}

// noImageLinks fails when a report in dir names a file in images/.
func noImageLinks(t *testing.T, dir string, written map[string]string) {
	t.Helper()
	for _, f := range linkingFormats {
		if written[f] == "" {
			t.Errorf("%s not written", f)
			continue
		}
		data, err := os.ReadFile(written[f])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), report.ImagesDir+"/") {
			t.Errorf("%s links images that were not written", f)
		}
	}
}

// TestWriteImagesFolderFails: when images/ cannot be made, every other
// report is written and none links an image.
func TestWriteImagesFolderFails(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 5, Fooled: 3})
	dir := t.TempDir()
	// A file where images/ should be makes the folder impossible.
	if err := os.WriteFile(filepath.Join(dir, report.ImagesDir), []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	written, err := write(dir, res, nil)
	if err == nil || !strings.Contains(err.Error(), "images") {
		t.Fatalf("Write error %v, want one about images", err)
	}
	if _, ok := written[report.FormatImages]; ok {
		t.Error("images reported as written")
	}
	for _, c := range res.Classes {
		if c.Image != "" {
			t.Errorf("class %d still names %s", c.Index, c.Image)
		}
	}
	noImageLinks(t, dir, written)
}

// TestWriteRemovesStale: a second run into the same directory leaves only
// the images its reports link, and only the dataset labels.csv lists;
// files fooltest did not write, and links, stay.
func TestWriteRemovesStale(t *testing.T) {
	dir := t.TempDir()
	formats := append(report.DefaultFormats(), report.FormatDataset)
	first := reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 4})
	if _, err := write(dir, first, formats); err != nil {
		t.Fatal(err)
	}
	images := filepath.Join(dir, report.ImagesDir)
	dataset := filepath.Join(dir, report.DatasetDir)
	outside := filepath.Join(t.TempDir(), "outside.png")
	if err := os.WriteFile(outside, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An image the first run wrote, as an earlier run would leave it
	// under another name.
	own, err := os.ReadFile(filepath.Join(images, report.ImageName(&first.Classes[0])))
	if err != nil {
		t.Fatal(err)
	}
	user := userPNG(t)
	planted := map[string]struct {
		content []byte
		kept    bool
	}{
		filepath.Join(images, "notes.txt"):    {nil, true},
		filepath.Join(images, "logo.png"):     {nil, true}, // not a name fooltest gives
		filepath.Join(images, "999-old.png"):  {own, false},
		filepath.Join(dataset, "998-old.png"): {own, false},
		filepath.Join(dataset, "README"):      {nil, true},
		// The user's own PNGs, named as fooltest names its images but
		// without its mark: a report directory of "." holds the
		// repository's images/ folder.
		filepath.Join(images, "1-architecture.png"): {user, true},
		filepath.Join(images, "12-logo.png"):        {user, true},
		filepath.Join(dataset, "7-sample.png"):      {user, true},
	}
	for p, f := range planted {
		if err := os.WriteFile(p, f.content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(images, "link.png")
	if err := os.Symlink(outside, link); err != nil {
		t.Fatal(err)
	}

	second := reporttest.New(t, reporttest.Options{Classes: 3, Fooled: 1, Label: func(i int) string { return "renamed" }})
	if _, err := write(dir, second, formats); err != nil {
		t.Fatal(err)
	}
	want := []string{"1-architecture.png", "12-logo.png", "link.png", "logo.png", "notes.txt"}
	for i := range second.Classes {
		want = append(want, report.ImageName(&second.Classes[i]))
	}
	slices.Sort(want)
	if got := dirNames(t, images); !slices.Equal(got, want) {
		t.Errorf("images/ holds %q, want %q", got, want)
	}
	wantData := []string{"0-renamed.png", "7-sample.png", "README", report.DatasetLabelsFile}
	if got := dirNames(t, dataset); !slices.Equal(got, wantData) {
		t.Errorf("dataset/ holds %q, want %q", got, wantData)
	}
	for p, f := range planted {
		if b, err := os.ReadFile(p); f.kept && (err != nil || string(b) != string(f.content)) {
			t.Errorf("%s changed or is gone (%v), want it kept", p, err)
		}
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "keep me" {
		t.Errorf("the target of a link in images/ changed: %q, %v", b, err)
	}
}

// TestWriteClearsUnwrittenFormats: a run that does not write images or
// the dataset removes those an earlier run wrote into the same directory,
// which none of its reports link, and the folder when nothing else is in
// it; files fooltest did not write stay.
func TestWriteClearsUnwrittenFormats(t *testing.T) {
	tests := []struct {
		name        string
		formats     []string
		other       string   // a file of the user's planted in both folders; "" for none
		user        bool     // plant the user's images/1-architecture.png, dataset/0-sample.png and dataset/labels.csv
		wantImages  []string // nil: images/ is gone
		wantDataset []string // nil: dataset/ is gone
	}{
		{
			name:    "json and markdown",
			formats: []string{report.FormatJSON, report.FormatMarkdown},
		},
		{
			name:        "json and markdown, folders the user also uses",
			formats:     []string{report.FormatJSON, report.FormatMarkdown},
			other:       "logo.png",
			wantImages:  []string{"logo.png"},
			wantDataset: []string{"logo.png"},
		},
		{
			// The user's files named as fooltest's, in a report
			// directory of ".": neither a PNG without fooltest's mark
			// nor a labels.csv without its header is fooltest's.
			name:        "json, folders holding the user's images and labels.csv",
			formats:     []string{report.FormatJSON},
			user:        true,
			wantImages:  []string{"1-architecture.png"},
			wantDataset: []string{"0-sample.png", report.DatasetLabelsFile},
		},
		{
			name:       "images without the dataset",
			formats:    []string{report.FormatJSON, report.FormatImages},
			wantImages: []string{"0-class-0.png", "1-class-1.png"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			first := reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 4})
			if _, err := write(dir, first, append(report.DefaultFormats(), report.FormatDataset)); err != nil {
				t.Fatal(err)
			}
			images := filepath.Join(dir, report.ImagesDir)
			dataset := filepath.Join(dir, report.DatasetDir)
			if tt.other != "" {
				for _, d := range []string{images, dataset} {
					if err := os.WriteFile(filepath.Join(d, tt.other), []byte("keep me"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			userFiles := map[string][]byte{
				filepath.Join(images, "1-architecture.png"):      userPNG(t),
				filepath.Join(dataset, "0-sample.png"):           userPNG(t),
				filepath.Join(dataset, report.DatasetLabelsFile): []byte("path,label\n0-sample.png,cat\n"),
			}
			if tt.user {
				// Replaces the first run's labels.csv, and stands for
				// the files fooltest's own would have been named as.
				for p, b := range userFiles {
					if err := os.WriteFile(p, b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			second := reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1})
			if _, err := write(dir, second, tt.formats); err != nil {
				t.Fatal(err)
			}
			if tt.user {
				for p, want := range userFiles {
					if b, err := os.ReadFile(p); err != nil || string(b) != string(want) {
						t.Errorf("the user's %s changed or is gone (%v), want it kept", p, err)
					}
				}
			}
			for _, d := range []struct {
				path string
				want []string
			}{{images, tt.wantImages}, {dataset, tt.wantDataset}} {
				if d.want == nil {
					if _, err := os.Lstat(d.path); !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("%s is still there (%v), want it removed", d.path, err)
					}
					continue
				}
				if got := dirNames(t, d.path); !slices.Equal(got, d.want) {
					t.Errorf("%s holds %q, want %q", d.path, got, d.want)
				}
			}
		})
	}
}

// TestWriteClearsUnwrittenReports: a run that writes fewer formats than an
// earlier one into the same directory removes the earlier run's report
// files of the formats it does not write, whose verdict would otherwise be
// published beside its own; files of those names that fooltest did not
// write (a repository's own report.md in a report directory of "."), and
// links, stay.
func TestWriteClearsUnwrittenReports(t *testing.T) {
	stale := []string{"junit.xml", "report.sarif", "report.html", "gallery.png"}
	t.Run("an earlier run's", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := write(dir, reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 4}), report.DefaultFormats()); err != nil {
			t.Fatal(err)
		}
		for _, name := range stale {
			if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
				t.Fatalf("the first run wrote no %s: %v", name, err)
			}
		}
		if _, err := write(dir, reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1}), []string{report.FormatJSON, report.FormatMarkdown}); err != nil {
			t.Fatal(err)
		}
		if got, want := dirNames(t, dir), []string{"report.json", "report.md"}; !slices.Equal(got, want) {
			t.Errorf("the report directory holds %q, want %q", got, want)
		}
	})
	t.Run("not fooltest's", func(t *testing.T) {
		dir := t.TempDir()
		own := map[string]string{
			"report.md":    "# Quarterly report\n",
			"junit.xml":    `<?xml version="1.0"?><testsuites><testsuite name="unit"></testsuite></testsuites>`,
			"report.json":  `{"schema": 1, "tool": "other"}`,
			"report.sarif": `{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "linter"}}}]}`,
		}
		for name, content := range own {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		target := filepath.Join(t.TempDir(), "page.html")
		if err := os.WriteFile(target, []byte("<title>fooltest FAIL</title>"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(dir, "report.html")); err != nil {
			t.Fatal(err)
		}
		if _, err := write(dir, reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1}), []string{report.FormatImages}); err != nil {
			t.Fatal(err)
		}
		for name, content := range own {
			if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != content {
				t.Errorf("%s changed: %q, %v", name, b, err)
			}
		}
		if fi, err := os.Lstat(filepath.Join(dir, "report.html")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("the link report.html was removed or replaced (%v)", err)
		}
	})
}

// TestWriteFailedFormatsLeaveNoEarlierReport: a report file this run
// failed to write (here every one: the writers were stopped, as a second
// signal stops them) does not leave the earlier run's file of that name to
// be read as this run's; the user's own files stay.
func TestWriteFailedFormatsLeaveNoEarlierReport(t *testing.T) {
	dir := t.TempDir()
	formats := append(report.DefaultFormats(), report.FormatDataset)
	if _, err := write(dir, reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 4}), formats); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := dirNames(t, dir)
	for _, name := range []string{"report.json", "junit.xml", "report.md", "report.sarif", "report.html", "gallery.png"} {
		if !slices.Contains(before, name) {
			t.Fatalf("the first run wrote no %s: %q", name, before)
		}
	}
	stop := &report.Stopper{}
	stop.Stop(dir)
	w, err := report.WriteFiles(dir, reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1}), formats, report.WriteOptions{Stop: stop})
	if !errors.Is(err, report.ErrStopped) {
		t.Fatalf("WriteFiles with its writers stopped: %v, want ErrStopped", err)
	}
	if len(w.Formats) > 0 {
		t.Errorf("formats reported as written: %v", w.Formats)
	}
	for _, name := range dirNames(t, dir) {
		if name == "notes.txt" || name == report.ImagesDir || name == "dataset" {
			continue
		}
		t.Errorf("the report directory still holds %s after a run that wrote no report", name)
	}
	for _, sub := range []string{report.ImagesDir, "dataset"} {
		if left, err := os.ReadDir(filepath.Join(dir, sub)); err == nil && len(left) > 0 {
			t.Errorf("%s/ still holds %d earlier files", sub, len(left))
		}
	}
	if b, err := os.ReadFile(notes); err != nil || string(b) != "mine" {
		t.Errorf("the user's notes.txt changed: %q, %v", b, err)
	}
}

// TestRemoveEarlier: before writing, every file an earlier run wrote in
// the report directory goes, so that a run killed while writing leaves
// only its own files; the folders, and the user's files in them, stay.
func TestRemoveEarlier(t *testing.T) {
	dir := t.TempDir()
	formats := append(report.DefaultFormats(), report.FormatDataset)
	if _, err := write(dir, reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 4}), formats); err != nil {
		t.Fatal(err)
	}
	user := []string{"notes.txt", filepath.Join(report.ImagesDir, "logo.png"), filepath.Join(report.DatasetDir, "README")}
	for _, p := range user {
		if err := os.WriteFile(filepath.Join(dir, p), []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := report.RemoveEarlier(dir); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, p := range tree(t, dir) {
		if rel, _ := filepath.Rel(dir, p); rel != report.ImagesDir && rel != report.DatasetDir {
			left = append(left, rel)
		}
	}
	slices.Sort(user)
	if !slices.Equal(left, user) {
		t.Errorf("the report directory holds %q, want only the user's %q and the folders", left, user)
	}
}

// TestWriteSymlinks: Write never writes through a folder that is a link,
// and replaces, rather than follows, a report file that is one.
func TestWriteSymlinks(t *testing.T) {
	tests := []struct {
		name    string
		link    string // relative to the report directory; "." is the directory itself
		isDir   bool
		wantErr bool
	}{
		{"report directory", ".", true, true},
		{"images folder", report.ImagesDir, true, true},
		{"dataset folder", report.DatasetDir, true, true},
		{"report file", report.JSONFile, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "fooltest-report")
			target := filepath.Join(t.TempDir(), "target")
			if tt.link != "." {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if tt.isDir {
				if err := os.Mkdir(target, 0o755); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(target, []byte("secret"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, filepath.Join(dir, tt.link)); err != nil {
				t.Fatal(err)
			}
			res := reporttest.New(t, reporttest.Options{Classes: 4, Fooled: 2})
			w, err := report.WriteFiles(dir, res, append(report.DefaultFormats(), report.FormatDataset), report.WriteOptions{})
			if got := errors.Is(err, report.ErrSymlink); got != tt.wantErr {
				t.Fatalf("Write error %v; errors.Is(err, ErrSymlink) = %v, want %v", err, got, tt.wantErr)
			}
			if tt.wantErr {
				if se, ok := errors.AsType[*report.SymlinkError](err); !ok || !strings.Contains(se.Error(), "is a symbolic link") {
					t.Errorf("error %v is not a *SymlinkError", err)
				}
				if names := dirNames(t, target); len(names) != 0 {
					t.Errorf("written through the link: %q", names)
				}
			} else {
				if b, err := os.ReadFile(target); err != nil || string(b) != "secret" {
					t.Errorf("the link's target changed: %q, %v", b, err)
				}
				if fi, err := os.Lstat(filepath.Join(dir, tt.link)); err != nil || !fi.Mode().IsRegular() {
					t.Errorf("%s is not a regular file after Write: %v", tt.link, err)
				}
			}
			if tt.link == "." {
				if len(w.Paths) != 0 || len(w.Formats) != 0 {
					t.Errorf("wrote %v through a linked report directory", w)
				}
				return
			}
			if tt.link == report.ImagesDir {
				noImageLinks(t, dir, w.Formats)
			}
		})
	}
}

func TestCheckDir(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(t *testing.T, dir string) // dir does not exist yet
		wantErr string
		symlink bool
	}{
		{name: "missing nested directory", setup: func(*testing.T, string) {}},
		{name: "existing directory", setup: func(t *testing.T, dir string) { mkdir(t, dir) }},
		{name: "directory is a link", symlink: true, wantErr: "report directory", setup: func(t *testing.T, dir string) {
			mkdir(t, filepath.Dir(dir))
			symlink(t, t.TempDir(), dir)
		}},
		{name: "images is a link", symlink: true, wantErr: "images folder", setup: func(t *testing.T, dir string) {
			mkdir(t, dir)
			symlink(t, t.TempDir(), filepath.Join(dir, report.ImagesDir))
		}},
		{name: "dataset is a dangling link", symlink: true, wantErr: "dataset folder", setup: func(t *testing.T, dir string) {
			mkdir(t, dir)
			symlink(t, filepath.Join(t.TempDir(), "gone"), filepath.Join(dir, report.DatasetDir))
		}},
		{name: "directory is a file", wantErr: "cannot create report directory", setup: func(t *testing.T, dir string) {
			mkdir(t, filepath.Dir(dir))
			if err := os.WriteFile(dir, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "a", "b", "fooltest-report")
			tt.setup(t, dir)
			before := tree(t, root)
			err := report.CheckDir(dir)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("CheckDir = %v, want error containing %q", err, tt.wantErr)
			}
			if errors.Is(err, report.ErrSymlink) != tt.symlink {
				t.Errorf("errors.Is(%v, ErrSymlink) = %v", err, !tt.symlink)
			}
			// The probe, and the folders made for it, are gone.
			if after := tree(t, root); !slices.Equal(before, after) {
				t.Errorf("CheckDir left %q, was %q", after, before)
			}
		})
	}
}

// TestDirThroughMissingFolder: a report directory given through a folder
// that does not exist ("missing/../out") is checked and written as the
// folder it names, out, the same one ensureDir creates, and no other
// folder is made.
func TestDirThroughMissingFolder(t *testing.T) {
	root := t.TempDir()
	dir := root + string(filepath.Separator) + "missing" + string(filepath.Separator) + ".." + string(filepath.Separator) + "out"
	if err := report.CheckDir(dir); err != nil {
		t.Fatalf("CheckDir(%s): %v", dir, err)
	}
	w, err := report.WriteFiles(dir, reporttest.New(t, reporttest.Options{Classes: 2, Fooled: 1}), []string{report.FormatJSON, report.FormatImages}, report.WriteOptions{})
	if err != nil {
		t.Fatalf("WriteFiles(%s): %v", dir, err)
	}
	if got, want := w.Formats[report.FormatJSON], filepath.Join(root, "out", report.JSONFile); got != want {
		t.Errorf("report.json written to %s, want %s", got, want)
	}
	if got := dirNames(t, root); !slices.Equal(got, []string{"out"}) {
		t.Errorf("the parent holds %q, want only out", got)
	}
	if err := report.RemoveTemps(dir); err != nil {
		t.Errorf("RemoveTemps(%s): %v", dir, err)
	}
}

// TestWrittenPaths: WriteFiles lists exactly what it wrote: every file and
// every folder it created, not what was there before.
func TestWrittenPaths(t *testing.T) {
	tests := []struct {
		name    string
		planted []string // paths under the report directory made before; a trailing / makes a folder
		nested  bool
	}{
		{name: "fresh nested directory", nested: true},
		{name: "existing directory with a file and images/", planted: []string{"./", "secret.txt", "images/", "images/notes.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "out")
			if tt.nested {
				dir = filepath.Join(root, "a", "b")
			}
			var before []string
			for _, p := range tt.planted {
				full := filepath.Join(dir, p)
				if strings.HasSuffix(p, "/") {
					mkdir(t, full)
				} else if err := os.WriteFile(full, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				before = append(before, filepath.Clean(full))
			}
			res := reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 3})
			w, err := report.WriteFiles(dir, res, append(report.DefaultFormats(), report.FormatDataset), report.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, p := range tree(t, root) {
				if !slices.Contains(before, p) {
					want = append(want, p)
				}
			}
			got := slices.Clone(w.Paths)
			for i, p := range got {
				// A folder comes before what is in it.
				if j := slices.Index(got, filepath.Dir(p)); j > i {
					t.Errorf("%s listed before its folder", p)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("Paths = %q,\nwant %q", got, want)
			}
		})
	}
}

// tree lists every path under root, root excluded, sorted.
func tree(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// userPNG returns a PNG that fooltest did not write: image/png's, without
// the mark fooltest puts in its own.
func userPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFailedWriteRemovesEmptyFolders: when the writers fail (a full disk;
// here a stopped directory or images that cannot be drawn), the folders
// WriteFiles created and left empty are removed, deepest first, and are
// not listed as written; folders that were there before, and folders that
// hold a report, stay.
func TestFailedWriteRemovesEmptyFolders(t *testing.T) {
	all := append(report.DefaultFormats(), report.FormatDataset)
	tests := []struct {
		name    string
		planted []string // folders under the report directory made before ("." is the report directory)
		stop    bool     // stop every writer
		noImage bool     // no class has an image, as for a model not tested
		formats []string
		want    []string // what the report directory holds after, "." for itself
	}{
		{name: "nested directory made, every writer stopped", stop: true, formats: all},
		{name: "user's empty report directory kept", planted: []string{"."}, stop: true, formats: all, want: []string{"."}},
		{name: "user's images folder kept", planted: []string{".", "images"}, stop: true, formats: all, want: []string{".", "images"}},
		{name: "only images, none drawn", formats: []string{report.FormatImages}},
		{name: "report written, images not", formats: []string{report.FormatJSON, report.FormatImages}, want: []string{".", report.JSONFile}},
		{name: "no images to write, report stopped", stop: true, noImage: true, formats: []string{report.FormatJSON, report.FormatImages}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "a", "b")
			for _, p := range tt.planted {
				mkdir(t, filepath.Join(dir, p))
			}
			res := reporttest.New(t, reporttest.Options{Classes: 6, Fooled: 3})
			opts := report.WriteOptions{}
			switch {
			case tt.noImage:
				for i := range res.Classes {
					res.Classes[i].Pixels = nil
				}
			case !tt.stop:
				for i := range res.Classes {
					if px := res.Classes[i].Pixels; px != nil {
						px.Pix = px.Pix[:5]
					}
				}
			}
			if tt.stop {
				opts.Stop = &report.Stopper{}
				opts.Stop.Stop(dir)
			}
			w, err := report.WriteFiles(dir, res, tt.formats, opts)
			if err == nil {
				t.Fatal("WriteFiles succeeded; the test needs writers that fail")
			}
			var want []string
			if len(tt.planted) > 0 || len(tt.want) > 0 {
				want = append(want, filepath.Join(root, "a"))
			}
			for _, p := range tt.want {
				want = append(want, filepath.Join(dir, p))
			}
			slices.Sort(want)
			if got := tree(t, root); !slices.Equal(got, want) {
				t.Errorf("left %q,\nwant %q", got, want)
			}
			for _, p := range w.Paths {
				if _, err := os.Lstat(p); err != nil {
					t.Errorf("Paths lists %s, which is not there: %v", p, err)
				}
			}
			for f, p := range w.Formats {
				if _, err := os.Lstat(p); err != nil {
					t.Errorf("Formats gives %s at %s, which is not there: %v", f, p, err)
				}
			}
		})
	}
}
