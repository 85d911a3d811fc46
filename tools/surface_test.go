package tools_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/tools"
)

// TestToolMeta: every tool has a human title and declares the schema of the
// structuredContent it returns (all of ours return some), and every scene
// tool's output schema declares the revision guard adds.
func TestToolMeta(t *testing.T) {
	sceneFree := map[string]bool{"get_render_info": true, "list_renders": true, "cleanup_render": true, "get_render_stats": true}
	for _, st := range tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}) {
		tool := st.Tool
		t.Run(tool.Name, func(t *testing.T) {
			assert.NotEmpty(t, tool.Title, "title")
			assert.NotContains(t, tool.Title, "_", "a title is words, not the snake_case name")
			assert.Equal(t, tool.Title, tool.Annotations.Title, "annotations.title for hosts of 2025-03-26")
			require.NotNil(t, tool.RawOutputSchema, "outputSchema")
			var out map[string]any
			require.NoError(t, json.Unmarshal(tool.RawOutputSchema, &out))
			assert.Equal(t, "object", out["type"])
			props, _ := out["properties"].(map[string]any)
			if !sceneFree[tool.Name] {
				rev, _ := props["revision"].(map[string]any)
				assert.Equal(t, "integer", rev["type"], "revision is declared")
			}
			schemas, err := outputSchemasForTest()
			require.NoError(t, err)
			assert.Contains(t, schemas, tool.Name, "the output schema compiles")
		})
	}
}

func outputSchemasForTest() (map[string]any, error) {
	s, err := outputSchemas()
	out := map[string]any{}
	for k, v := range s {
		out[k] = v
	}
	return out, err
}

// TestTypedProperties: colour-like arguments carry validation keywords:
// colours and backgrounds a oneOf of the hex pattern and 3–4 integers 0–255
// (background also "transparent"), radius an integer or 3 integers.
func TestTypedProperties(t *testing.T) {
	found := map[string]int{}
	for _, st := range tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}) {
		for name, p := range st.Tool.InputSchema.Properties {
			prop := p.(map[string]any)
			switch name {
			case "color", "background", "radius":
			default:
				continue
			}
			found[name]++
			branches, ok := prop["oneOf"].([]any)
			require.True(t, ok, "%s.%s has no oneOf: %v", st.Tool.Name, name, prop)
			b, err := json.Marshal(branches)
			require.NoError(t, err)
			switch name {
			case "color":
				assert.JSONEq(t, `[{"type":"string","pattern":"^#?([0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})$","description":"\"#RRGGBB\" or \"#RRGGBBAA\""},
					{"type":"array","minItems":3,"maxItems":4,"description":"[r,g,b] or [r,g,b,a]","items":{"type":"integer","minimum":0,"maximum":255}}]`, string(b), st.Tool.Name)
			case "background":
				assert.Contains(t, string(b), `"enum":["transparent"]`)
				assert.Contains(t, string(b), `"maximum":255`)
			case "radius":
				assert.JSONEq(t, `[{"type":"integer","minimum":0},{"type":"array","minItems":3,"maxItems":3,"items":{"type":"integer","minimum":0}}]`, string(b))
			}
			assert.NotEmpty(t, prop["description"], "%s.%s keeps its description", st.Tool.Name, name)
		}
	}
	assert.GreaterOrEqual(t, found["color"], 5)
	assert.Equal(t, 1, found["background"])
	assert.Equal(t, 1, found["radius"])
}

// TestUnknownArgumentsRefused: every tool refuses an argument its schema
// does not list, naming it, and changes nothing.
func TestUnknownArgumentsRefused(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{1, 1, 1}, "color": "#FF0000"})
	before := h.ok("get_status", nil)
	for _, st := range tools.All(h.deps) {
		t.Run(st.Tool.Name, func(t *testing.T) {
			msg := h.fail(st.Tool.Name, map[string]any{"definitely_not_an_argument": 1})
			assert.Contains(t, msg, "unknown argument `definitely_not_an_argument`")
			assert.Contains(t, msg, st.Tool.Name+" takes ")
			assert.Contains(t, msg, "Nothing was done.")
		})
	}
	after := h.ok("get_status", nil)
	assert.Equal(t, before["revision"], after["revision"], "no refused call changed the scene")
}

