// Package server builds goxel-mcp's MCP server from a Config: it owns the
// project, the render store and the renderer, registers the tools and
// serves them over stdio.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/autosave"
	"github.com/goxel-mcp/goxel-mcp/internal/roots"
	"github.com/goxel-mcp/goxel-mcp/internal/viewer"
	"github.com/goxel-mcp/goxel-mcp/renderer"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// toolWorkers is how many tool calls run at once.
const toolWorkers = 8

// Name is the server name reported to clients.
const Name = "goxel-mcp"

// Instructions teach a model how to use the tools well.
const Instructions = `goxel-mcp edits a voxel scene and renders it so you can check your work.
Axes: right-handed, Z is UP. X runs left→right, Y runs front→back (the "front" view looks from -Y toward +Y), Z runs bottom→top. Coordinates are integers and may be negative. The ground is usually z=0 with things built upward.
Colours: "#RRGGBB", "#RRGGBBAA", [r,g,b] or [r,g,b,a] (0-255); results report "#RRGGBBAA". Alpha 0 means no voxel.
Best tool for each job:
- solids (box, sphere/ellipsoid, cylinder, cone, thick line, plane; filled or hollow; add/remove/paint): fill_shape, one call each.
- many individual voxels: add_voxels with a list, or "data" lines "x y z RRGGBB" for big batches; remove_voxels, paint_voxels likewise.
- recolour a connected region or fill an enclosed cavity: flood_fill.
- big or repeated structures: run_script (a Starlark program; one call can build 100,000+ voxels, one undo step), copy_region, move_region, mirror_region (keep_original makes a half model symmetric), rotate_region, replace_color; several edits at once, all or nothing: apply_edits.
- every scene result carries the scene revision; pass expected_revision to an edit to refuse it if the scene moved on.
- organise parts: create_layer (returns a stable id), select_layer, set_layer_visibility, merge_layers.
- check: get_status, get_bounding_box, get_color_histogram, get_voxel, get_voxels_region; and render_scene with views ["front","right","top","isometric"] for a labelled contact sheet that shows which side is which.
Check loop: build → check_model (floating parts, symmetry with the exact asymmetric voxels, cavities; ~1k tokens) → get_slice of a suspect level (text grid, ~0.5k tokens at 32×32, ~7k at 128×128) or render_scene (highlight "changes" marks what changed since the last render) → fix → check again. diff_scene lists what changed since a revision. For voxel lists use format "runs" or count_only (list pages stop at max_bytes, 16 KB by default).
Every editing call is one undo step (undo/redo). The scene is autosaved and survives a restart; save_project writes .gox/.vox/.txt/.qb, export_model writes meshes (also .stl for printing) and Minecraft .schem.
Files are read and written only inside the allowed directories that get_status lists (allowed_dirs); for another place, ask the user to add it (GOXEL_ALLOW_DIRS or --allow-dir in the host's config).`

// Server is a configured goxel-mcp server.
type Server struct {
	MCP     *mcpserver.MCPServer
	Project *tools.Project
	cfg     Config
	logger  *slog.Logger
	closers []func() error
	roots   *roots.Roots
	// rootsAsked holds the sessions whose client roots were requested.
	rootsAsked sync.Map
	store      *storage.Store // nil when file transfer is disabled
}

