package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPublishRecord(t *testing.T) {
	s, clock := openStore(t, Options{TTL: 90 * time.Second})
	data := makePNG(t, 7, 5, "k1", 0)
	clock.Advance(1500 * time.Millisecond)

	p, err := s.Create()
	require.NoError(t, err)
	defer p.Abort()
	// Write in pieces so the header capture spans writes.
	for i := 0; i < len(data); i += 10 {
		_, err := p.Write(data[i:min(i+10, len(data))])
		require.NoError(t, err)
	}
	rec, err := p.Publish(Meta{Width: 7, Height: 5, CacheKey: "k1"})
	require.NoError(t, err)

	sum := sha256.Sum256(data)
	created := time.Unix(t0.Unix()+1, 0)
	assert.True(t, ValidID(rec.ID), rec.ID)
	assert.True(t, strings.HasPrefix(rec.ID, "render_"+strconv.FormatInt(created.Unix(), 10)+"_"+s.Session()+"_"), rec.ID)
	assert.Regexp(t, `^[a-z0-9]{8}$`, s.Session())
	assert.Equal(t, filepath.Join(s.Dir(), rec.ID+".png"), rec.Path)
	assert.True(t, filepath.IsAbs(rec.Path))
	assert.Equal(t, int64(len(data)), rec.Size)
	assert.Equal(t, "png", rec.Format)
	assert.Equal(t, 7, rec.Width)
	assert.Equal(t, 5, rec.Height)
	assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), rec.Checksum)
	assert.Equal(t, created, rec.CreatedAt)
	assert.Equal(t, created.Add(90*time.Second), rec.ExpiresAt)
	assert.Equal(t, "k1", rec.CacheKey)
	assert.Equal(t, 90*time.Second-500*time.Millisecond, rec.TTLRemaining(clock.Now()))
	assert.Equal(t, time.Duration(0), rec.TTLRemaining(clock.Now().Add(time.Hour)))

	got, err := os.ReadFile(rec.Path)
	require.NoError(t, err)
	assert.Equal(t, data, got)
	assert.Equal(t, []string{rec.ID + ".png"}, names(t, s.Dir()), "no temp file left")

	again, err := s.Get(rec.ID)
	require.NoError(t, err)
	assert.Equal(t, rec, again)

	r, opened, err := s.Open(rec.ID)
	require.NoError(t, err)
	b, err := io.ReadAll(r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	assert.Equal(t, data, b)
	assert.Equal(t, rec, opened)

	_, err = p.Publish(Meta{})
	assert.Error(t, err, "a Pending publishes once")
	p.Abort() // no-op after Publish
	assert.FileExists(t, rec.Path)
	assert.Equal(t, int64(1), s.Stats().Published)
}

func TestPublishRefusesBadInput(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		meta Meta
	}{
		{"empty", nil, Meta{}},
		{"not a PNG", []byte(strings.Repeat("GIF89a", 20)), Meta{}},
		{"truncated header", makePNG(t, 2, 2, "", 0)[:20], Meta{}},
		{"width disagrees", makePNG(t, 2, 3, "", 0), Meta{Width: 3, Height: 3}},
		{"height disagrees", makePNG(t, 2, 3, "", 0), Meta{Width: 2, Height: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openStore(t, Options{})
			p, err := s.Create()
			require.NoError(t, err)
			_, err = p.Write(tt.data)
			require.NoError(t, err)
			_, err = p.Publish(tt.meta)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "failed to publish render")
			assert.Empty(t, names(t, s.Dir()))
			p.Abort()
			assert.Zero(t, s.Stats().Count)
		})
	}
}

func TestAbortRemovesTemp(t *testing.T) {
	s, _ := openStore(t, Options{})
	p, err := s.Create()
	require.NoError(t, err)
	_, err = p.Write([]byte("partial"))
	require.NoError(t, err)
	require.Len(t, names(t, s.Dir()), 1)
	assert.True(t, isTempName(names(t, s.Dir())[0]))
	p.Abort()
	p.Abort()
	assert.Empty(t, names(t, s.Dir()))
	_, err = p.Write([]byte("more"))
	assert.Error(t, err)
	_, err = p.Publish(Meta{})
	assert.Error(t, err)
}

