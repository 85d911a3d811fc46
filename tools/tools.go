// Package tools defines goxel-mcp's MCP tools: each exported constructor
// returns one tool's definition and handler. The package reads arguments,
// calls the scene model, renderer and render store, and builds results; it
// holds no voxel logic of its own.
package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/autosave"
	"github.com/goxel-mcp/goxel-mcp/internal/roots"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/script"
	"github.com/goxel-mcp/goxel-mcp/storage"
)

// Limits bounds what one call or one scene may cost.
type Limits struct {
	MaxSceneVoxels   int   // voxels in a scene, all layers
	MaxVoxelsPerCall int   // voxels listed in one add/remove/paint call
	MaxShapeVolume   int64 // bounding-box volume of one fill_shape
	MaxFloodFill     int   // voxels one flood_fill may change
	MaxPageSize      int   // voxels one get_voxels_region or find call returns
	MaxFileSize      int64 // bytes of a file open_project reads
	// Script bounds run_script (steps, time, changes, output); its scene
	// and shape limits are the two above. Zero fields take the defaults.
	Script script.Limits
}

// DefaultLimits are the limits used when none are configured.
var DefaultLimits = Limits{
	MaxSceneVoxels:   32 << 20,
	MaxVoxelsPerCall: 1 << 20,
	MaxShapeVolume:   1 << 25,
	MaxFloodFill:     1 << 20,
	MaxPageSize:      10000,
	MaxFileSize:      256 << 20,
	Script:           script.Limits{MaxSteps: script.DefaultLimits.MaxSteps, MaxDuration: script.DefaultLimits.MaxDuration, MaxChanges: script.DefaultLimits.MaxChanges, MaxOutput: script.DefaultLimits.MaxOutput},
}

// Deps is what the tools need, passed to every constructor.
type Deps struct {
	Project  *Project
	Limits   Limits
	Logger   *slog.Logger
	Store    *storage.Store     // nil when file transfer is disabled
	Renderer *renderer.Renderer // shared, so prepared scenes are reused
	Roots    *roots.Roots       // where user paths may point; nil refuses them all
	Render   RenderSettings
	Inline   *InlineCache // recent inline images by render cache key; may be nil
	// RenderSlots bounds the renders running at once (a token per render);
	// nil means no bound.
	RenderSlots chan struct{}
	Version     string
	Now         func() time.Time // injected clock; default time.Now
	// Autosave reports where the scene is autosaved; nil when it is not.
	Autosave func() autosave.Status
	// ClientRoots adds the client's roots to Roots when the client offers
	// them; called before a path is checked. May be nil.
	ClientRoots func(ctx context.Context)
	// Projects, in HTTP mode, holds the users' projects: every scene tool
	// takes project_id and Project is unused (projects.go). Nil in stdio.
	Projects Projects
	inner    bool // a per-project tool set built by the dispatcher
}

// forgetRenders drops what was prepared for renders of the scene just
// replaced: a new project will not ask for it again (a reopened file that
// renders the same is prepared afresh, once).
func (d Deps) forgetRenders() {
	if d.Renderer != nil {
		d.Renderer.Forget()
	}
	d.Inline.Clear()
	// The old scene, its undo history and its prepared renders are garbage
	// now: hand the memory back, so a long session of many projects stays
	// at the size of one (a full collection costs about a millisecond here,
	// and projects are replaced rarely).
	debug.FreeOSMemory()
}

func (d Deps) clientRoots(ctx context.Context) {
	if d.ClientRoots != nil {
		d.ClientRoots(ctx)
	}
}

// DefaultRenderSettings are used when none are configured.
var DefaultRenderSettings = RenderSettings{MaxImageSize: 8192, MaxInlineBytes: 4 << 20}

func (d Deps) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Handler adapts a handler that returns a message error to mcp-go: a
// returned error becomes an isError result the model can read.
type handlerFunc func(ctx context.Context, a args, req mcp.CallToolRequest) (*mcp.CallToolResult, error)

func wrap(fn handlerFunc) mcpserver.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		a := args(req.GetArguments())
		if a == nil {
			if raw := req.Params.Arguments; raw != nil {
				return mcp.NewToolResultError(fmt.Sprintf("arguments must be a JSON object, got %s", describe(raw))), nil
			}
			a = args{}
		}
		res, err := fn(ctx, a, req)
		if err != nil {
			return mcp.NewToolResultError(err.Error()), nil
		}
		return res, nil
	}
}

// structured returns a result whose structuredContent is v and whose text
// is the short human summary: a client that gets structuredContent has the
// data there, and repeating it doubled the bytes a host shows. Clients that
// get no structuredContent (protocols before 2025-06-18) get the JSON in
// the text from WithJSONText.
func structured(summary string, v any) *mcp.CallToolResult {
	b, err := json.Marshal(v)
	if err != nil {
		return mcp.NewToolResultError(fmt.Sprintf("failed to encode result: %v", err))
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(summary)},
		StructuredContent: json.RawMessage(b),
	}
}

