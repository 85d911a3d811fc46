//go:build linux

package storage

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriteFailureLeavesNothing stands in for a full disk: RLIMIT_FSIZE makes a write past the
// limit fail with EFBIG (Go ignores SIGXFSZ). The limit is process-wide, so no t.Parallel.
func TestWriteFailureLeavesNothing(t *testing.T) {
	s, _ := openStore(t, Options{})
	var old syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old))
	lim := old
	lim.Cur = 4096
	require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim))
	restored := false
	restore := func() {
		if !restored {
			restored = true
			require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old))
		}
	}
	defer restore()

	p, err := s.Create()
	require.NoError(t, err)
	defer p.Abort()
	data := makePNG(t, 4, 4, "", 10_000)
	_, err = p.Write(data)
	restore()
	require.Error(t, err)
	assert.ErrorIs(t, err, syscall.EFBIG)
	assert.Contains(t, err.Error(), "failed to write render")
	assert.Empty(t, names(t, s.Dir()), "the partial temp file is gone")
	_, err = p.Publish(Meta{})
	assert.Error(t, err)
	assert.Empty(t, names(t, s.Dir()))
	assert.Zero(t, s.Stats().Count)
}
