package server

import (
	"context"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contractTools are the tool names CONTRACT.md fixes.
var contractTools = []string{
	"create_project", "open_project", "save_project", "export_model", "get_status",
	"add_voxels", "remove_voxels", "paint_voxels", "get_voxel", "get_voxels_region", "fill_shape", "flood_fill", "undo", "redo",
	"list_layers", "create_layer", "delete_layer", "rename_layer", "merge_layers", "set_layer_visibility", "select_layer",
	"get_bounding_box", "get_color_histogram", "find_voxels_by_color",
	"render_scene", "get_render_info", "list_renders", "cleanup_render", "get_render_stats",
}

func testConfig(t *testing.T) Config {
	cfg := Defaults()
	dir := t.TempDir()
	cfg.RenderDir = filepath.Join(dir, "renders")
	cfg.StateDir = filepath.Join(dir, "state")
	return cfg
}

func TestServerOffersTheContract(t *testing.T) {
	srv, err := New(testConfig(t), "test", nil)
	require.NoError(t, err)
	defer srv.Close()
	c, err := client.NewInProcessClient(srv.MCP)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.Start(ctx))
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init, err := c.Initialize(ctx, req)
	require.NoError(t, err)
	assert.Contains(t, init.Instructions, "Z is UP")
	assert.Equal(t, Name, init.ServerInfo.Name)

	list, err := c.ListTools(ctx, mcp.ListToolsRequest{})
	require.NoError(t, err)
	var names []string
	for _, tool := range list.Tools {
		names = append(names, tool.Name)
	}
	sort.Strings(names)
	for _, want := range contractTools {
		assert.Contains(t, names, want)
	}
	tmpl, err := c.ListResourceTemplates(ctx, mcp.ListResourceTemplatesRequest{})
	require.NoError(t, err)
	require.Len(t, tmpl.ResourceTemplates, 1)
	assert.Equal(t, "render://{id}", tmpl.ResourceTemplates[0].URITemplate.Raw())
}

func TestServerRefusesBadRenderDirectory(t *testing.T) {
	cfg := testConfig(t)
	cfg.RenderDir = "/proc/not-a-place-for-renders"
	_, err := New(cfg, "test", nil)
	assert.Error(t, err)
}

func TestDisableFileTransferKeepsNoStore(t *testing.T) {
	cfg := testConfig(t)
	cfg.DisableFileTransfer = true
	srv, err := New(cfg, "test", nil)
	require.NoError(t, err)
	defer srv.Close()
	assert.NoDirExists(t, cfg.RenderDir)
}
