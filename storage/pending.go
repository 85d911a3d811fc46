package storage

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"time"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
)

var errFinished = errors.New("render already published or aborted")

// Pending is a render being written: an io.Writer over a temp file in the managed directory that
// also computes the SHA-256 and counts the bytes. Use it from one goroutine; always defer Abort.
// After a failed Write or Publish the temp file is already gone and the Pending is spent.
type Pending struct {
	s    *Store
	f    *os.File
	name string // temp file name inside the directory
	sum  hash.Hash
	n    int64
	head []byte // the first pngHeadLen bytes, checked by Publish
	err  error  // sticky: the first failure
	done bool   // published, aborted or failed
}

// Create starts a render: a new temp file .tmp-<random>, mode 0600, in the managed directory.
// On error (unwritable directory, disk full) nothing is left behind and the caller falls back to inline.
func (s *Store) Create() (*Pending, error) {
	name := newTempName()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, fmt.Errorf("failed to create render: %w", ErrClosed)
	}
	s.pending[name] = struct{}{} // before the file exists, so no sweep can take it for a leftover
	s.mu.Unlock()

	// The writer holds a lock on its temp file until it is renamed into place, so a sweep in any
	// process can tell a dead writer's leftover (unlocked) from a render still being written.
	f, err := flock.CreateTemp(s.root, name, 0o600)
	if err != nil {
		s.unpend(name)
		return nil, fmt.Errorf("failed to create temp file: %w", err)
	}
	p := &Pending{s: s, f: f, name: name, sum: sha256.New(), head: make([]byte, 0, pngHeadLen)}
	if !flock.Supported {
		// The umask can only clear bits of 0600, but set it explicitly so no process setting can widen it.
		if err := f.Chmod(0o600); err != nil {
			p.fail(fmt.Errorf("failed to chmod temp file: %w", err))
			return nil, p.err
		}
	}
	return p, nil
}

// Write appends b to the render. Writing past the per-file cap (min of MaxFileSize and MaxBytes)
// writes nothing and fails with ErrTooLarge; any failure removes the temp file at once.
func (p *Pending) Write(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	if p.done {
		return 0, fmt.Errorf("failed to write render: %w", errFinished)
	}
	if limit := p.s.fileLimit; p.n+int64(len(b)) > limit {
		p.fail(fmt.Errorf("failed to write render: %w (more than %d bytes)", ErrTooLarge, limit))
		return 0, p.err
	}
	n, err := p.f.Write(b)
	p.sum.Write(b[:n]) // hash.Hash.Write never fails
	p.n += int64(n)
	if room := pngHeadLen - len(p.head); room > 0 {
		p.head = append(p.head, b[:min(room, n)]...)
	}
	if err != nil {
		p.fail(fmt.Errorf("failed to write render: %w", err))
		return n, p.err
	}
	return n, nil
}

