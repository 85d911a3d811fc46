package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"testing"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// BenchmarkStdioRoundTrips measures pipelined tools/call round trips
// (get_voxel) over pipes, through our transport and, for comparison,
// through mcp-go's StdioServer.
func BenchmarkStdioRoundTrips(b *testing.B) {
	for _, name := range []string{"ours", "mcp-go"} {
		b.Run(name, func(b *testing.B) {
			cfg := Defaults()
			cfg.RenderDir, cfg.Autosave = b.TempDir(), false
			srv, err := New(cfg, "bench", nil)
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			inR, inW := io.Pipe()
			outR, outW := io.Pipe()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				if name == "ours" {
					_ = newTransport(srv.MCP, srv.Project.Sequencer(), 1<<20, toolWorkers, srv.logger).Serve(ctx, inR, outW)
				} else {
					ss := mcpserver.NewStdioServer(srv.MCP)
					ss.SetErrorLogger(log.New(io.Discard, "", 0))
					_ = ss.Listen(ctx, inR, outW)
				}
			}()
			out := bufio.NewReader(outR)
			_, _ = io.WriteString(inW, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"0"}}}`+"\n")
			if _, err := out.ReadBytes('\n'); err != nil {
				b.Fatal(err)
			}
			go func() {
				for i := range b.N {
					fmt.Fprintf(inW, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"get_voxel","arguments":{"position":[1,2,3]}}}`+"\n", i+1)
				}
			}()
			b.ResetTimer()
			for range b.N {
				if _, err := out.ReadBytes('\n'); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			_ = inW.Close()
		})
	}
}
