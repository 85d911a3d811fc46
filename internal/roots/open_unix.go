//go:build unix

package roots

import (
	"os"
	"syscall"
)

// nonblock makes opening a FIFO return at once instead of waiting for a writer.
const nonblock = syscall.O_NONBLOCK

// setBlocking clears O_NONBLOCK on a regular file opened with it. Reads of
// regular files never block anyway; this keeps the descriptor ordinary.
func setBlocking(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
