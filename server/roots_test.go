package server

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newLogged(t *testing.T, cfg Config) (*Server, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	s, err := New(cfg, "test", slog.New(slog.NewTextHandler(&buf, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s, &buf
}

// A server started in /, in $HOME or above it does not allow its working
// directory, says so, and logs the directories it does allow.
func TestBroadWorkingDirectoryNotAllowed(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for name, wd := range map[string]string{"root": "/", "home": home, "above home": filepath.Dir(home)} {
		t.Run(name, func(t *testing.T) {
			t.Chdir(wd)
			cfg := testConfig(t)
			s, log := newLogged(t, cfg)
			renders, err := filepath.EvalSymlinks(cfg.RenderDir)
			require.NoError(t, err)
			assert.Equal(t, []string{renders}, s.roots.Dirs(), "only the render directory")
			assert.Contains(t, log.String(), "the working directory is not an allowed directory")
			assert.Contains(t, log.String(), "allowed directories")
		})
	}
}

func TestProjectWorkingDirectoryAllowed(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	wd := t.TempDir()
	t.Chdir(wd)
	s, log := newLogged(t, testConfig(t))
	real, err := filepath.EvalSymlinks(wd)
	require.NoError(t, err)
	assert.Contains(t, s.roots.Dirs(), real)
	assert.NotContains(t, log.String(), "not an allowed directory")
	assert.Contains(t, log.String(), real)
}

// --allow-dir / is the user's explicit choice: allowed, with a warning.
func TestExplicitBroadDirectoryAllowedWithWarning(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Chdir(t.TempDir())
	cfg := testConfig(t)
	cfg.AllowDirs = []string{"/"}
	s, log := newLogged(t, cfg)
	assert.Contains(t, s.roots.Dirs(), "/")
	assert.Contains(t, log.String(), "allowing a very broad directory")
}

func TestNoAllowedDirectoriesWarns(t *testing.T) {
	t.Chdir("/")
	cfg := testConfig(t)
	cfg.DisableFileTransfer = true
	s, log := newLogged(t, cfg)
	assert.Empty(t, s.roots.Dirs())
	assert.Contains(t, log.String(), "no allowed directories")
}

func TestRootsOnlyBefore20260728(t *testing.T) {
	ctx := context.Background()
	assert.True(t, rootsVersion(ctx), "no protocol info: a legacy session")
	for v, want := range map[string]bool{
		mcp.ProtocolVersion20241105: true, mcp.ProtocolVersion20250618: true, mcp.ProtocolVersion20251125: true,
		mcp.ProtocolVersion20260728: false, "2027-01-01": false,
	} {
		info := &mcpserver.RequestProtocolInfo{ProtocolVersion: v, Modern: mcp.IsModernProtocol(v)}
		assert.Equal(t, want, rootsVersion(mcpserver.WithRequestProtocolInfo(ctx, info)), v)
	}
}
