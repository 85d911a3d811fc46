package tools_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The first "done when": a built scene with a floating slab and a
// one-voxel asymmetry; one check_model call names both.
func TestCheckModelFindsFloatingSlabAndAsymmetry(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{19, 19, 0}, "color": "#808080"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 1}, "to": []any{1, 19, 12}, "color": "#FF0000"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{18, 0, 1}, "to": []any{19, 19, 12}, "color": "#FF0000"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{6, 4, 15}, "to": []any{13, 15, 16}, "color": "#0000FF"})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{2, 5, 6, "#FF0000"}}})

	res := h.call("check_model", map[string]any{})
	require.False(t, res.IsError, text(res))
	out := structuredOf(t, res)
	assert.Equal(t, 2, num(t, out, "part_count"))
	floating := out["floating"].([]any)
	require.Len(t, floating, 1)
	f := floating[0].(map[string]any)
	assert.Equal(t, 192.0, f["voxels"])
	bb := f["bounding_box"].(map[string]any)
	assert.Equal(t, []any{6.0, 4.0, 15.0}, bb["min"])
	assert.Equal(t, []any{13.0, 15.0, 16.0}, bb["max"])
	sym := out["symmetry"].(map[string]any)["x"].(map[string]any)
	assert.Equal(t, []any{[]any{2.0, 5.0, 6.0}}, sym["asymmetric"])
	assert.Equal(t, []any{[]any{17.0, 5.0, 6.0}}, sym["mirror"])
	assert.Equal(t, 1.0, sym["asymmetric_count"])
	assert.Equal(t, 9.5, sym["plane"])
	// The text says the same for a person.
	txt := text(res)
	assert.Contains(t, txt, "Floating: 1 part, 192 voxels")
	assert.Contains(t, txt, "[6,4,15]..[13,15,16]")
	assert.Contains(t, txt, "1 voxel without a mirror voxel, e.g. [2,5,6] (mirror [17,5,6] empty)")
	assert.Regexp(t, `revision \d+`, txt)

	// Grounding through a support layer, and 26-connectivity.
	h.ok("create_layer", map[string]any{"name": "roof"})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{5, 5, 13, "#00FF00"}, []any{6, 6, 14, "#00FF00"}}})
	roof := h.ok("check_model", map[string]any{"layer": 2, "support_layer": 1, "ground_z": -1})
	assert.Equal(t, 2, num(t, roof, "part_count"))
	assert.Equal(t, 1, num(t, roof, "floating_count"), "(6,6,14) touches nothing")
	roof26 := h.ok("check_model", map[string]any{"layer": 2, "support_layer": 1, "ground_z": -1, "connectivity": 26})
	assert.Equal(t, 1, num(t, roof26, "part_count"))
	assert.Equal(t, 0, num(t, roof26, "floating_count"))

	assert.Contains(t, h.fail("check_model", map[string]any{"connectivity": 8}), "connectivity must be 6")
	assert.Contains(t, h.fail("check_model", map[string]any{"from": []any{0, 0, 0}}), "both from and to")
	assert.Contains(t, h.fail("check_model", map[string]any{"support_layer": 9}), "layer 9 does not exist")
}

func TestCheckModelCavity(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{6, 6, 6}, "color": "#FFFFFF", "hollow": true})
	out := h.ok("check_model", map[string]any{})
	require.Equal(t, 1, num(t, out, "cavity_count"), "%v", out)
	c := out["cavities"].([]any)[0].(map[string]any)
	assert.Equal(t, 125.0, c["cells"])
}

