package tools_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"os"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func inlinePNG(t *testing.T, res *mcp.CallToolResult) image.Image {
	t.Helper()
	for _, c := range res.Content {
		if im, ok := c.(mcp.ImageContent); ok {
			raw, err := base64.StdEncoding.DecodeString(im.Data)
			require.NoError(t, err)
			img, err := png.Decode(bytes.NewReader(raw))
			require.NoError(t, err)
			if os.Getenv("SAVE_HIGHLIGHT") != "" {
				require.NoError(t, os.WriteFile(os.Getenv("SAVE_HIGHLIGHT"), raw, 0o644))
			}
			return img
		}
	}
	t.Fatal("no inline image")
	return nil
}

func rawPNG(t *testing.T, res *mcp.CallToolResult) []byte {
	t.Helper()
	for _, c := range res.Content {
		if im, ok := c.(mcp.ImageContent); ok {
			raw, err := base64.StdEncoding.DecodeString(im.Data)
			require.NoError(t, err)
			return raw
		}
	}
	t.Fatal("no inline image")
	return nil
}

// pixelsIn counts the pixels of img that pass is, left and right of the centre.
func pixelsIn(img image.Image, is func(r, g, b uint8) bool) (left, right int) {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if is(uint8(r>>8), uint8(g>>8), uint8(bl>>8)) {
				if x < (b.Min.X+b.Max.X)/2 {
					left++
				} else {
					right++
				}
			}
		}
	}
	return left, right
}

func greenish(r, g, b uint8) bool { return int(g) > int(r)+60 && int(g) > int(b)+40 }
func reddish(r, g, b uint8) bool  { return int(r) > int(g)+60 && int(r) > int(b)+60 }

// The third "done when": after adding 50 voxels and removing 20, a
// highlighted render reports +50/−20 and shows tinted and ghost pixels
// where they are: added on the left of a grey wall, removed on its right.
func TestRenderHighlightChanges(t *testing.T) {
	h := newRenderHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{39, 3, 19}, "color": "#808080"})
	first := h.call("render_scene", map[string]any{"view": "front", "width": 400, "height": 300, "options": map[string]any{"return_mode": "file_path"}})
	require.False(t, first.IsError, text(first))
	assert.Contains(t, text(first), "First render of this scene.")
	since := num(t, structuredOf(t, first), "revision")

	// 50 voxels in front of the wall's left half (y = -1, facing the camera).
	var added []any
	for i := range 50 {
		added = append(added, []any{2 + i%10, -1, 2 + i/10})
	}
	h.ok("add_voxels", map[string]any{"voxels": added, "color": "#808080"})
	// 20 voxels cut from the front face of the right half.
	var removed []any
	for i := range 20 {
		removed = append(removed, []any{28 + i%10, 0, 10 + i/10})
	}
	h.ok("remove_voxels", map[string]any{"voxels": removed})

	res := h.call("render_scene", map[string]any{"view": "front", "width": 400, "height": 300, "highlight": "changes"})
	require.False(t, res.IsError, text(res))
	txt := text(res)
	assert.Contains(t, txt, "+50 in [2,-1,2]..[11,-1,6], −20 in [28,0,10]..[37,0,11], ~0 (added, removed, recoloured)")
	assert.Contains(t, txt, "Highlighted: green: added, red checkered ghosts: removed, magenta: recoloured.")
	out := structuredOf(t, res)
	hl := out["highlight"].(map[string]any)
	assert.Equal(t, float64(since), hl["since_revision"])
	assert.Nil(t, hl["added"], "the same as since_previous_render")
	prev := out["since_previous_render"].(map[string]any)
	assert.Equal(t, float64(since), prev["since_revision"])
	assert.Equal(t, 50.0, prev["added"])
	assert.Equal(t, 20.0, prev["removed"])
	assert.Equal(t, 0.0, prev["recolored"])

	img := inlinePNG(t, res)
	if p := os.Getenv("SAVE_HIGHLIGHT"); p != "" {
		os.Rename(p, p+".changes.png")
	}
	gl, gr := pixelsIn(img, greenish)
	rl, rr := pixelsIn(img, reddish)
	t.Logf("green pixels left %d right %d; red left %d right %d", gl, gr, rl, rr)
	assert.Greater(t, gl, 500, "tinted added voxels on the left")
	assert.Zero(t, gr)
	assert.Greater(t, rr, 500, "ghosts of the removed voxels on the right")
	assert.Zero(t, rl)

	assert.Contains(t, string(rawPNG(t, res)), "Highlight\x00changes since revision")

	// The plain render after it says what changed since the highlighted one:
	// nothing, and draws no tint; both name the same scene.
	plain := h.call("render_scene", map[string]any{"view": "front", "width": 400, "height": 300})
	require.False(t, plain.IsError)
	assert.Contains(t, text(plain), "no visible change")
	assert.Equal(t, out["render"].(map[string]any)["scene_hash"], structuredOf(t, plain)["render"].(map[string]any)["scene_hash"])
	assert.NotContains(t, string(rawPNG(t, plain)), "Highlight\x00")
	gl, gr = pixelsIn(inlinePNG(t, plain), greenish)
	assert.Zero(t, gl+gr)

	// diff_scene says the same from the earlier revision.
	d := h.ok("diff_scene", map[string]any{"since_revision": since})
	vis := d["visible"].(map[string]any)
	assert.Equal(t, 50.0, vis["added"].(map[string]any)["voxels"])
	assert.Equal(t, 20.0, vis["removed"].(map[string]any)["voxels"])
	layers := d["layers"].([]any)
	require.Len(t, layers, 1)
	assert.Equal(t, 1.0, layers[0].(map[string]any)["layer"])
	// Since the previous render: nothing.
	d = h.ok("diff_scene", map[string]any{})
	assert.Equal(t, 0.0, d["visible"].(map[string]any)["added"].(map[string]any)["voxels"])

	// A recolour is marked magenta.
	h.ok("paint_voxels", map[string]any{"voxels": []any{[]any{20, 0, 5}, []any{21, 0, 5}}, "color": "#808081"})
	res = h.call("render_scene", map[string]any{"view": "front", "width": 400, "height": 300, "highlight": "changes"})
	assert.Contains(t, text(res), "~2 in [20,0,5]..[21,0,5]")
	magenta := func(r, g, b uint8) bool { return int(r) > int(g)+60 && int(b) > int(g)+60 }
	ml, mr := pixelsIn(inlinePNG(t, res), magenta)
	assert.Greater(t, ml+mr, 20)
}

