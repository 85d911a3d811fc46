package storage

import (
	"errors"
	"fmt"
)

// Sentinel errors; callers branch on them with errors.Is.
var (
	// ErrNotFound: no live render has that id (never created, expired, or removed).
	ErrNotFound = errors.New("render not found")
	// ErrInvalidID: the id does not match render_<unixts>_<session>_<random hex>.
	ErrInvalidID = errors.New("invalid render id")
	// ErrNotManaged: the path does not name a render file directly inside the managed directory.
	ErrNotManaged = errors.New("path is not a managed render")
	// ErrTooLarge: the render is larger than the per-file cap (or the whole-directory cap).
	ErrTooLarge = errors.New("render exceeds the per-file size limit")
	// ErrClosed: the Store has been closed.
	ErrClosed = errors.New("render store is closed")

	// ErrDirSymlink: the managed directory is a symbolic link.
	ErrDirSymlink = errors.New("render directory is a symbolic link")
	// ErrDirNotOwned: the managed directory belongs to another user.
	ErrDirNotOwned = errors.New("render directory is owned by another user")
	// ErrDirWritable: group or others may write to the managed directory.
	ErrDirWritable = errors.New("render directory is writable by others")
	// ErrDirNotDir: the managed directory path names something other than a directory.
	ErrDirNotDir = errors.New("render directory is not a directory")
)

// DirError explains why Open refused a directory and what to do about it.
// Err is one of ErrDirSymlink, ErrDirNotOwned, ErrDirWritable or ErrDirNotDir.
type DirError struct {
	Dir    string
	Err    error
	Detail string // e.g. "writable by others (mode 0777)"
	Hint   string // e.g. "use a private directory or chmod 700 it"
}

func (e *DirError) Error() string {
	return fmt.Sprintf("refusing render directory %s: it is %s; %s", e.Dir, e.Detail, e.Hint)
}

func (e *DirError) Unwrap() error { return e.Err }