func TestPerFileCap(t *testing.T) {
	tests := []struct {
		name        string
		maxFileSize int64
		maxBytes    int64
		writes      []int
	}{
		{"one write past the cap", 1000, 0, []int{1001}},
		{"second write crosses the cap", 1000, 0, []int{600, 401}},
		{"directory cap is smaller", 10_000, 1000, []int{999, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openStore(t, Options{MaxFileSize: tt.maxFileSize, MaxBytes: tt.maxBytes})
			p, err := s.Create()
			require.NoError(t, err)
			defer p.Abort()
			data := makePNG(t, 4, 4, "", 2000)
			var werr error
			off := 0
			for _, n := range tt.writes {
				if _, werr = p.Write(data[off : off+n]); werr != nil {
					break
				}
				off += n
			}
			require.ErrorIs(t, werr, ErrTooLarge)
			assert.Empty(t, names(t, s.Dir()), "nothing left behind, even before Abort")
			_, err = p.Write([]byte{1})
			assert.ErrorIs(t, err, ErrTooLarge, "the error sticks")
			_, err = p.Publish(Meta{})
			assert.ErrorIs(t, err, ErrTooLarge)
			assert.Empty(t, names(t, s.Dir()))
			assert.Zero(t, s.Stats().Published)
		})
	}

	t.Run("exactly at the cap", func(t *testing.T) {
		s, _ := openStore(t, Options{MaxFileSize: 500})
		rec := publish(t, s, makePNG(t, 4, 4, "", 500), "")
		assert.Equal(t, int64(500), rec.Size)
	})
}

func TestTTLExpiry(t *testing.T) {
	s, clock := openStore(t, Options{TTL: time.Hour})
	rec := publish(t, s, makePNG(t, 2, 2, "", 0), "key")

	clock.Advance(time.Hour - time.Second)
	_, err := s.Get(rec.ID)
	require.NoError(t, err)
	_, ok := s.Lookup("key")
	require.True(t, ok)
	removed, _, err := s.GC()
	require.NoError(t, err)
	assert.Zero(t, removed)
	assert.FileExists(t, rec.Path)

	clock.Advance(time.Second) // now exactly ExpiresAt
	assert.Empty(t, s.List(), "expired renders are not listed")
	_, ok = s.Lookup("key")
	assert.False(t, ok)
	_, err = s.Get(rec.ID)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.FileExists(t, rec.Path, "reads never delete; the next sweep does")
	removed, _, err = s.GC()
	require.NoError(t, err)
	assert.Equal(t, 1, removed)
	assert.NoFileExists(t, rec.Path)
	st := s.Stats()
	assert.Equal(t, int64(1), st.Expired)
	assert.Equal(t, rec.Size, st.BytesFreed)
	assert.Zero(t, st.Count)
}

func TestGCRemovesExpired(t *testing.T) {
	s, clock := openStore(t, Options{TTL: time.Minute})
	a := publish(t, s, makePNG(t, 2, 2, "", 300), "")
	clock.Advance(30 * time.Second)
	b := publish(t, s, makePNG(t, 2, 2, "", 400), "")
	clock.Advance(30 * time.Second)

	removed, freed, err := s.GC()
	require.NoError(t, err)
	assert.Equal(t, 1, removed)
	assert.Equal(t, a.Size, freed)
	assert.NoFileExists(t, a.Path)
	assert.FileExists(t, b.Path)
	assert.Equal(t, []string{b.ID}, ids(s.List()))
}

