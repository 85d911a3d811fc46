package flock

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestHelperHoldTemp is not a test: run by TestRemoveAbandonedAcrossProcesses
// in a child process, it creates a locked temp file, says so and waits to be killed.
func TestHelperHoldTemp(t *testing.T) {
	dir := os.Getenv("GOXEL_FLOCK_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	f, err := CreateTemp(root, ".tmp-live", 0o600)
	require.NoError(t, err)
	_, err = f.Write([]byte("half a file"))
	require.NoError(t, err)
	os.Stdout.WriteString("ready\n")
	time.Sleep(time.Minute)
}

// A temp file whose writer (another process) is alive survives; once that
// process is killed with SIGKILL the file is removed at once, whatever its age.
func TestRemoveAbandonedAcrossProcesses(t *testing.T) {
	if !Supported {
		t.Skip("no advisory locks on this platform")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldTemp$")
	cmd.Env = append(os.Environ(), "GOXEL_FLOCK_HELPER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "ready\n", line)

	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	now := time.Now().Add(24 * time.Hour) // even a day-old file is live while its writer holds the lock
	n, err := RemoveAbandoned(root, ".tmp-live", now, time.Hour)
	require.NoError(t, err)
	assert.Equal(t, int64(-1), n)
	assert.FileExists(t, filepath.Join(dir, ".tmp-live"))

	require.NoError(t, cmd.Process.Kill())
	_ = cmd.Wait() // killed: the error is the signal
	n, err = RemoveAbandoned(root, ".tmp-live", time.Now(), time.Hour)
	require.NoError(t, err)
	assert.Equal(t, int64(len("half a file")), n)
	assert.NoFileExists(t, filepath.Join(dir, ".tmp-live"))
}

// A file just created (mode 0, not locked yet) is left alone until it is
// old; a FIFO under a temp name is skipped without blocking.
func TestRemoveAbandonedSkips(t *testing.T) {
	if !Supported {
		t.Skip("no advisory locks on this platform")
	}
	dir := t.TempDir()
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	f, err := root.OpenFile(".tmp-claiming", os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	n, err := RemoveAbandoned(root, ".tmp-claiming", time.Now(), time.Hour)
	require.NoError(t, err)
	assert.Equal(t, int64(-1), n, "a file in its creation window is not removed")
	n, err = RemoveAbandoned(root, ".tmp-claiming", time.Now().Add(2*time.Hour), time.Hour)
	require.NoError(t, err)
	assert.Equal(t, int64(0), n, "an old one is a leftover")

	dead, err := CreateTemp(root, ".tmp-dead", 0o600)
	require.NoError(t, err)
	require.NoError(t, dead.Close())
	n, err = RemoveAbandoned(root, ".tmp-dead", time.Now(), time.Hour)
	require.NoError(t, err)
	assert.Equal(t, int64(0), n, "unlocked with its mode set: the writer is gone")
	assert.NoFileExists(t, filepath.Join(dir, ".tmp-dead"))
}