// Publish checks that the bytes start with a PNG header (and that it agrees with meta), records the
// render in the manifest, renames the temp file (still locked) to
// render_<unixts>_<session>_<random>.png, closes it, indexes it and then enforces the caps (evicting
// older renders, never this one). Nothing is synced. On error nothing is left behind.
func (p *Pending) Publish(meta Meta) (Record, error) {
	if p.err != nil {
		return Record{}, p.err
	}
	if p.done {
		return Record{}, fmt.Errorf("failed to publish render: %w", errFinished)
	}
	s := p.s
	info, err := readPNGInfo(bytes.NewReader(p.head))
	if err != nil {
		return Record{}, p.fail(fmt.Errorf("failed to publish render: %w", err))
	}
	if (meta.Width != 0 && meta.Width != info.width) || (meta.Height != 0 && meta.Height != info.height) {
		return Record{}, p.fail(fmt.Errorf("failed to publish render: meta says %dx%d but the PNG header says %dx%d",
			meta.Width, meta.Height, info.width, info.height))
	}
	// No fsync: a render is a cache entry that a process crash cannot tear
	// (the rename is atomic and the page cache survives), and adoption drops
	// a file that a power cut left short (no IEND). Measured: the sync was
	// over a third of a 400×400 render's publish time.
	fi, err := p.f.Stat()
	if err != nil {
		return Record{}, p.fail(fmt.Errorf("failed to stat render: %w", err))
	}
	checksum := "sha256:" + hex.EncodeToString(p.sum.Sum(nil))
	own := ownedFile(fi, p.n, checksum)
	if !flock.Supported {
		// Windows cannot rename an open file; without locks there is nothing to hold anyway.
		f := p.f
		p.f = nil
		if err := f.Close(); err != nil {
			return Record{}, p.fail(fmt.Errorf("failed to close render: %w", err))
		}
	}

	now := s.now()
	id := newID(now, s.session)
	// 64 random bits make a clash practically impossible, but a rename would replace a file silently.
	for range 3 {
		if _, err := s.root.Lstat(fileName(id)); errors.Is(err, os.ErrNotExist) {
			break
		}
		id = newID(now, s.session)
	}
	// A sweep that lists the directory between the rename and the insert below must not adopt (and
	// maybe evict) the render before Publish has recorded and protected it.
	s.mu.Lock()
	s.renamed[id] = struct{}{}
	s.mu.Unlock()
	// Recorded before the rename, so a crash in between leaves a line without a file (dropped by
	// a later compaction), never a render file that no Store knows it made.
	if err := s.record(id, own); err != nil {
		s.mu.Lock()
		delete(s.renamed, id)
		s.mu.Unlock()
		return Record{}, p.fail(fmt.Errorf("failed to publish render: %w", err))
	}
	if err := s.root.Rename(p.name, fileName(id)); err != nil {
		s.mu.Lock()
		delete(s.renamed, id)
		s.mu.Unlock()
		return Record{}, p.fail(fmt.Errorf("failed to rename render: %w", err))
	}
	p.done = true
	if p.f != nil {
		// Renamed while locked; the bytes are in the file whatever close says (no fsync, as above).
		_ = p.f.Close()
		p.f = nil
	}

	created := time.Unix(now.Unix(), 0)
	rec := Record{
		ID:        id,
		Path:      s.path(id),
		Size:      p.n,
		Format:    "png",
		Width:     info.width,
		Height:    info.height,
		Checksum:  checksum,
		CreatedAt: created,
		ExpiresAt: created.Add(s.opts.TTL),
		CacheKey:  meta.CacheKey,
	}
	s.mu.Lock()
	delete(s.pending, p.name)
	delete(s.renamed, id)
	s.insertLocked(rec, own)
	s.stats.Published++
	s.enforceLocked(now, id)
	s.mu.Unlock()
	return rec, nil
}

// Abort closes and removes the temp file. It is a no-op after Publish, a failure or another Abort.
func (p *Pending) Abort() {
	if p.done {
		return
	}
	p.discard()
}

// fail records err, removes the temp file and returns err.
func (p *Pending) fail(err error) error {
	if p.err == nil {
		p.err = err
	}
	if !p.done {
		p.discard()
	}
	return p.err
}

func (p *Pending) discard() {
	p.done = true
	if p.f != nil {
		_ = p.f.Close() // the file is removed next; a close error changes nothing
		p.f = nil
	}
	err := p.s.root.Remove(p.name)
	if errors.Is(err, os.ErrClosed) {
		// The Store was closed under us. p.name is a name we generated, so the plain path is safe.
		err = os.Remove(filepath.Join(p.s.dir, p.name))
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		p.s.log.Warn("failed to remove temp file", "name", p.name, "err", err)
	}
	p.s.unpend(p.name)
}

func (s *Store) unpend(name string) {
	s.mu.Lock()
	delete(s.pending, name)
	s.mu.Unlock()
}

func (s *Store) path(id string) string { return filepath.Join(s.dir, fileName(id)) }
