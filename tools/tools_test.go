package tools_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/toolsnap"
	"github.com/goxel-mcp/goxel-mcp/tools"
)

// hints is the expected annotation of every tool: readOnly, destructive,
// idempotent. openWorld is false for all. A tool without a row fails.
var hints = map[string][3]bool{
	"create_project":       {false, true, false},
	"open_project":         {false, true, true},
	"save_project":         {false, true, true},
	"export_model":         {false, true, true},
	"get_status":           {true, false, true},
	"add_voxels":           {false, true, true},
	"remove_voxels":        {false, true, true},
	"paint_voxels":         {false, true, true},
	"get_voxel":            {true, false, true},
	"get_voxels_region":    {true, false, true},
	"fill_shape":           {false, true, true},
	"flood_fill":           {false, true, true},
	"replace_color":        {false, true, true},
	"apply_edits":          {false, true, false},
	"run_script":           {false, true, false},
	"copy_region":          {false, true, true},
	"move_region":          {false, true, false},
	"mirror_region":        {false, true, false},
	"rotate_region":        {false, true, false},
	"undo":                 {false, true, false},
	"redo":                 {false, true, false},
	"list_layers":          {true, false, true},
	"create_layer":         {false, false, false},
	"delete_layer":         {false, true, true},
	"rename_layer":         {false, false, true},
	"merge_layers":         {false, true, false},
	"set_layer_visibility": {false, false, true},
	"select_layer":         {false, false, true},
	"get_bounding_box":     {true, false, true},
	"get_color_histogram":  {true, false, true},
	"find_voxels_by_color": {true, false, true},
	"check_model":          {true, false, true},
	"get_slice":            {true, false, true},
	"diff_scene":           {true, false, true},
	"render_scene":         {false, false, false},
	"get_render_info":      {true, false, true},
	"list_renders":         {true, false, true},
	"cleanup_render":       {false, true, true},
	"get_render_stats":     {true, false, true},
	"view_model":           {true, false, true},
	"get_viewer_state":     {true, false, true},
	"get_viewer_mesh":      {true, false, true},
}

func TestToolDefinitions(t *testing.T) {
	all := tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits})
	seen := map[string]bool{}
	for _, st := range all {
		tool := st.Tool
		t.Run(tool.Name, func(t *testing.T) {
			assert.False(t, seen[tool.Name], "registered twice")
			seen[tool.Name] = true
			want, ok := hints[tool.Name]
			require.True(t, ok, "tool %s has no row in the hints table", tool.Name)
			a := tool.Annotations
			require.NotNil(t, a.ReadOnlyHint)
			require.NotNil(t, a.DestructiveHint)
			require.NotNil(t, a.IdempotentHint)
			require.NotNil(t, a.OpenWorldHint)
			assert.Equal(t, want[0], *a.ReadOnlyHint, "readOnly")
			assert.Equal(t, want[1], *a.DestructiveHint, "destructive")
			assert.Equal(t, want[2], *a.IdempotentHint, "idempotent")
			assert.False(t, *a.OpenWorldHint, "openWorld")
			assert.Less(t, len(tool.Description), 2048, "description must stay under 2 KB")
			assert.NotEmpty(t, tool.Description)
			toolsnap.Test(t, tool)
		})
	}
}

// The reference scene of the issue: a filled 16³ cube and a filled sphere of
// radius 20 around the origin, 37,497 voxels, built in two calls.
func TestReferenceSceneWithUndoRedo(t *testing.T) {
	h := newHarness(t)
	r := h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{30, -8, -8}, "to": []any{45, 7, 7}, "color": "#FF8000"})
	assert.Equal(t, 4096, num(t, r, "changed"))
	r = h.ok("fill_shape", map[string]any{"shape": "sphere", "center": []any{0, 0, 0}, "radius": 20, "color": []any{0, 128, 255}})
	assert.Equal(t, 33401, num(t, r, "changed"))
	st := h.ok("get_status", nil)
	assert.Equal(t, 37497, num(t, st, "voxels"))
	assert.Equal(t, true, st["dirty"])

	v := h.ok("get_voxel", map[string]any{"position": []any{0, 0, 20}})
	assert.Equal(t, "#0080FFFF", v["color"])
	v = h.ok("get_voxel", map[string]any{"x": 45, "y": 7, "z": -8})
	assert.Equal(t, "#FF8000FF", v["color"])
	v = h.ok("get_voxel", map[string]any{"position": []any{0, 0, 21}})
	assert.Equal(t, false, v["exists"])

	h.ok("undo", nil)
	assert.Equal(t, 4096, num(t, h.ok("get_status", nil), "voxels"))
	h.ok("undo", nil)
	assert.Equal(t, 0, num(t, h.ok("get_status", nil), "voxels"))
	assert.Contains(t, h.fail("undo", nil), "nothing to undo")
	h.ok("redo", nil)
	h.ok("redo", nil)
	assert.Equal(t, 37497, num(t, h.ok("get_status", nil), "voxels"))
	v = h.ok("get_voxel", map[string]any{"position": []any{-20, 0, 0}})
	assert.Equal(t, "#0080FFFF", v["color"])
	assert.Contains(t, h.fail("redo", nil), "nothing to redo")
}

