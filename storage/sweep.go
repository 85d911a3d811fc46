package storage

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
)

var (
	errNotRegular = errors.New("not a regular file")
	// errNotOurs: a file with a render name that is not the file the manifest says was published.
	errNotOurs = errors.New("not a file this store published")
)

// GC sweeps now: it adopts renders other processes published, forgets renders they removed, removes
// expired renders and dead writers' temp files, and enforces the caps. It returns the number of files
// removed and their bytes.
func (s *Store) GC() (removed int, freed int64, err error) {
	return s.sweep(nil)
}

func (s *Store) janitor(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if _, _, err := s.sweep(s.stop); err != nil {
				s.log.Warn("render sweep failed", "err", err)
			}
		}
	}
}

// sweep is GC; it gives up between files once stop is closed.
func (s *Store) sweep(stop <-chan struct{}) (removed int, freed int64, err error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, 0, fmt.Errorf("failed to sweep renders: %w", ErrClosed)
	}
	// Entries inserted up to seq0 were renamed into place before the listing below, so one of them
	// missing from the listing was removed by someone else; later ones may simply be too new.
	seq0 := s.seq
	s.mu.Unlock()

	entries, err := s.readDir()
	if err != nil {
		return 0, 0, err
	}
	onDisk := make(map[string]bool)
	var unknown, temps []string
	s.mu.Lock()
	for _, de := range entries {
		name := de.Name()
		if !de.Type().IsRegular() {
			continue // sub-directories, symlinks, devices: never ours
		}
		if id, ok := idFromName(name); ok {
			onDisk[id] = true
			_, known := s.index[id]
			if _, publishing := s.renamed[id]; !known && !publishing {
				unknown = append(unknown, id)
			}
		} else if _, mine := s.pending[name]; isTempName(name) && !mine {
			temps = append(temps, name)
		}
	}
	s.mu.Unlock()

	now := s.now()
	for _, name := range temps {
		// A writer holds the lock on its temp file until it publishes or dies (kill -9 included),
		// so an unlocked one is a dead writer's leftover, whatever its age. Without locks (some
		// platforms) a temp file counts as a leftover once unwritten for StaleTempAge.
		n, err := flock.RemoveAbandoned(s.root, name, now, StaleTempAge)
		if err != nil {
			s.log.Warn("failed to remove a leftover temp file", "name", name, "err", err)
			continue
		}
		if n < 0 {
			continue // gone, or a live writer (this process or another) holds it
		}
		s.log.Debug("removed a dead writer's temp file", "name", name, "size", n)
		removed++
		freed += n
		s.mu.Lock()
		s.stats.TempsRemoved++
		s.stats.BytesFreed += n
		s.mu.Unlock()
	}

	manifest, lines, err := s.readManifest()
	if err != nil {
		// Without the manifest nothing on disk can be shown to be ours: adopt nothing this time.
		s.log.Warn("render index unreadable; renders of other processes are left alone", "err", err)
		manifest = map[string]owned{}
	}
	type found struct {
		rec Record
		own owned
	}
	var adopted []found
	for _, id := range unknown {
		select {
		case <-stop:
			return removed, freed, nil
		default:
		}
		own, ok := manifest[id]
		if !ok {
			continue // a render name, but no Store published it: not ours
		}
		rec, err := s.adopt(id, own)
		switch {
		case errors.Is(err, errNotPNG):
			if n := s.removeDamaged(id, own, err); n >= 0 {
				removed++
				freed += n
			}
		case err != nil:
			s.log.Debug("skipped render file", "id", id, "err", err)
		default:
			adopted = append(adopted, found{rec, own})
		}
	}

	s.mu.Lock()
	for id, e := range s.index {
		if e.seq <= seq0 && !onDisk[id] {
			s.log.Debug("render vanished", "id", id)
			s.dropLocked(id)
		}
	}
	for _, a := range adopted {
		if _, ok := s.index[a.rec.ID]; !ok {
			s.insertLocked(a.rec, a.own)
			s.stats.Adopted++
		}
	}
	n, f := s.enforceLocked(now, "")
	removed += n
	freed += f
	if removed > 0 || len(adopted) > 0 {
		s.log.Debug("swept render directory", "removed", removed, "freed", freed, "adopted", len(adopted),
			"count", len(s.index), "bytes", s.bytes)
	}
	compact := lines > len(s.index)+manifestSlack
	s.mu.Unlock()
	if compact {
		if err := s.compactManifest(now); err != nil {
			s.log.Warn("failed to compact the render index", "err", err)
		}
	}
	return removed, freed, nil
}

// manifestSlack is how many more manifest lines than known renders a sweep tolerates before it
// compacts the manifest.
const manifestSlack = 16

func (s *Store) readDir() ([]fs.DirEntry, error) {
	d, err := s.root.Open(".")
	if err != nil {
		return nil, fmt.Errorf("failed to open render directory: %w", err)
	}
	defer d.Close() // read-only handle: a close error loses nothing
	entries, err := d.ReadDir(-1)
	if err != nil {
		return nil, fmt.Errorf("failed to read render directory: %w", err)
	}
	return entries, nil
}

// pngTrailer is the IEND chunk every complete PNG ends with.
var pngTrailer = []byte{0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82}