func TestCaps(t *testing.T) {
	// Each render is 200 bytes and published one second after the previous one.
	tests := []struct {
		name     string
		maxFiles int
		maxBytes int64
		publish  int
		keep     []int // indexes of the renders that must survive
	}{
		{"under both caps", 5, 10_000, 4, []int{0, 1, 2, 3}},
		{"count cap", 3, 10_000, 5, []int{2, 3, 4}},
		{"byte cap", 100, 600, 5, []int{2, 3, 4}},
		{"byte cap not a multiple", 100, 699, 5, []int{2, 3, 4}},
		{"both caps, count binds", 2, 1000, 6, []int{4, 5}},
		{"both caps, bytes bind", 4, 400, 6, []int{4, 5}},
		{"one file", 1, 10_000, 3, []int{2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := openStore(t, Options{MaxFiles: tt.maxFiles, MaxBytes: tt.maxBytes})
			var recs []Record
			for range tt.publish {
				recs = append(recs, publish(t, s, makePNG(t, 2, 2, "", 200), ""))
				clock.Advance(time.Second)
				st := s.Stats()
				assert.LessOrEqual(t, st.Count, tt.maxFiles)
				assert.LessOrEqual(t, st.TotalBytes, tt.maxBytes)
			}
			var want []string
			for i := len(tt.keep) - 1; i >= 0; i-- {
				want = append(want, recs[tt.keep[i]].ID)
			}
			assert.Equal(t, want, ids(s.List()), "newest first")
			onDisk, _ := renderFiles(t, s.Dir())
			assert.ElementsMatch(t, want, onDisk)
			assert.Equal(t, int64(tt.publish-len(tt.keep)), s.Stats().Evicted)
		})
	}
}

func TestEvictionOrderWithinOneSecond(t *testing.T) {
	// Renders published in the same second are evicted in id order, the documented tie-break.
	s, _ := openStore(t, Options{MaxFiles: 3})
	var recs []Record
	for range 6 {
		recs = append(recs, publish(t, s, makePNG(t, 2, 2, "", 0), ""))
	}
	list := s.List()
	require.Len(t, list, 3)
	for i := 1; i < len(list); i++ {
		assert.Greater(t, list[i-1].ID, list[i].ID, "same second: larger id first")
	}
	assert.Contains(t, ids(list), recs[5].ID, "the render just published survives")
}

func TestInvalidIDs(t *testing.T) {
	s, _ := openStore(t, Options{})
	outside := filepath.Join(filepath.Dir(s.Dir()), "x")
	require.NoError(t, os.WriteFile(outside, []byte("secret"), 0o600))
	for _, id := range []string{
		"", "../x", "..", ".", "render_1_a_zz", "render_1_A_ab", "render_1_a_ab.png", "render_1_a_ab/..",
		"render__a_ab", "render_1__ab", "render_x_a_ab", "render_1_a_", "/etc/passwd", "render_1_a_ab\x00",
		"render_99999999999999999999_a_ab", "render_1_a_" + strings.Repeat("a", 200), " render_1_a_ab",
	} {
		t.Run(id, func(t *testing.T) {
			assert.False(t, ValidID(id))
			_, err := s.Get(id)
			assert.ErrorIs(t, err, ErrInvalidID)
			_, _, err = s.Open(id)
			assert.ErrorIs(t, err, ErrInvalidID)
			_, err = s.Remove(id)
			assert.ErrorIs(t, err, ErrInvalidID)
		})
	}
	assert.FileExists(t, outside)
	for _, id := range []string{"render_1_a_ab", "render_1763771234_ab12cd34_9f8e7d6c5b4a3210"} {
		assert.True(t, ValidID(id), id)
	}
	created, ok := ParseID("render_1763771234_ab12cd34_9f8e7d6c5b4a3210")
	assert.True(t, ok)
	assert.Equal(t, int64(1763771234), created.Unix())
}

func TestGetAndRemoveMissing(t *testing.T) {
	s, _ := openStore(t, Options{})
	_, err := s.Get("render_1_abc_00")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Remove("render_1_abc_00")
	assert.ErrorIs(t, err, ErrNotFound)

	rec := publish(t, s, makePNG(t, 2, 2, "k", 0), "k")
	freed, err := s.Remove(rec.ID)
	require.NoError(t, err)
	assert.Equal(t, rec.Size, freed)
	assert.NoFileExists(t, rec.Path)
	_, err = s.Get(rec.ID)
	assert.ErrorIs(t, err, ErrNotFound)
	_, ok := s.Lookup("k")
	assert.False(t, ok)
	_, err = s.Remove(rec.ID)
	assert.ErrorIs(t, err, ErrNotFound)
	st := s.Stats()
	assert.Equal(t, int64(1), st.Removed)
	assert.Equal(t, rec.Size, st.BytesFreed)
}

