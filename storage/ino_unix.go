//go:build unix

package storage

import (
	"io/fs"
	"syscall"
)

// nonblock makes an open of a FIFO planted under one of our names return at once.
const nonblock = syscall.O_NONBLOCK

// fileIno returns fi's inode number, which identifies a file we published for as long as it exists.
func fileIno(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino) //nolint:unconvert // Ino is uint32 on some platforms
	}
	return 0
}
