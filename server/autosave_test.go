package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func getStatus(t *testing.T, srv *Server) (map[string]any, string) {
	t.Helper()
	c, err := client.NewInProcessClient(srv.MCP)
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.Start(ctx))
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	_, err = c.Initialize(ctx, req)
	require.NoError(t, err)
	call := mcp.CallToolRequest{}
	call.Params.Name = "get_status"
	res, err := c.CallTool(ctx, call)
	require.NoError(t, err)
	require.False(t, res.IsError)
	raw, err := json.Marshal(res.StructuredContent)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m, res.Content[0].(mcp.TextContent).Text
}

// Issue 13: a read-only state directory stopped start-up. The server now
// runs without autosave and says so on stderr and in get_status.
func TestUnusableStateDirectoryTurnsAutosaveOff(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	dirs := map[string]string{
		"proc":       "/proc/goxel-mcp-state",
		"under-file": filepath.Join(file, "state"),
	}
	if os.Geteuid() != 0 { // root writes through permissions
		ro := filepath.Join(t.TempDir(), "ro")
		require.NoError(t, os.Mkdir(ro, 0o500))
		dirs["read-only"] = filepath.Join(ro, "state")
	}
	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.StateDir = dir
			var logs bytes.Buffer
			srv, err := New(cfg, "test", slog.New(slog.NewTextHandler(&logs, nil)))
			require.NoError(t, err, "the server starts")
			defer srv.Close()
			assert.Contains(t, logs.String(), "autosave off")
			assert.Contains(t, logs.String(), "state directory cannot be used")
			st, text := getStatus(t, srv)
			auto := st["autosave"].(map[string]any)
			assert.Equal(t, false, auto["enabled"])
			assert.Contains(t, auto["warning"], "autosave is off for this session")
			assert.Contains(t, text, "Autosave is off.")
			assert.Contains(t, text, "GOXEL_STATE_DIR")
		})
	}
}

// A state beyond the scene budget starts empty, is kept aside, and says so.
func TestStateBeyondBudgetStartsEmpty(t *testing.T) {
	cfg := testConfig(t)
	require.NoError(t, os.MkdirAll(filepath.Join(cfg.StateDir, "packs"), 0o700))
	var layers bytes.Buffer
	layers.WriteString(`{"format":"goxel-mcp-autosave/2","current_layer":1,"next_pack":1,"layers":[`)
	for i := range 30000 {
		if i > 0 {
			layers.WriteByte(',')
		}
		layers.WriteString(`{"id":` + strconv.Itoa(i+1) + `,"name":"m","visible":true,"blocks":[]}`)
	}
	layers.WriteString(`]}`)
	require.NoError(t, os.WriteFile(filepath.Join(cfg.StateDir, "scene.json"), layers.Bytes(), 0o600))
	var logs bytes.Buffer
	srv, err := New(cfg, "test", slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	defer srv.Close()
	assert.Contains(t, logs.String(), "could not restore the autosaved scene")
	st, text := getStatus(t, srv)
	assert.EqualValues(t, 0, st["voxels"])
	auto := st["autosave"].(map[string]any)
	assert.Equal(t, true, auto["enabled"], "autosave goes on in a fresh state")
	assert.Contains(t, auto["warning"], "30000 layers, more than the 1024")
	assert.Contains(t, text, "Warning: the autosaved scene could not be restored")
	kept, err := filepath.Glob(filepath.Join(cfg.StateDir, "damaged-*", "scene.json"))
	require.NoError(t, err)
	assert.Len(t, kept, 1)
}
