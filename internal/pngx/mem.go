package pngx

import (
	"sync"
	"time"
	"unsafe"
)

// Large pixel buffers off the Go heap.
//
// A 4K frame is 33 MB. Allocated on the Go heap, every such buffer counts as live memory while it is in
// use, so the garbage collector lets the heap grow to about twice the largest live set before it
// collects, and the freed frames of earlier renders sit in that headroom: measured over stdio
// (goxel-bench), a server rendering 4K frames peaked at +148 MiB over idle for 33 MB frames.
// AllocBig maps buffers from the operating system instead (anonymous mmap where available) and FreeBig
// unmaps them, so they never enter the collector's pacing and the memory goes back at once.
//
// A few released buffers are kept for reuse (bigCacheBytes in all, dropped after bigIdle without use),
// so a run of renders of one size neither maps nor faults in its pages again. Where mmap is not
// available AllocBig falls back to make and FreeBig does nothing.
//
// The caller owns a buffer from AllocBig until it hands it to FreeBig, exactly once, and must not touch
// it (or any slice of it) afterwards: the memory is unmapped and a stale access faults.

const (
	// bigCacheBytes bounds the released buffers kept for reuse: a 4K frame and its palette index.
	bigCacheBytes = 48 << 20
	// bigIdle is how long released buffers are kept without a new allocation.
	bigIdle = 2 * time.Second
)

var big struct {
	mu     sync.Mutex
	live   map[unsafe.Pointer]int // mapped buffers handed out: address → mapped length
	cache  [][]byte               // released, mapped, kept for reuse (full mapped length)
	cached int                    // bytes in cache
	timer  *time.Timer
	stats  BigStats
}

// BigStats counts AllocBig's work, for tests.
type BigStats struct {
	Mapped, Unmapped, Reused int // buffers mapped, unmapped and handed out again from the cache
	Live                     int // buffers handed out and not yet freed
}

// ReadBigStats returns the counters.
func ReadBigStats() BigStats {
	big.mu.Lock()
	defer big.mu.Unlock()
	s := big.stats
	s.Live = len(big.live)
	return s
}

// AllocBig returns a buffer of n bytes. fresh reports that it is all zero; otherwise it holds an earlier
// user's bytes. Release it with FreeBig.
func AllocBig(n int) (b []byte, fresh bool) {
	if n <= 0 {
		return nil, true
	}
	if !mmapSupported {
		return make([]byte, n), true
	}
	size := roundPage(n)
	big.mu.Lock()
	// The smallest cached buffer that fits and is not more than twice the request (a larger one would
	// hold memory the caller does not use).
	best := -1
	for i, c := range big.cache {
		if len(c) >= size && len(c) <= 2*size && (best < 0 || len(c) < len(big.cache[best])) {
			best = i
		}
	}
	if best >= 0 {
		c := big.cache[best]
		big.cache = append(big.cache[:best], big.cache[best+1:]...)
		big.cached -= len(c)
		big.live[unsafe.Pointer(unsafe.SliceData(c))] = len(c)
		big.stats.Reused++
		big.mu.Unlock()
		return c[:n:n], false
	}
	// A miss: what is cached does not fit this run of renders; give it back before mapping more, so
	// the cache never adds to the peak.
	drop := big.cache
	big.cache, big.cached = nil, 0
	big.mu.Unlock()
	for _, c := range drop {
		unmap(c)
	}
	m, err := mapAnon(size)
	if err != nil {
		return make([]byte, n), true // out of address space or refused: the heap may still manage
	}
	big.mu.Lock()
	if big.live == nil {
		big.live = make(map[unsafe.Pointer]int)
	}
	big.live[unsafe.Pointer(unsafe.SliceData(m))] = len(m)
	big.stats.Mapped++
	big.stats.Unmapped += len(drop)
	big.mu.Unlock()
	return m[:n:n], true
}

// FreeBig releases a buffer from AllocBig. A buffer that AllocBig did not map (the heap fallback, or any
// other slice) is left to the garbage collector, and a second FreeBig of the same buffer does nothing.
func FreeBig(b []byte) {
	if cap(b) == 0 {
		return
	}
	p := unsafe.Pointer(unsafe.SliceData(b))
	big.mu.Lock()
	size, ok := big.live[p]
	if !ok {
		big.mu.Unlock()
		return
	}
	delete(big.live, p)
	m := unsafe.Slice((*byte)(p), size)
	var drop [][]byte
	if size <= bigCacheBytes {
		big.cache = append(big.cache, m)
		big.cached += size
		for big.cached > bigCacheBytes {
			drop = append(drop, big.cache[0])
			big.cached -= len(big.cache[0])
			big.cache = big.cache[1:]
		}
		if big.timer == nil {
			big.timer = time.AfterFunc(bigIdle, trimBig)
		} else {
			big.timer.Reset(bigIdle)
		}
	} else {
		drop = append(drop, m)
	}
	big.stats.Unmapped += len(drop)
	big.mu.Unlock()
	for _, c := range drop {
		unmap(c)
	}
}

// TrimBig unmaps every cached buffer now.
func TrimBig() { trimBig() }

func trimBig() {
	big.mu.Lock()
	drop := big.cache
	big.cache, big.cached = nil, 0
	big.stats.Unmapped += len(drop)
	big.mu.Unlock()
	for _, c := range drop {
		unmap(c)
	}
}

func roundPage(n int) int {
	const page = 4096
	return (n + page - 1) &^ (page - 1)
}
