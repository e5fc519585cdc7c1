package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/classifier"
	"github.com/fooltest/fooltest/internal/report"
)

// parseBudget reads --budget: a Go duration ("90s", "5m") or plain seconds.
func parseBudget(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, err2 := strconv.ParseFloat(s, 64)
		if err2 != nil || secs != secs {
			return 0, exitcode.Usagef("--budget %q: give a duration such as 60s, 5m or 1h30m", s)
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < time.Second || d > 24*time.Hour {
		return 0, exitcode.Usagef("--budget %q: give a duration from 1s to 24h", s)
	}
	return d, nil
}

// parseThreshold reads --threshold, a confidence in (0, 1].
func parseThreshold(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !(v > 0 && v <= 1) {
		return 0, exitcode.Usagef("--threshold %q: give a confidence above 0 and at most 1, such as 0.99", s)
	}
	return v, nil
}

// parseClasses reads --classes for a model with k classes: "all", a comma
// list of indices and ranges ("3,5,10-19"), or "random:N" (drawn with seed).
func parseClasses(s string, k int, seed uint64) ([]int, error) {
	s = strings.TrimSpace(s)
	all := make([]int, k)
	for i := range all {
		all[i] = i
	}
	switch {
	case s == "" || s == "all":
		return all, nil
	case strings.HasPrefix(s, "random:"):
		n, err := strconv.Atoi(strings.TrimPrefix(s, "random:"))
		if err != nil || n < 1 || n > k {
			return nil, exitcode.Usagef("--classes %q: random:N needs N from 1 to the model's %d classes", s, k)
		}
		rng := rand.New(rand.NewPCG(seed, 0x636c6173736573))
		rng.Shuffle(k, func(i, j int) { all[i], all[j] = all[j], all[i] })
		out := all[:n]
		slices.Sort(out)
		return out, nil
	}
	seen := make(map[int]bool)
	var out []int
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a {
			return nil, exitcode.Usagef("--classes %q: %q is not a class index or range: use all, i,j,k, a-b or random:N", s, part)
		}
		if b >= k {
			return nil, exitcode.Usagef("--classes %q: class %d is out of range: the model has classes 0 to %d", s, b, k-1)
		}
		for i := a; i <= b; i++ {
			if !seen[i] {
				seen[i] = true
				out = append(out, i)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// oneOf validates an enumerated flag value.
func oneOf(flag, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return exitcode.Usagef("--%s %q: use one of %s", flag, v, strings.Join(allowed, ", "))
}

// parseShard reads --shard I/N ("" for none) and the shard's seed, the run's
// seed plus (I-1) × report.ShardSeedStep.
func parseShard(s string, seed uint64) (*report.Shard, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case !ok || err1 != nil || err2 != nil:
		return nil, exitcode.Usagef("--shard %q: give I/N, the shard I (from 1) of N, such as 2/4", s)
	case n < 1 || n > report.MaxShards:
		return nil, exitcode.Usagef("--shard %q: give N from 1 to %d shards", s, report.MaxShards)
	case i < 1 || i > n:
		return nil, exitcode.Usagef("--shard %q: give I from 1 to N=%d (shards count from 1)", s, n)
	}
	return &report.Shard{Index: i, Count: n, Seed: seed + uint64(i-1)*report.ShardSeedStep}, nil
}

// maxChannelValues bounds the values --mean and --std take: more than any
// image model's channels (Sentinel-2's 13 bands, hyperspectral cubes of a
// few hundred), few enough that a pasted array of pixels is refused here.
const maxChannelValues = 512

// parseFloats parses a comma-separated list of finite numbers, one for all
// channels or one per channel, as --mean and --std take them. It takes any
// count: whether the count fits the model's channels only the model says,
// and a 13-band model given 13 values is then refused for its bands, not
// for a list the user wrote right. Nonzero values must be normal float32
// numbers: 1e-40 would become a subnormal or 0.
func parseFloats(flag, s string) ([]float32, error) {
	parts := strings.Split(s, ",")
	if len(parts) > maxChannelValues {
		return nil, exitcode.Usagef("%s: %d values: give one value, or one per channel of the model (at most %d)", flag, len(parts), maxChannelValues)
	}
	out := make([]float32, len(parts))
	for i, p := range parts {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v != v || v > classifier.MaxMagnitude || v < -classifier.MaxMagnitude {
			return nil, exitcode.Usagef("%s %q: %q is not a finite number", flag, s, p)
		}
		if v != 0 && math.Abs(v) < classifier.MinMagnitude {
			return nil, exitcode.Usagef("%s %q: %q is too close to 0 for float32: give 0 or a magnitude of at least 1.2e-38", flag, s, p)
		}
		out[i] = float32(v)
	}
	return out, nil
}

// parseShape parses --input-shape C,H,W.
func parseShape(s string) (c, h, w int, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return 0, 0, 0, exitcode.Usagef("--input-shape %q: give C,H,W, for example 1,28,28 or 3,32,32", s)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n <= 0 || n > 8192 {
			return 0, 0, 0, exitcode.Usagef("--input-shape %q: %q must be a positive integer up to 8192", s, p)
		}
		v[i] = n
	}
	if v[0] != 1 && v[0] != 3 && (v[2] == 1 || v[2] == 3) {
		// H,W,C as an NHWC model declares it: the flag's order is the
		// same whatever the model's layout.
		return 0, 0, 0, exitcode.Usagef("--input-shape %q: give the channels first, C,H,W, whatever the model's layout (fooltest finds NHWC itself): --input-shape %d,%d,%d", s, v[2], v[0], v[1])
	}
	if v[0] != 1 && v[0] != 3 {
		return 0, 0, 0, exitcode.Usagef("--input-shape %q: C must be 1 (gray) or 3 (RGB), the images fooltest draws; a model of other channels (RGBA, depth) needs an export with a 1- or 3-channel input", s)
	}
	return v[0], v[1], v[2], nil
}

// parseOutputKind reads --output-kind; empty means auto.
func parseOutputKind(s string) (classifier.OutputKind, error) {
	if s == "" {
		return classifier.Auto, nil
	}
	if k := classifier.OutputKind(s); slices.Contains(classifier.OutputKinds, k) {
		return k, nil
	}
	return "", exitcode.Usagef("unknown --output-kind %q: use auto, probabilities, logits, sigmoid, multilabel-logits or percentages", s)
}
