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
	"slices"
	"time"
)

var errNotRegular = errors.New("not a regular file")

// GC sweeps now: it adopts renders other processes published, forgets renders they removed, removes
// expired renders and stale temp files, and enforces the caps. It returns the number of files
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
		fi, err := s.root.Lstat(name)
		if err != nil || !fi.Mode().IsRegular() || now.Sub(fi.ModTime()) < StaleTempAge {
			continue // gone, or another process is still writing it
		}
		if err := s.root.Remove(name); err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("failed to remove stale temp file", "name", name, "err", err)
			}
			continue
		}
		s.log.Debug("removed stale temp file", "name", name, "size", fi.Size(), "modified", fi.ModTime())
		removed++
		freed += fi.Size()
		s.mu.Lock()
		s.stats.TempsRemoved++
		s.stats.BytesFreed += fi.Size()
		s.mu.Unlock()
	}

	var adopted []Record
	for _, id := range unknown {
		select {
		case <-stop:
			return removed, freed, nil
		default:
		}
		rec, err := s.adopt(id)
		switch {
		case errors.Is(err, errNotPNG):
			if n := s.removeDamaged(id, err); n >= 0 {
				removed++
				freed += n
			}
		case err != nil:
			s.log.Debug("skipped render file", "id", id, "err", err)
		default:
			adopted = append(adopted, rec)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for id, e := range s.index {
		if e.seq <= seq0 && !onDisk[id] {
			s.log.Debug("render vanished", "id", id)
			s.dropLocked(id)
		}
	}
	for _, rec := range adopted {
		if _, ok := s.index[rec.ID]; !ok {
			s.insertLocked(rec)
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
	return removed, freed, nil
}

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

// adopt builds the record of a render file from its bytes: the PNG header for size and cache key,
// a full read for the SHA-256. An error wrapping errNotPNG means the file is damaged.
func (s *Store) adopt(id string) (Record, error) {
	name := fileName(id)
	fi, err := s.root.Lstat(name)
	if err != nil {
		return Record{}, err
	}
	if !fi.Mode().IsRegular() {
		return Record{}, errNotRegular
	}
	f, err := s.root.Open(name)
	if err != nil {
		return Record{}, err
	}
	defer f.Close() // read-only handle: a close error loses nothing
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
	created, _ := ParseID(id) // id was validated by the caller
	return Record{
		ID:        id,
		Path:      s.path(id),
		Size:      int64(size),
		Format:    "png",
		Width:     info.width,
		Height:    info.height,
		Checksum:  "sha256:" + hex.EncodeToString(sum.Sum(nil)),
		CreatedAt: created,
		ExpiresAt: created.Add(s.opts.TTL),
		CacheKey:  info.cacheKey,
	}, nil
}

// removeDamaged removes a render file whose PNG header did not parse. Renames are atomic, so such a
// file was never a complete render of ours. It returns the bytes freed, or -1 if nothing was removed.
func (s *Store) removeDamaged(id string, why error) int64 {
	name := fileName(id)
	fi, err := s.root.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
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
	if s.withinCapsLocked() {
		return removed, freed
	}
	order := make([]Record, 0, len(s.index))
	for _, e := range s.index {
		order = append(order, e.rec)
	}
	slices.SortFunc(order, func(a, b Record) int {
		switch {
		case a.olderThan(b):
			return -1
		case b.olderThan(a):
			return 1
		}
		return 0
	})
	for _, rec := range order {
		if s.withinCapsLocked() {
			break
		}
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