func TestAddVoxelsForms(t *testing.T) {
	h := newHarness(t)
	r := h.ok("add_voxels", map[string]any{
		"color": "#102030",
		"voxels": []any{
			[]any{0, 0, 0},
			[]any{1, 0, 0, "#FF0000"},
			[]any{2, 0, 0, 0, 255, 0},
			[]any{3, 0, 0, 0, 0, 255, 128},
			map[string]any{"x": 4, "y": 0, "z": 0, "color": []any{1, 2, 3}},
			map[string]any{"position": []any{5, 0, 0}},
			[]any{"6", 0.0, -1, "ffffff80"},
		},
		"data": "7 0 0 ABCDEF\n# a comment\n8,0,0,#123456; 9 0 0",
	})
	assert.Equal(t, 10, num(t, r, "changed"))
	want := map[int]string{0: "#102030FF", 1: "#FF0000FF", 2: "#00FF00FF", 3: "#0000FF80", 4: "#010203FF", 5: "#102030FF", 7: "#ABCDEFFF", 8: "#123456FF", 9: "#102030FF"}
	for x, c := range want {
		v := h.ok("get_voxel", map[string]any{"position": []any{x, 0, 0}})
		assert.Equal(t, c, v["color"], "x=%d", x)
	}
	v := h.ok("get_voxel", map[string]any{"position": []any{6, 0, -1}})
	assert.Equal(t, "#FFFFFF80", v["color"])
}

func TestLargeBatch(t *testing.T) {
	h := newHarness(t)
	var b strings.Builder
	list := make([]any, 0, 100000)
	for i := range 100000 {
		list = append(list, []any{i % 100, (i / 100) % 100, i / 10000, "#336699"})
		if i < 50000 {
			fmt.Fprintf(&b, "%d %d %d 996633\n", i%100, (i/100)%100, 20+i/10000)
		}
	}
	r := h.ok("add_voxels", map[string]any{"voxels": list})
	assert.Equal(t, 100000, num(t, r, "changed"))
	r = h.ok("add_voxels", map[string]any{"data": b.String()})
	assert.Equal(t, 50000, num(t, r, "changed"))
	assert.Equal(t, 150000, num(t, h.ok("get_status", nil), "voxels"))
}

