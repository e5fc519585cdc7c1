//go:build !unix

package report

import "os"

// syncAll fsyncs each staged file where there is no sync(2).
func syncAll(files []staged) {
	for _, s := range files {
		if f, err := os.OpenFile(s.tmp, os.O_RDWR, 0); err == nil {
			_ = f.Sync()
			_ = f.Close()
		}
	}
}
