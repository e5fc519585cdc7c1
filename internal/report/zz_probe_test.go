package report_test

import (
	"testing"
	"time"
	"os"
	"path/filepath"

	"github.com/fooltest/fooltest/internal/report"
	"github.com/fooltest/fooltest/internal/report/reporttest"
)

func TestZZProbe(t *testing.T) {
	res := reporttest.New(t, reporttest.Options{Classes: 1000, Fooled: 100, HistoryLen: 100, Width: 224, Height: 224, Channels: 3})
	noisy(res)
	for _, f := range append(report.DefaultFormats(), report.FormatDataset) {
		dir := t.TempDir()
		t0 := time.Now()
		if _, err := report.Write(dir, res, []string{f}); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %v", f, time.Since(t0))
	}
	dir := t.TempDir()
	data := make([]byte, 150000)
	t0 := time.Now()
	for i := range 200 { report.WriteFileAtomic(filepath.Join(dir, string(rune('a'+i%26))+string(rune('a'+i/26))), data, 0o644) }
	t.Logf("200 atomic 150KB writes: %v", time.Since(t0))
	t0 = time.Now()
	for i := range 200 { os.WriteFile(filepath.Join(dir, "x"+string(rune('a'+i%26))+string(rune('a'+i/26))), data, 0o644) }
	t.Logf("200 plain 150KB writes: %v", time.Since(t0))
}
