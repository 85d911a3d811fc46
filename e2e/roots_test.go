package e2e

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type rootsHandler struct{ dir string }

func (h rootsHandler) ListRoots(context.Context, mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	return &mcp.ListRootsResult{Roots: []mcp.Root{{URI: "file://" + filepath.ToSlash(h.dir), Name: "project"}}}, nil
}

// A directory the client offers as a root becomes writable; others stay refused.
func TestClientRootsAreAllowed(t *testing.T) {
	offered := t.TempDir()
	other := t.TempDir()
	tr := transport.NewStdio(binary, env(t))
	c := client.NewClient(tr, client.WithRootsHandler(rootsHandler{offered}))
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-06-18"
	req.Params.Capabilities.Roots = &struct {
		ListChanged bool `json:"listChanged,omitempty"`
	}{}
	_, err := c.Initialize(ctx, req)
	require.NoError(t, err)

	structured(t, call(t, c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
	res := call(t, c, "save_project", map[string]any{"path": filepath.Join(other, "x.gox")})
	assert.True(t, res.IsError, "a directory nobody allowed stays refused")
	structured(t, call(t, c, "save_project", map[string]any{"path": filepath.Join(offered, "x.gox")}))
	_, err = os.Stat(filepath.Join(offered, "x.gox"))
	assert.NoError(t, err)
	entries, _ := os.ReadDir(other)
	assert.Empty(t, entries)
}
