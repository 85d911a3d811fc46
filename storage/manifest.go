package storage

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/goxel-mcp/goxel-mcp/internal/flock"
)

// The manifest is how a Store knows which files it (or another Store on the same directory, in any
// process, before or after a restart) created: one line per published render, appended before the
// rename that publishes it. A file with a render name that the manifest does not list, or whose
// identity (modification time to the nanosecond, and the inode number where the platform has one,
// else the size) does not match the line, is not ours: it is never read, listed, expired, evicted
// or removed. The time matters because a file system may give a new file the inode number of one
// just removed.
const (
	manifestName    = ".index"
	manifestTmp     = ".index.new"
	manifestMaxRead = 16 << 20 // far more than the lines of any cap; a bigger file is read this far

	// manifestKeepRecent keeps the lines of renders this young through a compaction even when their
	// file is not there yet: another process appends its line before it renames the file into place.
	manifestKeepRecent = 10 * time.Minute
)

// owned is what the manifest records about one published render.
type owned struct {
	size  int64
	ino   uint64 // 0 where the platform has no inode numbers
	mtime int64  // modification time in Unix nanoseconds, as the writer left it
	sum   string // "sha256:" + 64 hex
}

func ownedFile(fi fs.FileInfo, size int64, sum string) owned {
	return owned{size: size, ino: fileIno(fi), mtime: fi.ModTime().UnixNano(), sum: sum}
}

// matches reports whether fi is the file that was published: a regular file with the recorded
// modification time and inode number (where there is one) or else the recorded size.
func (o owned) matches(fi fs.FileInfo) bool {
	if fi == nil || !fi.Mode().IsRegular() || fi.ModTime().UnixNano() != o.mtime {
		return false
	}
	if o.ino != 0 {
		return fileIno(fi) == o.ino
	}
	return fi.Size() == o.size
}

func manifestLine(id string, o owned) string {
	return fmt.Sprintf("%s %d %d %d %s\n", id, o.size, o.ino, o.mtime, strings.TrimPrefix(o.sum, "sha256:"))
}

func parseManifestLine(line string) (string, owned, bool) {
	f := strings.Fields(line)
	if len(f) != 5 || !ValidID(f[0]) || len(f[4]) != 64 {
		return "", owned{}, false
	}
	size, err1 := strconv.ParseInt(f[1], 10, 64)
	ino, err2 := strconv.ParseUint(f[2], 10, 64)
	mtime, err3 := strconv.ParseInt(f[3], 10, 64)
	if _, err := hex.DecodeString(f[4]); err != nil || err1 != nil || err2 != nil || err3 != nil || size < 0 {
		return "", owned{}, false
	}
	return f[0], owned{size: size, ino: ino, mtime: mtime, sum: "sha256:" + f[4]}, true
}

// readManifest returns the manifest's records (a later line for an id wins) and the number of
// lines read. A missing manifest is empty; a line cut short by a crash is skipped.
func (s *Store) readManifest() (map[string]owned, int, error) {
	f, err := s.root.OpenFile(manifestName, os.O_RDONLY|nonblock, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]owned{}, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("failed to open the render index: %w", err)
	}
	defer f.Close() // read-only handle: a close error loses nothing
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("failed to read the render index: %s is not a regular file", manifestName)
	}
	return parseManifest(io.LimitReader(f, manifestMaxRead))
}

func parseManifest(r io.Reader) (map[string]owned, int, error) {
	out := make(map[string]owned)
	lines := 0
	br := bufio.NewReaderSize(r, 32<<10)
	for {
		line, err := br.ReadString('\n')
		if strings.HasSuffix(line, "\n") {
			lines++
			if id, o, ok := parseManifestLine(line); ok {
				out[id] = o
			}
		}
		if errors.Is(err, io.EOF) {
			return out, lines, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("failed to read the render index: %w", err)
		}
	}
}

// lockedManifest opens the manifest with flags and, where locks work, holds its lock; it retries
// when a compaction renamed a new manifest into place while it waited, so the lock is always on
// the file the name points to.
func (s *Store) lockedManifest(flags int) (*os.File, error) {
	for range 100 {
		f, err := s.root.OpenFile(manifestName, flags|os.O_CREATE|nonblock, 0o600)
		if err != nil {
			return nil, fmt.Errorf("failed to open the render index: %w", err)
		}
		if !flock.Supported {
			return f, nil
		}
		if err := flock.Lock(f); err != nil {
			// A file system that refuses locks (NFS without a lock manager): appends of one short
			// line stay whole; a compaction racing an append can at worst forget that render,
			// which then stays on disk unmanaged rather than being removed wrongly.
			return f, nil
		}
		held, err1 := f.Stat()
		named, err2 := s.root.Lstat(manifestName)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			if !held.Mode().IsRegular() {
				f.Close()
				return nil, fmt.Errorf("failed to open the render index: %s is not a regular file", manifestName)
			}
			return f, nil
		}
		f.Close() // replaced while we waited: lock the new one
	}
	return nil, errors.New("failed to lock the render index: it keeps being replaced")
}

// record appends a published render to the manifest.
func (s *Store) record(id string, o owned) error {
	f, err := s.lockedManifest(os.O_WRONLY | os.O_APPEND)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(manifestLine(id, o)); err != nil {
		f.Close()
		return fmt.Errorf("failed to write the render index: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("failed to write the render index: %w", err)
	}
	return nil
}

// compactManifest rewrites the manifest with only the lines whose file is still there and still
// the one published, or that are recent (their file may be about to be renamed into place).
func (s *Store) compactManifest(now time.Time) error {
	f, err := s.lockedManifest(os.O_RDWR)
	if err != nil {
		return err
	}
	defer f.Close() // releases the lock; the rename below has already replaced the file
	recs, lines, err := parseManifest(io.LimitReader(f, manifestMaxRead))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	kept := 0
	for id, o := range recs {
		created, _ := ParseID(id) // manifest ids are validated
		fi, err := s.root.Lstat(fileName(id))
		if (err == nil && o.matches(fi)) || now.Sub(created) < manifestKeepRecent {
			buf.WriteString(manifestLine(id, o))
			kept++
		}
	}
	if kept == lines {
		return nil
	}
	tmp, err := s.root.OpenFile(manifestTmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("failed to compact the render index: %w", err)
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		_ = s.root.Remove(manifestTmp) // best effort: our own scratch file
		return fmt.Errorf("failed to compact the render index: %w", err)
	}
	if err := tmp.Close(); err != nil {
		_ = s.root.Remove(manifestTmp) // best effort: our own scratch file
		return fmt.Errorf("failed to compact the render index: %w", err)
	}
	if !flock.Supported {
		f.Close() // Windows cannot rename over an open file
	}
	if err := s.root.Rename(manifestTmp, manifestName); err != nil {
		_ = s.root.Remove(manifestTmp) // best effort: our own scratch file
		return fmt.Errorf("failed to compact the render index: %w", err)
	}
	s.log.Debug("compacted the render index", "lines", lines, "kept", kept)
	return nil
}
