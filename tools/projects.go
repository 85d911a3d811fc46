package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// ProjectIDProp is the argument naming a project in HTTP mode.
const ProjectIDProp = "project_id"

// ErrProjectNotFound is what a Projects returns for a project the caller
// cannot see: one that does not exist and one another user owns alike, so
// ids cannot be probed.
var ErrProjectNotFound = errors.New("project not found")

// ProjectInfo describes one project in list_projects.
type ProjectInfo struct {
	ID        string `json:"project_id"`
	Revision  uint64 `json:"revision"`
	Voxels    int    `json:"voxels"`
	CreatedAt int64  `json:"created_at"` // unix seconds
	UpdatedAt int64  `json:"updated_at"` // unix seconds
}

// Projects holds many projects, each owned by one user, for HTTP mode: the
// caller is whoever the request's context names (see the server's auth).
// With Deps.Projects set, every scene tool takes project_id and runs on that
// project; stdio leaves it nil and keeps its one implicit Project.
type Projects interface {
	// Create makes a new, empty project owned by the caller.
	Create(ctx context.Context) (id string, p *Project, err error)
	// Run runs call on the caller's project id; an error wrapping
	// ErrProjectNotFound when the caller has none by that id. mutating says
	// whether call may change the scene: a Projects backed by a database
	// loads the project, runs call, and commits a change with the revision
	// check, running call again on a newer revision when another instance
	// committed first.
	Run(ctx context.Context, id string, mutating bool, call func(p *Project) (*mcp.CallToolResult, error)) (*mcp.CallToolResult, error)
	// List returns the caller's projects, newest first.
	List(ctx context.Context) ([]ProjectInfo, error)
	// Delete removes the caller's project id (ErrProjectNotFound if none).
	Delete(ctx context.Context, id string) error
	// Store returns the caller's render store; nil when renders are inline.
	Store(ctx context.Context) (*storage.Store, error)
}

// dispatcher routes the calls of HTTP mode to per-project and per-user
// tool sets: every tool is built as in stdio, for one Project and one
// render store, and the outer tool only finds which.
type dispatcher struct {
	d      Deps // Projects set, Project nil
	byUser sync.Map
}

// innerTools builds the tools for one project (or none) and one store: as
// in stdio (typed properties, sequencing, revisions), without the checks
// the outer tool already made.
func (x *dispatcher) innerTools(p *Project, store *storage.Store) map[string]mcpserver.ToolHandlerFunc {
	d := x.d
	d.Projects, d.Project, d.Store = nil, p, store
	d.inner = true
	out := map[string]mcpserver.ToolHandlerFunc{}
	for _, st := range All(d) {
		out[st.Tool.Name] = st.Handler
	}
	return out
}

// projectTools returns p's tool handlers, built once per project.
func (x *dispatcher) projectTools(ctx context.Context, p *Project) (map[string]mcpserver.ToolHandlerFunc, error) {
	p.mu.Lock()
	h, _ := p.inner.(map[string]mcpserver.ToolHandlerFunc)
	p.mu.Unlock()
	if h != nil {
		return h, nil
	}
	store, err := x.d.Projects.Store(ctx)
	if err != nil {
		return nil, err
	}
	h = x.innerTools(p, store)
	p.mu.Lock()
	if old, ok := p.inner.(map[string]mcpserver.ToolHandlerFunc); ok {
		h = old
	} else {
		p.inner = h
	}
	p.mu.Unlock()
	return h, nil
}

// userTools returns the scene-free tools (renders) for the caller's store.
func (x *dispatcher) userTools(ctx context.Context) (map[string]mcpserver.ToolHandlerFunc, error) {
	store, err := x.d.Projects.Store(ctx)
	if err != nil {
		return nil, err
	}
	if h, ok := x.byUser.Load(store); ok {
		return h.(map[string]mcpserver.ToolHandlerFunc), nil
	}
	h, _ := x.byUser.LoadOrStore(store, x.innerTools(nil, store))
	return h.(map[string]mcpserver.ToolHandlerFunc), nil
}

// projectIDSchema declares project_id on a tool's input.
func projectIDSchema(t *mcp.Tool, required bool, desc string) {
	if t.InputSchema.Properties == nil {
		t.InputSchema.Properties = map[string]any{}
	}
	t.InputSchema.Properties[ProjectIDProp] = map[string]any{"type": "string", "minLength": 1, "description": desc}
	if required && !slices.Contains(t.InputSchema.Required, ProjectIDProp) {
		t.InputSchema.Required = append(slices.Clone(t.InputSchema.Required), ProjectIDProp)
	}
}

// projectID reads the project_id argument.
func projectID(req mcp.CallToolRequest) (string, bool, error) {
	v, ok := req.GetArguments()[ProjectIDProp]
	if !ok || v == nil {
		return "", false, nil
	}
	s, isStr := v.(string)
	if !isStr || strings.TrimSpace(s) == "" {
		return "", false, fmt.Errorf("%s must be a project id string as create_project returned, got %s", ProjectIDProp, describe(v))
	}
	return s, true, nil
}