func TestLookup(t *testing.T) {
	s, clock := openStore(t, Options{TTL: time.Hour})
	_, ok := s.Lookup("")
	assert.False(t, ok, "an empty key never hits")

	old := publish(t, s, makePNG(t, 2, 2, "", 0), "scene-a")
	clock.Advance(time.Second)
	newer := publish(t, s, makePNG(t, 2, 2, "", 0), "scene-a")
	other := publish(t, s, makePNG(t, 3, 3, "", 0), "scene-b")
	publish(t, s, makePNG(t, 3, 3, "", 0), "")

	got, ok := s.Lookup("scene-a")
	require.True(t, ok)
	assert.Equal(t, newer, got, "newest render with the key")
	got, ok = s.Lookup("scene-b")
	require.True(t, ok)
	assert.Equal(t, other, got)
	_, ok = s.Lookup("scene-c")
	assert.False(t, ok)

	// Deleted behind the Store's back: the next newest takes over.
	require.NoError(t, os.Remove(newer.Path))
	got, ok = s.Lookup("scene-a")
	require.True(t, ok)
	assert.Equal(t, old, got)

	_, err := s.Remove(old.ID)
	require.NoError(t, err)
	_, ok = s.Lookup("scene-a")
	assert.False(t, ok)

	clock.Advance(time.Hour)
	_, ok = s.Lookup("scene-b")
	assert.False(t, ok, "expired")

	st := s.Stats()
	assert.Equal(t, int64(3), st.CacheHits)
	assert.Equal(t, int64(3), st.CacheMisses, "the empty key is not counted")
}

func TestAdoption(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	s1, clock := openStore(t, Options{Dir: dir, TTL: time.Hour})
	data := makePNG(t, 6, 4, "scene-42", 0)
	rec := publish(t, s1, data, "scene-42")
	noKey := publish(t, s1, makePNG(t, 1, 1, "", 0), "")
	require.NoError(t, s1.Close())
	_, err := s1.Get(rec.ID)
	assert.ErrorIs(t, err, ErrClosed)

	clock.Advance(40 * time.Minute)
	s2, err := Open(Options{Dir: dir, TTL: time.Hour, Now: clock.Now, CleanupInterval: -1})
	require.NoError(t, err)
	defer s2.Close()
	assert.NotEqual(t, s1.Session(), s2.Session())

	got, err := s2.Get(rec.ID)
	require.NoError(t, err)
	assert.Equal(t, rec, got, "size, checksum, dimensions, times and cache key recovered from the file")
	assert.Equal(t, 20*time.Minute, got.TTLRemaining(clock.Now()), "TTL continues from the name's timestamp")
	hit, ok := s2.Lookup("scene-42")
	require.True(t, ok)
	assert.Equal(t, rec.ID, hit.ID)
	got, err = s2.Get(noKey.ID)
	require.NoError(t, err)
	assert.Empty(t, got.CacheKey)
	assert.Equal(t, int64(2), s2.Stats().Adopted)

	clock.Advance(20 * time.Minute)
	s3, err := Open(Options{Dir: dir, TTL: time.Hour, Now: clock.Now, CleanupInterval: -1})
	require.NoError(t, err)
	defer s3.Close()
	assert.Empty(t, s3.List())
	assert.Empty(t, names(t, dir), "expired renders removed at start-up")
	assert.Equal(t, int64(2), s3.Stats().Expired)
}

func TestAdoptionEnforcesCaps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	s1, clock := openStore(t, Options{Dir: dir})
	var recs []Record
	for range 5 {
		recs = append(recs, publish(t, s1, makePNG(t, 2, 2, "", 0), ""))
		clock.Advance(time.Second)
	}
	require.NoError(t, s1.Close())

	s2, err := Open(Options{Dir: dir, MaxFiles: 2, Now: clock.Now, CleanupInterval: -1})
	require.NoError(t, err)
	defer s2.Close()
	assert.Equal(t, []string{recs[4].ID, recs[3].ID}, ids(s2.List()))
	onDisk, _ := renderFiles(t, dir)
	assert.Len(t, onDisk, 2)
}

