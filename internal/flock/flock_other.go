//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package flock

import "os"

// Supported reports whether Lock and TryLock work on this platform.
const Supported = false

// Lock returns ErrUnsupported on this platform.
func Lock(*os.File) error { return ErrUnsupported }

// TryLock returns ErrUnsupported on this platform.
func TryLock(*os.File) (bool, error) { return false, ErrUnsupported }