// A known pattern comes back character for character, top row = highest y.
func TestGetSliceReproducesPattern(t *testing.T) {
	h := newHarness(t)
	pattern := []string{
		"R....G",
		".R..G.",
		"..BB..",
		"..BB..",
		".G..R.",
		"G....R",
	}
	colors := map[byte]string{'R': "#FF0000", 'G': "#00FF00", 'B': "#0000FF"}
	var voxels []any
	for r, line := range pattern {
		for x := range line {
			if c, ok := colors[line[x]]; ok {
				voxels = append(voxels, []any{x + 10, 5 - r - 3, 4, c})
			}
		}
	}
	h.ok("add_voxels", map[string]any{"voxels": voxels})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{10, -3, 5, "#FFFFFF"}}}) // another level
	res := h.call("get_slice", map[string]any{"axis": "z", "at": 4, "from": []any{10, -3, 0}, "to": []any{15, 2, 9}})
	require.False(t, res.IsError, text(res))
	out := structuredOf(t, res)
	rows := out["rows"].([]any)
	legend := out["legend"].(map[string]any)
	require.Len(t, rows, len(pattern))
	for r, line := range pattern {
		got := rows[r].(string)
		require.Len(t, got, len(line))
		for x := range line {
			if line[x] == '.' {
				assert.Equal(t, byte('.'), got[x], "row %d col %d", r, x)
				continue
			}
			assert.Equal(t, colors[line[x]]+"FF", legend[string(got[x])], "row %d col %d", r, x)
		}
	}
	assert.Equal(t, map[string]any{"axis": "x", "from": 10.0, "to": 15.0, "step": 1.0}, out["columns"])
	assert.Equal(t, map[string]any{"axis": "y", "from": 2.0, "to": -3.0, "step": -1.0}, out["row_axis"])
	assert.Contains(t, text(res), "\n  2 "+rows[0].(string))
	assert.Contains(t, text(res), "\n -3 "+rows[5].(string))

	// Without from/to the slice spans the model's box; a front slice puts z up.
	front := h.ok("get_slice", map[string]any{"axis": "y", "at": -3})
	assert.Equal(t, []any{"c.....", "a....b"}, front["rows"], "%v", front["legend"])
	assert.Equal(t, map[string]any{"a": "#00FF00FF", "b": "#FF0000FF", "c": "#FFFFFFFF"}, front["legend"])

	hm := h.ok("get_slice", map[string]any{"view": "heightmap"})
	hrows := hm["rows"].([]any)
	assert.Equal(t, "1....0", hrows[5], "the white voxel stands one above")
	assert.Equal(t, "z=5", hm["legend"].(map[string]any)["1"])

	// from/to on the slice's own axis do not hide the slice.
	same := h.ok("get_slice", map[string]any{"axis": "z", "at": 4, "from": []any{10, -3, 0}, "to": []any{15, 2, 0}})
	assert.Equal(t, rows, same["rows"])
	empty := h.call("get_slice", map[string]any{"axis": "z", "at": 40})
	assert.Contains(t, text(empty), "Nothing here: the model spans z=4..5")

	assert.Contains(t, h.fail("get_slice", map[string]any{"axis": "z"}), "at is required")
	assert.Contains(t, h.fail("get_slice", map[string]any{"axis": "w", "at": 0}), "axis must be one of")
}

func TestGetSliceDownsamplesLargeAreas(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{299, 9, 0}, "color": "#FF0000"})
	res := h.call("get_slice", map[string]any{"axis": "z", "at": 0})
	require.False(t, res.IsError)
	out := structuredOf(t, res)
	assert.Equal(t, true, out["downsampled"])
	assert.LessOrEqual(t, num(t, out, "width"), 128)
	assert.Equal(t, 3.0, out["columns"].(map[string]any)["step"])
	assert.Contains(t, text(res), "Downsampled: each cell covers 3×3")
	assert.Less(t, payload(res), 4000)
}

func jsonLen(t *testing.T, v any) int {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return len(b)
}