func TestDamagedRenderRemoved(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	s1, clock := openStore(t, Options{Dir: dir})
	whole := makePNG(t, 2, 2, "", 0)
	var recs []Record
	for range 4 {
		recs = append(recs, publish(t, s1, whole, ""))
	}
	damaged, truncated, cut, good := recs[0], recs[1], recs[2], recs[3]
	// Damage our own files in place (same inode), as a power cut after an unsynced rename can.
	// A power cut keeps the inode and its times but not the unsynced data.
	overwrite := func(path string, data []byte) {
		fi := mustStat(t, path)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
		require.NoError(t, err)
		_, err = f.Write(data)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		require.NoError(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
	}
	overwrite(damaged.Path, []byte("not a png at all, not at all"))
	overwrite(truncated.Path, whole[:30])
	overwrite(cut.Path, whole[:40]) // IHDR intact, the rest cut off
	// A foreign file with a render name and the same flaw: never ours, never removed.
	foreign := filepath.Join(dir, "render_"+strconv.FormatInt(t0.Unix(), 10)+"_abcd1234_00ff.png")
	require.NoError(t, os.WriteFile(foreign, []byte("not a png at all"), 0o600))

	_, err := s1.Get(damaged.ID)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.FileExists(t, damaged.Path, "a read never deletes, even a damaged render")
	require.NoError(t, s1.Close())

	s, err := Open(Options{Dir: dir, Now: clock.Now, CleanupInterval: -1})
	require.NoError(t, err)
	defer s.Close()
	assert.ElementsMatch(t, []string{good.ID + ".png", filepath.Base(foreign)}, names(t, dir))
	if fileIno(mustStat(t, good.Path)) == 0 {
		t.Skip("no inode numbers here: damaged renders are left alone")
	}
	assert.Equal(t, int64(3), s.Stats().DamagedRemoved)
	rec, err := s.Get(good.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(len(whole)), rec.Size)
}

func mustStat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi
}

func TestStrayTemps(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	write := func(name string, age time.Duration) {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte("partial"), 0o600))
		require.NoError(t, os.Chtimes(p, t0.Add(-age), t0.Add(-age)))
	}
	write(".tmp-00000000000000aa", StaleTempAge+time.Second) // crash leftover
	write(".tmp-00000000000000bb", time.Second)              // a dead writer's fresh leftover
	write(".tmp-00000000000000dd", -time.Hour)               // written "in the future" by another clock
	write(".tmp-notours", 24*time.Hour)                      // not our pattern
	write(".tmp-00000000000000AA", 24*time.Hour)             // not our pattern (upper case)
	// Another process still writing holds the lock on its temp file (an old one: it is slow).
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	live, err := flock.CreateTemp(root, ".tmp-00000000000000cc", 0o600)
	require.NoError(t, err)
	defer live.Close()
	require.NoError(t, os.Chtimes(filepath.Join(dir, ".tmp-00000000000000cc"), t0.Add(-time.Hour), t0.Add(-time.Hour)))

	s, clock := openStore(t, Options{Dir: dir})
	want := []string{".tmp-00000000000000AA", ".tmp-00000000000000cc", ".tmp-notours"}
	removedTemps := int64(3)
	if !flock.Supported {
		want = []string{".tmp-00000000000000AA", ".tmp-00000000000000bb", ".tmp-00000000000000cc", ".tmp-00000000000000dd", ".tmp-notours"}
		removedTemps = 1
	}
	assert.Equal(t, want, names(t, dir))
	assert.Equal(t, removedTemps, s.Stats().TempsRemoved)

	// Our own pending temp file survives any sweep, whatever the clock says.
	p, err := s.Create()
	require.NoError(t, err)
	defer p.Abort()
	clock.Advance(48 * time.Hour)
	_, _, err = s.GC()
	require.NoError(t, err)
	assert.Contains(t, names(t, dir), p.name)
	assert.Contains(t, names(t, dir), ".tmp-00000000000000cc", "a live writer's temp file survives every sweep")
	_, err = p.Write(makePNG(t, 1, 1, "", 0))
	require.NoError(t, err)
	_, err = p.Publish(Meta{})
	require.NoError(t, err)
}

