package storage

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConcurrentPublish(t *testing.T) {
	const (
		workers  = 50
		each     = 4
		maxFiles = 10
		maxBytes = 6000
	)
	s, clock := openStore(t, Options{MaxFiles: maxFiles, MaxBytes: maxBytes})
	data := makePNG(t, 3, 3, "", 500)

	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				p, err := s.Create()
				if err != nil {
					errs <- err
					return
				}
				if _, err := p.Write(data); err != nil {
					errs <- err
					p.Abort()
					return
				}
				if w%7 == 0 && i == 0 {
					p.Abort() // some give up half way
					continue
				}
				if _, err := p.Publish(Meta{Width: 3, Height: 3, CacheKey: "k"}); err != nil {
					errs <- err
					return
				}
				// Readers and sweepers run alongside the writers.
				s.Lookup("k")
				s.List()
				_ = s.Stats()
				if i == each-1 {
					clock.Advance(time.Second)
					if _, _, err := s.GC(); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	st := s.Stats()
	assert.LessOrEqual(t, st.Count, maxFiles)
	assert.LessOrEqual(t, st.TotalBytes, int64(maxBytes))
	assert.Equal(t, int64(workers*each-(workers+6)/7), st.Published)
	assert.Equal(t, st.Published-int64(st.Count), st.Evicted)
	onDisk, total := renderFiles(t, s.Dir())
	assert.ElementsMatch(t, onDisk, ids(s.List()))
	assert.Equal(t, st.TotalBytes, total)
	assert.Len(t, names(t, s.Dir()), len(onDisk), "no temp files left")
	_, ok := s.Lookup("k")
	assert.True(t, ok)
}

func TestSoak(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 200
	}
	const maxFiles, maxBytes = 50, 30_000
	s, clock := openStore(t, Options{MaxFiles: maxFiles, MaxBytes: maxBytes, TTL: 10 * time.Minute})
	sizes := []int{0, 300, 700, 1500} // 0: the bare PNG
	pngs := make([][]byte, len(sizes))
	for i, size := range sizes {
		pngs[i] = makePNG(t, 4, 4, "", size)
	}
	var published, bytes int64
	for i := range n {
		data := pngs[i%len(pngs)]
		rec := publish(t, s, data, "")
		published++
		bytes += rec.Size
		st := s.Stats()
		require.LessOrEqual(t, st.Count, maxFiles, "after publish %d", i)
		require.LessOrEqual(t, st.TotalBytes, int64(maxBytes), "after publish %d", i)
		if i%100 == 0 {
			onDisk, total := renderFiles(t, s.Dir())
			require.LessOrEqual(t, len(onDisk), maxFiles)
			require.LessOrEqual(t, total, int64(maxBytes))
			require.Equal(t, st.TotalBytes, total)
		}
		if i%3 == 0 {
			clock.Advance(time.Second)
		}
		if i%250 == 0 {
			_, _, err := s.GC()
			require.NoError(t, err)
		}
	}
	st := s.Stats()
	assert.Equal(t, published, st.Published)
	assert.Equal(t, published, st.Evicted+st.Expired+int64(st.Count))
	assert.Equal(t, bytes, st.BytesFreed+st.TotalBytes)
}

func TestConcurrentStoresSharingADirectory(t *testing.T) {
	// Two Stores on one directory stand in for two processes: each publishes and sweeps while the
	// other does, and neither loses a render it is publishing nor leaves temp files behind.
	const maxFiles, maxBytes = 8, 4000
	dir := t.TempDir() + "/renders"
	a, clock := openStore(t, Options{Dir: dir, MaxFiles: maxFiles, MaxBytes: maxBytes})
	b, _ := openStore(t, Options{Dir: dir, MaxFiles: maxFiles, MaxBytes: maxBytes, Now: clock.Now})
	data := makePNG(t, 3, 3, "", 400)

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for w := range 10 {
		s := a
		if w%2 == 1 {
			s = b
		}
		wg.Go(func() {
			for i := range 10 {
				p, err := s.Create()
				if err != nil {
					errs <- err
					return
				}
				if _, err := p.Write(data); err != nil {
					errs <- err
					return
				}
				if _, err := p.Publish(Meta{}); err != nil {
					errs <- err
					return
				}
				if i%3 == 0 {
					if _, _, err := s.GC(); err != nil {
						errs <- err
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	_, _, err := a.GC()
	require.NoError(t, err)
	onDisk, total := renderFiles(t, dir)
	assert.LessOrEqual(t, len(onDisk), maxFiles)
	assert.LessOrEqual(t, total, int64(maxBytes))
	assert.Len(t, names(t, dir), len(onDisk), "no temp files left")
	assert.ElementsMatch(t, onDisk, ids(a.List()))
	_, _, err = b.GC()
	require.NoError(t, err)
	assert.ElementsMatch(t, onDisk, ids(b.List()))
	assert.Equal(t, int64(100), a.Stats().Published+b.Stats().Published)
}
