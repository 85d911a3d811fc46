//go:build !unix

package storage

import "io/fs"

// checkOwnerAndMode does nothing where Unix owners and mode bits do not apply (Windows keeps
// access in ACLs, and the per-user cache directory is private by default).
func checkOwnerAndMode(string, fs.FileInfo) error { return nil }
