package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startCmd runs the binary and returns the client and the process, so a
// test can kill it.
func startCmd(t *testing.T, environ []string) (*client.Client, *exec.Cmd) {
	t.Helper()
	var cmd *exec.Cmd
	tr := transport.NewStdioWithOptions(binary, environ, nil, transport.WithCommandFunc(
		func(ctx context.Context, name string, env []string, args []string) (*exec.Cmd, error) {
			cmd = exec.CommandContext(ctx, name, args...)
			cmd.Env = append(os.Environ(), env...)
			return cmd, nil
		}))
	c := client.NewClient(tr)
	require.NoError(t, c.Start(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-06-18"
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "0"}
	_, err := c.Initialize(ctx, req)
	require.NoError(t, err)
	return c, cmd
}

// A kill -9 after some calls loses none of them: the next start restores
// the scene, its layers and its unsaved state.
func TestSceneSurvivesKill(t *testing.T) {
	environ := env(t)
	c, cmd := startCmd(t, environ)
	structured(t, call(t, c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 12, "color": "#3080FF"}))
	layer := structured(t, call(t, c, "create_layer", map[string]any{"name": "roof"}))
	structured(t, call(t, c, "fill_shape", map[string]any{"shape": "cone", "center": []int{0, 0, 13}, "radius": 8, "height": 6, "color": "#AA2020"}))
	before := structured(t, call(t, c, "get_status", nil))
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	_ = c.Close()

	c2, cmd2 := startCmd(t, environ)
	defer func() { _ = c2.Close(); _ = cmd2.Wait() }()
	after := structured(t, call(t, c2, "get_status", nil))
	assert.Equal(t, before["voxels"], after["voxels"])
	assert.Equal(t, before["layer_list"], after["layer_list"])
	assert.Equal(t, true, after["dirty"])
	v := structured(t, call(t, c2, "get_voxel", map[string]any{"position": []int{0, 0, 13}}))
	assert.Equal(t, "#AA2020FF", v["color"])
	assert.Equal(t, layer["id"], v["layer"])
	auto := after["autosave"].(map[string]any)
	assert.Equal(t, true, auto["enabled"])

	// create_project starts over, and that is what a restart restores
	structured(t, call(t, c2, "create_project", map[string]any{"force": true}))
	require.NoError(t, cmd2.Process.Signal(syscall.SIGTERM))
	_ = cmd2.Wait()
	c3, cmd3 := startCmd(t, environ)
	defer func() { _ = c3.Close(); _ = cmd3.Wait() }()
	assert.EqualValues(t, 0, structured(t, call(t, c3, "get_status", nil))["voxels"])
	entries, err := os.ReadDir(filepath.Join(environ[1][len("GOXEL_STATE_DIR="):], "packs"))
	require.NoError(t, err)
	assert.Empty(t, entries, "packs of the discarded scene are gone")
}