// adopt builds the record of a render file the manifest lists (own), from its bytes: the PNG header
// for size and cache key, a full read for the SHA-256, which must be the one published. A file that
// is not the one published is errNotOurs; one that is but whose bytes are wrong wraps errNotPNG.
func (s *Store) adopt(id string, own owned) (Record, error) {
	name := fileName(id)
	fi, err := s.root.Lstat(name)
	if err != nil {
		return Record{}, err
	}
	if !fi.Mode().IsRegular() {
		return Record{}, errNotRegular
	}
	if !own.matches(fi) {
		return Record{}, errNotOurs
	}
	f, err := s.root.OpenFile(name, os.O_RDONLY|nonblock, 0)
	if err != nil {
		return Record{}, err
	}
	defer f.Close() // read-only handle: a close error loses nothing
	if ofi, err := f.Stat(); err != nil || !own.matches(ofi) {
		return Record{}, errNotOurs // swapped between the Lstat and the open
	}
	sum := sha256.New()
	var size countWriter
	r := bufio.NewReaderSize(io.TeeReader(f, io.MultiWriter(sum, &size)), 32<<10)
	info, err := readPNGInfo(r)
	if err != nil {
		return Record{}, err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return Record{}, fmt.Errorf("failed to read render %s: %w", id, err)
	}
	// Publish does not fsync (a render is a cache entry, and a sync costs
	// more than encoding a small one), so after a power cut a renamed file may
	// be short: a complete PNG ends with the IEND chunk.
	var tail [12]byte
	if int64(size) < int64(len(tail)) {
		return Record{}, fmt.Errorf("%w: file too short", errNotPNG)
	}
	if _, err := f.ReadAt(tail[:], int64(size)-int64(len(tail))); err != nil || !bytes.Equal(tail[:], pngTrailer) {
		return Record{}, fmt.Errorf("%w: no IEND chunk at the end (an interrupted write)", errNotPNG)
	}
	checksum := "sha256:" + hex.EncodeToString(sum.Sum(nil))
	if checksum != own.sum || int64(size) != own.size {
		return Record{}, fmt.Errorf("%w: the bytes are not the ones published", errNotPNG)
	}
	created, _ := ParseID(id) // id was validated by the caller
	return Record{
		ID:        id,
		Path:      s.path(id),
		Size:      int64(size),
		Format:    "png",
		Width:     info.width,
		Height:    info.height,
		Checksum:  checksum,
		CreatedAt: created,
		ExpiresAt: created.Add(s.opts.TTL),
		CacheKey:  info.cacheKey,
	}, nil
}

// removeDamaged removes a render file of ours whose bytes are not a whole PNG or not the ones
// published (what a power cut can leave, since Publish does not fsync). Only a file with the
// recorded inode number is removed: where the platform has none, size alone cannot tell a damaged
// render from a foreign file, so it is left alone. Called by sweeps only, never by a read.
// It returns the bytes freed, or -1 if nothing was removed.
func (s *Store) removeDamaged(id string, own owned, why error) int64 {
	name := fileName(id)
	fi, err := s.root.Lstat(name)
	if err != nil || own.ino == 0 || !own.matches(fi) {
		s.log.Warn("render file does not verify; left alone", "id", id, "err", why)
		return -1
	}
	if err := s.root.Remove(name); err != nil {
		s.log.Warn("failed to remove damaged render", "id", id, "err", err)
		return -1
	}
	s.log.Warn("removed damaged render", "id", id, "size", fi.Size(), "err", why)
	s.mu.Lock()
	s.dropLocked(id)
	s.stats.DamagedRemoved++
	s.stats.BytesFreed += fi.Size()
	s.mu.Unlock()
	return fi.Size()
}

// enforceLocked removes expired renders, then evicts the oldest until both caps hold. keep (the
// render just published) is never evicted. It returns the number of files removed and their bytes.
func (s *Store) enforceLocked(now time.Time, keep string) (removed int, freed int64) {
	for id, e := range s.index {
		if e.rec.Expired(now) {
			if n, ok := s.removeLocked(id, &s.stats.Expired); ok {
				removed++
				freed += n
			}
		}
	}
	// A publish at the cap evicts one render: the oldest, found in one pass, for the first few.
	for range 4 {
		if s.withinCapsLocked() {
			return removed, freed
		}
		var oldest *entry
		for _, e := range s.index {
			if e.rec.ID != keep && (oldest == nil || e.rec.olderThan(oldest.rec)) {
				oldest = e
			}
		}
		if oldest == nil {
			return removed, freed
		}
		s.log.Debug("evicted render", "id", oldest.rec.ID, "size", oldest.rec.Size)
		if n, ok := s.removeLocked(oldest.rec.ID, &s.stats.Evicted); ok {
			removed++
			freed += n
		}
	}
	if s.withinCapsLocked() {
		return removed, freed
	}
	// More to evict (caps lowered, or a sweep adopting many renders): oldest first, sorted once.
	// Entries, not records: sorting moves pointers instead of 150-byte records.
	order := make([]*entry, 0, len(s.index))
	for _, e := range s.index {
		order = append(order, e)
	}
	slices.SortFunc(order, func(a, b *entry) int {
		switch {
		case a.rec.olderThan(b.rec):
			return -1
		case b.rec.olderThan(a.rec):
			return 1
		}
		return 0
	})
	for _, e := range order {
		if s.withinCapsLocked() {
			break
		}
		rec := &e.rec
		if rec.ID == keep {
			continue
		}
		s.log.Debug("evicted render", "id", rec.ID, "size", rec.Size)
		if n, ok := s.removeLocked(rec.ID, &s.stats.Evicted); ok {
			removed++
			freed += n
		}
	}
	return removed, freed
}

func (s *Store) withinCapsLocked() bool {
	return len(s.index) <= s.opts.MaxFiles && s.bytes <= s.opts.MaxBytes
}

type countWriter int64

func (c *countWriter) Write(b []byte) (int, error) {
	*c += countWriter(len(b))
	return len(b), nil
}