// WithJSONText returns a copy of res for a client that cannot receive
// structuredContent: the structured content, as JSON, follows the summary
// in the first text block, and the structuredContent field is dropped. A
// result without structured content is returned as it is.
func WithJSONText(res *mcp.CallToolResult) *mcp.CallToolResult {
	if res == nil || res.StructuredContent == nil {
		return res
	}
	var b []byte
	switch sc := res.StructuredContent.(type) {
	case json.RawMessage:
		b = sc
	default:
		var err error
		if b, err = json.Marshal(sc); err != nil {
			return res
		}
	}
	out := *res
	out.StructuredContent = nil
	out.Content = slices.Clone(res.Content)
	for i, c := range out.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			tc.Text = strings.TrimSpace(tc.Text + "\n" + string(b))
			out.Content[i] = tc
			return &out
		}
	}
	out.Content = append([]mcp.Content{mcp.NewTextContent(string(b))}, out.Content...)
	return &out
}

// annotations sets all four hints; mcp.NewTool defaults would claim
// destructive and open-world for every tool.
func annotations(readOnly, destructive, idempotent bool) mcp.ToolOption {
	return func(t *mcp.Tool) {
		mcp.WithReadOnlyHintAnnotation(readOnly)(t)
		mcp.WithDestructiveHintAnnotation(destructive)(t)
		mcp.WithIdempotentHintAnnotation(idempotent)(t)
		mcp.WithOpenWorldHintAnnotation(false)(t)
	}
}

// layerProp is the optional "layer" argument shared by many tools.
func layerProp(what string) mcp.ToolOption {
	return mcp.WithInteger("layer", mcp.Description("Layer id ("+what+"). Default: the current layer."), mcp.Min(1))
}

// All returns every tool, in registration order.
func All(d Deps) []mcpserver.ServerTool {
	all := []mcpserver.ServerTool{
		// scene
		CreateProject(d),
		OpenProject(d),
		SaveProject(d),
		ExportModel(d),
		GetStatus(d),
		// voxels
		AddVoxels(d),
		RemoveVoxels(d),
		PaintVoxels(d),
		GetVoxel(d),
		GetVoxelsRegion(d),
		FillShape(d),
		FloodFill(d),
		ReplaceColor(d),
		ApplyEdits(d),
		RunScript(d),
		Undo(d),
		Redo(d),
		// regions
		CopyRegion(d),
		MoveRegion(d),
		MirrorRegion(d),
		RotateRegion(d),
		// layers
		ListLayers(d),
		CreateLayer(d),
		DeleteLayer(d),
		RenameLayer(d),
		MergeLayers(d),
		SetLayerVisibility(d),
		SelectLayer(d),
		// analysis
		GetBoundingBox(d),
		GetColorHistogram(d),
		FindVoxelsByColor(d),
		CheckModel(d),
		GetSlice(d),
		DiffScene(d),
		// renders
		RenderScene(d),
		GetRenderInfo(d),
		ListRenders(d),
		CleanupRender(d),
		GetRenderStats(d),
		// viewer (MCP Apps; the last two are for the viewer app only)
		ViewModel(d),
		GetViewerState(d),
		GetViewerMesh(d),
	}
	var x *dispatcher
	if d.Projects != nil && !d.inner {
		x = &dispatcher{d: d}
		all = append(all, ListProjects(d), DeleteProject(d))
	}
	for i := range all {
		all[i] = d.finish(all[i], x)
	}
	return all
}

// finish applies what every tool gets the same way, in one place, so a tool
// added to All has it without code of its own: typed shared properties,
// scene sequencing and revisions (guard), its title and output schema
// (meta.go), and refusal of unknown arguments (arguments.go; last, since it
// reads the schema the others complete).
//
// In HTTP mode (x set) the tool dispatches to per-project tool sets instead
// of guarding one project; those inner sets are only guarded.
func (d Deps) finish(st mcpserver.ServerTool, x *dispatcher) mcpserver.ServerTool {
	typedProps(&st.Tool)
	if d.inner {
		return d.guard(st)
	}
	if x == nil {
		st = d.guard(st)
	} else if !projectsTools[st.Tool.Name] {
		st = x.dispatch(st)
	}
	st = applyMeta(st)
	if x != nil && (st.Tool.Name == "create_project" || st.Tool.Name == "open_project") {
		st = withOutputField(st, ProjectIDProp, map[string]any{"type": "string", "description": "the project's id: pass it to every scene tool"}, true)
	}
	return checkArgs(st)
}
