package tools_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/roots"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
)

type renderHarness struct {
	*harness
	dir     string // managed render directory
	allowed string // an allowed directory for output paths
	store   *storage.Store
}

func newRenderHarness(t *testing.T, opts ...func(*tools.Deps, *storage.Options)) *renderHarness {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "renders")
	allowed := filepath.Join(base, "allowed")
	require.NoError(t, os.Mkdir(allowed, 0o755))
	so := storage.Options{Dir: dir, CleanupInterval: -1}
	d := tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits, Renderer: renderer.NewRenderer(),
		Render: tools.DefaultRenderSettings, Version: "test", Inline: tools.NewInlineCache(4 << 20),
		RenderSlots: make(chan struct{}, 2)}
	for _, o := range opts {
		o(&d, &so)
	}
	st, err := storage.Open(so)
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	d.Store = st
	d.Roots, err = roots.New(allowed, dir)
	require.NoError(t, err)
	h := newHarnessWith(t, d)
	return &renderHarness{harness: h, dir: dir, allowed: allowed, store: st}
}

func (h *renderHarness) build() {
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{30, -8, -8}, "to": []any{45, 7, 7}, "color": "#FF8000"})
	h.ok("fill_shape", map[string]any{"shape": "sphere", "center": []any{0, 0, 0}, "radius": 20, "color": "#3080FF"})
}

// parts splits a render result into its content blocks.
func parts(t *testing.T, res *mcp.CallToolResult) (text string, link *mcp.ResourceLink, img []byte) {
	for _, c := range res.Content {
		switch c := c.(type) {
		case mcp.TextContent:
			text = c.Text
		case mcp.ResourceLink:
			link = &c
		case mcp.ImageContent:
			b, err := base64.StdEncoding.DecodeString(c.Data)
			require.NoError(t, err)
			assert.Equal(t, "image/png", c.MIMEType)
			img = b
		}
	}
	return
}

func checkFile(t *testing.T, file map[string]any, ttl time.Duration) []byte {
	t.Helper()
	path := file["path"].(string)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), file["checksum"])
	assert.EqualValues(t, len(b), file["size"])
	assert.Equal(t, "png", file["format"])
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	require.NoError(t, err)
	dims := file["dimensions"].(map[string]any)
	assert.EqualValues(t, cfg.Width, dims["width"])
	assert.EqualValues(t, cfg.Height, dims["height"])
	if ttl > 0 {
		assert.EqualValues(t, ttl.Seconds(), file["expires_at"].(float64)-file["created_at"].(float64))
		fi, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
		assert.Regexp(t, `^render_[0-9]+_[a-z0-9]+_[0-9a-f]+\.png$`, filepath.Base(path))
		assert.Equal(t, "render://"+strings.TrimSuffix(filepath.Base(path), ".png"), file["uri"])
	}
	return b
}

func TestRenderReturnModes(t *testing.T) {
	h := newRenderHarness(t)
	h.build()

	// auto: file + link + inline image that is the file itself
	res := h.call("render_scene", map[string]any{"width": 400, "height": 300})
	require.False(t, res.IsError, text(res))
	out := structuredOf(t, res)
	file := out["file"].(map[string]any)
	b := checkFile(t, file, time.Hour)
	txt, link, img := parts(t, res)
	require.NotNil(t, link)
	assert.Equal(t, file["uri"], link.URI)
	assert.Equal(t, "image/png", link.MIMEType)
	require.NotNil(t, link.Size)
	assert.EqualValues(t, len(b), *link.Size)
	assert.Equal(t, b, img, "auto mode inlines the full PNG when it fits")
	for _, want := range []string{file["path"].(string), file["uri"].(string), "37,497 voxels drawn", "66×41×41", "ISOMETRIC"} {
		assert.Contains(t, txt, want)
	}
	render := out["render"].(map[string]any)
	assert.Equal(t, "full", render["inline"])

	// the resource serves the same bytes
	rr, err := h.c.ReadResource(t.Context(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: link.URI}})
	require.NoError(t, err)
	blob, ok := rr.Contents[0].(mcp.BlobResourceContents)
	require.True(t, ok)
	got, _ := base64.StdEncoding.DecodeString(blob.Blob)
	assert.Equal(t, b, got)

	// file_path: no inline image, small answer
	res = h.call("render_scene", map[string]any{"width": 3840, "height": 2160, "options": map[string]any{"return_mode": "file_path"}})
	require.False(t, res.IsError, text(res))
	_, link, img = parts(t, res)
	assert.Nil(t, img)
	assert.NotNil(t, link)
	wire, _ := res.MarshalJSON()
	assert.Less(t, len(wire), 2048, "a 4K render in file_path mode answers in under 2 KB")
	checkFile(t, structuredOf(t, res)["file"].(map[string]any), time.Hour)

	// base64: inline only, no managed file
	before := len(h.store.List())
	res = h.call("render_scene", map[string]any{"width": 200, "height": 150, "options": map[string]any{"return_mode": "base64"}})
	require.False(t, res.IsError, text(res))
	out = structuredOf(t, res)
	assert.Nil(t, out["file"])
	_, link, img = parts(t, res)
	assert.Nil(t, link)
	decoded, err := png.Decode(bytes.NewReader(img))
	require.NoError(t, err)
	assert.Equal(t, 200, decoded.Bounds().Dx())
	assert.Len(t, h.store.List(), before, "base64 keeps no file")

	// auto with a big image: a preview that fits the host budget
	res = h.call("render_scene", map[string]any{"width": 4000, "height": 3000, "background": "transparent"})
	require.False(t, res.IsError, text(res))
	_, _, img = parts(t, res)
	cfg, err := png.DecodeConfig(bytes.NewReader(img))
	require.NoError(t, err)
	assert.LessOrEqual(t, max(cfg.Width, cfg.Height), 1568)
	assert.LessOrEqual(t, base64.StdEncoding.EncodedLen(len(img)), 700<<10)
	wire, _ = res.MarshalJSON()
	assert.Less(t, len(wire), 1<<20, "no auto result exceeds 1 MiB")
	assert.Equal(t, "preview", structuredOf(t, res)["render"].(map[string]any)["inline"])
}