// notFound is the message for a project the caller cannot see.
func notFound(name, id string) *mcp.CallToolResult {
	return mcp.NewToolResultError(fmt.Sprintf("%s: project %q not found; list_projects lists your projects and create_project makes a new one. Nothing was done.", name, id))
}

// projectError turns a Projects error into a tool result.
func projectError(name, id string, err error) (*mcp.CallToolResult, error) {
	if errors.Is(err, ErrProjectNotFound) {
		return notFound(name, id), nil
	}
	return mcp.NewToolResultError(fmt.Sprintf("%s: %v", name, err)), nil
}

// dispatch makes st, built for no project, the outer tool of HTTP mode:
// scene tools take project_id and run on that project's tools, render
// tools on the caller's store's.
func (x *dispatcher) dispatch(st mcpserver.ServerTool) mcpserver.ServerTool {
	name := st.Tool.Name
	if sceneFree[name] {
		st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			h, err := x.userTools(ctx)
			if err != nil {
				return mcp.NewToolResultError(fmt.Sprintf("%s: %v", name, err)), nil
			}
			return h[name](ctx, req)
		}
		return st
	}
	mutating := guardSchema(&st)
	switch name {
	case "create_project":
		return x.createProject(st)
	case "open_project":
		projectIDSchema(&st.Tool, false, "The project to open the file into (its scene is replaced). Default: a new project, whose project_id the result reports.")
	default:
		projectIDSchema(&st.Tool, true, "The project to work on, as create_project or open_project returned it (list_projects lists yours).")
	}
	st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		id, ok, err := projectID(req)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		if !ok {
			if name == "open_project" {
				return x.openNew(ctx, req)
			}
			return mcp.NewToolResultError(fmt.Sprintf("%s needs %s: the project to work on, as create_project or open_project returned it (list_projects lists yours). Nothing was done.", name, ProjectIDProp)), nil
		}
		ctx = context.WithValue(ctx, callNameKey{}, name)
		res, err := x.d.Projects.Run(ctx, id, mutating, func(p *Project) (*mcp.CallToolResult, error) {
			h, err := x.projectTools(ctx, p)
			if err != nil {
				return nil, err
			}
			return h[name](ctx, req)
		})
		if err != nil {
			return projectError(name, id, err)
		}
		if name == "open_project" {
			addField(res, ProjectIDProp, id)
		}
		return res, nil
	}
	return st
}

// createProject is create_project in HTTP mode: a new project each time.
func (x *dispatcher) createProject(st mcpserver.ServerTool) mcpserver.ServerTool {
	st.Tool.Description = `Start a new, empty project with one layer and return its project_id; pass that project_id to every other scene tool. Your earlier projects stay (list_projects, delete_project).
Example: {}`
	delete(st.Tool.InputSchema.Properties, "force")
	delete(st.Tool.InputSchema.Properties, expectedRevisionProp)
	st.Tool.InputSchema.Required = slices.DeleteFunc(slices.Clone(st.Tool.InputSchema.Required), func(s string) bool { return s == "force" })
	st.Tool.Annotations.DestructiveHint = mcp.ToBoolPtr(false)
	st.Handler = func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		id, p, err := x.d.Projects.Create(ctx)
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("create_project: %v", err)), nil
		}
		h, err := x.projectTools(ctx, p)
		if err != nil {
			return mcp.NewToolResultError(fmt.Sprintf("create_project: %v", err)), nil
		}
		status := mcp.CallToolRequest{}
		status.Params.Name = "get_status"
		res, err := h["get_status"](ctx, status)
		if err != nil || res == nil || res.IsError {
			return res, err
		}
		res.Content = []mcp.Content{mcp.NewTextContent(fmt.Sprintf("Created project %s: empty, with one layer (id 1). Pass project_id %q to every scene tool.\nrevision %d", id, id, p.Revision()))}
		addField(res, ProjectIDProp, id)
		return res, nil
	}
	return st
}

// openNew is open_project without project_id: the file goes into a new
// project, which is deleted again when the file cannot be opened.
func (x *dispatcher) openNew(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	id, p, err := x.d.Projects.Create(ctx)
	if err != nil {
		return mcp.NewToolResultError(fmt.Sprintf("open_project: %v", err)), nil
	}
	ctx = context.WithValue(ctx, callNameKey{}, "open_project")
	res, err := x.d.Projects.Run(ctx, id, true, func(p *Project) (*mcp.CallToolResult, error) {
		h, err := x.projectTools(ctx, p)
		if err != nil {
			return nil, err
		}
		return h["open_project"](ctx, req)
	})
	_ = p
	if err != nil || res == nil || res.IsError {
		_ = x.d.Projects.Delete(context.WithoutCancel(ctx), id) // nothing of the user's is in it
		if err != nil {
			return projectError("open_project", id, err)
		}
		return res, nil
	}
	addField(res, ProjectIDProp, id)
	return res, nil
}

