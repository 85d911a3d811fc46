package server

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"

	"github.com/goxel-mcp/goxel-mcp/internal/roots"
)

// allowedRoots are the working directory and the configured extra
// directories. A working directory that is a file-system root, the home
// directory or above it is not allowed implicitly (a host that starts the
// server in / would otherwise open every file to it); a configured one is
// allowed, since the user asked for it, with a warning.
func (s *Server) allowedRoots() (*roots.Roots, error) {
	r, err := roots.New()
	if err != nil {
		return nil, err
	}
	if wd, err := os.Getwd(); err == nil {
		if why := roots.Broad(wd); why != "" {
			s.logger.Warn("the working directory is not an allowed directory because "+why+
				"; allow a directory with --allow-dir or GOXEL_ALLOW_DIRS", "dir", wd)
		} else {
			_ = r.Add(wd) // a vanished working directory just allows nothing there
		}
	}
	for _, d := range s.cfg.AllowDirs {
		if why := roots.Broad(d); why != "" {
			s.logger.Warn("allowing a very broad directory because it was configured explicitly: "+why+
				"; every file below it can be read and overwritten", "dir", d)
		}
		if err := r.Add(d); err != nil {
			return nil, fmt.Errorf("--allow-dir: %w", err)
		}
	}
	return r, nil
}

// logAllowed logs the effective allowed directories at start-up.
func (s *Server) logAllowed() {
	dirs := s.roots.Dirs()
	if len(dirs) == 0 {
		s.logger.Warn("no allowed directories: open_project, save_project, export_model and render output paths are refused; add one with --allow-dir or GOXEL_ALLOW_DIRS")
		return
	}
	s.logger.Info("allowed directories", "dirs", strings.Join(dirs, string(filepath.ListSeparator)))
}

// rootsVersion reports whether the protocol in effect for the request still
// has roots (every revision up to 2025-11-25; 2026-07-28 deprecated them and
// mcp-go cannot send roots/list to such a client).
func rootsVersion(ctx context.Context) bool {
	if mcpserver.IsModernRequest(ctx) {
		return false
	}
	v := mcpserver.RequestProtocolVersion(ctx)
	return v == "" || !mcp.IsModernProtocol(v)
}

// clientRoots asks the client for its roots (once per session, when the
// negotiated protocol has roots and the client declared the capability) and
// allows the file:// ones as extra directories, except the broad ones that
// are never allowed implicitly. A client that does not answer within two
// seconds is not asked again. For 2026-07-28 clients nothing is asked: the
// configured directories apply.
func (s *Server) clientRoots(ctx context.Context) {
	if !rootsVersion(ctx) {
		return
	}
	sess := mcpserver.ClientSessionFromContext(ctx)
	if sess == nil {
		return
	}
	if ci, ok := sess.(mcpserver.SessionWithClientInfo); !ok || ci.GetClientCapabilities().Roots == nil {
		return
	}
	if _, asked := s.rootsAsked.LoadOrStore(sess.SessionID(), true); asked {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	res, err := s.MCP.RequestRoots(ctx, mcp.ListRootsRequest{})
	if err != nil {
		s.logger.Info("client roots not available", "err", err)
		return
	}
	for _, r := range res.Roots {
		u, err := url.Parse(r.URI)
		if err != nil || u.Scheme != "file" {
			continue
		}
		p := u.Path
		if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
			p = p[1:] // file:///C:/work is C:\work on Windows
		}
		dir := filepath.FromSlash(p)
		if why := roots.Broad(dir); why != "" {
			s.logger.Warn("client root not allowed because "+why, "uri", r.URI)
			continue
		}
		if err := s.roots.Add(dir); err != nil {
			s.logger.Info("client root not usable", "uri", r.URI, "err", err)
			continue
		}
		s.logger.Info("allowed client root", "dir", dir, "allowed", strings.Join(s.roots.Dirs(), string(filepath.ListSeparator)))
	}
}
