package main

import (
	"io"
	"os"
	"strconv"
	"syscall"
)

// pollable returns a reader of in whose reads wait in Go's network poller instead of holding a
// thread in read(2), and a function that undoes what it changed (call it when done reading). When a
// request line arrives, the thread that reads it then hands the call to a worker and goes on with
// that worker itself; with a thread blocked in read(2) the worker waited until the scheduler woke
// another thread, which takes tens of µs on a virtual machine (about 8 % of a 400×400 render's
// round trip, docs/benchmarks.md).
//
//   - A pipe (Go and Python hosts) is opened anew through /proc/self/fd: a new file description of
//     the same pipe, so the O_NONBLOCK flag is ours alone.
//   - A socket (Node hosts spawn with socket pairs) cannot be reopened: a duplicate is made
//     non-blocking, which the description shares with any process that inherited the same socket
//     (a wrapper that spawned us with its own stdin); the returned function makes it blocking again.
//   - Anything else (a terminal, a file), or any failure, is read as it is.
func pollable(in *os.File) (io.Reader, func()) {
	nothing := func() {}
	fi, err := in.Stat()
	if err != nil {
		return in, nothing
	}
	switch {
	case fi.Mode()&os.ModeNamedPipe != 0:
		f, err := os.OpenFile("/proc/self/fd/"+strconv.Itoa(int(in.Fd())), os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			return in, nothing
		}
		return f, func() { _ = f.Close() }
	case fi.Mode()&os.ModeSocket != 0:
		fd, err := syscall.Dup(int(in.Fd()))
		if err != nil {
			return in, nothing
		}
		syscall.CloseOnExec(fd)
		if err := syscall.SetNonblock(fd, true); err != nil {
			_ = syscall.Close(fd)
			return in, nothing
		}
		f := os.NewFile(uintptr(fd), in.Name()) // non-blocking: read through the poller
		return f, func() {
			_ = syscall.SetNonblock(fd, false) // the shared description blocks again
			_ = f.Close()
		}
	}
	return in, nothing
}
