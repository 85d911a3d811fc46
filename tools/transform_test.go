package tools_test

import (
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// layerVoxels returns every voxel of a layer.
func layerVoxels(h *harness, layer int) map[voxel.Pos]color.NRGBA {
	m := map[voxel.Pos]color.NRGBA{}
	h.project.Read(func(s *voxel.Scene) {
		s.Each(layer, func(p voxel.Pos, c color.NRGBA) bool {
			m[p] = c
			return true
		})
	})
	return m
}

// mirror_region with keep_original turns half a model into an exactly
// symmetric one, checked voxel by voxel.
func TestMirrorRegionKeepOriginalMakesSymmetric(t *testing.T) {
	h := newHarness(t)
	// the right half of a figure: a body, an arm, a coloured eye, on x ≥ 0
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, -2, 0}, "to": []any{3, 2, 12}, "color": "#3060C0"})
	h.ok("fill_shape", map[string]any{"shape": "line", "from": []any{3, 0, 9}, "to": []any{9, 0, 4}, "color": "#C0A080"})
	h.ok("fill_shape", map[string]any{"shape": "sphere", "center": []any{2, -3, 10}, "radius": 1, "color": "#FFFFFF"})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{1, -4, 10, "#000000"}, []any{7, 3, 0, "#FF0000"}}})
	half := layerVoxels(h, 1)
	for p := range half {
		require.GreaterOrEqual(t, p.X, 0)
	}
	r := h.ok("mirror_region", map[string]any{"from": []any{0, -10, -10}, "to": []any{20, 10, 20}, "axis": "x", "at": -0.5, "keep_original": true})
	assert.Equal(t, len(half), num(t, r, "added"))
	assert.Equal(t, 0, num(t, r, "removed"))
	assert.Contains(t, r, "revision")
	whole := layerVoxels(h, 1)
	require.Len(t, whole, 2*len(half))
	for p, c := range whole {
		m := voxel.Pos{X: -1 - p.X, Y: p.Y, Z: p.Z}
		require.Equal(t, c, whole[m], "%v is %v but its mirror %v is %v", p, c, m, whole[m])
	}
	// one undo step gives the half back
	h.ok("undo", nil)
	assert.Equal(t, half, layerVoxels(h, 1))
}

