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

	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/tools"
)

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
Every editing call is one undo step (undo/redo). The scene is autosaved and survives a restart; save_project writes .gox/.vox/.txt, export_model writes meshes.`

// Server is a configured goxel-mcp server.
type Server struct {
	MCP     *mcpserver.MCPServer
	Project *tools.Project
	cfg     Config
	logger  *slog.Logger
	closers []func() error
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
	d := tools.Deps{Project: s.Project, Limits: cfg.Limits, Logger: logger}
	s.MCP = mcpserver.NewMCPServer(Name, version,
		mcpserver.WithInstructions(Instructions),
		mcpserver.WithToolCapabilities(false),
		mcpserver.WithResourceCapabilities(false, true),
		mcpserver.WithRecovery(),
		mcpserver.WithResourceRecovery(),
		mcpserver.WithLogger(logger),
	)
	s.MCP.AddTools(tools.All(d)...)
	return s, nil
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