// addField sets key in the result's structured content (an object) and
// names it in the first text block.
func addField(res *mcp.CallToolResult, key string, v any) {
	if res == nil || res.IsError {
		return
	}
	var obj map[string]json.RawMessage
	switch sc := res.StructuredContent.(type) {
	case json.RawMessage:
		if json.Unmarshal(sc, &obj) != nil {
			return
		}
	case nil:
	default:
		b, err := json.Marshal(sc)
		if err != nil || json.Unmarshal(b, &obj) != nil {
			return
		}
	}
	if obj == nil {
		obj = map[string]json.RawMessage{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	obj[key] = b
	if b, err = json.Marshal(obj); err == nil {
		res.StructuredContent = json.RawMessage(b)
	}
	for i, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			if !strings.Contains(tc.Text, fmt.Sprint(v)) {
				tc.Text += fmt.Sprintf("\n%s %v", key, v)
				res.Content[i] = tc
			}
			break
		}
	}
}

// withOutputField declares key in st's output schema, after applyMeta.
func withOutputField(st mcpserver.ServerTool, key string, prop map[string]any, required bool) mcpserver.ServerTool {
	var out map[string]any
	if st.Tool.RawOutputSchema == nil || json.Unmarshal(st.Tool.RawOutputSchema, &out) != nil {
		return st
	}
	props, _ := out["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
	}
	props = maps.Clone(props)
	props[key] = prop
	out["properties"] = props
	if required {
		req, _ := out["required"].([]any)
		out["required"] = append(slices.Clone(req), key)
	}
	if b, err := json.Marshal(out); err == nil {
		st.Tool.RawOutputSchema = b
	}
	return st
}

var projectInfoSchema = object(schema{
	"project_id": text(""), "revision": integer(""), "voxels": integer(""),
	"created_at": integer("unix seconds"), "updated_at": integer("unix seconds"),
}, "project_id", "revision", "voxels")

// ListProjects lists the caller's projects (HTTP mode).
func ListProjects(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("list_projects",
		mcp.WithDescription("List your projects: project_id, revision and voxel count of each, newest first.\nExample: {}"),
		mcp.WithTitleAnnotation("List projects"),
		annotations(true, false, true),
	)
	tool.Title = "List projects"
	tool.RawOutputSchema, _ = json.Marshal(object(schema{
		"projects": arrayOf(projectInfoSchema, "newest first"), "count": integer(""),
	}, "projects", "count"))
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, _ args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		list, err := d.Projects.List(ctx)
		if err != nil {
			return nil, fmt.Errorf("list_projects: %w", err)
		}
		if list == nil {
			list = []ProjectInfo{}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "%d projects.", len(list))
		for _, p := range list {
			fmt.Fprintf(&b, "\n%s: revision %d, %d voxels", p.ID, p.Revision, p.Voxels)
		}
		return structured(b.String(), map[string]any{"projects": list, "count": len(list)}), nil
	})}
}

// DeleteProject deletes one of the caller's projects (HTTP mode).
func DeleteProject(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("delete_project",
		mcp.WithDescription(`Delete one of your projects for good: its scene and undo history. Its renders stay until their TTL.
Example: {"project_id":"p_…"}`),
		mcp.WithTitleAnnotation("Delete project"),
		annotations(false, true, true),
		mcp.WithString(ProjectIDProp, mcp.Required(), mcp.Description("The project to delete."), mcp.MinLength(1)),
	)
	tool.Title = "Delete project"
	tool.RawOutputSchema, _ = json.Marshal(object(schema{"deleted": text("the project_id deleted")}, "deleted"))
	return mcpserver.ServerTool{Tool: tool, Handler: func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		id, ok, err := projectID(req)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		if !ok {
			return mcp.NewToolResultError("delete_project needs project_id: the project to delete (list_projects lists yours). Nothing was done."), nil
		}
		if err := d.Projects.Delete(ctx, id); err != nil {
			return projectError("delete_project", id, err)
		}
		return structured(fmt.Sprintf("Deleted project %s.", id), map[string]any{"deleted": id}), nil
	}}
}

type callNameKey struct{}

// CallName is the name of the tool a dispatched call runs (HTTP mode), for
// a Projects that labels the steps it stores.
func CallName(ctx context.Context) string {
	s, _ := ctx.Value(callNameKey{}).(string)
	return s
}

// RestoredProject returns a project holding s, restored from storage at
// revision, without unsaved changes.
func RestoredProject(s *voxel.Scene, revision uint64) *Project {
	return &Project{scene: s, saved: s.Version(), revision: revision, seq: NewSequencer()}
}

// History reports the undo and redo steps the project's scene holds.
func (p *Project) History() (undo, redo int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.scene.UndoSteps(), p.scene.RedoSteps()
}