// The last "done when": a 10,000-voxel box in runs form is at least 5×
// smaller than the list form, and every list result stays in its budget.
func TestRegionRunsAndBudgets(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{-30, 100, 7}, "to": []any{19, 119, 16}, "color": "#3366CC"}) // 50×20×10
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{-5, 110, 12, "#FF000080"}}})
	box := map[string]any{"from": []any{-30, 100, 7}, "to": []any{19, 119, 16}}
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range box {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	list := h.call("get_voxels_region", with(map[string]any{"limit": 10000, "max_bytes": 1 << 20}))
	runs := h.call("get_voxels_region", with(map[string]any{"format": "runs"}))
	require.False(t, runs.IsError, text(runs))
	lo, ro := structuredOf(t, list), structuredOf(t, runs)
	require.Equal(t, 10000, num(t, lo, "returned"))
	assert.Equal(t, false, ro["truncated"])
	assert.Equal(t, 10000, num(t, ro, "total"))
	assert.Equal(t, 10000, num(t, ro, "returned_voxels"))
	ratio := float64(payload(list)) / float64(payload(runs))
	t.Logf("list %d bytes, runs %d bytes: %.1f×", payload(list), payload(runs), ratio)
	assert.GreaterOrEqual(t, ratio, 5.0)

	// The runs go straight back into add_voxels and rebuild the same box.
	h2 := newHarness(t)
	add := h2.ok("add_voxels", map[string]any{"runs": ro["runs"]})
	assert.Equal(t, 10000, num(t, add, "changed"))
	back := h2.ok("get_voxels_region", with(map[string]any{"format": "runs"}))
	assert.Equal(t, ro["runs"], back["runs"])
	assert.Contains(t, ro["runs"], "-5 110 12 1 FF000080", "translucent colours keep their alpha")

	// count_only is tiny.
	cnt := h.call("get_voxels_region", with(map[string]any{"count_only": true}))
	assert.Equal(t, 10000, num(t, structuredOf(t, cnt), "total"))
	assert.Less(t, payload(cnt), 300)

	// Budgets: default list pages, small budgets, runs pages: none exceeds.
	for _, tc := range []map[string]any{
		{"limit": 10000},
		{"limit": 10000, "max_bytes": 2000},
		{"format": "runs", "max_bytes": 1024},
		{"format": "runs", "max_bytes": 3000, "offset": 17},
	} {
		budget := 16 << 10
		if b, ok := tc["max_bytes"].(int); ok {
			budget = b
		}
		res := h.call("get_voxels_region", with(tc))
		require.False(t, res.IsError, text(res))
		out := structuredOf(t, res)
		assert.LessOrEqual(t, payload(res), budget, "%v", tc)
		assert.LessOrEqual(t, jsonLen(t, res.StructuredContent), budget, "%v", tc)
		assert.Equal(t, true, out["truncated"], "%v", tc)
		assert.Equal(t, "max_bytes", out["truncated_by"], "%v", tc)
		assert.Contains(t, text(res), fmt.Sprintf("offset %d", num(t, out, "next_offset")))
	}
	// Paging runs by next_offset covers every voxel exactly once.
	total, offset := 0, 0
	for range 100 {
		out := h.ok("get_voxels_region", with(map[string]any{"format": "runs", "max_bytes": 1024, "offset": offset}))
		total += num(t, out, "returned_voxels")
		if out["truncated"] != true {
			break
		}
		offset = num(t, out, "next_offset")
	}
	assert.Equal(t, 10000, total)
}

func TestFindVoxelsCompactForms(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{39, 39, 3}, "color": "#FFFFFF"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{2, 2, 4}, "to": []any{5, 5, 6}, "color": "#FF0000"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{30, 30, 4}, "to": []any{31, 31, 4}, "color": "#FF0000"})
	g := h.ok("find_voxels_by_color", map[string]any{"color": "#FF0000", "group": "parts"})
	assert.Equal(t, 2, num(t, g, "part_count"))
	parts := g["parts"].([]any)
	assert.Equal(t, 48.0, parts[0].(map[string]any)["voxels"])
	assert.Equal(t, map[string]any{"min": []any{2.0, 2.0, 4.0}, "max": []any{5.0, 5.0, 6.0}, "size": []any{4.0, 4.0, 3.0}}, parts[0].(map[string]any)["bounding_box"])
	assert.Equal(t, 4.0, parts[1].(map[string]any)["voxels"])

	r := h.ok("find_voxels_by_color", map[string]any{"color": "#FF0000", "format": "runs"})
	assert.Equal(t, 52, num(t, r, "total"))
	assert.Equal(t, 14, num(t, r, "total_runs"))
	c := h.ok("find_voxels_by_color", map[string]any{"color": "#FFFFFF", "count_only": true})
	assert.Equal(t, 6400, num(t, c, "total"))

	// The list form keeps to its budget too.
	res := h.call("find_voxels_by_color", map[string]any{"color": "#FFFFFF", "limit": 10000})
	assert.LessOrEqual(t, payload(res), 16<<10)
	out := structuredOf(t, res)
	assert.Equal(t, "max_bytes", out["truncated_by"])
	assert.True(t, strings.Contains(text(res), "call again with offset"))
}