func TestForeignNamesUntouched(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	outside := filepath.Join(filepath.Dir(dir), "outside.png")
	require.NoError(t, os.WriteFile(outside, makePNG(t, 1, 1, "", 0), 0o600))
	foreign := map[string][]byte{
		"notes.txt":                 []byte("hello"),
		"render_bad.png":            []byte("x"),
		"render_1_a_zz.png":         makePNG(t, 1, 1, "", 0),
		"render_1_abc_00.PNG":       makePNG(t, 1, 1, "", 0),
		"render_1_abc_00.png.bak":   makePNG(t, 1, 1, "", 0),
		"Render_1_abc_00.png":       makePNG(t, 1, 1, "", 0),
		".tmp-00000000000000aa.png": []byte("x"),
	}
	for name, data := range foreign {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
		old := t0.Add(-30 * 24 * time.Hour)
		require.NoError(t, os.Chtimes(filepath.Join(dir, name), old, old))
	}
	// A directory and a symlink with render names: not regular files, so not ours either.
	require.NoError(t, os.Mkdir(filepath.Join(dir, "render_1_abc_01.png"), 0o700))
	if err := os.Symlink(outside, filepath.Join(dir, "render_1_abc_02.png")); err != nil {
		t.Logf("no symlink: %v", err)
	}
	before := names(t, dir)

	s, clock := openStore(t, Options{Dir: dir, MaxFiles: 1, MaxBytes: 1})
	clock.Advance(365 * 24 * time.Hour)
	_, _, err := s.GC()
	require.NoError(t, err)
	assert.Empty(t, s.List())
	assert.Equal(t, before, names(t, dir))
	assert.FileExists(t, outside)
	_, err = s.Remove("render_1_abc_01")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Remove("render_1_abc_02")
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Get("render_1_abc_02")
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, before, names(t, dir))
	assert.FileExists(t, outside)
	assert.Zero(t, s.Stats().BytesFreed)
}

func TestSharedDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	a, clock := openStore(t, Options{Dir: dir})
	b, err := Open(Options{Dir: dir, Now: clock.Now, CleanupInterval: -1})
	require.NoError(t, err)
	defer b.Close()

	rec := publish(t, a, makePNG(t, 3, 2, "shared", 0), "shared")
	assert.Empty(t, b.List(), "b has not swept yet")
	got, err := b.Get(rec.ID)
	require.NoError(t, err, "a miss looks on disk")
	assert.Equal(t, rec, got)

	rec2 := publish(t, a, makePNG(t, 3, 2, "", 0), "")
	_, _, err = b.GC()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{rec.ID, rec2.ID}, ids(b.List()))

	// b holding a temp file must not lose it to a's sweep.
	p, err := b.Create()
	require.NoError(t, err)
	defer p.Abort()
	_, err = p.Write([]byte("x"))
	require.NoError(t, err)
	_, _, err = a.GC()
	require.NoError(t, err)
	assert.FileExists(t, filepath.Join(dir, p.name))

	_, err = a.Remove(rec.ID)
	require.NoError(t, err)
	_, ok := b.Lookup("shared")
	assert.False(t, ok, "b notices the file is gone")
	_, err = b.Get(rec.ID)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = a.Remove(rec2.ID)
	require.NoError(t, err)
	_, _, err = b.GC()
	require.NoError(t, err)
	assert.Empty(t, b.List())
	assert.Zero(t, b.Stats().TotalBytes)
}

func TestResolvePath(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "renders")
	s, _ := openStore(t, Options{Dir: dir})
	rec := publish(t, s, makePNG(t, 2, 2, "", 0), "")
	name := rec.ID + ".png"

	outDir := filepath.Join(base, "elsewhere")
	require.NoError(t, os.Mkdir(outDir, 0o700))
	outFile := filepath.Join(outDir, name) // a valid render name outside the directory
	require.NoError(t, os.WriteFile(outFile, makePNG(t, 2, 2, "", 0), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o600))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	symlinks := os.Symlink(outFile, filepath.Join(dir, "render_1_abc_0a.png")) == nil &&
		os.Symlink(rec.Path, filepath.Join(outDir, "link.png")) == nil &&
		os.Symlink(dir, filepath.Join(base, "dirlink")) == nil

	missing := "render_1_abc_0b"
	tests := []struct {
		name    string
		path    string
		want    error // nil: resolves to rec
		symlink bool
	}{
		{"absolute", rec.Path, nil, false},
		{"unclean but inside", filepath.Join(dir, "sub", "..", name), nil, false},
		{"doubled separators", dir + "//" + name, nil, false},
		{"dot dot out", dir + "/../elsewhere/" + name, ErrNotManaged, false},
		{"outside directory", outFile, ErrNotManaged, false},
		{"sub-directory", filepath.Join(dir, "sub", name), ErrNotManaged, false},
		{"not a render name", filepath.Join(dir, "notes.txt"), ErrNotManaged, false},
		{"the directory", dir, ErrNotManaged, false},
		{"empty", "", ErrNotManaged, false},
		{"bad id", filepath.Join(dir, "render_1_a_zz.png"), ErrNotManaged, false},
		{"traversal id", filepath.Join(dir, "..", "x"), ErrNotManaged, false},
		{"missing render", filepath.Join(dir, missing+".png"), ErrNotFound, false},
		{"symlink inside pointing out", filepath.Join(dir, "render_1_abc_0a.png"), ErrNotManaged, true},
		{"symlink outside pointing in", filepath.Join(outDir, "link.png"), nil, true},
		{"through a symlinked directory", filepath.Join(base, "dirlink", name), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.symlink && !symlinks {
				t.Skip("symlinks not available")
			}
			got, err := s.ResolvePath(tt.path)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, rec, got)
		})
	}
	assert.FileExists(t, outFile)

	t.Run("relative", func(t *testing.T) {
		t.Chdir(dir)
		got, err := s.ResolvePath(name)
		require.NoError(t, err)
		assert.Equal(t, rec.ID, got.ID)
	})
}