func TestRenderCache(t *testing.T) {
	h := newRenderHarness(t)
	h.build()
	first := structuredOf(t, h.call("render_scene", map[string]any{"view": "front"}))
	second := structuredOf(t, h.call("render_scene", map[string]any{"view": "front"}))
	assert.Equal(t, first["file"].(map[string]any)["path"], second["file"].(map[string]any)["path"])
	assert.Equal(t, true, second["render"].(map[string]any)["cached"])
	// a large auto render repeated: the preview comes from memory, not a new render
	big := map[string]any{"width": 2400, "height": 1800}
	firstBig := h.call("render_scene", big)
	secondBig := h.call("render_scene", big)
	assert.Equal(t, true, structuredOf(t, secondBig)["render"].(map[string]any)["cached"])
	_, _, img1 := parts(t, firstBig)
	_, _, img2 := parts(t, secondBig)
	require.NotNil(t, img2)
	assert.Equal(t, img1, img2)
	other := structuredOf(t, h.call("render_scene", map[string]any{"view": "top"}))
	assert.NotEqual(t, first["file"].(map[string]any)["path"], other["file"].(map[string]any)["path"])
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 30, "#FFFFFF"}}})
	third := structuredOf(t, h.call("render_scene", map[string]any{"view": "front"}))
	assert.Equal(t, false, third["render"].(map[string]any)["cached"], "an edit changes the cache key")
	stats := h.ok("get_render_stats", nil)
	assert.GreaterOrEqual(t, num(t, stats, "cache_hits"), 1)
	assert.Equal(t, 4, num(t, stats, "renders_made"))
}

func TestRenderManagementTools(t *testing.T) {
	h := newRenderHarness(t)
	h.build()
	var uris []string
	for _, v := range []string{"front", "back", "top"} {
		out := structuredOf(t, h.call("render_scene", map[string]any{"view": v, "width": 64, "height": 64}))
		uris = append(uris, out["file"].(map[string]any)["uri"].(string))
	}
	list := h.ok("list_renders", nil)
	assert.Equal(t, 3, num(t, list, "count"))
	info := h.ok("get_render_info", map[string]any{"uri": uris[0]})
	path := info["file"].(map[string]any)["path"].(string)
	checkFile(t, info["file"].(map[string]any), time.Hour)
	info2 := h.ok("get_render_info", map[string]any{"path": path})
	assert.Equal(t, info["file"].(map[string]any)["checksum"], info2["file"].(map[string]any)["checksum"])

	freed := h.ok("cleanup_render", map[string]any{"path": path})
	assert.Greater(t, num(t, freed, "freed_bytes"), 0)
	_, err := os.Stat(path)
	assert.True(t, os.IsNotExist(err))
	assert.Contains(t, h.fail("get_render_info", map[string]any{"uri": uris[0]}), "no such render")
	assert.Equal(t, 2, num(t, h.ok("list_renders", nil), "count"))

	// nothing the store did not create is touched
	foreign := filepath.Join(h.dir, "notes.txt")
	require.NoError(t, os.WriteFile(foreign, []byte("mine"), 0o600))
	for _, args := range []map[string]any{
		{"path": foreign},
		{"path": filepath.Join(h.dir, "..", "x.png")},
		{"path": "/etc/passwd"},
		{"uri": "render://../../etc/passwd"},
		{"uri": "render://render_1_a_zz"},
		{"uri": "file:///etc/passwd"},
	} {
		h.fail("cleanup_render", args)
	}
	_, err = os.Stat(foreign)
	assert.NoError(t, err)
}

