package main

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fooltest/fooltest/internal/exitcode"
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
