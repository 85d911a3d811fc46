package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/scenes"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/storage/s3"
	"github.com/goxel-mcp/goxel-mcp/tools"
)

// maxRenderRead bounds a render read back from the bucket.
const maxRenderRead = 256 << 20

// s3Renders copies every render to the bucket and adds a presigned GET
// URL to the result: structuredContent.file.download_url (and
// structuredContent.download_url), expiring with the render.
type s3Renders struct {
	bucket *s3.Bucket
	stores scenes.StoreFunc
}

// middleware post-processes render_scene results.
func (x *s3Renders) middleware(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := next(ctx, req)
		if err != nil || res == nil || res.IsError || req.Params.Name != "render_scene" {
			return res, err
		}
		if e := x.publish(ctx, res); e != nil {
			return mcp.NewToolResultError(fmt.Sprintf("render_scene rendered, but the render could not be stored in the bucket: %v; retry", e)), nil
		}
		return res, nil
	}
}

func (x *s3Renders) publish(ctx context.Context, res *mcp.CallToolResult) error {
	raw, ok := res.StructuredContent.(json.RawMessage)
	if !ok {
		b, err := json.Marshal(res.StructuredContent)
		if err != nil {
			return err
		}
		raw = b
	}
	var sc map[string]any
	if json.Unmarshal(raw, &sc) != nil {
		return nil
	}
	file, _ := sc["file"].(map[string]any)
	uri, _ := file["uri"].(string)
	if !strings.HasPrefix(uri, tools.RenderURIPrefix) {
		return nil // inline only
	}
	id := strings.TrimPrefix(uri, tools.RenderURIPrefix)
	user, err := scenes.Caller(ctx)
	if err != nil {
		return err
	}
	st, err := x.stores(ctx, user)
	if err != nil || st == nil {
		return errors.Join(err, errors.New("no render store"))
	}
	rc, rec, err := st.Open(id)
	if err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(rc, maxRenderRead))
	rc.Close()
	if err != nil {
		return err
	}
	if err := x.bucket.Put(ctx, user, id, bytes.NewReader(b), int64(len(b))); err != nil {
		return err
	}
	u, err := x.bucket.Presign(ctx, user, id, rec.ExpiresAt)
	if err != nil {
		return err
	}
	file["download_url"] = u
	sc["download_url"] = u
	out, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	res.StructuredContent = json.RawMessage(out)
	for i, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			tc.Text += fmt.Sprintf("\nDownload (HTTPS GET, expires %s): %s", rec.ExpiresAt.UTC().Format(time.RFC3339), u)
			res.Content[i] = tc
			break
		}
	}
	return nil
}

// read serves render:// from the bucket (any instance's renders), then
// from this instance's render store.
func (x *s3Renders) read(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
	id := strings.TrimPrefix(req.Params.URI, tools.RenderURIPrefix)
	if !storage.ValidID(id) {
		return nil, fmt.Errorf("invalid render id %q", id)
	}
	user, err := scenes.Caller(ctx)
	if err != nil {
		return nil, err
	}
	rc, _, err := x.bucket.Get(ctx, user, id)
	if errors.Is(err, s3.ErrNotFound) {
		return nil, fmt.Errorf("render %s is not available (expired or removed)", id)
	}
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, maxRenderRead))
	if err != nil {
		return nil, fmt.Errorf("failed to read render %s: %w", id, err)
	}
	return []mcp.ResourceContents{mcp.BlobResourceContents{URI: req.Params.URI, MIMEType: "image/png", Blob: base64.StdEncoding.EncodeToString(b)}}, nil
}
