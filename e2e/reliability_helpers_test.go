package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/require"
)

// raceBuild says whether TestMain built the binary with -race: RSS figures
// then include the race detector's shadow memory and are only logged.
var raceBuild = os.Getenv("GOXEL_E2E_RACE") == "1"

// longRun says whether the long reliability tests run at full size
// (.ci/run sets GOXEL_SOAK=1); otherwise they run a short version.
func longRun() bool { return os.Getenv("GOXEL_SOAK") == "1" && !testing.Short() }

// syncBuffer collects a process's stderr; safe for the copying goroutine
// and the test to use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server is one goxel-mcp process driven over stdio.
type server struct {
	c      *client.Client
	cmd    *exec.Cmd
	stderr *syncBuffer
	closed bool
}

// launch starts the binary in dir (its working directory, hence an allowed
// root) with environ added to ours, captures all of its stderr and
// completes the handshake. The process is closed at cleanup if the test has
// not closed or killed it.
func launch(t testing.TB, dir string, environ []string, args ...string) *server {
	t.Helper()
	s := &server{stderr: &syncBuffer{}}
	tr := transport.NewStdioWithOptions(binary, environ, args, transport.WithCommandFunc(
		func(ctx context.Context, name string, env []string, args []string) (*exec.Cmd, error) {
			cmd := exec.CommandContext(ctx, name, args...)
			cmd.Env = append(os.Environ(), env...)
			cmd.Dir = dir
			cmd.Stderr = s.stderr
			s.cmd = cmd
			return cmd, nil
		}))
	s.c = client.NewClient(tr)
	require.NoError(t, s.c.Start(context.Background()))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = "2025-06-18"
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e-reliability", Version: "0"}
	_, err := s.c.Initialize(ctx, req)
	require.NoError(t, err, "stderr: %s", s.stderr.String())
	t.Cleanup(func() {
		if !s.closed {
			_ = s.c.Close()
		}
	})
	return s
}

// close ends the session as a host does (stdin closed) and returns the
// exit error: nil for status 0. A race-enabled binary exits 66 after a race.
func (s *server) close() error {
	s.closed = true
	return s.c.Close()
}

// kill sends SIGKILL and reaps the process.
func (s *server) kill(t testing.TB) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Kill())
	s.closed = true
	_ = s.c.Close() // reaps the process; its exit status is "killed"
}

// rssKB reads VmRSS (or another /proc/<pid>/status field such as VmHWM)
// in KiB.
func (s *server) procStatus(t testing.TB, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc on this system: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			require.NoError(t, err)
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, s.cmd.Process.Pid)
	return 0
}

func (s *server) rssKB(t testing.TB) int64 { return s.procStatus(t, "VmRSS") }

// callCtx is call with a caller's context, for calls a test expects to be
// cut off by a kill: it returns the error instead of failing.
func callCtx(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return c.CallTool(ctx, req)
}

// fails calls a tool that must refuse: it returns the error text.
func fails(t testing.TB, c *client.Client, name string, args map[string]any) string {
	t.Helper()
	res := call(t, c, name, args)
	require.True(t, res.IsError, "%s %v should have failed, got: %s", name, args, textOf(res))
	return textOf(res)
}

// entry is one file-system object in a snapshot.
type entry struct {
	mode fs.FileMode
	size int64
	mod  time.Time
	link string // symlink target
	sum  string // sha256 of a regular file's bytes
}

// snapshot records every object under root (symlinks not followed).
func snapshot(t testing.TB, root string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{mode: fi.Mode(), size: fi.Size(), mod: fi.ModTime()}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			e.link, _ = os.Readlink(p)
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			e.sum = hex.EncodeToString(sum[:])
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = e
		return nil
	}))
	return out
}

// diffSnapshots lists what was added, removed or changed between a and b.
func diffSnapshots(a, b map[string]entry) []string {
	var out []string
	for k, e := range a {
		f, ok := b[k]
		switch {
		case !ok:
			out = append(out, "removed "+k)
		case e.mode.IsDir() && f.mode.IsDir():
			if e.mode != f.mode {
				out = append(out, "changed mode of "+k)
			}
		case e != f:
			out = append(out, "changed "+k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, "added "+k)
		}
	}
	sort.Strings(out)
	return out
}

// renderFiles lists the render_*.png names and temp files in dir, with the
// total bytes of the renders.
func renderFiles(t testing.TB, dir string) (renders, temps []string, bytes int64) {
	t.Helper()
	des, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, de := range des {
		switch name := de.Name(); {
		case strings.HasPrefix(name, "render_") && strings.HasSuffix(name, ".png"):
			renders = append(renders, name)
			if fi, err := de.Info(); err == nil {
				bytes += fi.Size()
			}
		case strings.HasPrefix(name, ".tmp-"):
			temps = append(temps, name)
		}
	}
	return renders, temps, bytes
}

// decodesWhole says whether a PNG file decodes completely.
func decodesWhole(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = png.Decode(f)
	return err
}

// mb formats KiB as MiB for logs.
func mb(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }
