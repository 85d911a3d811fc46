// Package server builds goxel-mcp's MCP server from a Config: it owns the
// project, the render store and the renderer, registers the tools and
// serves them over stdio.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
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
- organise parts: create_layer (returns a stable id), select_layer, set_layer_visibility, merge_layers.
- check: get_status, get_bounding_box, get_color_histogram, get_voxel, get_voxels_region; and render_scene with views ["front","right","top","isometric"] for a labelled contact sheet that shows which side is which.
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
	s.MCP = mcpserver.NewMCPServer(Name, version,
		mcpserver.WithInstructions(Instructions),
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithResourceCapabilities(false, true),
		mcpserver.WithRecovery(),
		mcpserver.WithResourceRecovery(),
		mcpserver.WithLogger(logger),
		mcpserver.WithHooks(appsHooks()),
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
func appsHooks() *mcpserver.Hooks {
	h := &mcpserver.Hooks{}
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
	return h
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
// change. Another process autosaving in the same directory turns it off
// for this one, with a warning, rather than failing.
func (s *Server) startAutosave(d *tools.Deps) error {
	dir := s.cfg.StateDir
	if dir == "" {
		var err error
		if dir, err = DefaultStateDir(); err != nil {
			return fmt.Errorf("failed to find a state directory (set GOXEL_STATE_DIR or --no-autosave): %w", err)
		}
	}
	sv, err := autosave.Open(dir, s.logger)
	if errors.Is(err, autosave.ErrBusy) {
		s.logger.Warn("autosave off: another goxel-mcp process autosaves in this state directory", "dir", dir)
		return nil
	}
	if err != nil {
		return err
	}
	s.closers = append(s.closers, sv.Close)
	scene, meta, ok, err := sv.Load()
	switch {
	case err != nil:
		s.logger.Error("could not restore the autosaved scene; starting empty and keeping the old autosave aside", "err", err)
		_ = os.Rename(filepath.Join(dir, "scene.json"), filepath.Join(dir, fmt.Sprintf("scene.json.damaged-%d", time.Now().Unix()))) // best effort
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
// both count as a clean exit.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	ss := mcpserver.NewStdioServer(s.MCP)
	ss.SetErrorLogger(log.New(slogWriter{s.logger}, "", 0))
	// More workers than mcp-go's 5, so cheap calls are not queued behind
	// long renders; renders themselves are bounded by Deps.RenderSlots.
	mcpserver.WithWorkerPoolSize(toolWorkers)(ss)
	mcpserver.WithQueueSize(1000)(ss)
	go warmUp()
	err := ss.Listen(ctx, in, out)
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

// slogWriter turns mcp-go's error log lines into slog records on stderr.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn("mcp", "msg", string(trimNewline(p)))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	return p
}
