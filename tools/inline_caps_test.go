package tools_test

import (
	"bytes"
	"fmt"
	"image/png"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
)

// maxInlineEdge is the long edge no inline image may exceed: hosts refuse
// bigger ones once a conversation holds many images, and vision models
// downscale past it anyway.
const maxInlineEdge = 1568

func TestBase64AboveTheInlineCapIsAToolError(t *testing.T) {
	h := newRenderHarness(t)
	h.build()
	for _, size := range [][2]int{{4096, 4096}, {1569, 100}, {100, 8192}} {
		msg := h.fail("render_scene", map[string]any{"width": size[0], "height": size[1], "options": map[string]any{"return_mode": "base64"}})
		assert.Contains(t, msg, "file_path", "the error says what to use instead")
		assert.Contains(t, msg, fmt.Sprint(maxInlineEdge), "the error names the largest allowed size")
		assert.Contains(t, msg, fmt.Sprintf("%d×%d", size[0], size[1]))
	}
	res := h.call("render_scene", map[string]any{"width": 1568, "height": 1000, "options": map[string]any{"return_mode": "base64"}})
	require.False(t, res.IsError, text(res))
	_, _, img := parts(t, res)
	assert.Equal(t, [2]int{1568, 1000}, pngSize(t, img), "at the cap base64 still sends the whole image")
}

// With file transfer disabled no mode keeps a file, so the refusal of a
// big base64 render must not send the model to file_path for the full size:
// it names the largest base64 size and auto's downscaled inline image.
func TestBase64AboveTheCapWithoutFileTransfer(t *testing.T) {
	h := newRenderHarness(t, func(d *tools.Deps, _ *storage.Options) { d.Render.DisableFiles = true })
	h.build()
	msg := h.fail("render_scene", map[string]any{"width": 4096, "height": 4096, "options": map[string]any{"return_mode": "base64"}})
	assert.Contains(t, msg, "4096×4096")
	assert.Contains(t, msg, fmt.Sprint(maxInlineEdge), "the error names the largest allowed size")
	assert.Contains(t, msg, "file transfer is disabled")
	assert.NotContains(t, msg, "file_path for the full size", "no mode gives the full size in a file here")
	assert.NotContains(t, msg, "a file plus", "auto keeps no file here")
}

// TestNoInlineImageOverTheCap renders big images in every mode and
// configuration and checks every image block a result carries.
func TestNoInlineImageOverTheCap(t *testing.T) {
	configs := map[string]func(*tools.Deps, *storage.Options){
		"default":               nil,
		"disable-file-transfer": func(d *tools.Deps, _ *storage.Options) { d.Render.DisableFiles = true },
		"huge-inline-bytes":     func(d *tools.Deps, _ *storage.Options) { d.Render.MaxInlineBytes = 1 << 30 },
	}
	for name, opt := range configs {
		t.Run(name, func(t *testing.T) {
			var opts []func(*tools.Deps, *storage.Options)
			if opt != nil {
				opts = append(opts, opt)
			}
			h := newRenderHarness(t, opts...)
			h.build()
			for _, mode := range []string{"auto", "file_path", "base64"} {
				for _, args := range []map[string]any{
					{"width": 4096, "height": 2048},
					{"width": 2000, "height": 1600, "views": []any{"front", "top", "right", "isometric"}},
					{"width": 1568, "height": 1568},
				} {
					a := map[string]any{"options": map[string]any{"return_mode": mode}}
					for k, v := range args {
						a[k] = v
					}
					res := h.call("render_scene", a)
					what := fmt.Sprintf("%s %v", mode, args)
					if res.IsError {
						assert.Equal(t, "base64", mode, "%s: %s", what, text(res))
						assert.Greater(t, max(args["width"].(int), args["height"].(int)), maxInlineEdge, what)
						continue
					}
					_, _, img := parts(t, res)
					if img == nil {
						continue
					}
					sz := pngSize(t, img)
					assert.LessOrEqual(t, max(sz[0], sz[1]), maxInlineEdge, "%s: inline image %v", what, sz)
					if name == "disable-file-transfer" && max(args["width"].(int), args["height"].(int)) > maxInlineEdge {
						assert.Contains(t, text(res), "downscaled to", what)
						assert.NotContains(t, text(res), "in the file", "%s: no file is kept", what)
					}
				}
			}
		})
	}
}

func pngSize(t *testing.T, b []byte) [2]int {
	t.Helper()
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	return [2]int{cfg.Width, cfg.Height}
}