func TestRegionTools(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{3, 1, 0}, "color": "#FF0000"})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 1, "#00FF00"}}})

	r := h.ok("copy_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{3, 1, 1}, "offset": []any{10, 0, 0}})
	assert.Equal(t, 9, num(t, r, "added"))
	assert.Equal(t, "#00FF00FF", h.ok("get_voxel", map[string]any{"position": []any{10, 0, 1}})["color"])

	// destination: where the minimum corner goes; to another layer
	l2 := num(t, h.ok("create_layer", map[string]any{"name": "copy"}), "id")
	r = h.ok("copy_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{3, 1, 1}, "destination": []any{0, 20, 0}, "layer": 1, "to_layer": l2})
	assert.Equal(t, 9, num(t, r, "added"))
	assert.Len(t, layerVoxels(h, l2), 9)

	// move the green voxel (a misplaced door) two to the right
	r = h.ok("move_region", map[string]any{"from": []any{0, 0, 1}, "to": []any{0, 0, 1}, "offset": []any{2, 0, 0}, "layer": 1})
	assert.Equal(t, 1, num(t, r, "added"))
	assert.Equal(t, 1, num(t, r, "removed"))
	assert.Equal(t, false, h.ok("get_voxel", map[string]any{"position": []any{0, 0, 1}, "layer": 1})["exists"])
	assert.Equal(t, "#00FF00FF", h.ok("get_voxel", map[string]any{"position": []any{2, 0, 1}, "layer": 1})["color"])

	// a quarter turn about z of the 4×2 slab (copied at x 10..13) makes it 2×4
	r = h.ok("rotate_region", map[string]any{"from": []any{10, 0, 0}, "to": []any{13, 1, 1}, "axis": "z", "turns": 1, "layer": 1})
	region := r["result_region"].(map[string]any)
	assert.Equal(t, []any{2.0, 4.0, 2.0}, region["size"])
	r = h.ok("rotate_region", map[string]any{"from": []any{10, -5, 0}, "to": []any{13, 5, 1}, "angle": -90, "layer": 1})
	assert.Equal(t, []any{4.0, 2.0, 2.0}, r["result_region"].(map[string]any)["size"])

	// replace_color everywhere, then only in a box of one layer, with tolerance
	r = h.ok("replace_color", map[string]any{"old_color": "#FF0000", "new_color": "#0000FF"})
	assert.Equal(t, 8+8+8, num(t, r, "recolored"))
	r = h.ok("replace_color", map[string]any{"old_color": "#0000F0", "new_color": [3]int{1, 2, 3}, "tolerance": 20, "from": []any{0, 0, 0}, "to": []any{1, 1, 0}, "layer": 1})
	assert.Equal(t, 4, num(t, r, "recolored"))
	r = h.ok("replace_color", map[string]any{"old_color": "#123456", "new_color": "#FFFFFF"})
	assert.Equal(t, 0, num(t, r, "recolored"))

	for _, tc := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"copy_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}}, "offset is required"},
		{"copy_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "offset": []any{1, 0, 0}, "destination": []any{1, 0, 0}}, "not both"},
		{"move_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "offset": []any{1, 0, 0}, "to_layer": 99}, "to_layer: layer 99 does not exist"},
		{"mirror_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}}, "axis is required"},
		{"mirror_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "axis": "x", "at": 0.25}, "whole or half"},
		{"mirror_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "axis": "w"}, "axis must be one of x, y, z"},
		{"rotate_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "angle": 45}, "multiple of 90"},
		{"rotate_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "center": []any{0, 0}}, "center must be [x, y, z]"},
		{"replace_color", map[string]any{"old_color": "#FF0000"}, "new_color is required"},
		{"replace_color", map[string]any{"old_color": "#FF0000", "new_color": "#FF000000"}, "alpha 0"},
		{"replace_color", map[string]any{"old_color": "#FF0000", "new_color": "#FFFFFF", "from": []any{0, 0, 0}}, "to is required"},
	} {
		before := sceneState(h)
		assert.Contains(t, h.fail(tc.tool, tc.args), tc.want, "%s %v", tc.tool, tc.args)
		assert.Equal(t, before, sceneState(h))
	}
}

// apply_edits with a bad third operation changes nothing, whether the
// operation is refused when read or fails when applied.
func TestApplyEditsIsAtomic(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{9, 9, 0}, "color": "#808080"})
	before := sceneState(h)
	good := []any{
		map[string]any{"tool": "fill_shape", "arguments": map[string]any{"shape": "box", "from": []any{0, 0, 1}, "to": []any{9, 0, 5}, "color": "#A0A0A0"}},
		map[string]any{"tool": "add_voxels", "arguments": map[string]any{"voxels": []any{[]any{5, 5, 5, "#FF0000"}}}},
	}
	for _, tc := range []struct {
		name string
		op   any
		want string
	}{
		{"bad colour", map[string]any{"tool": "paint_voxels", "arguments": map[string]any{"voxels": []any{[]any{0, 0, 0}}, "color": "blue"}}, "color must be"},
		{"unknown tool", map[string]any{"tool": "render_scene", "arguments": map[string]any{}}, "tool must be one of"},
		{"not an object", "fill_shape", "an operation must be"},
		{"open flood fill", map[string]any{"tool": "flood_fill", "arguments": map[string]any{"position": []any{0, 5, 3}, "color": "#00FF00"}}, "not enclosed"},
		{"missing layer", map[string]any{"tool": "mirror_region", "arguments": map[string]any{"from": []any{0, 0, 0}, "to": []any{9, 9, 5}, "axis": "x", "layer": 7}}, "layer 7 does not exist"},
		// an operation's arguments are checked as the tool itself checks them:
		// a misspelt or unknown name is refused with the nearest valid one
		{"unknown argument", map[string]any{"tool": "fill_shape", "arguments": map[string]any{"shape": "box", "from": []any{0, 0, 6}, "to": []any{1, 1, 6}, "color": "#FF0000", "holow": true}}, "unknown argument `operations[2].arguments.holow`; did you mean `operations[2].arguments.hollow`?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ops := append(append([]any{}, good...), tc.op)
			msg := h.fail("apply_edits", map[string]any{"operations": ops})
			assert.Contains(t, msg, "operations[2]")
			assert.Contains(t, msg, "3rd")
			assert.Contains(t, msg, tc.want)
			assert.Contains(t, msg, "nothing was changed")
			assert.Equal(t, before, sceneState(h))
		})
	}

	// all good: one undo step, net counts, every operation summarised
	ops := append(append([]any{}, good...),
		map[string]any{"tool": "mirror_region", "arguments": map[string]any{"from": []any{0, 0, 1}, "to": []any{9, 0, 5}, "axis": "y", "at": 4.5, "keep_original": true}},
		map[string]any{"tool": "replace_color", "arguments": map[string]any{"old_color": "#808080", "new_color": "#606060"}},
		map[string]any{"tool": "remove_voxels", "arguments": map[string]any{"voxels": []any{[]any{5, 5, 5}}}},
	)
	r := h.ok("apply_edits", map[string]any{"operations": ops})
	assert.Equal(t, 100, num(t, r, "added"), "two walls of 50; the red voxel came and went")
	assert.Equal(t, 0, num(t, r, "removed"))
	assert.Equal(t, 100, num(t, r, "recolored"))
	assert.Len(t, r["operations"], 5)
	assert.Equal(t, "#A0A0A0FF", h.ok("get_voxel", map[string]any{"position": []any{3, 9, 2}})["color"])
	u := h.ok("undo", nil)
	assert.Equal(t, 100, num(t, u, "scene_voxels"))
	assert.Equal(t, before[1], sceneState(h)[1])

	assert.Contains(t, h.fail("apply_edits", map[string]any{"operations": []any{}}), "1 to 1000")
	assert.Contains(t, h.fail("apply_edits", map[string]any{}), "operations is required")
	assert.Contains(t, h.fail("apply_edits", map[string]any{"operations": []any{map[string]any{"tool": "add_voxels", "arguments": map[string]any{"voxels": []any{[]any{1, 1, 1, "#FFFFFF"}}, "expected_revision": 1}}}}), "expected_revision goes on apply_edits")
}

// benchRegionTool times one region tool call on a 100,000-voxel box
// through the MCP layer; the undo between calls is not timed.
func benchRegionTool(b *testing.B, tool string, arguments map[string]any) {
	h := newHarness(&testing.T{})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{49, 49, 39}, "color": "#808080"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{24, 49, 39}, "color": "#A05030"})
	for b.Loop() {
		r := h.ok(tool, arguments)
		if r["changed"].(float64) == 0 {
			b.Fatal("nothing changed")
		}
		b.StopTimer()
		h.ok("undo", nil)
		b.StartTimer()
	}
}

// BenchmarkCopyRegionTool100k: copy_region of 100,000 voxels.
func BenchmarkCopyRegionTool100k(b *testing.B) {
	benchRegionTool(b, "copy_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{49, 49, 39}, "offset": []any{60, 0, 0}})
}

// BenchmarkMirrorRegionTool100k: mirror_region with keep_original of 100,000 voxels.
func BenchmarkMirrorRegionTool100k(b *testing.B) {
	benchRegionTool(b, "mirror_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{49, 49, 39}, "axis": "x", "at": -0.5, "keep_original": true})
}
