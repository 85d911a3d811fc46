package tools

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/viewer"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/mesh"
)

// The MCP Apps extension (io.modelcontextprotocol/ui, spec 2026-01-26):
// a tool's _meta.ui.resourceUri names a ui:// HTML resource that hosts
// show in a sandboxed iframe; _meta.ui.visibility ["app"] hides a tool
// from the model. Everything here is declared only to clients that
// announce the extension with the HTML profile (AppsEnabled); others see
// view_model as a plain tool and nothing else.
const (
	// AppsExtension is the extension's identifier in capabilities.
	AppsExtension = "io.modelcontextprotocol/ui"
	// legacyResourceURIKey is the flat _meta key of early hosts, which the
	// ext-apps SDK still fills beside _meta.ui.resourceUri.
	legacyResourceURIKey = "ui/resourceUri"
)

// Viewer limits. A part of the mesh travels as one tool result, through the
// host and postMessage: 512 KiB of GLB is about 700 KB of base64, under the
// 1 MB per result that Claude's hosts accept. The totals bound what the
// server builds and the browser draws; a larger scene is refused with a
// message the viewer shows.
const (
	viewerPartBytes = 512 << 10
	viewerMaxBytes  = 48 << 20 // GLB bytes of the whole mesh
	viewerMaxFaces  = 2 << 20  // exposed voxel faces before merging
	// glbQuadBytes bounds one merged face in the GLB: four vertices of
	// position, normal and colour (40 bytes each) and six uint32 indices.
	glbQuadBytes = 4*40 + 6*4
)

// ClientSupportsApps reports whether caps announce the MCP Apps extension
// with the HTML profile, as the extension's negotiation asks.
func ClientSupportsApps(caps *mcp.ClientCapabilities) bool {
	if caps == nil {
		return false
	}
	ext, ok := caps.Extensions[AppsExtension].(map[string]any)
	if !ok {
		return false
	}
	types, _ := ext["mimeTypes"].([]any)
	for _, t := range types {
		if t == viewer.MIMEType {
			return true
		}
	}
	if ts, ok := ext["mimeTypes"].([]string); ok {
		return slices.Contains(ts, viewer.MIMEType)
	}
	return false
}

// AppsEnabled reports whether the client making this request announced MCP
// Apps: in the request's _meta (protocol 2026-07-28, where capabilities
// travel with every request) or at initialize (earlier versions).
func AppsEnabled(ctx context.Context) bool {
	if info := mcpserver.RequestProtocolInfoFromContext(ctx); info != nil && info.Modern {
		return ClientSupportsApps(info.ClientCapabilities)
	}
	if s, ok := mcpserver.ClientSessionFromContext(ctx).(mcpserver.SessionWithClientInfo); ok {
		caps := s.GetClientCapabilities()
		return ClientSupportsApps(&caps)
	}
	return false
}

// AppsToolFilter is a tools/list filter: for clients without MCP Apps it
// drops the app-only tools and the _meta.ui of the others, so such hosts
// see no difference. mcp-go applies the same filter to tools/call, so an
// app-only tool cannot be called by them either.
func AppsToolFilter(ctx context.Context, list []mcp.Tool) []mcp.Tool {
	if AppsEnabled(ctx) {
		return list
	}
	out := list[:0:0]
	for _, t := range list {
		if t.Meta == nil || t.Meta.AdditionalFields["ui"] == nil {
			out = append(out, t)
			continue
		}
		if !ModelVisible(t) {
			continue
		}
		fields := map[string]any{}
		for k, v := range t.Meta.AdditionalFields {
			if k != "ui" && k != legacyResourceURIKey {
				fields[k] = v
			}
		}
		t.Meta = nil
		if len(fields) > 0 {
			t.Meta = &mcp.Meta{AdditionalFields: fields}
		}
		out = append(out, t)
	}
	return out
}

// ModelVisible reports whether a tool is for the model: false for the
// viewer's app-only tools (_meta.ui.visibility without "model").
func ModelVisible(t mcp.Tool) bool {
	if t.Meta == nil {
		return true
	}
	ui, _ := t.Meta.AdditionalFields["ui"].(map[string]any)
	vis, ok := ui["visibility"].([]string)
	return !ok || slices.Contains(vis, "model")
}