func TestUnknownArgumentSuggestions(t *testing.T) {
	h := newHarness(t)
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0}}, "color": "#FF0000"})
	for _, tc := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"render_scene", map[string]any{"return_mod": "file_path"}, "unknown argument `return_mod`; did you mean `options.return_mode`?"},
		{"render_scene", map[string]any{"mode": "file_path"}, "unknown argument `mode`; did you mean `options.return_mode`?"},
		{"render_scene", map[string]any{"options": map[string]any{"return_mod": "file_path"}}, "unknown argument `options.return_mod`; did you mean `options.return_mode`?"},
		{"render_scene", map[string]any{"options": map[string]any{"width": 10}}, "unknown argument `options.width`; did you mean `width` at the top level, not inside `options`?"},
		{"render_scene", map[string]any{"center": []any{0, 0, 0}}, "unknown argument `center`"},
		{"render_scene", map[string]any{"views": []any{"front", map[string]any{"yaw": 10, "pich": 20}}}, "unknown argument `views[1].pich`; did you mean `views[1].pitch`?"},
		{"undo", map[string]any{"step": 3}, "unknown argument `step`; did you mean `steps`?"},
		{"undo", map[string]any{"count": 3}, "did you mean `steps`?"},
		{"add_voxels", map[string]any{"voxels": []any{[]any{1, 0, 0}}, "colour": "#FF0000"}, "unknown argument `colour`; did you mean `color`?"},
		{"fill_shape", map[string]any{"shape": "sphere", "centre": []any{0, 0, 0}, "radius": 2, "color": "#FF0000"}, "did you mean `center`?"},
		{"get_voxel", map[string]any{"pos": []any{0, 0, 0}}, "did you mean `position`?"},
		{"delete_layer", map[string]any{"layer_id": 1}, "did you mean `id`?"},
		{"open_project", map[string]any{"file": "a.vox"}, "did you mean `path`?"},
	} {
		t.Run(tc.tool+"/"+tc.want, func(t *testing.T) {
			assert.Contains(t, h.fail(tc.tool, tc.args), tc.want)
		})
	}
}

// TestMisplacedRenderOptionsAccepted: top-level return_mode/output_dir on
// render_scene mean options.return_mode/output_dir and are honoured.
func TestMisplacedRenderOptionsAccepted(t *testing.T) {
	h := newRenderHarness(t)
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0}}, "color": "#FF0000"})
	args := map[string]any{"width": 64, "height": 48, "return_mode": "file_path"}
	res := h.call("render_scene", args)
	require.False(t, res.IsError, text(res))
	for _, c := range res.Content {
		_, isImage := c.(mcp.ImageContent)
		assert.False(t, isImage, "file_path mode inlines no image")
	}
	assert.Equal(t, "file_path", structuredOf(t, res)["render"].(map[string]any)["return_mode"])
	assert.Equal(t, map[string]any{"width": 64, "height": 48, "return_mode": "file_path"}, args, "the caller's arguments are not changed")

	msg := h.fail("render_scene", map[string]any{"return_mode": "file_path", "options": map[string]any{"return_mode": "base64"}})
	assert.Contains(t, msg, "return_mode is given twice")
}

func TestUndoRedoSteps(t *testing.T) {
	h := newHarness(t)
	for i := range 4 {
		h.ok("add_voxels", map[string]any{"voxels": []any{[]any{i, 0, 0}}, "color": "#FF0000"})
	}
	r := h.ok("undo", map[string]any{"steps": 3})
	assert.Equal(t, 3, num(t, r, "steps"))
	assert.Equal(t, 1, num(t, r, "scene_voxels"))
	assert.Equal(t, 1, num(t, r, "undo_steps"))
	assert.Equal(t, 3, num(t, r, "redo_steps"))
	res := h.call("undo", map[string]any{"steps": 5})
	require.False(t, res.IsError)
	assert.Contains(t, text(res), "Undid 1 step (add_voxels), not 5: the history held only 1")
	assert.Equal(t, 1, num(t, structuredOf(t, res), "steps"))
	assert.Equal(t, 5, num(t, structuredOf(t, res), "requested"))
	assert.Contains(t, h.fail("undo", nil), "nothing to undo")

	r = h.ok("redo", map[string]any{"steps": "2"})
	assert.Equal(t, 2, num(t, r, "steps"))
	assert.Equal(t, 2, num(t, r, "scene_voxels"))
	r = h.ok("redo", nil)
	assert.Equal(t, 1, num(t, r, "steps"), "default one step")
	assert.Equal(t, 3, num(t, r, "scene_voxels"))
	assert.Contains(t, h.fail("undo", map[string]any{"steps": 0}), "steps must be an integer from 1 to 100")
	assert.Contains(t, h.fail("redo", map[string]any{"steps": 101}), "steps must be an integer from 1 to 100")
}

