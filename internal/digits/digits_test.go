package digits

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/fooltest/fooltest/internal/testsupport/mnist"
)

var update = flag.Bool("update", false, "rewrite t10k-10-each.gz from the MNIST test set")

// pick returns the indices of the embedded digits in the MNIST test set:
// the first Count/Classes of each digit, in the set's order.
func pick(labels []uint8) []int {
	var out []int
	seen := map[uint8]int{}
	for i, l := range labels {
		if seen[l] < Count/Classes {
			seen[l]++
			out = append(out, i)
		}
		if len(out) == Count {
			break
		}
	}
	return out
}

// TestEmbeddedDigits checks that the embedded file holds the first
// Count/Classes MNIST test digits of each class, and with -update writes it
// from them.
func TestEmbeddedDigits(t *testing.T) {
	set, err := mnist.LoadTest()
	if errors.Is(err, mnist.ErrNotFound) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		var raw bytes.Buffer
		for _, i := range pick(set.Labels) {
			raw.WriteByte(set.Labels[i])
			for _, v := range set.Image(i) {
				raw.WriteByte(byte(math.Round(float64(v) * 255)))
			}
		}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		zw.Write(raw.Bytes())
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("t10k-10-each.gz", z.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		dataFile = z.Bytes()
	}
	imgs, labels, err := Set()
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range pick(set.Labels) {
		if labels[i] != set.Labels[j] {
			t.Fatalf("digit %d: label %d, the MNIST test set's digit %d has %d", i, labels[i], j, set.Labels[j])
		}
		want := set.Image(j)
		for p, v := range imgs[i*Size*Size : (i+1)*Size*Size] {
			if math.Abs(float64(v-want[p])) > 1e-6 {
				t.Fatalf("digit %d pixel %d: %g, the MNIST test set's is %g", i, p, v, want[p])
			}
		}
	}
	seen := map[uint8]int{}
	for _, l := range labels {
		seen[l]++
	}
	for d := range uint8(Classes) {
		if seen[d] != Count/Classes {
			t.Errorf("digit %d appears %d times in the check's set, want %d", d, seen[d], Count/Classes)
		}
	}
}

func TestResize(t *testing.T) {
	src, _, err := Set()
	if err != nil {
		t.Fatal(err)
	}
	same := resize(src, 2, Size, Size)
	for i, v := range same {
		if v != src[i] {
			t.Fatalf("resizing to %d×%d changed pixel %d: %g to %g", Size, Size, i, src[i], v)
		}
	}
	// Ink and its centre survive a resize, scaled.
	moments := func(img []float32, h, w int) (mass, cy, cx float64) {
		for y := range h {
			for x := range w {
				v := float64(img[y*w+x])
				mass += v
				cy += v * (float64(y) + 0.5) / float64(h)
				cx += v * (float64(x) + 0.5) / float64(w)
			}
		}
		return mass / float64(h*w), cy / mass, cx / mass
	}
	for _, sz := range [][2]int{{32, 32}, {20, 20}, {56, 40}} {
		h, w := sz[0], sz[1]
		out := resize(src, Count, h, w)
		for i := range Count {
			m0, y0, x0 := moments(src[i*Size*Size:(i+1)*Size*Size], Size, Size)
			m1, y1, x1 := moments(out[i*h*w:(i+1)*h*w], h, w)
			if math.Abs(m1-m0) > 0.1*m0 || math.Abs(y1-y0) > 0.02 || math.Abs(x1-x0) > 0.02 {
				t.Fatalf("digit %d resized to %d×%d: mean ink %.3f, centre (%.3f, %.3f); was %.3f, (%.3f, %.3f)", i, h, w, m1, y1, x1, m0, y0, x0)
			}
		}
	}
}

func TestApplies(t *testing.T) {
	for _, tc := range []struct {
		ch, h, w, k int
		want        bool
	}{
		{1, 28, 28, 10, true},
		{1, 20, 20, 10, true},
		{1, 32, 32, 10, true},
		{3, 28, 28, 10, false},
		{1, 28, 28, 11, false},
		{1, 4, 4, 10, false},
		{1, 64, 64, 10, true},
		{1, 65, 64, 10, false},
		{1, 512, 512, 10, false},
	} {
		if got := Applies(tc.ch, tc.h, tc.w, tc.k); got != tc.want {
			t.Errorf("Applies(%d, %d, %d, %d) = %v, want %v", tc.ch, tc.h, tc.w, tc.k, got, tc.want)
		}
	}
}

func TestNamesDigits(t *testing.T) {
	numbered := func(f string) []string {
		out := make([]string, 10)
		for i := range out {
			out[i] = fmt.Sprintf(f, i)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		labels []string
		want   bool
	}{
		{"numerals", numbered("%d"), true},
		{"digit N", numbered("digit %d"), true},
		{"class_N", numbered("class_%d"), true},
		{"words", []string{"zero", "One", "TWO", "three", "four", "five", "six", "seven", "eight", "nine"}, true},
		{"out of order", []string{"1", "0", "2", "3", "4", "5", "6", "7", "8", "9"}, false},
		{"numerals inside other numbers", numbered("%d0"), false},
		{"fashion", []string{"top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"}, false},
		{"eleven", append(numbered("%d"), "10"), false},
	} {
		if got := NamesDigits(tc.labels); got != tc.want {
			t.Errorf("%s: NamesDigits(%q) = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
}