func TestBadArguments(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		tool string
		args map[string]any
		want []string // every string must appear in the message
	}{
		{"add_voxels", map[string]any{}, []string{"voxels is required"}},
		{"add_voxels", map[string]any{"voxels": "nope"}, []string{"voxels must be an array"}},
		{"add_voxels", map[string]any{"voxels": []any{[]any{0.5, 0, 0, "#FF0000"}}}, []string{"voxels[0].x", "integer", "0.5"}},
		{"add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0}}}, []string{"voxels[0]", "no colour"}},
		{"add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#12"}}}, []string{"voxels[0].color", "#RRGGBB", `"#12"`}},
		{"add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0}}, "color": "#FF0000", "layer": 9}, []string{"layer 9 does not exist", "existing layer ids: 1"}},
		{"add_voxels", map[string]any{"data": "1 2 x FF0000"}, []string{"data line 1", "z must be an integer"}},
		{"fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "color": "#FF0000"}, []string{"to is required"}},
		{"fill_shape", map[string]any{"shape": "star"}, []string{"shape must be one of", "box", "sphere"}},
		{"fill_shape", map[string]any{"shape": "sphere", "center": []any{0, 0, 0}, "radius": 2}, []string{"color is required"}},
		{"fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{4000, 4000, 4000}, "color": "#FF0000"}, []string{"limit", "smaller"}},
		{"fill_shape", map[string]any{"shape": "cylinder", "center": []any{0, 0, 0}, "radius": 2, "height": 0, "color": "#FF0000"}, []string{"height must be an integer from 1"}},
		{"get_voxel", map[string]any{"position": []any{1, 2}}, []string{"position must be [x, y, z]"}},
		{"get_voxel", map[string]any{"x": 1, "y": "a", "z": 0}, []string{"position.y"}},
		{"get_voxels_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "limit": 0}, []string{"limit must be an integer from 1"}},
		{"delete_layer", map[string]any{"id": 1}, []string{"last layer"}},
		{"delete_layer", map[string]any{"id": 1.5}, []string{"id must be an integer"}},
		{"rename_layer", map[string]any{"id": 1}, []string{"name is required"}},
		{"merge_layers", map[string]any{"source": 1, "target": 1}, []string{"same layer"}},
		{"set_layer_visibility", map[string]any{"id": 1}, []string{"visible is required"}},
		{"flood_fill", map[string]any{"position": []any{0, 0, 0}, "color": "#FF000000"}, []string{"alpha 0"}},
		{"find_voxels_by_color", map[string]any{"color": "red"}, []string{"color must be"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			msg := h.fail(tt.tool, tt.args)
			for _, w := range tt.want {
				assert.Contains(t, msg, w)
			}
		})
	}
	// the server keeps serving and nothing was changed
	assert.Equal(t, 0, num(t, h.ok("get_status", nil), "voxels"))
}

func TestFailedEditChangesNothing(t *testing.T) {
	d := tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}
	d.Limits.MaxSceneVoxels = 100
	h := newHarnessWith(t, d)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{3, 3, 3}, "color": "#FF0000"})
	msg := h.fail("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{9, 9, 9}, "color": "#00FF00"})
	assert.Contains(t, msg, "more than the limit of 100")
	st := h.ok("get_status", nil)
	assert.Equal(t, 64, num(t, st, "voxels"))
	assert.Equal(t, 1, num(t, st, "undo_steps"), "a refused edit leaves no undo step")
	v := h.ok("get_voxel", map[string]any{"position": []any{0, 0, 0}})
	assert.Equal(t, "#FF0000FF", v["color"])
}

func TestLayers(t *testing.T) {
	h := newHarness(t)
	r := h.ok("create_layer", map[string]any{"name": "roof"})
	roof := num(t, r, "id")
	assert.Equal(t, 2, roof)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 5}, "to": []any{2, 2, 5}, "color": "#AA0000"})
	h.ok("select_layer", map[string]any{"id": 1})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 5, "#0000AA"}, []any{9, 9, 9, "#0000AA"}}})
	l := h.ok("list_layers", nil)
	layers := l["layers"].([]any)
	require.Len(t, layers, 2)
	assert.Equal(t, "roof", layers[1].(map[string]any)["name"])
	assert.Equal(t, 9, num(t, layers[1].(map[string]any), "voxels"))
	assert.Equal(t, 2, num(t, layers[0].(map[string]any), "voxels"))

	// upper layer wins in merged reads; hiding it reveals the lower one
	v := h.ok("get_voxels_region", map[string]any{"from": []any{0, 0, 5}, "to": []any{0, 0, 5}})
	assert.Equal(t, "#AA0000FF", v["voxels"].([]any)[0].([]any)[3])
	h.ok("set_layer_visibility", map[string]any{"id": roof, "visible": false})
	v = h.ok("get_voxels_region", map[string]any{"from": []any{0, 0, 5}, "to": []any{0, 0, 5}})
	assert.Equal(t, "#0000AAFF", v["voxels"].([]any)[0].([]any)[3])

	h.ok("rename_layer", map[string]any{"id": roof, "name": "attic"})
	h.ok("merge_layers", map[string]any{"source": roof, "target": 1})
	l = h.ok("list_layers", nil)
	require.Len(t, l["layers"].([]any), 1)
	assert.Equal(t, 10, num(t, l["layers"].([]any)[0].(map[string]any), "voxels"))
	h.ok("undo", nil)
	l = h.ok("list_layers", nil)
	require.Len(t, l["layers"].([]any), 2)
	assert.Equal(t, "attic", l["layers"].([]any)[1].(map[string]any)["name"])

	id3 := num(t, h.ok("create_layer", nil), "id")
	assert.Equal(t, 3, id3, "ids are never reused")
	h.ok("delete_layer", map[string]any{"id": id3})
	assert.Contains(t, h.fail("select_layer", map[string]any{"id": id3}), "does not exist")
}