// New builds the server. Close releases what it holds.
func New(cfg Config, version string, logger *slog.Logger) (*Server, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	s := &Server{cfg: cfg, logger: logger, Project: tools.NewProject()}
	d := tools.Deps{
		Project: s.Project, Limits: cfg.Limits, Logger: logger, Version: version,
		Renderer: renderer.NewRenderer(),
		// Inline images of recent renders, for cache hits in auto mode: a few
		// previews' worth (each at most ~525 KB).
		Inline: tools.NewInlineCache(8 << 20),
		// Renders are CPU-bound and each holds its frame (33 MB at 4K): a
		// few at a time, the others wait (cancellably) for a slot.
		RenderSlots: make(chan struct{}, runtime.GOMAXPROCS(0)+1),
		Render: tools.RenderSettings{
			MaxImageSize: cfg.MaxImageSize, MaxInlineBytes: cfg.MaxInlineBytes, DisableFiles: cfg.DisableFileTransfer,
		},
	}
	var err error
	if d.Roots, err = s.allowedRoots(); err != nil {
		return nil, err
	}
	s.roots = d.Roots
	if !cfg.DisableFileTransfer {
		if d.Store, err = OpenStore(cfg, logger); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, d.Store.Close)
		_ = d.Roots.Add(d.Store.Dir()) // the store just created it; an error only means it cannot be written to by users
		logger.Info("render store", "dir", d.Store.Dir(), "ttl", cfg.RenderTTL, "max_size", cfg.RenderMaxSize, "max_files", cfg.RenderMaxFiles)
	}
	s.logAllowed()
	d.ClientRoots = s.clientRoots
	if cfg.Autosave {
		if err := s.startAutosave(&d); err != nil {
			s.Close()
			return nil, err
		}
	}
	hooks := &mcpserver.Hooks{}
	if d.Store != nil {
		hooks.AddAfterListResources(listRenders(d.Store))
	}
	appsHooks(hooks)
	s.store = d.Store
	s.MCP = mcpserver.NewMCPServer(Name, version,
		mcpserver.WithInstructions(Instructions),
		mcpserver.WithToolCapabilities(false),
		// resources/list lists the live renders and list_changed follows
		// them; without a store there are none to follow.
		mcpserver.WithResourceCapabilities(false, d.Store != nil),
		mcpserver.WithRecovery(),
		mcpserver.WithResourceRecovery(),
		mcpserver.WithLogger(logger),
		mcpserver.WithHooks(hooks),
		// Results and tools/list as the negotiated protocol version has them.
		mcpserver.WithToolHandlerMiddleware(resultsForVersion),
		mcpserver.WithToolFilter(toolsForVersion),
		mcpserver.WithResourceHandlerMiddleware(resourceNotFound),
		mcpserver.WithToolFilter(tools.AppsToolFilter),
	)
	s.MCP.AddTools(tools.All(d)...)
	s.MCP.AddResourceTemplate(tools.RenderTemplate(d))
	s.MCP.AddResource(tools.ViewerResource())
	return s, nil
}

// appsHooks declare the MCP Apps extension (io.modelcontextprotocol/ui) in
// the server's capabilities only to a client that announced it, as the
// extension's negotiation asks: in initialize (protocols up to 2025-11-25)
// or in server/discover's per-request capabilities (2026-07-28).
func appsHooks(h *mcpserver.Hooks) {
	declare := func(caps *mcp.ServerCapabilities) {
		ext := map[string]any{}
		for k, v := range caps.Extensions {
			ext[k] = v
		}
		ext[tools.AppsExtension] = map[string]any{}
		caps.Extensions = ext
	}
	h.AddAfterInitialize(func(_ context.Context, _ any, req *mcp.InitializeRequest, res *mcp.InitializeResult) {
		if req != nil && res != nil && tools.ClientSupportsApps(&req.Params.Capabilities) {
			declare(&res.Capabilities)
		}
	})
	h.AddAfterDiscover(func(_ context.Context, _ any, req *mcp.DiscoverRequest, res *mcp.DiscoverResult) {
		if req != nil && res != nil && tools.ClientSupportsApps(req.Params.Meta.ClientCapabilities()) {
			declare(&res.Capabilities)
		}
	})
	// The extension lets servers leave UI-only resources out of
	// resources/list; a client without it does not see the viewer there.
	h.AddAfterListResources(func(ctx context.Context, _ any, _ *mcp.ListResourcesRequest, res *mcp.ListResourcesResult) {
		if res == nil || tools.AppsEnabled(ctx) {
			return
		}
		kept := res.Resources[:0:0]
		for _, r := range res.Resources {
			if r.URI != viewer.URI {
				kept = append(kept, r)
			}
		}
		res.Resources = kept
	})
}