func TestRenderHighlightErrors(t *testing.T) {
	h := newRenderHarness(t)
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FFFFFF"}}})
	assert.Contains(t, h.fail("render_scene", map[string]any{"highlight": "changes"}), "there is none yet")
	assert.Contains(t, h.fail("render_scene", map[string]any{"highlight": "changes", "since_revision": 99}), "in the future")
	assert.Contains(t, h.fail("render_scene", map[string]any{"since_revision": 1}), `needs highlight "changes"`)
	assert.Contains(t, h.fail("render_scene", map[string]any{"highlight": "glow"}), "highlight must be one of")
	assert.Contains(t, h.fail("diff_scene", map[string]any{}), "nothing has been rendered yet")
	res := h.call("render_scene", map[string]any{"highlight": "changes", "since_revision": 1, "options": map[string]any{"return_mode": "file_path"}})
	require.False(t, res.IsError, text(res))
	assert.Contains(t, text(res), "Highlighted since revision 1: +1, −0, ~0")
	assert.Equal(t, 1.0, structuredOf(t, res)["highlight"].(map[string]any)["added"])
}

// A highlighted 4K render in file_path mode still answers in under 2 KB.
func TestHighlightWire(t *testing.T) {
	h := newRenderHarness(t)
	h.build()
	base := h.call("render_scene", map[string]any{"width": 3840, "height": 2160, "options": map[string]any{"return_mode": "file_path"}})
	bw, _ := base.MarshalJSON()
	t.Logf("first render: %d bytes", len(bw))
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{-100, -100, 30}, "to": []any{100, 100, 31}, "color": "#00FF00"})
	h.ok("fill_shape", map[string]any{"shape": "sphere", "center": []any{0, 0, 0}, "radius": 5, "mode": "remove"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{30, -8, -8}, "to": []any{45, 7, 7}, "color": "#FF0000", "mode": "paint"})
	res := h.call("render_scene", map[string]any{"width": 3840, "height": 2160, "highlight": "changes", "options": map[string]any{"return_mode": "file_path"}})
	require.False(t, res.IsError, text(res))
	wire, _ := res.MarshalJSON()
	t.Logf("%d bytes: %s", len(wire), text(res))
	assert.Less(t, len(wire), 2048)
}