func TestRegionPagingAndAnalysis(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{9, 9, 9}, "color": "#FF0000"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{9, 9, 0}, "color": "#00FF00"})
	seen := map[string]bool{}
	offset := 0
	for pages := 0; ; pages++ {
		require.Less(t, pages, 20)
		r := h.ok("get_voxels_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{9, 9, 9}, "offset": offset, "limit": 300})
		assert.Equal(t, 1000, num(t, r, "total"))
		for _, v := range r["voxels"].([]any) {
			key := fmt.Sprint(v.([]any)[:3]...)
			assert.False(t, seen[key], "voxel %s listed twice", key)
			seen[key] = true
		}
		if r["truncated"] != true {
			break
		}
		offset = num(t, r, "next_offset")
	}
	assert.Len(t, seen, 1000)

	hist := h.ok("get_color_histogram", nil)
	assert.Equal(t, 2, num(t, hist, "distinct_colors"))
	top := hist["colors"].([]any)[0].(map[string]any)
	assert.Equal(t, "#FF0000FF", top["color"])
	assert.Equal(t, 900, num(t, top, "count"))

	f := h.ok("find_voxels_by_color", map[string]any{"color": "#00FF00", "limit": 10})
	assert.Equal(t, 100, num(t, f, "total"))
	assert.Len(t, f["voxels"].([]any), 10)
	assert.Equal(t, true, f["truncated"])
	f = h.ok("find_voxels_by_color", map[string]any{"color": "#00F800", "tolerance": 8})
	assert.Equal(t, 100, num(t, f, "total"))

	bb := h.ok("get_bounding_box", nil)
	assert.Equal(t, []any{10.0, 10.0, 10.0}, bb["size"])
}

func TestFloodFill(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{6, 6, 6}, "color": "#FFFFFF", "hollow": true})
	r := h.ok("flood_fill", map[string]any{"position": []any{3, 3, 3}, "color": "#FF0000"})
	assert.Equal(t, "fill", r["mode"])
	assert.Equal(t, 125, num(t, r, "changed"))
	r = h.ok("flood_fill", map[string]any{"position": []any{0, 0, 0}, "color": "#0000FF"})
	assert.Equal(t, "recolour", r["mode"])
	assert.Equal(t, 343-125, num(t, r, "changed"))
	h.ok("remove_voxels", map[string]any{"voxels": []any{[]any{0, 3, 3}, []any{1, 3, 3}}})
	msg := h.fail("flood_fill", map[string]any{"position": []any{1, 3, 3}, "color": "#00FF00"})
	assert.Contains(t, msg, "not enclosed")
	msg = h.fail("flood_fill", map[string]any{"position": []any{2, 2, 2}, "color": "#00FF00", "limit": 5})
	assert.Contains(t, msg, "more than 5 voxels")
}

func TestCreateProjectProtectsUnsavedWork(t *testing.T) {
	h := newHarness(t)
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}})
	assert.Contains(t, h.fail("create_project", nil), "unsaved changes")
	h.ok("create_project", map[string]any{"force": true})
	assert.Equal(t, 0, num(t, h.ok("get_status", nil), "voxels"))
}

// 50 edits and reads in flight at once give consistent results (run with -race).
func TestConcurrentCalls(t *testing.T) {
	h := newHarness(t)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{i, 0, 0}, "to": []any{i, 9, 9}, "color": "#00FF00"})
			} else {
				h.ok("get_status", nil)
				h.ok("get_voxels_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{60, 9, 9}, "limit": 10})
			}
		}()
	}
	wg.Wait()
	st := h.ok("get_status", nil)
	assert.Equal(t, 25*100, num(t, st, "voxels"))
	assert.Equal(t, 25, num(t, st, "undo_steps"))
}

func TestRunsForm(t *testing.T) {
	h := newHarness(t)
	r := h.ok("add_voxels", map[string]any{"runs": "0 0 0 10 FF0000\n-5 3 2 3", "color": "#00FF00"})
	assert.Equal(t, 13, num(t, r, "changed"))
	v := h.ok("get_voxel", map[string]any{"position": []any{9, 0, 0}})
	assert.Equal(t, "#FF0000FF", v["color"])
	v = h.ok("get_voxel", map[string]any{"position": []any{-3, 3, 2}})
	assert.Equal(t, "#00FF00FF", v["color"])
	assert.Equal(t, false, h.ok("get_voxel", map[string]any{"position": []any{10, 0, 0}})["exists"])
	r = h.ok("remove_voxels", map[string]any{"runs": "0 0 0 5"})
	assert.Equal(t, 5, num(t, r, "changed"))
	assert.Contains(t, h.fail("add_voxels", map[string]any{"runs": "0 0 0 0 FF0000"}), "length must be an integer from 1")
	assert.Contains(t, h.fail("add_voxels", map[string]any{"runs": "0 0 0 FF0000"}), `length must be an integer`)
	assert.Contains(t, h.fail("add_voxels", map[string]any{"runs": "0 0"}), `"x y z length RRGGBB"`)
}