// uiMeta is a tool's _meta pointing at the viewer; visibility empty means
// the default, model and app.
func uiMeta(visibility ...string) *mcp.Meta {
	ui := map[string]any{"resourceUri": viewer.URI}
	if len(visibility) > 0 {
		ui["visibility"] = visibility
	}
	return &mcp.Meta{AdditionalFields: map[string]any{"ui": ui, legacyResourceURIKey: viewer.URI}}
}

// withViewer makes hosts that show MCP Apps show the viewer beside the
// tool's result (render_scene).
func withViewer(t *mcp.Tool) { t.Meta = uiMeta() }

// ViewerResource returns the ui://goxel/viewer.html resource and its
// handler: the embedded HTML, with the extension's resource metadata. It
// declares no domain at all, so hosts apply their most restrictive CSP
// (the page loads nothing and connects nowhere; all data comes through
// tool calls).
func ViewerResource() (mcp.Resource, mcpserver.ResourceHandlerFunc) {
	uiRes := map[string]any{
		"csp":           map[string]any{"connectDomains": []string{}, "resourceDomains": []string{}},
		"prefersBorder": true,
	}
	res := mcp.NewResource(viewer.URI, "goxel-mcp viewer",
		mcp.WithResourceTitle("Scene viewer"),
		mcp.WithResourceDescription("Interactive 3D view of the current scene (MCP Apps). Orbit, pan, zoom, view presets, layers, the voxel under the pointer; follows the scene's changes."),
		mcp.WithMIMEType(viewer.MIMEType),
		mcp.WithResourceSize(int64(len(viewer.HTML))),
	)
	res.Meta = &mcp.Meta{AdditionalFields: map[string]any{"ui": uiRes}}
	handle := func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		return []mcp.ResourceContents{mcp.TextResourceContents{
			URI: viewer.URI, MIMEType: viewer.MIMEType, Text: viewer.HTML,
			Meta: map[string]any{"ui": uiRes},
		}}, nil
	}
	return res, handle
}

const viewModelDescription = `Show the scene in the interactive 3D viewer, in hosts that support MCP Apps (the viewer appears beside this result; the user can orbit, zoom, switch views and layers, and point at voxels; it follows later edits by itself).
- view: the viewer's starting camera: front (camera on -Y), back, left, right, top, bottom, isometric (default).
Returns a short text for you: voxel count, bounding box, revision. It shows you no image: use render_scene to see the scene yourself.`

// ViewModel returns the view_model tool.
func ViewModel(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("view_model",
		mcp.WithDescription(viewModelDescription),
		annotations(true, false, true),
		mcp.WithString("view", mcp.Enum("front", "back", "left", "right", "top", "bottom", "isometric"), mcp.Description("Starting view. Default isometric.")),
	)
	tool.Meta = uiMeta()
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		view := "isometric"
		if a.has("view") {
			v, ok := a["view"].(string)
			if !ok || !slices.Contains([]string{"front", "back", "left", "right", "top", "bottom", "isometric"}, v) {
				return nil, fmt.Errorf("view must be one of front, back, left, right, top, bottom, isometric, got %s", describe(a["view"]))
			}
			view = v
		}
		st := viewerStateOf(d)
		shown := AppsEnabled(ctx)
		text := fmt.Sprintf("The scene has %d visible voxels in %d layers", st.Voxels, len(st.Layers))
		if st.Box != nil {
			b := st.Box
			text += fmt.Sprintf(", bounding box (%d, %d, %d) to (%d, %d, %d), %d×%d×%d", b.Min[0], b.Min[1], b.Min[2], b.Max[0], b.Max[1], b.Max[2], b.Size[0], b.Size[1], b.Size[2])
		}
		text += "."
		if shown {
			text += fmt.Sprintf(" The host shows it in the viewer (%s, %s view), which follows later edits.", viewer.URI, view)
		} else {
			text += " This host did not announce MCP Apps, so no viewer is shown: use render_scene to see the scene."
		}
		out := map[string]any{
			"voxels": st.Voxels, "layers": len(st.Layers), "view": view,
			"viewer": map[string]any{"uri": viewer.URI, "shown": shown},
		}
		if st.Box != nil {
			out["bounding_box"] = st.Box
		}
		return structured(text, out), nil
	})}
}