// Many parts, long example lists: check_model still keeps to max_bytes.
func TestCheckModelKeepsItsBudget(t *testing.T) {
	h := newHarness(t)
	var voxels []any
	for i := range 300 { // 300 floating single voxels in a 2-D grid, all asymmetric
		voxels = append(voxels, []any{(i % 20) * 2, (i / 20) * 2, 5 + i%3, fmt.Sprintf("#%02X0000", i%256)})
	}
	voxels = append(voxels, []any{100, 100, 0, "#FFFFFF"})
	h.ok("add_voxels", map[string]any{"voxels": voxels})
	for _, budget := range []int{2048, 16 << 10} {
		res := h.call("check_model", map[string]any{"limit": 100, "examples": 64, "max_bytes": budget})
		require.False(t, res.IsError, text(res))
		out := structuredOf(t, res)
		assert.LessOrEqual(t, payload(res), budget)
		assert.Equal(t, 301, num(t, out, "part_count"))
		assert.Equal(t, true, out["truncated"])
		assert.NotEmpty(t, out["floating"])
	}
}

func TestHistogramKeepsItsBudget(t *testing.T) {
	h := newHarness(t)
	var voxels []any
	for i := range 3000 {
		voxels = append(voxels, []any{i % 100, i / 100, 0, fmt.Sprintf("#%06X", i*37)})
	}
	h.ok("add_voxels", map[string]any{"voxels": voxels})
	res := h.call("get_color_histogram", map[string]any{"limit": 4096, "max_bytes": 4096})
	require.False(t, res.IsError, text(res))
	assert.LessOrEqual(t, payload(res), 4096)
	out := structuredOf(t, res)
	assert.Equal(t, true, out["truncated"])
	assert.Equal(t, 3000, num(t, out, "distinct_colors"))
	assert.Contains(t, text(res), "Listed the")
}

func TestDiffSceneLayers(t *testing.T) {
	h := newHarness(t)
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0}, []any{1, 0, 0}}, "color": "#FF0000"})
	since := num(t, h.ok("get_status", map[string]any{}), "revision")
	h.ok("create_layer", map[string]any{"name": "new"})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{5, 5, 5}}, "color": "#00FF00"})
	h.ok("paint_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0}}, "color": "#0000FF", "layer": 1})
	res := h.call("diff_scene", map[string]any{"since_revision": since})
	require.False(t, res.IsError, text(res))
	out := structuredOf(t, res)
	layers := out["layers"].([]any)
	require.Len(t, layers, 2)
	l1, l2 := layers[0].(map[string]any), layers[1].(map[string]any)
	assert.Equal(t, 1.0, l1["recolored"].(map[string]any)["voxels"])
	assert.Equal(t, true, l2["created"])
	assert.Equal(t, 1.0, l2["added"].(map[string]any)["voxels"])
	assert.Contains(t, text(res), `Layer 2 "new" (new): +1 added in [5,5,5]..[5,5,5]`)
	assert.Contains(t, h.fail("diff_scene", map[string]any{"since_revision": 999}), "in the future")

	// The changed voxels themselves, in runs form.
	h.ok("remove_voxels", map[string]any{"voxels": []any{[]any{1, 0, 0}}, "layer": 1})
	v := h.ok("diff_scene", map[string]any{"since_revision": since, "voxels": true})
	assert.Equal(t, "5 5 5 1 00FF00", v["added_runs"])
	assert.Equal(t, "1 0 0 1 FF0000", v["removed_runs"])
	assert.Equal(t, "0 0 0 1 0000FF", v["recolored_runs"])
	assert.Nil(t, v["runs_truncated"])

	// A big change is cut at max_bytes and says so.
	since = num(t, v, "revision")
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 10, 0}, "to": []any{9, 300, 9}, "color": "#123456"})
	res = h.call("diff_scene", map[string]any{"since_revision": since, "voxels": true, "max_bytes": 4096})
	require.False(t, res.IsError, text(res))
	assert.LessOrEqual(t, payload(res), 4096)
	big := structuredOf(t, res)
	assert.Equal(t, true, big["runs_truncated"])
	assert.Equal(t, 29100.0, big["visible"].(map[string]any)["added"].(map[string]any)["voxels"])
	assert.Contains(t, text(res), "cut at max_bytes")
	h.ok("create_project", map[string]any{"force": true})
	assert.Contains(t, h.fail("diff_scene", map[string]any{"since_revision": since}), "no longer kept")
}