func TestCloseStopsJanitor(t *testing.T) {
	clock := newClock()
	s, err := Open(Options{Dir: t.TempDir() + "/r", Now: clock.Now, TTL: time.Minute, CleanupInterval: 5 * time.Millisecond})
	require.NoError(t, err)
	rec := publish(t, s, makePNG(t, 2, 2, "", 0), "")
	clock.Advance(time.Minute)
	require.Eventually(t, func() bool {
		_, err := os.Stat(rec.Path)
		return errors.Is(err, os.ErrNotExist)
	}, 10*time.Second, 5*time.Millisecond, "the janitor removes expired renders")

	start := time.Now()
	require.NoError(t, s.Close())
	assert.Less(t, time.Since(start), time.Second)
	assert.NoError(t, s.Close(), "Close twice")
	_, err = s.Create()
	assert.ErrorIs(t, err, ErrClosed)
	_, _, err = s.GC()
	assert.ErrorIs(t, err, ErrClosed)

	// A long interval: Close must not wait for the next tick.
	s2, err := Open(Options{Dir: t.TempDir() + "/r", CleanupInterval: time.Hour})
	require.NoError(t, err)
	start = time.Now()
	require.NoError(t, s2.Close())
	assert.Less(t, time.Since(start), time.Second)
}

func TestOptions(t *testing.T) {
	_, err := Open(Options{})
	assert.Error(t, err, "a directory is required")
	_, err = Open(Options{Dir: t.TempDir(), TTL: -time.Second})
	assert.Error(t, err)
	_, err = Open(Options{Dir: t.TempDir(), MaxFiles: -1})
	assert.Error(t, err)

	s, err := Open(Options{Dir: filepath.Join(t.TempDir(), "r"), CleanupInterval: -1})
	require.NoError(t, err)
	defer s.Close()
	st := s.Stats()
	assert.Equal(t, DefaultTTL, st.TTL)
	assert.Equal(t, DefaultMaxBytes, st.MaxBytes)
	assert.Equal(t, DefaultMaxFiles, st.MaxFiles)
	assert.Equal(t, DefaultMaxFileSize, st.MaxFileSize)
	assert.Equal(t, s.Dir(), st.Dir)
	assert.Equal(t, s.Session(), st.Session)

	dd, err := DefaultDir()
	if err == nil {
		assert.Equal(t, filepath.Join("goxel-mcp", "renders"), filepath.Join(filepath.Base(filepath.Dir(dd)), filepath.Base(dd)))
	}
}

func TestCloseWithPendingRender(t *testing.T) {
	s, _ := openStore(t, Options{})
	p, err := s.Create()
	require.NoError(t, err)
	_, err = p.Write(makePNG(t, 2, 2, "", 0))
	require.NoError(t, err)
	require.NoError(t, s.Close())
	_, err = p.Publish(Meta{})
	require.Error(t, err)
	p.Abort()
	assert.Empty(t, names(t, s.Dir()), "no temp file left")
}
