package tools_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Issue 13: 262,144 voxels, each in its own 16³ block, in one add_voxels
// call reached 1.9 GB. The scene budget refuses the call at its block
// bound, names that bound, and rolls everything back.
func TestAddVoxelsSparseIsRefusedAtTheBlockBudget(t *testing.T) {
	h := newHarness(t)
	var b strings.Builder
	for i := range 262144 {
		fmt.Fprintf(&b, "%d %d %d ff0000\n", 16*(i%64), 16*((i/64)%64), 16*(i/4096))
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	msg := h.fail("add_voxels", map[string]any{"data": b.String()})
	runtime.ReadMemStats(&after)
	assert.Contains(t, msg, "scene budget: the change would add 262144 blocks of 16×16×16 voxels to the scene's 0, more than the 8192 (128 MiB)")
	assert.Contains(t, msg, "nothing was changed")
	t.Logf("allocated %d MiB for the refused call (the block budget is %d MiB)", (after.TotalAlloc-before.TotalAlloc)>>20, voxel.DefaultBudget.MaxBlocks*16<<10>>20)
	st := h.ok("get_status", nil)
	assert.EqualValues(t, 0, st["voxels"])
	h.project.Read(func(s *voxel.Scene) { assert.Equal(t, 0, s.Blocks()) })

	// Within the budget the same kind of call works.
	b.Reset()
	for i := range 1000 {
		fmt.Fprintf(&b, "%d 0 0 ff0000\n", 16*i)
	}
	h.ok("add_voxels", map[string]any{"data": b.String()})
	h.project.Read(func(s *voxel.Scene) { assert.Equal(t, 1000, s.Blocks()) })
}

func TestFillShapeRefusedAtTheBlockBudget(t *testing.T) {
	h := newHarness(t)
	// 25 M voxels fit the per-call volume, but 98,596 blocks do not fit.
	msg := h.fail("fill_shape", map[string]any{"shape": "plane", "from": []int{0, 0, 0}, "to": []int{5000, 5000, 0}, "color": "#808080"})
	assert.Contains(t, msg, "blocks")
	assert.Contains(t, msg, "nothing was changed")
	assert.EqualValues(t, 0, h.ok("get_status", nil)["voxels"])
	msg = h.fail("fill_shape", map[string]any{"shape": "box", "from": []int{0, 0, 0}, "to": []int{5000, 5000, 0}, "color": "#808080"})
	assert.Contains(t, msg, "blocks")
	assert.EqualValues(t, 0, h.ok("get_status", nil)["voxels"])
	// the undo history holds nothing of the refused calls
	assert.NotEmpty(t, h.fail("undo", nil))
}

// Issue 13: a 10 MB layer name took 22.5 s and a 52 MB reply.
func TestLayerNamesAreBounded(t *testing.T) {
	h := newHarness(t)
	long := strings.Repeat("n", 10<<20)
	msg := h.fail("create_layer", map[string]any{"name": long})
	assert.Contains(t, msg, "name must be at most 255 bytes, got 10485760")
	assert.Less(t, len(msg), 200, "the reply does not carry the name")
	msg = h.fail("rename_layer", map[string]any{"id": 1, "name": long})
	assert.Contains(t, msg, "name must be at most 255 bytes")
	h.ok("rename_layer", map[string]any{"id": 1, "name": strings.Repeat("é", 127)})
}

func TestLayerCountIsBounded(t *testing.T) {
	h := newHarness(t)
	_, err := h.project.Edit("layers", func(s *voxel.Scene) error {
		for range voxel.DefaultBudget.MaxLayers - 2 {
			if _, err := s.TryAddLayer("x"); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(t, err)
	h.ok("create_layer", nil)
	msg := h.fail("create_layer", map[string]any{"name": "one too many"})
	assert.Contains(t, msg, "more than 1024 layers")
	assert.Contains(t, msg, "delete or merge layers")
	ls := h.ok("list_layers", nil)["layers"].([]any)
	require.Len(t, ls, voxel.DefaultBudget.MaxLayers)
}

func TestCoordinatesOutsideTheExtentAreRefused(t *testing.T) {
	h := newHarness(t)
	msg := h.fail("add_voxels", map[string]any{"voxels": []any{[]any{1 << 21, 0, 0, "#ff0000"}}})
	assert.Contains(t, msg, "1048576")
	msg = h.fail("fill_shape", map[string]any{"shape": "sphere", "center": []int{voxel.MaxCoord, 0, 0}, "radius": 3, "color": "#ff0000"})
	assert.Contains(t, msg, "±1048576")
	assert.EqualValues(t, 0, h.ok("get_status", nil)["voxels"])
}
