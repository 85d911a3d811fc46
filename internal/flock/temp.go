package flock

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// CreateTemp creates name in root (which must not exist), opened for
// writing, with perm. Where locks are supported the writer holds an
// exclusive lock on it until the file is closed: the file is created with
// mode 0, locked, and only then given perm, so a sweeper that finds it
// unlocked with a mode other than 0 knows its writer is gone. On a file
// system that refuses locks (an NFS mount without a lock manager) the file
// is created unlocked, and sweepers fall back to the age rule for it.
func CreateTemp(root *os.Root, name string, perm os.FileMode) (*os.File, error) {
	if !Supported {
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if err != nil {
			return nil, err
		}
		return f, nil
	}
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*os.File, error) {
		_ = f.Close()         // the error below is the one to report
		_ = root.Remove(name) // best effort: the file is ours and empty
		return nil, err
	}
	// A file system without locks still gets the file: the write matters
	// more than telling its leftovers apart quickly.
	_ = Lock(f)
	// The umask can only narrow perm: set it explicitly.
	if err := f.Chmod(perm); err != nil {
		return fail(fmt.Errorf("failed to chmod %s: %w", name, err))
	}
	return f, nil
}

// RemoveAbandoned removes the temporary file name from root if its writer
// is gone: where locks are supported, when nobody holds its lock (a file
// still being created, mode 0, counts as live until staleAge); elsewhere,
// or on a file system that refuses locks, when it has not been modified for
// staleAge. It returns the size removed,
// or -1 when the file was left alone (live, not a regular file, or gone).
func RemoveAbandoned(root *os.Root, name string, now time.Time, staleAge time.Duration) (int64, error) {
	fi, err := root.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return -1, nil
	}
	old := now.Sub(fi.ModTime()) >= staleAge
	if !Supported {
		if !old {
			return -1, nil
		}
		return remove(root, name, fi.Size())
	}
	// Non-blocking, so a FIFO swapped in under the name cannot hang the sweep.
	f, err := root.OpenFile(name, os.O_RDONLY|nonblock, 0)
	if err != nil {
		if errors.Is(err, fs.ErrPermission) && old {
			return remove(root, name, fi.Size()) // mode 0 for staleAge: its creator died before chmod
		}
		return -1, nil
	}
	defer f.Close() // releases the lock taken below, after the removal
	ofi, err := f.Stat()
	if err != nil || !ofi.Mode().IsRegular() {
		return -1, nil
	}
	ok, err := TryLock(f)
	switch {
	case err != nil:
		// This file system refuses locks: its writers could not lock either.
		if !old {
			return -1, nil
		}
		return remove(root, name, ofi.Size())
	case !ok:
		return -1, nil // a live writer holds it
	}
	if ofi.Mode().Perm() == 0 && !old {
		return -1, nil // created a moment ago; its writer is about to lock it
	}
	// Remove by name while holding the lock; the name is random, so it still
	// names the file just checked unless someone else removed it meanwhile.
	return remove(root, name, ofi.Size())
}

func remove(root *os.Root, name string, size int64) (int64, error) {
	if err := root.Remove(name); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return -1, nil
		}
		return -1, err
	}
	return size, nil
}
