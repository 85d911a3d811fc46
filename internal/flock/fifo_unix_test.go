//go:build unix

package flock

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRemoveAbandonedSkipsFIFO(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, ".tmp-fifo"), 0o600))
	root, err := os.OpenRoot(dir)
	require.NoError(t, err)
	defer root.Close()
	n, err := RemoveAbandoned(root, ".tmp-fifo", time.Now().Add(time.Hour), time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(-1), n)
	assert.FileExists(t, filepath.Join(dir, ".tmp-fifo"))
}