// viewerState is what the viewer polls.
type viewerState struct {
	Voxels int           `json:"voxels"` // on visible layers
	Box    *boxJS        `json:"bounding_box,omitempty"`
	Layers []viewerLayer `json:"layers"`
}

type viewerLayer struct {
	ID      int    `json:"id"`
	Name    string `json:"name"`
	Visible bool   `json:"visible"`
	Voxels  int    `json:"voxels"`
}

// viewerStateOf reads the layer table only, never the voxels: the viewer
// calls it every few seconds.
func viewerStateOf(d Deps) viewerState {
	st := viewerState{Layers: []viewerLayer{}}
	box := voxel.EmptyBox
	d.Project.Read(func(s *voxel.Scene) {
		for _, l := range s.Layers() {
			st.Layers = append(st.Layers, viewerLayer{ID: l.ID, Name: l.Name, Visible: l.Visible, Voxels: l.Count})
			if l.Visible && l.Count > 0 {
				st.Voxels += l.Count
				box = box.Union(l.Box)
			}
		}
	})
	st.Box = boxJSON(box)
	return st
}

// GetViewerState returns get_viewer_state, the viewer's cheap poll.
func GetViewerState(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_viewer_state",
		mcp.WithDescription("For the viewer app only: the scene's revision, its layers and the bounding box of the visible voxels. Cheap; the viewer polls it and reloads the mesh when the revision changes."),
		annotations(true, false, true),
	)
	tool.Meta = uiMeta("app")
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, _ args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		st := viewerStateOf(d)
		return structured(fmt.Sprintf("%d visible voxels, %d layers.", st.Voxels, len(st.Layers)), st), nil
	})}
}

// viewerMesh is the last mesh built, by revision: the viewer fetches it in
// parts, one call each.
type viewerMesh struct {
	mu       sync.Mutex
	revision uint64
	glb      []byte
	voxels   int
	quads    int
	refusal  string // why the scene at revision is not sent
}

// GetViewerMesh returns get_viewer_mesh, which hands the viewer the visible
// scene as GLB (voxel/mesh's export), in parts of bounded size.
func GetViewerMesh(d Deps) mcpserver.ServerTool {
	tool := mcp.NewTool("get_viewer_mesh",
		mcp.WithDescription(fmt.Sprintf("For the viewer app only: the visible scene as binary glTF (merged faces, vertex colours, Y up as glTF wants), base64 in an embedded resource, in parts of at most %d KiB. Scenes whose mesh would exceed %d MiB (or %d exposed faces) are refused with a message.", viewerPartBytes>>10, viewerMaxBytes>>20, viewerMaxFaces)),
		annotations(true, false, true),
		mcp.WithInteger("revision", mcp.Description("The revision the viewer is loading; refused when the scene has moved on, so parts never mix revisions"), mcp.Min(1)),
		mcp.WithInteger("part", mcp.Description("Which part, from 0. Default 0."), mcp.Min(0)),
	)
	tool.Meta = uiMeta("app")
	cache := &viewerMesh{}
	return mcpserver.ServerTool{Tool: tool, Handler: wrap(func(ctx context.Context, a args, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		part, err := a.int("part", 0, 0, 1<<20)
		if err != nil {
			return nil, err
		}
		rev := d.Project.Revision()
		if a.has("revision") {
			want, err := a.requireInt("revision", 1, 1<<53)
			if err != nil {
				return nil, err
			}
			if uint64(want) != rev {
				return nil, fmt.Errorf("the scene is at revision %d now, not %d: read get_viewer_state again and load that revision", rev, want)
			}
		}
		cache.mu.Lock()
		defer cache.mu.Unlock()
		if cache.revision != rev || (cache.glb == nil && cache.refusal == "") {
			if err := cache.build(ctx, d, rev); err != nil {
				return nil, err
			}
		}
		if cache.refusal != "" {
			return nil, errors.New(cache.refusal)
		}
		parts := max(1, (len(cache.glb)+viewerPartBytes-1)/viewerPartBytes)
		if part >= parts {
			return nil, fmt.Errorf("part must be from 0 to %d for revision %d, got %d", parts-1, rev, part)
		}
		lo := part * viewerPartBytes
		hi := min(len(cache.glb), lo+viewerPartBytes)
		res := structured(
			fmt.Sprintf("GLB part %d of %d (bytes %d-%d of %d) of revision %d: %d voxels, %d merged faces.", part+1, parts, lo, hi, len(cache.glb), rev, cache.voxels, cache.quads),
			map[string]any{
				"revision": rev, "part": part, "parts": parts, "offset": lo, "bytes": len(cache.glb),
				"voxels": cache.voxels, "quads": cache.quads, "triangles": 2 * cache.quads,
			})
		res.Content = append(res.Content, mcp.NewEmbeddedResource(mcp.BlobResourceContents{
			URI:      fmt.Sprintf("goxel://viewer/scene-r%d-p%d.glb", rev, part),
			MIMEType: "model/gltf-binary",
			Blob:     base64.StdEncoding.EncodeToString(cache.glb[lo:hi]),
		}))
		return res, nil
	})}
}

