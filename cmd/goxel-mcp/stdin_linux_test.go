package main

import (
	"bufio"
	"os"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func nonblocking(t *testing.T, fd uintptr) bool {
	t.Helper()
	fl, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	require.Zero(t, errno)
	return fl&syscall.O_NONBLOCK != 0
}

// A pipe is read through a non-blocking description of its own: lines and the end of input come
// through, and the original descriptor (which a host or a shell may share) stays blocking.
func TestPollablePipe(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	in, restore := pollable(r)
	require.NotSame(t, r, in, "a pipe should be reopened")
	f := in.(*os.File)
	assert.True(t, nonblocking(t, f.Fd()))
	assert.False(t, nonblocking(t, r.Fd()), "the original description must stay blocking")

	go func() {
		w.WriteString("{\"jsonrpc\":\"2.0\",\"id\":1}\nsecond\n") //nolint:errcheck // checked by the reads
		w.Close()
	}()
	br := bufio.NewReader(in)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "{\"jsonrpc\":\"2.0\",\"id\":1}\n", line)
	line, err = br.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "second\n", line)
	_, err = br.ReadString('\n')
	assert.Error(t, err, "end of input")
	restore()
}

// A socket (what Node hosts give) is read non-blocking too, and restore makes the shared
// description blocking again.
func TestPollableSocket(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	require.NoError(t, err)
	ours, theirs := os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(fds[1]), "host")
	defer ours.Close()
	in, restore := pollable(ours)
	require.NotSame(t, ours, in)
	assert.True(t, nonblocking(t, in.(*os.File).Fd()))
	go func() {
		theirs.WriteString("hello\n") //nolint:errcheck // checked by the read
		theirs.Close()
	}()
	line, err := bufio.NewReader(in).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "hello\n", line)
	restore()
	assert.False(t, nonblocking(t, ours.Fd()), "restore leaves the socket blocking, as it was")
}

// Anything else is read as it is.
func TestPollableFile(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "in")
	require.NoError(t, err)
	defer f.Close()
	in, restore := pollable(f)
	defer restore()
	assert.Same(t, f, in)
}
