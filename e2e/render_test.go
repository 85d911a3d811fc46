package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The render contract over real stdio: the file record matches the file on
// disk, the link serves the same bytes, and each mode keeps its promises.
func TestRenderOverStdio(t *testing.T) {
	c := start(t, "2025-06-18", env(t, "GOXEL_RENDER_TTL=600"))
	structured(t, call(t, c, "fill_shape", map[string]any{"shape": "sphere", "center": []int{0, 0, 0}, "radius": 20, "color": "#3080FF"}))
	res := call(t, c, "render_scene", map[string]any{"width": 400, "height": 400})
	out := structured(t, res)
	file := out["file"].(map[string]any)
	disk, err := os.ReadFile(file["path"].(string))
	require.NoError(t, err)
	sum := sha256.Sum256(disk)
	assert.Equal(t, "sha256:"+hex.EncodeToString(sum[:]), file["checksum"])
	assert.EqualValues(t, len(disk), file["size"])
	assert.EqualValues(t, 600, file["expires_at"].(float64)-file["created_at"].(float64))
	fi, err := os.Stat(file["path"].(string))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	var link *mcp.ResourceLink
	var inline []byte
	for _, ct := range res.Content {
		switch ct := ct.(type) {
		case mcp.ResourceLink:
			link = &ct
		case mcp.ImageContent:
			inline, _ = base64.StdEncoding.DecodeString(ct.Data)
		}
	}
	require.NotNil(t, link)
	assert.Equal(t, disk, inline)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rr, err := c.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: link.URI}})
	require.NoError(t, err)
	blob := rr.Contents[0].(mcp.BlobResourceContents)
	got, _ := base64.StdEncoding.DecodeString(blob.Blob)
	assert.Equal(t, disk, got)

	// file_path at 4K answers in under 2 KB; auto at 4K stays under 1 MiB
	res = call(t, c, "render_scene", map[string]any{"width": 3840, "height": 2160, "options": map[string]any{"return_mode": "file_path"}})
	wire, _ := res.MarshalJSON()
	assert.Less(t, len(wire), 2048)
	res = call(t, c, "render_scene", map[string]any{"width": 3840, "height": 2160, "view": "front"})
	wire, _ = res.MarshalJSON()
	assert.Less(t, len(wire), 1<<20)

	// a repeated render comes from the cache
	again := structured(t, call(t, c, "render_scene", map[string]any{"width": 400, "height": 400}))
	assert.Equal(t, file["path"], again["file"].(map[string]any)["path"])
	assert.Equal(t, true, again["render"].(map[string]any)["cached"])
}
