package storage

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// t0 is the fake clock's start: fixed, so ids and expiry times are predictable.
var t0 = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: t0} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// openStore opens a Store on a fresh directory with a fake clock and no janitor; opts fields that
// are set override those defaults.
func openStore(t testing.TB, opts Options) (*Store, *fakeClock) {
	t.Helper()
	clock := newClock()
	if opts.Dir == "" {
		opts.Dir = filepath.Join(t.TempDir(), "renders")
	}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	if opts.CleanupInterval == 0 {
		opts.CleanupInterval = -1
	}
	s, err := Open(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, clock
}

// makePNG returns a valid w×h PNG carrying cacheKey in a tEXt chunk (if not empty) and, when
// size is larger than the bare image, a tEXt "Comment" chunk that pads the file to exactly size bytes.
func makePNG(t testing.TB, w, h int, cacheKey string, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, image.NewNRGBA(image.Rect(0, 0, w, h))))
	img := buf.Bytes()
	var extra []byte
	if cacheKey != "" {
		extra = append(extra, chunk("tEXt", []byte(cacheKeyKeyword+"\x00"+cacheKey))...)
	}
	if pad := size - len(img) - len(extra) - 12 - len("Comment\x00"); pad >= 0 {
		extra = append(extra, chunk("tEXt", []byte("Comment\x00"+strings.Repeat("x", pad)))...)
	}
	out := append([]byte{}, img[:pngHeadLen]...)
	out = append(out, extra...)
	out = append(out, img[pngHeadLen:]...)
	if size > 0 {
		require.Len(t, out, size, "cannot pad a %dx%d PNG to %d bytes", w, h, size)
	}
	return out
}

func chunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// publish writes data through a Pending and publishes it.
func publish(t testing.TB, s *Store, data []byte, key string) Record {
	t.Helper()
	p, err := s.Create()
	require.NoError(t, err)
	defer p.Abort()
	_, err = p.Write(data)
	require.NoError(t, err)
	rec, err := p.Publish(Meta{CacheKey: key})
	require.NoError(t, err)
	return rec
}

// names lists the directory's entries but the manifest, sorted.
func names(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range entries {
		if e.Name() != manifestName {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// renderFiles lists the render files in dir and their total size.
func renderFiles(t testing.TB, dir string) (ids []string, total int64) {
	t.Helper()
	for _, name := range names(t, dir) {
		if id, ok := idFromName(name); ok {
			fi, err := os.Lstat(filepath.Join(dir, name))
			require.NoError(t, err)
			if fi.Mode().IsRegular() {
				ids = append(ids, id)
				total += fi.Size()
			}
		}
	}
	return ids, total
}

func ids(recs []Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID
	}
	return out
}
