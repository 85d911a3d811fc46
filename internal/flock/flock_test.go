package flock

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTryLockSeesAnotherHolder(t *testing.T) {
	if !Supported {
		t.Skip("no advisory locks on this platform")
	}
	p := filepath.Join(t.TempDir(), "f")
	a, err := os.Create(p)
	require.NoError(t, err)
	require.NoError(t, Lock(a))
	b, err := os.Open(p)
	require.NoError(t, err)
	defer b.Close()
	ok, err := TryLock(b)
	require.NoError(t, err)
	assert.False(t, ok, "a second open file must not get the lock while the first holds it")
	require.NoError(t, a.Close())
	ok, err = TryLock(b)
	require.NoError(t, err)
	assert.True(t, ok, "closing the holder releases the lock")
}
