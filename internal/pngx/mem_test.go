package pngx

import (
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAllocBigReusesAndFrees(t *testing.T) {
	TrimBig()
	before := ReadBigStats()
	const n = 5<<20 + 123
	b, fresh := AllocBig(n)
	require.Len(t, b, n)
	assert.True(t, fresh, "a new mapping is zeroed")
	for _, i := range []int{0, n / 2, n - 1} {
		assert.Zero(t, b[i])
	}
	b[0], b[n-1] = 7, 9
	FreeBig(b)
	FreeBig(b) // a second free of the same buffer does nothing
	c, fresh := AllocBig(n - 4096)
	if mmapSupported {
		assert.False(t, fresh, "the released buffer is handed out again, with its old bytes")
		assert.Equal(t, byte(7), c[0])
		s := ReadBigStats()
		assert.Equal(t, before.Mapped+1, s.Mapped)
		assert.Equal(t, before.Reused+1, s.Reused)
		assert.Equal(t, before.Live+1, s.Live)
	}
	FreeBig(c)
	TrimBig()
	s := ReadBigStats()
	assert.Equal(t, before.Live, s.Live, "nothing is left handed out")
	if mmapSupported {
		assert.Equal(t, s.Mapped, s.Unmapped+s.Live, "trimmed: every mapping not handed out is unmapped")
	}
	FreeBig(make([]byte, 10)) // not ours: left to the collector
}

func TestAllocBigCacheBounded(t *testing.T) {
	if !mmapSupported {
		t.Skip("no mmap here")
	}
	TrimBig()
	var bufs [][]byte
	for range 4 {
		b, _ := AllocBig(20 << 20)
		bufs = append(bufs, b)
	}
	for _, b := range bufs {
		FreeBig(b)
	}
	big.mu.Lock()
	cached := big.cached
	big.mu.Unlock()
	assert.LessOrEqual(t, cached, bigCacheBytes, "released buffers kept within the cache bound")
	// A request the cache cannot serve gives the cache back before mapping.
	b, _ := AllocBig(100 << 20)
	big.mu.Lock()
	cached = big.cached
	big.mu.Unlock()
	assert.Zero(t, cached)
	FreeBig(b) // over the cache bound: unmapped at once
	big.mu.Lock()
	cached = big.cached
	big.mu.Unlock()
	assert.Zero(t, cached)
}

// A paletted encode of a large image keeps no per-pixel index: rows are turned into indices as they
// are written, with the same bytes as the scan's indices would give.
func TestEncodeLargeKeepsNoIndex(t *testing.T) {
	for _, colours := range []int{40, 4} { // 8 bits a pixel, and 2 bits (packed)
		img := randomImage(rand.New(rand.NewPCG(3, uint64(colours))), 1500, 1500, colours, false)
		prev := runtime.GOMAXPROCS(8) // 8 strips of 281 KB: indices kept
		kept := roundTrip(t, img, nil)
		runtime.GOMAXPROCS(1) // one strip of 2.25 MB: none
		data := roundTrip(t, img, nil)
		ctype, _ := colourType(t, data)
		require.Equal(t, byte(ctPaletted), ctype)
		assert.Equal(t, kept, data, "the same bytes either way")
		// The least of three encodes: pools are warm, and a stray allocation elsewhere in the
		// process does not count.
		least := uint64(math.MaxUint64)
		for range 3 {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			require.NoError(t, Encode(io.Discard, img, nil))
			runtime.ReadMemStats(&after)
			least = min(least, after.TotalAlloc-before.TotalAlloc)
		}
		runtime.GOMAXPROCS(prev)
		if !raceEnabled {
			assert.Less(t, least, uint64(1500*1500/4), "allocates well under a byte per pixel")
		}
	}
}
