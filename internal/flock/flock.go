// Package flock takes advisory, whole-file locks that the kernel releases
// when the holder's process ends, however it ends (kill -9 included).
//
// A writer holds an exclusive lock on its temporary file for as long as it
// writes; a sweeper that can take the lock at once knows the writer is dead
// and may remove the file. Where the platform has no such lock (Supported is
// false), Lock and TryLock return ErrUnsupported and callers fall back to an
// age rule.
package flock

import "errors"

// ErrUnsupported is returned where advisory file locks are not available.
var ErrUnsupported = errors.New("advisory file locks are not supported on this platform")