// build meshes the visible scene at revision rev, or records why not. The
// snapshot is taken under the lock; meshing runs without it. The face
// count is checked first, so a scene far too large is refused in one fast
// pass instead of being meshed.
func (c *viewerMesh) build(ctx context.Context, d Deps, rev uint64) error {
	c.revision, c.glb, c.voxels, c.quads, c.refusal = rev, nil, 0, 0, ""
	var snap *voxel.Snapshot
	d.Project.Read(func(s *voxel.Scene) { snap = s.Snapshot() })
	c.voxels = snap.Count()
	too := func(what string) string {
		return fmt.Sprintf("The scene is too large for the viewer: %s. Hide layers (set_layer_visibility) to view a part, or use render_scene for a picture of the whole.", what)
	}
	if faces := exposedFaces(snap, viewerMaxFaces); faces > viewerMaxFaces {
		c.refusal = too(fmt.Sprintf("its %d visible voxels have more than %d exposed faces (the viewer takes at most %d)", c.voxels, viewerMaxFaces, viewerMaxFaces))
		return nil
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("get_viewer_mesh was cancelled: %w", err)
	}
	m := mesh.Build(snap)
	c.quads = len(m.Quads)
	if est := c.quads * glbQuadBytes; est > 4*viewerMaxBytes {
		c.refusal = too(fmt.Sprintf("its mesh has %d merged faces, about %d MiB as GLB (the viewer takes at most %d MiB)", c.quads, est>>20, viewerMaxBytes>>20))
		return nil
	}
	var buf bytes.Buffer
	if err := m.WriteGLB(&buf); err != nil {
		return fmt.Errorf("failed to build the viewer's mesh: %w", err)
	}
	if buf.Len() > viewerMaxBytes {
		c.refusal = too(fmt.Sprintf("its mesh has %d merged faces, %d MiB as GLB (the viewer takes at most %d MiB)", c.quads, buf.Len()>>20, viewerMaxBytes>>20))
		return nil
	}
	c.glb = buf.Bytes()
	return nil
}

// exposedFaces counts the voxel faces the mesh would draw (as voxel/mesh
// decides: the neighbour is empty, or one side is translucent and the
// other opaque), stopping once the count passes limit.
func exposedFaces(snap *voxel.Snapshot, limit int) int {
	n := 0
	dirs := [6][3]int{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}
	for _, e := range snap.Blocks() {
		vox := e.Block.Voxels()
		o := e.Origin
		for i, c := range vox {
			if c.A == 0 {
				continue
			}
			l := [3]int{i & 15, (i >> 4) & 15, i >> 8}
			for _, dv := range dirs {
				nl := [3]int{l[0] + dv[0], l[1] + dv[1], l[2] + dv[2]}
				var na uint8
				if nl[0] >= 0 && nl[0] < voxel.BlockSize && nl[1] >= 0 && nl[1] < voxel.BlockSize && nl[2] >= 0 && nl[2] < voxel.BlockSize {
					na = vox[nl[0]|nl[1]<<4|nl[2]<<8].A
				} else {
					na = snap.At(voxel.Pos{X: o.X + nl[0], Y: o.Y + nl[1], Z: o.Z + nl[2]}).A
				}
				if na == 0 || (na == 255) != (c.A == 255) {
					n++
				}
			}
		}
		if n > limit {
			return n
		}
	}
	return n
}
