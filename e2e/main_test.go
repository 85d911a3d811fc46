// Package e2e builds the goxel-mcp binary and drives it over real stdio, as
// a host does.
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/require"
)

// binary is the goxel-mcp executable built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	if bin := os.Getenv("GOXEL_E2E_BIN"); bin != "" {
		// A binary built elsewhere, e.g. an older commit's for benchmarks (docs/benchmarks.md).
		binary = bin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "goxel-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "goxel-mcp")
	args := []string{"build", "-o", binary}
	if os.Getenv("GOXEL_E2E_RACE") == "1" {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "../cmd/goxel-mcp")...)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "failed to build goxel-mcp:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir) // best effort: a temp dir
	os.Exit(code)
}

// env returns a private environment for one server: its own render and
// state directories, so tests never share files.
func env(t testing.TB, extra ...string) []string {
	dir := t.TempDir()
	return append([]string{
		"GOXEL_RENDER_DIR=" + filepath.Join(dir, "renders"),
		"GOXEL_STATE_DIR=" + filepath.Join(dir, "state"),
		"HOME=" + dir,
	}, extra...)
}

// start runs the binary and completes the handshake with protocol version.
func start(t testing.TB, version string, environ []string, args ...string) *client.Client {
	t.Helper()
	tr := transport.NewStdio(binary, environ, args...)
	c := client.NewClient(tr, client.WithProtocolVersion(version))
	// Start ties the process to its context: it must outlive this function.
	require.NoError(t, c.Start(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = version
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "0"}
	res, err := c.Initialize(ctx, req)
	require.NoError(t, err)
	require.Equal(t, version, res.ProtocolVersion)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func call(t testing.TB, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := c.CallTool(ctx, req)
	require.NoError(t, err)
	checkOutput(t, c, name, res)
	return res
}

// exitLimit is how long the server may take to exit after stdin closes or
// SIGTERM: the 2 s a host waits, or 4 s for a race-enabled binary, which
// runs several times slower on a loaded CI machine.
func exitLimit() time.Duration {
	if os.Getenv("GOXEL_E2E_RACE") == "1" {
		return 4 * time.Second
	}
	return 2 * time.Second
}
