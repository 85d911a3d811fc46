package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sandboxFixture: a home directory, a render directory, a directory the
// user allows with --allow-dir, and an outside one that nobody allowed,
// each holding a model to open.
type sandboxFixture struct {
	home, renders, allowed, outside, inHome string
	environ                                 []string
}

func newSandboxFixture(t *testing.T) sandboxFixture {
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	f := sandboxFixture{home: filepath.Join(base, "home"), renders: filepath.Join(base, "renders"),
		allowed: filepath.Join(base, "allowed"), outside: filepath.Join(base, "outside")}
	f.inHome = filepath.Join(f.home, "Documents")
	for _, d := range []string{f.home, f.inHome, f.allowed, f.outside} {
		require.NoError(t, os.MkdirAll(d, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(d, "model.txt"), []byte("0 0 0 FF0000\n"), 0o644))
	}
	f.environ = []string{"HOME=" + f.home, "GOXEL_RENDER_DIR=" + f.renders, "GOXEL_STATE_DIR=" + filepath.Join(base, "state")}
	return f
}

// fileOps tries every path-taking operation in dir and returns the error
// text of each refused one (empty for an accepted one).
func fileOps(t *testing.T, c *client.Client, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	try := func(name, tool string, args map[string]any) {
		res := call(t, c, tool, args)
		if res.IsError {
			out[name] = textOf(res)
		} else {
			out[name] = ""
		}
	}
	try("open", "open_project", map[string]any{"path": filepath.Join(dir, "model.txt"), "force": true})
	try("save", "save_project", map[string]any{"path": filepath.Join(dir, "saved.gox")})
	try("export", "export_model", map[string]any{"path": filepath.Join(dir, "mesh.obj")})
	try("render output_path", "render_scene", map[string]any{"width": 32, "height": 32, "output_path": filepath.Join(dir, "shot.png")})
	try("render output_dir", "render_scene", map[string]any{"width": 32, "height": 32, "options": map[string]any{"output_dir": dir, "return_mode": "file_path"}})
	return out
}

