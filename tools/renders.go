package tools

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/storage"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b)
}

// renderOutputSchema declares render_scene's structuredContent.
var renderOutputSchema = []byte(`{
  "type": "object",
  "properties": {
    "file": {
      "type": "object",
      "description": "The PNG on disk; absent in base64 mode.",
      "properties": {
        "path": {"type": "string"},
        "uri": {"type": "string"},
        "size": {"type": "integer"},
        "format": {"type": "string", "enum": ["png"]},
        "dimensions": {"type": "object", "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}}, "required": ["width", "height"]},
        "checksum": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$"},
        "created_at": {"type": "integer"},
        "expires_at": {"type": "integer"},
        "ttl_remaining": {"type": "integer"},
        "managed": {"type": "boolean"}
      },
      "required": ["path", "uri", "size", "format", "dimensions", "checksum", "created_at", "expires_at", "ttl_remaining"]
    },
    "render": {
      "type": "object",
      "properties": {
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "panels": {"type": "array", "items": {"type": "object"}},
        "voxels": {"type": "integer", "description": "voxels drawn"},
        "hidden_voxels": {"type": "integer", "description": "voxels on hidden layers, not drawn"},
        "hidden_layers": {"type": "integer", "description": "hidden layers holding voxels"},
        "bounding_box": {"type": "object"},
        "scene_hash": {"type": "string"},
        "cached": {"type": "boolean"},
        "return_mode": {"type": "string"},
        "inline": {"type": "string", "enum": ["full", "preview", "none"]}
      },
      "required": ["width", "height", "panels", "voxels", "scene_hash", "cached", "return_mode", "inline"]
    },
    "warnings": {"type": "array", "items": {"type": "string"}},
    "since_previous_render": {
      "type": "object",
      "description": "What changed since the previous render of this session: voxels added, removed and recoloured since that render's revision.",
      "properties": {
        "since_revision": {"type": "integer"},
        "added": {"type": "integer"},
        "removed": {"type": "integer"},
        "recolored": {"type": "integer"}
      },
      "required": ["since_revision"]
    },
    "highlight": {
      "type": "object",
      "description": "With highlight \"changes\": the revision the highlighted changes are counted from, and their counts unless they are since_previous_render's.",
      "properties": {
        "since_revision": {"type": "integer"},
        "added": {"type": "integer"},
        "removed": {"type": "integer"},
        "recolored": {"type": "integer"},
        "highlighted": {"type": "boolean"}
      },
      "required": ["since_revision"]
    }
  },
  "required": ["render"]
}`)

// renderRef finds a managed render from "uri", "path" or "id".
func (d Deps) renderRef(a args) (storage.Record, error) {
	if d.Store == nil {
		return storage.Record{}, errors.New("file transfer is disabled on this server: there are no managed renders")
	}
	uri, _ := a.string("uri", "")
	path, _ := a.string("path", "")
	id, _ := a.string("id", "")
	var rec storage.Record
	var err error
	switch {
	case uri != "":
		if !strings.HasPrefix(uri, RenderURIPrefix) {
			return rec, fmt.Errorf("uri must look like render://render_<ts>_<session>_<hex>, got %q", uri)
		}
		rec, err = d.Store.Get(strings.TrimPrefix(uri, RenderURIPrefix))
	case path != "":
		rec, err = d.Store.ResolvePath(path)
	case id != "":
		rec, err = d.Store.Get(id)
	default:
		return rec, errors.New("give the render's uri (render://…) or path, as render_scene returned them")
	}
	switch {
	case errors.Is(err, storage.ErrInvalidID):
		return rec, fmt.Errorf("that is not a render id: ids look like render_<unixtime>_<session>_<hex>")
	case errors.Is(err, storage.ErrNotManaged):
		return rec, fmt.Errorf("%q is not a render in the managed directory %s; only files the server created there can be inspected or removed", path, d.Store.Dir())
	case errors.Is(err, storage.ErrNotFound):
		return rec, errors.New("no such render: it may have expired or been removed; see list_renders")
	}
	return rec, err
}

func refProps() []mcp.ToolOption {
	return []mcp.ToolOption{
		mcp.WithString("uri", mcp.Description("render://… as returned by render_scene")),
		mcp.WithString("path", mcp.Description("The file path as returned by render_scene")),
		mcp.WithString("id", mcp.Description("The render id (the file name without .png)")),
	}
}

// GetRenderInfo returns the get_render_info tool.
func GetRenderInfo(d Deps) mcpserver.ServerTool {
	opts := append([]mcp.ToolOption{
		mcp.WithDescription(`Describe a managed render by uri or path: size, dimensions, sha256 checksum, creation and expiry times, seconds left.
Example: {"uri":"render://render_1763771234_ab12cd34_9f8e7d6c5b4a3210"}`),
		annotations(true, false, true),
	}, refProps()...)
	return mcpserver.ServerTool{Tool: mcp.NewTool("get_render_info", opts...), Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		rec, err := d.renderRef(a)
		if err != nil {
			return nil, err
		}
		f := fileInfo(rec, d.now())
		return structured(fmt.Sprintf("%s: %d×%d PNG, %d bytes, expires in %s.", f.Path, f.Dimensions.Width, f.Dimensions.Height, f.Size,
			time.Duration(f.TTLRemaining)*time.Second), map[string]any{"file": f}), nil
	})}
}

