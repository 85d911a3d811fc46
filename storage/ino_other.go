//go:build !unix

package storage

import "io/fs"

const nonblock = 0

// fileIno returns 0: Windows has file ids, but os.FileInfo does not expose them, so the manifest
// identifies a file by its size there.
func fileIno(fs.FileInfo) uint64 { return 0 }
