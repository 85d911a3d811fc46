package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Files in the render directory that the store did not create, with names
// just like renders (a text file, a real PNG whose name says it expired
// long ago), survive get_render_info, cleanup_render, resources/read,
// list_renders, the janitor's sweeps, caps, a restart and the renders CLI,
// over stdio with the built binary.
func TestForeignRenderNamedFilesSurviveOverStdio(t *testing.T) {
	environ := env(t, "GOXEL_RENDER_TTL=1", "GOXEL_RENDER_CLEANUP_INTERVAL=1", "GOXEL_RENDER_MAX_FILES=1")
	dir := envDir(environ, "GOXEL_RENDER_DIR")
	require.NoError(t, os.MkdirAll(dir, 0o700))
	now := time.Now().Unix()
	var img bytes.Buffer
	require.NoError(t, png.Encode(&img, image.NewNRGBA(image.Rect(0, 0, 4, 4))))
	foreign := map[string][]byte{
		fmt.Sprintf("render_%d_abcd1234_0123456789abcdef", now):      []byte("my notes: not a render\n"),
		fmt.Sprintf("render_%d_abcd1234_fedcba9876543210", now-7200): img.Bytes(),
	}
	for id, data := range foreign {
		require.NoError(t, os.WriteFile(filepath.Join(dir, id+".png"), data, 0o600))
	}
	intact := func(when string) {
		t.Helper()
		for id, data := range foreign {
			got, err := os.ReadFile(filepath.Join(dir, id+".png"))
			if assert.NoError(t, err, "%s: %s was removed", when, id) {
				assert.Equal(t, data, got, "%s: %s was changed", when, id)
			}
		}
	}

	s := launch(t, t.TempDir(), environ)
	intact("start-up sweep")
	structured(t, call(t, s.c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
	ours := structured(t, call(t, s.c, "render_scene", map[string]any{"width": 16, "height": 16, "options": map[string]any{"return_mode": "file_path"}}))["file"].(map[string]any)
	structured(t, call(t, s.c, "render_scene", map[string]any{"width": 17, "height": 16, "options": map[string]any{"return_mode": "file_path"}}))
	intact("publish with MAX_FILES=1")
	for id := range foreign {
		for _, tool := range []string{"get_render_info", "cleanup_render"} {
			for _, args := range []map[string]any{{"path": filepath.Join(dir, id+".png")}, {"uri": "render://" + id}} {
				res := call(t, s.c, tool, args)
				assert.True(t, res.IsError, "%s %v: %s", tool, args, textOf(res))
				intact(tool)
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req := mcp.ReadResourceRequest{}
		req.Params.URI = "render://" + id
		_, err := s.c.ReadResource(ctx, req)
		cancel()
		assert.Error(t, err, "resources/read of a foreign file")
		list := structured(t, call(t, s.c, "list_renders", nil))
		assert.NotContains(t, fmt.Sprint(list), id)
	}
	// The janitor sweeps every second and our renders expire after one: wait
	// for it to remove ours, which shows it ran over the foreign files too.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(ours["path"].(string)); os.IsNotExist(err) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.NoFileExists(t, ours["path"].(string), "the janitor removes our expired render")
	time.Sleep(1500 * time.Millisecond) // another sweep or two
	intact("janitor sweeps")
	require.NoError(t, s.close())

	s2 := launch(t, t.TempDir(), environ)
	intact("restart")
	require.NoError(t, s2.close())
	for _, args := range [][]string{{"renders", "gc"}, {"renders", "ls"}} {
		cmd := exec.Command(binary, args...)
		cmd.Env = append(os.Environ(), environ...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		for id := range foreign {
			assert.NotContains(t, string(out), id)
		}
	}
	for id := range foreign {
		cmd := exec.Command(binary, "renders", "rm", id)
		cmd.Env = append(os.Environ(), environ...)
		out, err := cmd.CombinedOutput()
		assert.Error(t, err, "renders rm of a foreign file: %s", out)
		assert.True(t, strings.Contains(string(out), "not found"), "%s", out)
	}
	intact("renders CLI")
}
