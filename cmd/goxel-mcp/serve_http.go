package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/goxel-mcp/goxel-mcp/server"
)

// serveHTTP is `serve --http ADDR`: stateless Streamable HTTP at /mcp.
func serveHTTP(addr string, cfg server.Config, logger *slog.Logger, stderr io.Writer) int {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp: %v\n", err)
		return 1
	}
	defer ln.Close()
	hc, err := server.LoadHTTPConfig(os.Getenv)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp: %v\n", err)
		return 2
	}
	srv, err := server.NewHTTP(cfg, hc, loopback(ln.Addr()), version, logger)
	if err != nil {
		fmt.Fprintf(stderr, "goxel-mcp: %v\n", err)
		return 1
	}
	defer srv.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("serving MCP over Streamable HTTP", "version", version, "url", "http://"+ln.Addr().String()+server.MCPPath)
	if err := srv.Serve(ctx, ln); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	logger.Info("stopped")
	return 0
}

// loopback reports whether a listening address is on a loopback interface
// only (not the wildcard address).
func loopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}
