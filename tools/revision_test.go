package tools_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRevisions(t *testing.T) {
	h := newRenderHarness(t)
	st := h.ok("get_status", nil)
	rev0 := st["revision"].(float64)
	require.GreaterOrEqual(t, rev0, 1.0)
	r := h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{3, 3, 3}, "color": "#FF0000"})
	assert.Equal(t, rev0+1, r["revision"], "an edit moves the revision by one")
	assert.Contains(t, text(h.call("get_status", nil)), "revision")

	// A stale expected_revision is refused and changes nothing.
	msg := h.fail("add_voxels", map[string]any{"voxels": []any{[]any{9, 9, 9, "#00FF00"}}, "expected_revision": rev0})
	assert.Contains(t, msg, "expected_revision")
	assert.Equal(t, rev0+1, h.ok("get_status", nil)["revision"])
	assert.Equal(t, 64.0, h.ok("get_status", nil)["voxels"])
	// The right one goes through.
	r = h.ok("add_voxels", map[string]any{"voxels": []any{[]any{9, 9, 9, "#00FF00"}}, "expected_revision": rev0 + 1})
	assert.Equal(t, rev0+2, r["revision"])

	// A read does not move it; undo does.
	assert.Equal(t, rev0+2, h.ok("get_voxel", map[string]any{"position": []any{9, 9, 9}})["revision"])
	assert.Equal(t, rev0+3, h.ok("undo", nil)["revision"])

	// A render reports the revision it shows.
	out := h.ok("render_scene", map[string]any{"width": 64, "height": 64, "options": map[string]any{"return_mode": "base64"}})
	assert.Equal(t, rev0+3, out["revision"])
}
