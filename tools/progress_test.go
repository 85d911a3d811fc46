package tools_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenderSendsProgress(t *testing.T) {
	h := newRenderHarness(t)
	h.build()
	var mu sync.Mutex
	var got []map[string]any
	h.c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == "notifications/progress" {
			mu.Lock()
			got = append(got, n.Params.AdditionalFields)
			mu.Unlock()
		}
	})
	req := mcp.CallToolRequest{}
	req.Params.Name = "render_scene"
	req.Params.Arguments = map[string]any{"width": 256, "height": 256}
	req.Params.Meta = &mcp.Meta{ProgressToken: "tok-1"}
	res, err := h.c.CallTool(t.Context(), req)
	require.NoError(t, err)
	require.False(t, res.IsError, text(res))
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 2
	}, 2*time.Second, 10*time.Millisecond, "progress notifications arrive (start and done)")
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "tok-1", got[0]["progressToken"])
	assert.EqualValues(t, 4, got[len(got)-1]["progress"])
}

func TestCancelledRenderLeavesNoFile(t *testing.T) {
	h := newRenderHarness(t)
	h.build()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "render_scene"
	req.Params.Arguments = map[string]any{"width": 4000, "height": 4000, "options": map[string]any{"return_mode": "file_path"}}
	res, err := h.c.CallTool(ctx, req)
	if err == nil {
		assert.True(t, res.IsError)
		assert.Contains(t, text(res), "cancelled")
	}
	entries, _ := os.ReadDir(h.dir)
	assert.Empty(t, entries, "a cancelled render leaves no file, not even a temporary one")
}
