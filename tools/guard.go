package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// sceneFree are the tools that never read or change the scene: they neither
// wait for their turn nor report a revision.
var sceneFree = map[string]bool{
	"get_render_info":  true,
	"list_renders":     true,
	"cleanup_render":   true,
	"get_render_stats": true,
}

// projectsTools are HTTP mode's tools over the caller's projects: neither
// scene tools nor dispatched.
var projectsTools = map[string]bool{"list_projects": true, "delete_project": true}

// expectedRevisionProp is the optional argument every mutating tool takes.
const expectedRevisionProp = "expected_revision"

// guard wraps one tool with what every tool does the same way: calls that
// touch the scene go in arrival order (Sequencer), a mutating call may name
// the revision it expects, and every scene result carries the revision it
// describes (structuredContent.revision and a line of text).
func (d Deps) guard(st mcpserver.ServerTool) mcpserver.ServerTool {
	name := st.Tool.Name
	if sceneFree[name] || d.Project == nil {
		return st
	}
	mutating := guardSchema(&st)
	next := st.Handler
	st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		t := ticketFrom(ctx)
		if t == nil {
			t = d.Project.Sequencer().Take()
			ctx = WithTicket(ctx, t)
		}
		defer t.Release()
		if err := t.Wait(ctx); err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("%s was cancelled while waiting for earlier calls: %v", name, err)), nil
		}
		if mutating {
			if v, ok := req.GetArguments()[expectedRevisionProp]; ok && v != nil {
				want, err := toInt(expectedRevisionProp, v, 1, 1<<53)
				if err != nil {
					return mcp.NewToolResultError(err.Error()), nil
				}
				if have := d.Project.Revision(); uint64(want) != have {
					return mcp.NewToolResultError(fmt.Sprintf("the scene is at revision %d, not the expected_revision %d: it changed since you read it; read it again (get_status) and retry with expected_revision %d, or leave expected_revision out", have, want, have)), nil
				}
			}
		}
		res, err := next(ctx, req)
		if err != nil || res == nil || res.IsError {
			return res, err
		}
		// A render sets its own revision (that of its snapshot); other calls
		// still hold their turn here, so the project's revision is theirs.
		addRevision(res, d.Project.Revision())
		return res, nil
	}
	return st
}

// guardSchema declares expected_revision on a mutating tool's input and
// reports whether the tool is mutating (render_scene only reads).
func guardSchema(st *mcpserver.ServerTool) bool {
	mutating := st.Tool.Annotations.ReadOnlyHint == nil || !*st.Tool.Annotations.ReadOnlyHint
	if !mutating || st.Tool.Name == "render_scene" {
		return false
	}
	if st.Tool.InputSchema.Properties == nil {
		st.Tool.InputSchema.Properties = map[string]any{}
	}
	st.Tool.InputSchema.Properties[expectedRevisionProp] = map[string]any{
		"type":        "integer",
		"minimum":     1,
		"description": "Refuse the call unless the scene is at this revision (every result reports the scene's revision). Default: no check.",
	}
	return true
}

// revisioned is structured content that always carries its revision.
type revisioned interface{ withRevision() }

// addRevision puts rev into the result's structured content (when it is an
// object without one) and at the end of its first text block.
func addRevision(res *mcp.CallToolResult, rev uint64) {
	if _, ok := res.StructuredContent.(revisioned); ok {
		return // typed with its own revision: no need to encode it to find out
	}
	var obj map[string]json.RawMessage
	switch sc := res.StructuredContent.(type) {
	case json.RawMessage:
		if json.Unmarshal(sc, &obj) != nil || obj == nil {
			return
		}
	case nil:
		obj = map[string]json.RawMessage{}
	default:
		b, err := json.Marshal(sc)
		if err != nil || json.Unmarshal(b, &obj) != nil || obj == nil {
			return
		}
	}
	if _, ok := obj["revision"]; ok {
		return
	}
	obj["revision"] = json.RawMessage(fmt.Sprint(rev))
	b, err := json.Marshal(obj)
	if err != nil {
		return
	}
	res.StructuredContent = json.RawMessage(b)
	for i, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			tc.Text += fmt.Sprintf("\nrevision %d", rev)
			res.Content[i] = tc
			break
		}
	}
}
