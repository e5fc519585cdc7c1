package attack

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/demo"
	"github.com/fooltest/fooltest/internal/testsupport/onnxtest"
)

// fingerprint hashes everything a Result reports: per class the confidence,
// the evaluations to the threshold, the encoding and every pixel of the
// image, and the total evaluations.
func fingerprint(t *testing.T, r *Result) string {
	t.Helper()
	h := fnv.New64a()
	w := func(v any) { binary.Write(h, binary.LittleEndian, v) }
	w(r.Evaluations)
	w(int64(r.Generation))
	for i := range r.Classes {
		c := &r.Classes[i]
		w(int64(c.Index))
		w(math.Float64bits(c.Confidence))
		w(c.EvaluationsToThreshold)
		h.Write([]byte(c.Encoding))
		img, err := c.Image()
		if err != nil {
			panic(err)
		}
		h.Write(img)
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// TestReproducibleAcrossBatchAndThreads: the same model, seed, evaluation
// budget and settings give the same result, bit for bit, whatever the
// scorer's batch size and thread count, and the search's worker count (the
// core count). The generation unit belongs to the search; the scorer only
// splits generations into runs. It needs the real runtime: batch sizes and
// threads are the classifier's, and so is the input format the search
// renders into.
func TestReproducibleAcrossBatchAndThreads(t *testing.T) {
	colour := onnxtest.Classifier([]int64{-1, 3, 16, 16}, 10, "Softmax")
	norm, err := classifier.Preset(demo.Preset)
	if err != nil {
		t.Fatal(err)
	}
	models := []struct {
		name  string
		data  []byte
		norm  classifier.Normalization
		evals int64
	}{
		{"demo LeNet", demo.Model, norm, 1500},
		{"colour", colour.Bytes(), classifier.Normalization{}, 600},
		// More classes than maxClimbers: the many-class search, with
		// its lineages, endgame and growing networks.
		{"many classes", onnxtest.ManyClasses(200).Bytes(), classifier.Normalization{}, 1500},
	}
	type setup struct{ batch, threads, workers int }
	setups := []setup{{1, 1, 1}, {7, 1, 2}, {64, 2, 1}, {7, 2, 3}}
	for _, m := range models {
		for _, alg := range []string{AlgorithmDefault, AlgorithmPaper} {
			t.Run(m.name+"/"+alg, func(t *testing.T) {
				var want string
				for _, s := range setups {
					c, err := classifier.OpenBytes(m.name, m.data, classifier.Options{Normalization: m.norm, Batch: s.batch, Threads: s.threads})
					if err != nil {
						t.Fatal(err)
					}
					res, err := run(context.Background(), c, Config{
						Algorithm: alg, Encoding: EncodingBoth, Threshold: 1,
						MaxEvals: m.evals, Seed: 7,
					}, options{workers: s.workers})
					c.Close()
					if err != nil {
						t.Fatal(err)
					}
					got := fingerprint(t, res)
					if want == "" {
						want = got
						if res.Evaluations == 0 {
							t.Fatal("nothing was scored")
						}
						checkGolden(t, m.name+"/"+alg, got)
						continue
					}
					if got != want {
						t.Fatalf("batch %d, %d threads, %d workers: fingerprint %s, want %s (batch 1)", s.batch, s.threads, s.workers, got, want)
					}
				}
			})
		}
	}
}

var updateFingerprints = flag.Bool("update", false, "rewrite testdata/fingerprints.json from the current search")

// checkGolden compares a fingerprint with the one recorded in
// testdata/fingerprints.json, which both builds (with and without the
// simd experiment) must match: their kernels render the same images. A
// change to the search that changes results on purpose updates the file
// with -update, and must raise SearchVersion first: the file records the
// version its fingerprints were taken under (versionKey), and -update
// refuses a changed fingerprint under the recorded version, so that no
// search that finds other costs shares a version with the old one.
// (ONNX Runtime's kernels are chosen per CPU family, so a machine unlike
// CI's may score the last bits differently; the comparison across batch
// sizes and threads holds everywhere.)
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	const path = "testdata/fingerprints.json"
	golden := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &golden); err != nil {
			t.Fatal(err)
		}
	}
	version := strconv.Itoa(SearchVersion)
	if *updateFingerprints {
		if old, ok := golden[name]; ok && old != got && golden[versionKey] == version {
			t.Fatalf("%s: fingerprint %s, recorded %s under search version %s: the search's results changed, so raise attack.SearchVersion, then run -update again (baseline reports of the old search are then refused rather than compared)", name, got, old, version)
		}
		golden[name] = got
		golden[versionKey] = version
		b, _ := json.MarshalIndent(golden, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if golden[versionKey] != version {
		t.Fatalf("the fingerprints were recorded under search version %q, and the search is version %s: run with -update", golden[versionKey], version)
	}
	if want, ok := golden[name]; !ok || want != got {
		t.Fatalf("%s: fingerprint %s, recorded %q: the search's results changed (raise attack.SearchVersion and run with -update if that is intended)", name, got, want)
	}
}

// versionKey holds, in testdata/fingerprints.json, the SearchVersion the
// fingerprints were recorded under.
const versionKey = "(search version)"

// TestGenerationUnitMatters: the generation unit is part of the search's
// definition, so another unit is another search; the fingerprint would
// not notice otherwise.
func TestGenerationUnitMatters(t *testing.T) {
	run := func(unit int) string {
		res, err := run(context.Background(), fakeDemo(8), Config{Encoding: EncodingDirect, Threshold: 0.999, MaxEvals: 800, Seed: 7}, options{generation: unit})
		if err != nil {
			t.Fatal(err)
		}
		if want := cmp.Or(unit, DefaultGeneration); res.Generation != want {
			t.Fatalf("result records unit %d", res.Generation)
		}
		return fingerprint(t, res)
	}
	if a, b := run(0), run(16); a == b {
		t.Fatal("units 64 and 16 gave the same search")
	}
}
