package tools_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// get_status tells the model where it may read and write, in the
// structured result and in the text; a refused path lists the same places.
func TestGetStatusListsAllowedDirs(t *testing.T) {
	h := newRenderHarness(t)
	allowed, err := filepath.EvalSymlinks(h.allowed)
	require.NoError(t, err)
	renders, err := filepath.EvalSymlinks(h.dir)
	require.NoError(t, err)
	st := h.ok("get_status", nil)
	assert.Equal(t, []any{allowed, renders}, st["allowed_dirs"])
	text := text(h.call("get_status", nil))
	assert.Contains(t, text, allowed)
	assert.Contains(t, text, "GOXEL_ALLOW_DIRS")

	msg := h.fail("save_project", map[string]any{"path": filepath.Join(t.TempDir(), "x.gox")})
	assert.Contains(t, msg, allowed)
	assert.Contains(t, msg, renders)
	assert.Contains(t, msg, "--allow-dir")
}

func TestGetStatusWithoutRoots(t *testing.T) {
	h := newHarness(t)
	st := h.ok("get_status", nil)
	assert.Equal(t, []any{}, st["allowed_dirs"], "always present, empty when nothing is allowed")
	assert.Contains(t, text(h.call("get_status", nil)), "No directory is allowed")
}
