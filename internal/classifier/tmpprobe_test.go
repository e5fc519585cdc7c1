package classifier

import (
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/fooltest/fooltest/internal/demo"
)

func TestTmpProbe(t *testing.T) {
	if os.Getenv("PROBE") == "" {
		t.Skip()
	}
	c, err := OpenBytes("lenet", demo.Model, Options{Batch: 64})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ch, h, w, k := c.Shape()
	per := ch * h * w
	chunk := 192
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]float32, chunk*per)
	for i := range buf {
		buf[i] = rng.Float32()
	}
	conf := make([]float32, chunk*k)
	work := func(d time.Duration, par bool) {
		f := func() {
			s := time.Now()
			x := 1.0
			for time.Since(s) < d {
				for range 100 {
					x = math.Sqrt(x + 1)
				}
			}
			_ = x
		}
		if par {
			var wg sync.WaitGroup
			wg.Go(f)
			f()
			wg.Wait()
		} else {
			f()
		}
	}
	slice := 300 * time.Millisecond
	modes := []string{"nopause", "pause1", "pause2"}
	el := make([]time.Duration, len(modes))
	cnt := make([]int64, len(modes))
	var raw time.Duration
	var nr int64
	for range 10 {
		c.ScoreInputs(buf[:64*per], 64, conf)
		m, d, _ := c.Raw(slice)
		raw += d
		nr += m
		for j, mode := range modes {
			s := time.Now()
			for time.Since(s) < slice {
				switch mode {
				case "pause1":
					work(300*time.Microsecond, false)
				case "pause2":
					work(150*time.Microsecond, true)
				}
				t0 := time.Now()
				c.ScoreInputs(buf, chunk, conf)
				el[j] += time.Since(t0)
				cnt[j] += int64(chunk)
			}
		}
	}
	r := float64(nr) / raw.Seconds()
	for j, mode := range modes {
		t.Logf("%s: score rate/raw %.3f", mode, float64(cnt[j])/el[j].Seconds()/r)
	}
}
