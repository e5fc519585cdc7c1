// Command comparemodels checks that two classifiers of the same task agree:
// it scores the same images with both and prints, per group of images, how
// often their top-1 classes agree and how far their softmax outputs differ.
// With -bench it also times both models' raw throughput in alternating
// slices of one process, so that machine load weighs on both alike.
// scripts/dequantize-model.py's float models are checked against their
// int8 originals with it.
//
// Usage:
//
//	go run ./internal/tools/comparemodels -a INT8.onnx -b FLOAT.onnx -preset imagenet \
//	    -photos DIR_OR_FILE,... -native DIR,... [-bench 40s]
//
// -photos are natural images: each gives ten views (the centre and four
// corner crops after scaling the short side to 256/224 of the model's side,
// and their mirrors). -native images already have the model's size (such as
// the PNGs benchsearch -dump writes) and are used as they are; others are
// scaled and centre-cropped. Transparent pixels are composited on white.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	_ "image/jpeg"
	_ "image/png"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/ortlib"
	"github.com/fooltest/fooltest/internal/photo"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "comparemodels:", err)
		os.Exit(1)
	}
}

func run() error {
	a := flag.String("a", "", "first model (the reference)")
	b := flag.String("b", "", "second model")
	preset := flag.String("preset", "imagenet", "input normalization preset of both models")
	photos := flag.String("photos", "", "comma-separated natural images or folders of them (ten views each)")
	native := flag.String("native", "", "comma-separated images or folders of them at the model's size")
	minSide := flag.Int("min-side", 150, "skip photos whose shorter side has fewer pixels")
	batch := flag.Int("batch", 8, "batch size of both models")
	threads := flag.Int("threads", 0, "ONNX Runtime threads (0: one per CPU)")
	save := flag.String("save-first", "", "write the first image of the first group, as the models' canonical 3×H×W float32 little-endian in [0,1], to this file (scripts/int8-reference.py reads it)")
	bench := flag.Duration("bench", 0, "time both models' raw throughput in alternating one-second slices for this long in all")
	flag.Parse()
	if *a == "" || *b == "" {
		return errors.New("give -a and -b, the two models to compare")
	}
	path, err := ortlib.Find("", os.Getenv)
	if err == nil {
		_, err = classifier.LoadRuntime(path)
	}
	if err != nil {
		return err
	}
	norm, err := classifier.Preset(*preset)
	if err != nil {
		return err
	}
	opts := classifier.Options{Normalization: norm, Batch: *batch, Threads: *threads}
	ca, err := classifier.Open(*a, opts)
	if err != nil {
		return fmt.Errorf("open %s: %w", *a, err)
	}
	defer ca.Close()
	cb, err := classifier.Open(*b, opts)
	if err != nil {
		return fmt.Errorf("open %s: %w", *b, err)
	}
	defer cb.Close()
	ch, h, w, k := ca.Shape()
	if c2, h2, w2, k2 := cb.Shape(); c2 != ch || h2 != h || w2 != w || k2 != k {
		return fmt.Errorf("shapes differ: %d×%d×%d→%d against %d×%d×%d→%d", ch, h, w, k, c2, h2, w2, k2)
	}
	if ch != 3 {
		return fmt.Errorf("models take %d channels; this tool feeds RGB images", ch)
	}
	fmt.Printf("a: %s (%s)\nb: %s (%s)\n", *a, ca.Info().OutputKind, *b, cb.Info().OutputKind)
	var all []float32
	groups := []struct {
		name, list string
		views      bool
	}{{"photos", *photos, true}, {"native", *native, false}}
	for _, g := range groups {
		if g.list == "" {
			continue
		}
		imgs, n, err := load(g.list, g.views, h, w, *minSide)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Printf("%s: no images\n", g.name)
			continue
		}
		if *save != "" && len(all) == 0 {
			if err := saveImage(*save, imgs[:3*h*w]); err != nil {
				return err
			}
		}
		if err := compare(g.name, ca, cb, imgs, n, k); err != nil {
			return err
		}
		all = append(all, imgs...)
	}
	if len(all) > 0 && *photos != "" && *native != "" {
		if err := compare("all", ca, cb, all, len(all)/(3*h*w), k); err != nil {
			return err
		}
	}
	if *bench > 0 {
		return benchBoth(ca, cb, *bench)
	}
	return nil
}

// saveImage writes img as float32 little-endian values.
func saveImage(path string, img []float32) error {
	buf := make([]byte, 4*len(img))
	for i, v := range img {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		return fmt.Errorf("save the first image: %w", err)
	}
	return nil
}

