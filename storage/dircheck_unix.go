//go:build unix

package storage

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkOwnerAndMode refuses a directory that another user owns or that group or others may write:
// either could replace or read a render between Publish and the client's read.
func checkOwnerAndMode(dir string, fi fs.FileInfo) error {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if uid := os.Geteuid(); int(st.Uid) != uid {
			return &DirError{Dir: dir, Err: ErrDirNotOwned,
				Detail: fmt.Sprintf("owned by uid %d, not by this user (uid %d)", st.Uid, uid),
				Hint:   "use a directory of your own"}
		}
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return &DirError{Dir: dir, Err: ErrDirWritable,
			Detail: fmt.Sprintf("writable by others (mode %04o)", perm),
			Hint:   "use a private directory or chmod 700 it"}
	}
	return nil
}