// ListRenders returns the list_renders tool.
func ListRenders(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("list_renders",
		mcp.WithDescription("List the live renders in the managed directory, newest first, with count and total size."),
		annotations(true, false, true),
		mcp.WithInteger("limit", mcp.Description("Most renders to list. Default 50."), mcp.Min(1), mcp.Max(1000)),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if d.Store == nil {
			return nil, errors.New("file transfer is disabled on this server: there are no managed renders")
		}
		limit, err := a.int("limit", 50, 1, 1000)
		if err != nil {
			return nil, err
		}
		recs := d.Store.List()
		var total int64
		for _, r := range recs {
			total += r.Size
		}
		now := d.now()
		list := make([]FileInfo, 0, min(limit, len(recs)))
		for _, r := range recs[:min(limit, len(recs))] {
			list = append(list, fileInfo(r, now))
		}
		return structured(fmt.Sprintf("%d renders, %d bytes in %s.", len(recs), total, d.Store.Dir()),
			map[string]any{"count": len(recs), "total_size": total, "renders": list, "directory": d.Store.Dir()}), nil
	})}
}

// CleanupRender returns the cleanup_render tool.
func CleanupRender(d Deps) mcpserver.ServerTool {
	opts := append([]mcp.ToolOption{
		mcp.WithDescription("Delete one managed render by uri or path before it expires. Only files the server created in its render directory can be removed. Returns freed_bytes."),
		annotations(false, true, true),
	}, refProps()...)
	return mcpserver.ServerTool{Tool: mcp.NewTool("cleanup_render", opts...), Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		rec, err := d.renderRef(a)
		if err != nil {
			return nil, err
		}
		freed, err := d.Store.Remove(rec.ID)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("failed to remove the render: %w", err)
		}
		return structured(fmt.Sprintf("Removed %s, freed %d bytes.", rec.Path, freed),
			map[string]any{"removed": rec.Path, "uri": renderURI(rec.ID), "freed_bytes": freed}), nil
	})}
}

// GetRenderStats returns the get_render_stats tool.
func GetRenderStats(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_render_stats",
		mcp.WithDescription("Statistics of the render store: renders made, cache hits, evictions, expiries, bytes freed, current count and size, and the configured limits."),
		annotations(true, false, true),
	)
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if d.Store == nil {
			return structured("File transfer is disabled: renders are inline only.", map[string]any{"file_transfer": false}), nil
		}
		s := d.Store.Stats()
		out := map[string]any{
			"file_transfer": true, "directory": s.Dir, "session": s.Session,
			"count": s.Count, "total_size": s.TotalBytes,
			"renders_made": s.Published, "cache_hits": s.CacheHits, "cache_misses": s.CacheMisses,
			"adopted": s.Adopted, "evicted": s.Evicted, "expired": s.Expired, "removed": s.Removed,
			"temp_files_removed": s.TempsRemoved, "bytes_freed": s.BytesFreed,
			"limits": map[string]any{
				"ttl_seconds": int64(s.TTL.Seconds()), "max_size": s.MaxBytes, "max_files": s.MaxFiles,
				"max_file_size": s.MaxFileSize, "cleanup_interval_seconds": int64(s.CleanupInterval.Seconds()),
			},
		}
		return structured(fmt.Sprintf("%d renders (%d bytes) in %s; %d made, %d cache hits, %d evicted, %d expired.",
			s.Count, s.TotalBytes, s.Dir, s.Published, s.CacheHits, s.Evicted, s.Expired), out), nil
	})}
}

// RenderTemplate returns the render://{id} resource template and its
// handler, which serves a managed render's PNG bytes.
func RenderTemplate(d Deps) (mcp.ResourceTemplate, mcpserver.ResourceTemplateHandlerFunc) {
	tmpl := mcp.NewResourceTemplate(RenderURIPrefix+"{id}", "render",
		mcp.WithTemplateDescription("A PNG made by render_scene, while it lives (see its expires_at)."),
		mcp.WithTemplateMIMEType("image/png"))
	handle := func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		// Wrapping mcpserver.ErrResourceNotFound lets the server answer
		// resource-not-found (-32002) instead of an internal error.
		id := strings.TrimPrefix(req.Params.URI, RenderURIPrefix)
		if d.Store == nil {
			return nil, fmt.Errorf("render %s is not available: file transfer is disabled on this server: %w", id, mcpserver.ErrResourceNotFound)
		}
		if !storage.ValidID(id) {
			return nil, fmt.Errorf("render %q does not exist: render ids look like render_1763771234_ab12cd34_9f8e7d6c5b4a3210 (see list_renders): %w", id, mcpserver.ErrResourceNotFound)
		}
		rc, _, err := d.Store.Open(id)
		if err != nil {
			return nil, fmt.Errorf("render %s is not available (expired or removed; see list_renders): %w", id, mcpserver.ErrResourceNotFound)
		}
		defer rc.Close()
		b, err := io.ReadAll(rc)
		if err != nil {
			return nil, fmt.Errorf("failed to read render %s: %w", id, err)
		}
		return []mcp.ResourceContents{mcp.BlobResourceContents{URI: req.Params.URI, MIMEType: "image/png", Blob: base64.StdEncoding.EncodeToString(b)}}, nil
	}
	return tmpl, handle
}