// DefaultStateDir is where the scene is autosaved unless configured:
// goxel-mcp under the user's config directory.
func DefaultStateDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "goxel-mcp"), nil
}

// startAutosave restores the last autosaved scene and saves after every
// change. It never stops the server from starting: another process
// autosaving in the same directory, or a directory that cannot be used
// (read-only, missing, not ours), turns autosave off for this process with
// a warning on stderr and in get_status; a state that cannot be restored
// (damaged, or beyond the scene budget) is moved aside and the server
// starts with an empty scene.
func (s *Server) startAutosave(d *tools.Deps) error {
	off := func(dir, why string) {
		s.logger.Warn("autosave off: "+why, "dir", dir)
		st := autosave.Status{Enabled: false, Dir: dir, Warning: "autosave is off for this session: " + why}
		d.Autosave = func() autosave.Status { return st }
	}
	dir := s.cfg.StateDir
	if dir == "" {
		var err error
		if dir, err = DefaultStateDir(); err != nil {
			off("", fmt.Sprintf("no state directory could be found (%v); set GOXEL_STATE_DIR, or --no-autosave to silence this", err))
			return nil
		}
	}
	sv, err := autosave.Open(dir, s.logger)
	if errors.Is(err, autosave.ErrBusy) {
		off(dir, "another goxel-mcp process autosaves in this state directory")
		return nil
	}
	if err != nil {
		off(dir, fmt.Sprintf("the state directory cannot be used (%v); give a writable one with GOXEL_STATE_DIR", err))
		return nil
	}
	s.closers = append(s.closers, sv.Close)
	scene, meta, ok, err := sv.Load()
	switch {
	case err != nil:
		aside, aerr := sv.SetAside(err)
		s.logger.Warn("could not restore the autosaved scene; starting with an empty scene and keeping the old state aside", "err", err, "kept_in", aside, "set_aside_err", aerr)
	case ok:
		s.Project.Restore(scene, meta.ProjectPath, meta.Dirty)
		s.logger.Info("restored autosaved scene", "voxels", scene.Count(), "layers", len(scene.Layers()), "file", meta.ProjectPath, "saved_at", meta.SavedAt)
	}
	s.Project.OnChange(func(sc *voxel.Scene, path string, dirty bool) {
		_ = sv.Save(sc.Freeze(), autosave.Meta{ProjectPath: path, Dirty: dirty, Current: sc.Current()}) // logged and kept for get_status
	})
	d.Autosave = sv.Status
	return nil
}

// OpenStore opens the managed render directory the configuration names.
func OpenStore(cfg Config, logger *slog.Logger) (*storage.Store, error) {
	dir := cfg.RenderDir
	if dir == "" {
		var err error
		if dir, err = storage.DefaultDir(); err != nil {
			return nil, fmt.Errorf("failed to find a render directory (set GOXEL_RENDER_DIR): %w", err)
		}
	}
	st, err := storage.Open(storage.Options{
		Dir: dir, TTL: cfg.RenderTTL, MaxBytes: cfg.RenderMaxSize, MaxFiles: cfg.RenderMaxFiles,
		MaxFileSize: cfg.RenderMaxFileSize, CleanupInterval: cfg.CleanupInterval, Logger: logger,
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Close stops background work and releases files.
func (s *Server) Close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// ServeStdio serves MCP on in and out until in ends or ctx is cancelled;
// both count as a clean exit. It returns within about 1.1 s of either, even
// when a handler is stuck (see transport.Serve).
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	go warmUp()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	if s.store != nil {
		go watchRenders(ctx, s.store, s.MCP, 500*time.Millisecond)
	}
	// More workers than mcp-go's 5, so cheap calls are not queued behind
	// long renders; renders themselves are bounded by Deps.RenderSlots.
	t := newTransport(s.MCP, s.Project.Sequencer(), s.cfg.maxMessageBytes(), toolWorkers, s.logger)
	err := t.Serve(ctx, in, out)
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}
