package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
)

// structuredSince is the first protocol version with resource_link blocks,
// structuredContent and outputSchema. Older clients validate results
// against a content union without resource_link (the TypeScript SDK 1.12
// throws on one) and treat an outputSchema as a promise of structured
// content, so they get neither.
const structuredSince = "2025-06-18"

// legacyResults reports whether the request's client predates
// structured results. A request with no known version (an in-process
// client that skipped initialize) gets today's results.
func legacyResults(ctx context.Context) bool {
	v := mcpserver.RequestProtocolVersion(ctx)
	return v != "" && v < structuredSince
}

// toolsForVersion drops outputSchema from tools/list for old clients.
func toolsForVersion(ctx context.Context, list []mcp.Tool) []mcp.Tool {
	if !legacyResults(ctx) {
		return list
	}
	out := make([]mcp.Tool, len(list))
	for i, t := range list {
		t.OutputSchema, t.RawOutputSchema = mcp.ToolOutputSchema{}, nil
		out[i] = t
	}
	return out
}

// resultsForVersion rewrites tool results for old clients: resource_link
// blocks go (the text names the path and the render:// URI), and
// structuredContent goes into the text as JSON unless a text block already
// carries it.
func resultsForVersion(next mcpserver.ToolHandlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := next(ctx, req)
		if err != nil || res == nil || !legacyResults(ctx) {
			return res, err
		}
		content := make([]mcp.Content, 0, len(res.Content))
		hasJSON := false
		for _, c := range res.Content {
			switch c := c.(type) {
			case mcp.ResourceLink, *mcp.ResourceLink:
				continue
			case mcp.TextContent:
				hasJSON = hasJSON || carriesJSON(c.Text)
			}
			content = append(content, c)
		}
		sc := res.StructuredContent
		if len(res.RawStructuredContent) > 0 {
			sc = res.RawStructuredContent
		}
		if sc != nil && !hasJSON {
			if b, err := json.Marshal(sc); err == nil && len(b) > 2 {
				// On a line of its own at the end of the first text block
				// (hosts that show one text block still see it), or as a
				// text block before any image.
				placed := false
				for i, c := range content {
					if tc, ok := c.(mcp.TextContent); ok {
						tc.Text = strings.TrimRight(tc.Text, "\n") + "\n" + string(b)
						content[i], placed = tc, true
						break
					}
				}
				if !placed {
					content = slices.Insert(content, 0, mcp.Content(mcp.NewTextContent(string(b))))
				}
			}
		}
		out := *res
		out.Content, out.StructuredContent, out.RawStructuredContent = content, nil, nil
		return &out, nil
	}
}

// carriesJSON reports whether a text block holds a JSON object or array on
// a line of its own, as tools' structured results write it.
func carriesJSON(text string) bool {
	for line := range strings.SplitSeq(text, "\n") {
		if strings.HasPrefix(line, "{") || strings.HasPrefix(line, "[") {
			return true
		}
	}
	return false
}

// resourceNotFound turns a resource handler's mcpserver.ErrResourceNotFound
// into the protocol's resource-not-found error (-32002; -32602 from
// 2026-07-28) instead of mcp-go's -32603 for every handler error: the
// transport reads the note and answers with that code.
func resourceNotFound(next mcpserver.ResourceHandlerFunc) mcpserver.ResourceHandlerFunc {
	return func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		res, err := next(ctx, req)
		if err != nil && errors.Is(err, mcpserver.ErrResourceNotFound) {
			if n := notesFrom(ctx); n != nil {
				code := mcp.RESOURCE_NOT_FOUND
				if mcpserver.IsModernRequest(ctx) {
					code = mcp.INVALID_PARAMS
				}
				n.mu.Lock()
				n.notFound, n.missing = code, strings.TrimSuffix(err.Error(), ": "+mcpserver.ErrResourceNotFound.Error())
				n.mu.Unlock()
			}
		}
		return res, err
	}
}

// renderPage is how many renders one resources/list page holds.
const renderPage = 50

// renderCursor marks a resources/list cursor as ours.
const renderCursor = "render-after:"

// listRenders fills resources/list with the live renders, newest first,
// after the static resources (on the first page), renderPage at a time.
// The store holds at most its file cap, so the list is bounded.
func listRenders(st *storage.Store) func(ctx context.Context, id any, req *mcp.ListResourcesRequest, res *mcp.ListResourcesResult) {
	return func(ctx context.Context, id any, req *mcp.ListResourcesRequest, res *mcp.ListResourcesResult) {
		after := ""
		if c, err := base64.StdEncoding.DecodeString(string(req.Params.Cursor)); err == nil {
			after, _ = strings.CutPrefix(string(c), renderCursor)
		}
		if after != "" {
			res.Resources = res.Resources[:0]
		}
		recs := st.List()
		start := 0
		if after != "" {
			start = len(recs)
			for i, r := range recs {
				if r.ID == after {
					start = i + 1
					break
				}
			}
		}
		end := min(start+renderPage, len(recs))
		for _, r := range recs[start:end] {
			size := r.Size
			res.Resources = append(res.Resources, mcp.Resource{
				URI: tools.RenderURIPrefix + r.ID, Name: r.ID + ".png", MIMEType: "image/png", Size: &size,
				Description: fmt.Sprintf("%d×%d render, expires %s", r.Width, r.Height, r.ExpiresAt.UTC().Format(time.RFC3339)),
			})
		}
		res.NextCursor = ""
		if end < len(recs) {
			res.NextCursor = mcp.Cursor(base64.StdEncoding.EncodeToString([]byte(renderCursor + recs[end-1].ID)))
		}
	}
}

// watchRenders sends notifications/resources/list_changed when the set of
// live renders changes (a render published, removed, expired or evicted),
// at most once per interval: the store has no hooks, and listing it is a
// copy of at most its file cap of records.
func watchRenders(ctx context.Context, st *storage.Store, m *mcpserver.MCPServer, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	last := renderSet(st)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if now := renderSet(st); now != last {
			last = now
			m.SendNotificationToAllClients(string(mcp.MethodNotificationResourcesListChanged), nil)
		}
	}
}

// renderSet is a fingerprint of the live renders.
func renderSet(st *storage.Store) string {
	var b strings.Builder
	for _, r := range st.List() {
		b.WriteString(r.ID)
		b.WriteByte(' ')
	}
	return b.String()
}
