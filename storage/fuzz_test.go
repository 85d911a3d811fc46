package storage

import (
	"bytes"
	"testing"
)

func FuzzReadPNGInfo(f *testing.F) {
	f.Add(makePNG(f, 3, 2, "key", 0))
	f.Add(makePNG(f, 1, 1, "", 200))
	f.Add([]byte(pngSignature))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &countingReader{r: bytes.NewReader(b)}
		info, err := readPNGInfo(r)
		if err != nil {
			return
		}
		if info.width <= 0 || info.height <= 0 {
			t.Fatalf("accepted size %dx%d", info.width, info.height)
		}
		if r.n > pngHeadLen+maxMetaBytes+8 {
			t.Fatalf("read %d bytes", r.n)
		}
	})
}