// compare scores n images with both models and prints the agreement.
func compare(name string, ca, cb *classifier.Classifier, imgs []float32, n, k int) error {
	pa, pb := make([]float32, n*k), make([]float32, n*k)
	if err := ca.Score(imgs, n, pa); err != nil {
		return fmt.Errorf("score with a: %w", err)
	}
	if err := cb.Score(imgs, n, pb); err != nil {
		return fmt.Errorf("score with b: %w", err)
	}
	var agree, conf, confAgree int
	var maxDiff float64
	perImage := make([]float64, n)
	for i := range n {
		ra, rb := pa[i*k:(i+1)*k], pb[i*k:(i+1)*k]
		ta, tb := argmax(ra), argmax(rb)
		if ta == tb {
			agree++
		}
		// The confident subset: where a, the reference, is sure.
		if ra[ta] >= 0.9 {
			conf++
			if ta == tb {
				confAgree++
			}
		}
		for j := range k {
			perImage[i] = max(perImage[i], math.Abs(float64(ra[j]-rb[j])))
		}
		maxDiff = max(maxDiff, perImage[i])
	}
	slices.Sort(perImage)
	fmt.Printf("%s: %d images: top-1 agrees on %d (%.1f%%); where a's top-1 ≥ 0.9: %d of %d (%.1f%%); "+
		"max |softmax difference| %.4f, median over images of each image's max %.4f\n",
		name, n, agree, 100*float64(agree)/float64(n), confAgree, conf, 100*float64(confAgree)/float64(max(conf, 1)),
		maxDiff, perImage[n/2])
	return nil
}

func argmax(v []float32) int {
	best := 0
	for j := range v {
		if v[j] > v[best] {
			best = j
		}
	}
	return best
}

// benchBoth alternates one-second raw runs of both models and prints each
// one's rate and b's rate over a's.
func benchBoth(ca, cb *classifier.Classifier, total time.Duration) error {
	var na, nb int64
	var ta, tb time.Duration
	for rounds := 0; ta+tb < total || rounds < 2; rounds++ {
		n, took, err := ca.Raw(time.Second)
		if err != nil {
			return err
		}
		na, ta = na+n, ta+took
		n, took, err = cb.Raw(time.Second)
		if err != nil {
			return err
		}
		nb, tb = nb+n, tb+took
	}
	ra, rb := float64(na)/ta.Seconds(), float64(nb)/tb.Seconds()
	fmt.Printf("raw throughput, alternating slices: a %.1f images/s over %.1fs, b %.1f images/s over %.1fs at batch %d: b/a %.3f\n",
		ra, ta.Seconds(), rb, tb.Seconds(), ca.BatchSize(), rb/ra)
	return nil
}

// load reads every image the comma-separated list names (files, or folders
// searched recursively) as canonical planar RGB of h×w, and returns them
// with their count.
func load(list string, views bool, h, w, minSide int) ([]float32, int, error) {
	var files []string
	for _, p := range strings.Split(list, ",") {
		err := filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(path))
			if !d.IsDir() && (ext == ".png" || ext == ".jpg" || ext == ".jpeg") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, 0, fmt.Errorf("list images: %w", err)
		}
	}
	var out []float32
	n := 0
	for _, f := range files {
		img, err := photo.Decode(f)
		if err != nil {
			// Broken or odd files in system folders are skipped, not fatal.
			fmt.Fprintf(os.Stderr, "skip %s: %v\n", f, err)
			continue
		}
		b := img.Bounds()
		if !views {
			if b.Dx() == w && b.Dy() == h {
				out = append(out, photo.Crop(img, 1, 0, 0, h, w, false)...)
			} else {
				out = append(out, photo.Centre(img, h, w, false)...)
			}
			n++
			continue
		}
		if min(b.Dx(), b.Dy()) < minSide {
			continue
		}
		for _, mirror := range []bool{false, true} {
			scale := float64(h) * 256 / 224 / float64(min(b.Dx(), b.Dy()))
			nw, nh := int(math.Round(float64(b.Dx())*scale)), int(math.Round(float64(b.Dy())*scale))
			for _, at := range [][2]int{{(nw - w) / 2, (nh - h) / 2}, {0, 0}, {nw - w, 0}, {0, nh - h}, {nw - w, nh - h}} {
				out = append(out, photo.Crop(img, scale, at[0], at[1], h, w, mirror)...)
				n++
			}
		}
	}
	return out, n, nil
}