// Every path-taking render argument refuses escapes and writes nothing.
func TestRenderPathAttacks(t *testing.T) {
	h := newRenderHarness(t)
	h.build()
	outside := t.TempDir()
	require.NoError(t, os.Symlink(outside, filepath.Join(h.allowed, "link")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "victim.png"), filepath.Join(h.allowed, "planted.png")))
	attacks := []map[string]any{
		{"output_path": filepath.Join(h.allowed, "..", "escape.png")},
		{"output_path": filepath.Join(outside, "abs.png")},
		{"output_path": filepath.Join(h.allowed, "link", "through.png")},
		{"output_path": filepath.Join(h.allowed, "planted.png")},
		{"output_path": filepath.Join(h.allowed, "nul\x00.png")},
		{"output_path": filepath.Join(h.allowed, strings.Repeat("n", 300)+".png")},
		{"output_path": filepath.Join(h.allowed, "not-a-png.txt")},
		{"options": map[string]any{"output_dir": filepath.Join(h.allowed, "..")}},
		{"options": map[string]any{"output_dir": outside}},
		{"options": map[string]any{"output_dir": filepath.Join(h.allowed, "link")}},
	}
	for _, a := range attacks {
		h.fail("render_scene", a)
	}
	entries, _ := os.ReadDir(outside)
	assert.Empty(t, entries, "nothing written outside the roots")
	entries, _ = os.ReadDir(filepath.Dir(h.allowed))
	assert.Len(t, entries, 2, "only renders/ and allowed/ beside each other: nothing escaped with ..")

	// the legitimate forms work
	out := structuredOf(t, h.call("render_scene", map[string]any{"output_path": filepath.Join(h.allowed, "mine.png"), "width": 32, "height": 32}))
	checkFile(t, out["file"].(map[string]any), 0)
	out = structuredOf(t, h.call("render_scene", map[string]any{"options": map[string]any{"output_dir": h.allowed, "return_mode": "file_path"}, "width": 32, "height": 32}))
	assert.True(t, strings.HasPrefix(out["file"].(map[string]any)["path"].(string), h.allowed) ||
		strings.Contains(out["file"].(map[string]any)["path"].(string), "allowed"))
}

func TestRenderBadArguments(t *testing.T) {
	h := newRenderHarness(t)
	for _, tt := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"width": 9000}, "width must be an integer from 1 to 8192"},
		{map[string]any{"width": 1.5}, "width must be an integer"},
		{map[string]any{"view": "sideways"}, "view must be one of"},
		{map[string]any{"views": []any{"front", "nope"}}, "views[1]"},
		{map[string]any{"background": "#12"}, "background must be"},
		{map[string]any{"options": map[string]any{"return_mode": "fax"}}, "return_mode must be one of"},
		{map[string]any{"view": "custom", "pitch": 120}, "pitch must be a number from -90 to 90"},
	} {
		assert.Contains(t, h.fail("render_scene", tt.args), tt.want)
	}
}

func TestRenderWithFileTransferDisabled(t *testing.T) {
	h := newRenderHarness(t, func(d *tools.Deps, _ *storage.Options) { d.Render.DisableFiles = true })
	h.build()
	res := h.call("render_scene", map[string]any{"options": map[string]any{"return_mode": "file_path"}})
	require.False(t, res.IsError, text(res))
	_, link, img := parts(t, res)
	assert.Nil(t, link)
	assert.NotNil(t, img)
	assert.Contains(t, text(res), "file transfer is disabled")
	assert.Empty(t, h.store.List())
}

func TestRenderCapsUnderLoad(t *testing.T) {
	h := newRenderHarness(t, func(_ *tools.Deps, o *storage.Options) { o.MaxFiles = 5; o.MaxBytes = 200 << 10 })
	h.build()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := h.call("render_scene", map[string]any{"view": "custom", "yaw": i * 7, "pitch": 30, "width": 120, "height": 90})
			assert.False(t, res.IsError, text(res))
		}()
	}
	wg.Wait()
	entries, err := os.ReadDir(h.dir)
	require.NoError(t, err)
	var total int64
	entries = slices.DeleteFunc(entries, func(e os.DirEntry) bool { return e.Name() == ".index" }) // the store's manifest
	for _, e := range entries {
		fi, _ := e.Info()
		total += fi.Size()
		assert.True(t, storage.ValidID(strings.TrimSuffix(e.Name(), ".png")), "only renders in the directory: %s", e.Name())
	}
	assert.LessOrEqual(t, len(entries), 5)
	assert.LessOrEqual(t, total, int64(200<<10))
}