// Odd arguments give clear errors or sane answers, never a panic.
func TestCheckToolsOddArguments(t *testing.T) {
	h := newHarness(t)
	empty := h.call("check_model", map[string]any{})
	require.False(t, empty.IsError)
	assert.Contains(t, text(empty), "no voxels")
	assert.Contains(t, text(h.call("get_slice", map[string]any{"axis": "z", "at": 0})), "empty")
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{-1048576, 0, 0}, []any{1048576, 5, 3}}, "color": "#FFFFFF"})
	far := []any{-1048576, -1048576, -1048576}
	near := []any{1048576, 1048576, 1048576}
	for _, tc := range []struct {
		tool string
		args map[string]any
		ok   bool
	}{
		{"get_slice", map[string]any{"axis": "z", "at": 0}, true},
		{"get_slice", map[string]any{"axis": "x", "at": "5", "from": far, "to": near, "max_size": 8}, true},
		{"get_slice", map[string]any{"view": "heightmap", "from": far, "to": near}, true},
		{"get_slice", map[string]any{"axis": "z", "at": 1.5}, false},
		{"get_slice", map[string]any{"axis": "z", "at": 0, "max_size": 100000}, false},
		{"check_model", map[string]any{"from": far, "to": near, "examples": 0}, true},
		{"check_model", map[string]any{"layer": "x"}, false},
		{"check_model", map[string]any{"max_bytes": 10}, false},
		{"get_voxels_region", map[string]any{"from": far, "to": near, "format": "runs"}, true},
		{"get_voxels_region", map[string]any{"from": far, "to": near, "format": "csv"}, false},
		{"get_voxels_region", map[string]any{"from": far, "to": near, "count_only": "maybe"}, false},
		{"find_voxels_by_color", map[string]any{"color": "#FFFFFF", "group": "parts", "layer": 1}, true},
		{"find_voxels_by_color", map[string]any{"color": "#FFFFFF", "group": "blobs"}, false},
		{"diff_scene", map[string]any{"since_revision": 0}, false},
		{"diff_scene", map[string]any{"since_revision": 1}, true},
	} {
		res := h.call(tc.tool, tc.args)
		assert.Equal(t, !tc.ok, res.IsError, "%s %v: %s", tc.tool, tc.args, text(res))
	}
	out := h.ok("check_model", map[string]any{})
	assert.Equal(t, 2, num(t, out, "part_count"))
	assert.Equal(t, 1, num(t, out, "floating_count"), "the voxel at z=3 is in the air")
}

// A wall one voxel too thick moves the centre plane; the best plane names
// the extra voxels.
func TestCheckModelOffByOneWall(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{19, 9, 0}, "color": "#808080"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 1}, "to": []any{0, 9, 5}, "color": "#FF0000"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{19, 0, 1}, "to": []any{20, 9, 5}, "color": "#FF0000"}) // one too thick
	res := h.call("check_model", map[string]any{})
	require.False(t, res.IsError, text(res))
	sym := structuredOf(t, res)["symmetry"].(map[string]any)["x"].(map[string]any)
	assert.Equal(t, 10.0, sym["plane"])
	best := sym["best_plane"].(map[string]any)
	assert.Equal(t, 9.5, best["plane"])
	assert.Equal(t, 50.0, best["asymmetric_count"])
	assert.Contains(t, text(res), "The plane x=9.5 fits better")
	assert.Contains(t, text(res), "[20,0,1] (mirror [-1,0,1] empty)")
}

// payload is what a result costs a client: its text and its structured
// content as JSON (the budget counts both).
func payload(res *mcp.CallToolResult) int {
	n := len(text(res))
	if res.StructuredContent != nil {
		b, _ := json.Marshal(res.StructuredContent)
		n += 1 + len(b)
	}
	return n
}

// check_model's smallest budget is one it can keep: at 2048 bytes a scene
// of scattered parts still fits, and 1024 is refused with the range.
func TestCheckModelSmallestBudget(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 300; i++ {
		h.ok("add_voxels", map[string]any{"voxels": []any{[]any{(i * 7) % 61 * 2, (i * 13) % 53 * 2, (i % 5) * 3}}, "color": fmt.Sprintf("#%02X4080", i%256)})
	}
	res := h.call("check_model", map[string]any{"max_bytes": 2048})
	require.False(t, res.IsError, text(res))
	assert.LessOrEqual(t, payload(res), 2048)
	msg := h.fail("check_model", map[string]any{"max_bytes": 1024})
	assert.Contains(t, msg, "2048")
}