// Started in / or in $HOME, as some hosts do, the server does not allow its
// working directory: every file operation outside the configured
// directories is refused with a message naming the allowed directories and
// how the user adds one; get_status lists them. With --allow-dir the same
// operations work there.
func TestSandboxWhenStartedInRootOrHome(t *testing.T) {
	for _, where := range []string{"/", "$HOME"} {
		t.Run(where, func(t *testing.T) {
			f := newSandboxFixture(t)
			cwd := where
			if where == "$HOME" {
				cwd = f.home
			}
			s := launch(t, cwd, f.environ)
			structured(t, call(t, s.c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
			st := structured(t, call(t, s.c, "get_status", nil))
			assert.Equal(t, []any{f.renders}, st["allowed_dirs"], "only the render directory is allowed")
			assert.Contains(t, textOf(call(t, s.c, "get_status", nil)), f.renders)
			assert.Contains(t, s.stderr.String(), "the working directory is not an allowed directory")
			assert.Contains(t, s.stderr.String(), "allowed directories")

			for _, dir := range []string{f.outside, f.home, f.inHome, cwd} {
				for op, msg := range fileOps(t, s.c, dir) {
					if assert.NotEmpty(t, msg, "%s in %s was accepted", op, dir) {
						assert.Contains(t, msg, "the allowed directories are "+f.renders+";", op)
						assert.Contains(t, msg, "GOXEL_ALLOW_DIRS", op)
						assert.Contains(t, msg, "--allow-dir", op)
					}
				}
			}
			// Relative paths resolve against the working directory: refused too.
			assert.Contains(t, fails(t, s.c, "save_project", map[string]any{"path": "relative.gox"}), "allowed directories")
			for _, dir := range []string{f.outside, f.home, f.inHome} {
				for _, name := range []string{"saved.gox", "mesh.obj", "shot.png"} {
					assert.NoFileExists(t, filepath.Join(dir, name))
				}
			}
			assert.NoFileExists(t, filepath.Join(cwd, "relative.gox"))
			require.NoError(t, s.close(), "stderr: %s", s.stderr.String())

			// The user allows a directory: the same operations work there.
			s2 := launch(t, cwd, f.environ, "--allow-dir", f.allowed)
			structured(t, call(t, s2.c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
			st = structured(t, call(t, s2.c, "get_status", nil))
			assert.ElementsMatch(t, []any{f.allowed, f.renders}, st["allowed_dirs"])
			for op, msg := range fileOps(t, s2.c, f.allowed) {
				assert.Empty(t, msg, "%s inside --allow-dir failed", op)
			}
			for _, name := range []string{"saved.gox", "mesh.obj", "shot.png"} {
				assert.FileExists(t, filepath.Join(f.allowed, name))
			}
			for op, msg := range fileOps(t, s2.c, f.outside) {
				assert.Contains(t, msg, f.allowed, "%s outside: the message lists the allowed directories", op)
			}
			require.NoError(t, s2.close(), "stderr: %s", s2.stderr.String())
		})
	}
}

// --allow-dir / is the user's explicit choice: it works, with a warning.
func TestExplicitAllowRootWarns(t *testing.T) {
	f := newSandboxFixture(t)
	s := launch(t, "/", f.environ, "--allow-dir", "/")
	structured(t, call(t, s.c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
	assert.Contains(t, structured(t, call(t, s.c, "get_status", nil))["allowed_dirs"], "/")
	for op, msg := range fileOps(t, s.c, f.outside) {
		assert.Empty(t, msg, "%s with --allow-dir /", op)
	}
	assert.Contains(t, s.stderr.String(), "allowing a very broad directory")
	require.NoError(t, s.close())
}

type countingRoots struct {
	dirs  []string
	calls atomic.Int32
}

func (h *countingRoots) ListRoots(context.Context, mcp.ListRootsRequest) (*mcp.ListRootsResult, error) {
	h.calls.Add(1)
	var out []mcp.Root
	for _, d := range h.dirs {
		out = append(out, mcp.Root{URI: "file://" + filepath.ToSlash(d), Name: filepath.Base(d)})
	}
	return &mcp.ListRootsResult{Roots: out}, nil
}

// A 2026-07-28 client (stateless, server/discover) has no roots: the
// server never sends roots/list, and the configured directories apply.
// A 2025-11-25 client's roots are still used, except / and $HOME.
func TestClientRootsByProtocolVersion(t *testing.T) {
	f := newSandboxFixture(t)
	for _, version := range []string{mcp.ProtocolVersion20260728, mcp.ProtocolVersion20251125} {
		t.Run(version, func(t *testing.T) {
			h := &countingRoots{dirs: []string{f.outside, f.home, "/"}}
			work, err := filepath.EvalSymlinks(t.TempDir())
			require.NoError(t, err)
			tr := transport.NewStdioWithOptions(binary, f.environ, []string{"--allow-dir", f.allowed}, transport.WithCommandFunc(
				func(ctx context.Context, name string, env []string, args []string) (*exec.Cmd, error) {
					cmd := exec.CommandContext(ctx, name, args...)
					cmd.Env = append(os.Environ(), env...)
					cmd.Dir = work
					return cmd, nil
				}))
			c := client.NewClient(tr, client.WithRootsHandler(h), client.WithProtocolVersion(version))
			require.NoError(t, c.Start(context.Background()))
			t.Cleanup(func() { _ = c.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			req := mcp.InitializeRequest{}
			req.Params.ProtocolVersion = version
			req.Params.ClientInfo = mcp.Implementation{Name: "e2e-roots", Version: "0"}
			req.Params.Capabilities.Roots = &struct {
				ListChanged bool `json:"listChanged,omitempty"`
			}{}
			res, err := c.Initialize(ctx, req)
			require.NoError(t, err)
			require.Equal(t, version, res.ProtocolVersion)

			structured(t, call(t, c, "add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}}))
			start := time.Now()
			saved := call(t, c, "save_project", map[string]any{"path": filepath.Join(f.outside, version+".gox")})
			took := time.Since(start)
			structured(t, call(t, c, "save_project", map[string]any{"path": filepath.Join(f.allowed, version+".gox")}))
			if version == mcp.ProtocolVersion20260728 {
				assert.Zero(t, h.calls.Load(), "no roots/list request to a 2026-07-28 client")
				assert.True(t, saved.IsError, "the client's roots do not apply")
				assert.Contains(t, textOf(saved), f.allowed)
				assert.Less(t, took, 2*time.Second, "the call did not wait for a roots answer")
			} else {
				assert.Positive(t, h.calls.Load(), "roots/list asked of a 2025-11-25 client")
				assert.False(t, saved.IsError, "the client's root is allowed: %s", textOf(saved))
				// The client also offered $HOME and /: never allowed implicitly.
				home := call(t, c, "save_project", map[string]any{"path": filepath.Join(f.home, version+".gox")})
				assert.True(t, home.IsError, "a client root of $HOME or / is not allowed")
				st := structured(t, call(t, c, "get_status", nil))
				assert.ElementsMatch(t, []any{work, f.allowed, f.renders, f.outside}, st["allowed_dirs"])
			}
		})
	}
}

// The swap races of issue 13 over stdio: a directory swapped for a symlink
// to outside during open_project never lets it read the outside file
// (1,000 tries), a file swapped for a FIFO never blocks a call, and the
// server still exits promptly when stdin closes afterwards.
func TestOpenProjectSwapRacesOverStdio(t *testing.T) {
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	work, outside := filepath.Join(base, "work"), filepath.Join(base, "outside")
	dir := filepath.Join(work, "d")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.MkdirAll(outside, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.txt"), []byte("0 0 0 FF0000\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(outside, "m.txt"), []byte("0 0 0 FF0000\n1 0 0 FF0000\n2 0 0 FF0000\n"), 0o644))
	s := launch(t, work, env(t))

	swap := func(step func()) (stop func() int) {
		done := make(chan struct{})
		n := make(chan int)
		go func() {
			count := 0
			for {
				select {
				case <-done:
					n <- count
					return
				default:
				}
				step()
				count++
			}
		}()
		return func() int { close(done); return <-n }
	}
	stop := swap(func() {
		if os.Rename(dir, dir+".real") == nil {
			_ = os.Symlink(outside, dir)
			time.Sleep(50 * time.Microsecond)
			_ = os.Remove(dir)
			_ = os.Rename(dir+".real", dir)
		}
		time.Sleep(50 * time.Microsecond)
	})
	var inside, refused, escaped int
	for range 1000 {
		res := call(t, s.c, "open_project", map[string]any{"path": "d/m.txt", "force": true})
		switch {
		case res.IsError:
			refused++
		case structured(t, res)["voxels"] == float64(3):
			escaped++
		default:
			inside++
		}
	}
	swaps := stop()
	t.Logf("symlink swap: 1000 open_project calls during %d swaps: %d inside, %d refused, %d outside", swaps, inside, refused, escaped)
	assert.Zero(t, escaped, "open_project read a file outside the allowed directories")

	target := filepath.Join(work, "f.txt")
	require.NoError(t, os.WriteFile(target, []byte("0 0 0 FF0000\n"), 0o644))
	stop = swap(func() {
		if syscall.Mkfifo(target+".fifo", 0o600) == nil {
			_ = os.Rename(target+".fifo", target)
		}
		time.Sleep(50 * time.Microsecond)
		_ = os.WriteFile(target+".new", []byte("0 0 0 FF0000\n"), 0o644)
		_ = os.Rename(target+".new", target)
		time.Sleep(50 * time.Microsecond)
	})
	var fifoRefused int
	for range 300 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		res, err := callCtx(ctx, s.c, "open_project", map[string]any{"path": "f.txt", "force": true})
		cancel()
		require.NoError(t, err, "open_project blocked on a FIFO swapped in")
		if res.IsError {
			fifoRefused++
		}
	}
	swaps = stop()
	t.Logf("FIFO swap: 300 open_project calls during %d swaps, %d refused", swaps, fifoRefused)

	closed := time.Now()
	require.NoError(t, s.close(), "stderr: %s", s.stderr.String())
	assert.Less(t, time.Since(closed), exitLimit(), "exit after stdin closed")
}
