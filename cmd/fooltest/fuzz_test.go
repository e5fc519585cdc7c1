package main

import (
	"strings"
	"testing"
	"time"

	"github.com/fooltest/fooltest/cmd/fooltest/internal/exitcode"
	"github.com/fooltest/fooltest/internal/gate"
)

// The parsers read values from flags and from action inputs that may come
// from untrusted workflow files. Each fuzz target checks that any input is
// either accepted within range or rejected as a one-line usage error, and
// never panics. Seeds are under testdata/fuzz.

func checkUsageError(t *testing.T, in string, err error) {
	t.Helper()
	if code := exitcode.Of(err); code != exitcode.Usage {
		t.Fatalf("%q: error %v has exit code %d, want 2", in, err, code)
	}
}

func FuzzBudget(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseBudget(s)
		if err != nil {
			checkUsageError(t, s, err)
			return
		}
		if d < time.Second || d > 24*time.Hour {
			t.Fatalf("%q accepted as %s, outside 1s..24h", s, d)
		}
	})
}

func FuzzThreshold(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseThreshold(s)
		if err != nil {
			checkUsageError(t, s, err)
			return
		}
		if !(v > 0 && v <= 1) {
			t.Fatalf("%q accepted as %v", s, v)
		}
	})
}

func FuzzMaxFooled(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, targets uint16) {
		m, err := gate.ParseMaxFooled(s)
		if err != nil {
			return
		}
		n := int(targets)
		if r := m.Resolve(n); r < 0 || (strings.HasSuffix(m.String(), "%") && r > n) {
			t.Fatalf("%q resolved to %d of %d targets", s, r, n)
		}
	})
}

func FuzzClasses(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, k uint16, seed uint64) {
		n := int(k%2000) + 1
		got, err := parseClasses(s, n, seed)
		if err != nil {
			checkUsageError(t, s, err)
			return
		}
		if len(got) == 0 {
			t.Fatalf("%q accepted with no classes", s)
		}
		for i, c := range got {
			if c < 0 || c >= n || (i > 0 && got[i-1] >= c) {
				t.Fatalf("%q gave %v for %d classes: not sorted, unique and in range", s, got, n)
			}
		}
	})
}

func FuzzMeanStd(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseFloats("--mean", s)
		if err != nil {
			checkUsageError(t, s, err)
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("multi-line error for %q", s)
			}
			return
		}
		if len(v) < 1 || len(v) > maxChannelValues {
			t.Fatalf("%q gave %d values", s, len(v))
		}
		for _, x := range v {
			if x != x || x > 3e38 || x < -3e38 {
				t.Fatalf("%q gave non-finite %v", s, x)
			}
		}
	})
}

func FuzzInputShape(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		c, h, w, err := parseShape(s)
		if err != nil {
			checkUsageError(t, s, err)
			return
		}
		if (c != 1 && c != 3) || h < 1 || w < 1 || h > 8192 || w > 8192 {
			t.Fatalf("%q accepted as %d,%d,%d", s, c, h, w)
		}
	})
}
