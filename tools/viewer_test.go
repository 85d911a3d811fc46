package tools_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/mesh"
)

// TestViewerMeshParts fetches a mesh that needs several parts and checks
// that the parts put together are exactly voxel/mesh's GLB of the visible
// scene, and that stale revisions and parts past the end are refused.
func TestViewerMeshParts(t *testing.T) {
	h := newHarness(t)
	// Colours alternating voxel by voxel: 9,600 faces that cannot merge.
	h.ok("run_script", map[string]any{"code": `
for x in range(40):
    for y in range(40):
        for z in range(40):
            set(x, y, z, ["#C04040", "#4080C0"][(x + y + z) % 2])
`})
	st := h.ok("get_viewer_state", nil)
	rev := num(t, st, "revision")
	assert.Equal(t, 64000, num(t, st, "voxels"))

	var glb []byte
	parts := 1
	for part := 0; part < parts; part++ {
		res := h.call("get_viewer_mesh", map[string]any{"revision": rev, "part": part})
		require.False(t, res.IsError, text(res))
		sc := structuredOf(t, res)
		parts = num(t, sc, "parts")
		assert.Equal(t, len(glb), num(t, sc, "offset"))
		require.Len(t, res.Content, 2)
		er, ok := res.Content[1].(mcp.EmbeddedResource)
		require.True(t, ok, "an embedded resource")
		blob, ok := er.Resource.(mcp.BlobResourceContents)
		require.True(t, ok, "a blob")
		assert.Equal(t, "model/gltf-binary", blob.MIMEType)
		b, err := base64.StdEncoding.DecodeString(blob.Blob)
		require.NoError(t, err)
		assert.LessOrEqual(t, len(b), 512<<10, "a part is bounded")
		glb = append(glb, b...)
	}
	assert.Greater(t, parts, 1, "the mesh needs several parts")

	var snap *voxel.Snapshot
	h.project.Read(func(s *voxel.Scene) { snap = s.Snapshot() })
	var want bytes.Buffer
	require.NoError(t, mesh.EncodeGLB(&want, snap))
	assert.Equal(t, want.Bytes(), glb, "the parts make our GLB export")

	msg := h.fail("get_viewer_mesh", map[string]any{"revision": rev, "part": parts})
	assert.Contains(t, msg, "part must be from 0 to")
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{50, 50, 50, "#FFFFFF"}}})
	msg = h.fail("get_viewer_mesh", map[string]any{"revision": rev, "part": 1})
	assert.Contains(t, msg, "read get_viewer_state again", "parts never mix revisions")
}

// TestViewerEmptyScene: an empty scene is a valid, tiny GLB.
func TestViewerEmptyScene(t *testing.T) {
	h := newHarness(t)
	sc := h.ok("get_viewer_mesh", nil)
	assert.Equal(t, 1, num(t, sc, "parts"))
	assert.Equal(t, 0, num(t, sc, "quads"))
	vm := h.ok("view_model", map[string]any{"view": "top"})
	assert.Equal(t, "top", vm["view"])
	assert.Contains(t, h.fail("view_model", map[string]any{"view": "sideways"}), "view must be one of")
}

func TestClientSupportsApps(t *testing.T) {
	ui := func(v any) *mcp.ClientCapabilities {
		return &mcp.ClientCapabilities{Extensions: map[string]any{tools.AppsExtension: v}}
	}
	assert.True(t, tools.ClientSupportsApps(ui(map[string]any{"mimeTypes": []any{"text/html;profile=mcp-app"}})))
	assert.True(t, tools.ClientSupportsApps(ui(map[string]any{"mimeTypes": []string{"text/html;profile=mcp-app"}})))
	assert.False(t, tools.ClientSupportsApps(ui(map[string]any{"mimeTypes": []any{"text/html"}})), "another profile")
	assert.False(t, tools.ClientSupportsApps(ui(map[string]any{})), "mimeTypes is required")
	assert.False(t, tools.ClientSupportsApps(&mcp.ClientCapabilities{}))
	assert.False(t, tools.ClientSupportsApps(nil))
}

// TestAppsToolFilter: without the extension, app-only tools go and the
// others lose their _meta.ui; the definitions themselves are not changed.
func TestAppsToolFilter(t *testing.T) {
	var list []mcp.Tool
	for _, st := range tools.All(tools.Deps{Project: tools.NewProject(), Limits: tools.DefaultLimits}) {
		list = append(list, st.Tool)
	}
	out := tools.AppsToolFilter(context.Background(), list)
	names := map[string]mcp.Tool{}
	for _, tl := range out {
		names[tl.Name] = tl
	}
	assert.Len(t, out, len(list)-2)
	assert.NotContains(t, names, "get_viewer_mesh")
	assert.NotContains(t, names, "get_viewer_state")
	assert.Nil(t, names["view_model"].Meta)
	assert.Nil(t, names["render_scene"].Meta)
	for _, tl := range list {
		if tl.Name == "view_model" {
			require.NotNil(t, tl.Meta, "the definition keeps its _meta")
			assert.NotNil(t, tl.Meta.AdditionalFields["ui"])
		}
	}
}