// TestPaintRunsDeclared: paint_voxels takes runs, and says so.
func TestPaintRunsDeclared(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{3, 0, 0}, "color": "#FF0000"})
	r := h.ok("paint_voxels", map[string]any{"runs": "0 0 0 6 00FF00"})
	assert.Equal(t, 4, num(t, r, "changed"))
	assert.Equal(t, 2, num(t, r, "skipped_empty"))
	// flood_fill reads x, y and z as get_voxel does.
	r = h.ok("flood_fill", map[string]any{"x": 0, "y": 0, "z": 0, "color": "#0000FF"})
	assert.Equal(t, 4, num(t, r, "changed"))
}

// TestTextIsASummary: the text block is a short sentence for clients that
// also get structuredContent; WithJSONText puts the JSON back for those
// that do not.
func TestTextIsASummary(t *testing.T) {
	h := newHarness(t)
	res := h.call("get_status", nil)
	require.False(t, res.IsError)
	summary := text(res)
	assert.NotContains(t, summary, "{", "no JSON in the summary")
	assert.Contains(t, summary, "0 voxels in 1 layers")
	assert.Contains(t, summary, "revision 1")

	old := tools.WithJSONText(res)
	assert.Nil(t, old.StructuredContent)
	require.Len(t, old.Content, 1)
	oldText := old.Content[0].(mcp.TextContent).Text
	assert.True(t, strings.HasPrefix(oldText, summary+"\n"), oldText)
	var sc map[string]any
	require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(oldText, summary+"\n")), &sc))
	assert.Equal(t, structuredOf(t, res), sc)
	assert.NotNil(t, res.StructuredContent, "the original result is unchanged")
	assert.Equal(t, summary, text(res))
}

func TestListLayersSummary(t *testing.T) {
	h := newHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{9, 9, 9}, "color": "#FF0000"})
	h.ok("create_layer", map[string]any{"name": "hat"})
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 20}}, "color": "#00FF00"})
	h.ok("set_layer_visibility", map[string]any{"id": 1, "visible": false})
	res := h.call("list_layers", nil)
	require.False(t, res.IsError)
	assert.Equal(t, "2 layers, bottom first: 1 \"Layer 1\" 1,000 voxels, hidden; 2 \"hat\" 1 voxel, current.\nrevision 5", text(res))
}

// TestVoxelItemKeysChecked: a misspelt key inside a voxel object is named,
// not silently dropped.
func TestVoxelItemKeysChecked(t *testing.T) {
	h := newHarness(t)
	msg := h.fail("add_voxels", map[string]any{"voxels": []any{map[string]any{"x": 0, "y": 0, "z": 0, "colour": "#FF0000"}}})
	assert.Contains(t, msg, "unknown argument `voxels[0].colour`; did you mean `voxels[0].color`?")
	h.ok("add_voxels", map[string]any{"voxels": []any{map[string]any{"x": 0, "y": 0, "z": 0, "color": "#FF0000"}, map[string]any{"pos": []any{1, 0, 0}, "color": "#FF0000"}}})
	region := h.ok("get_voxels_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{1, 0, 0}})
	r := h.ok("remove_voxels", map[string]any{"voxels": region["voxels"]})
	assert.Equal(t, 2, num(t, r, "changed"), "a region's voxels go back to remove_voxels as they are")
}
