package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pathFixture is a temp tree: the server's working directory, an
// --allow-dir directory and the render directory are the allowed roots;
// "outside" holds files an attack would read, overwrite or create beside.
type pathFixture struct {
	base, work, allowed, renders, outside string
	fakeRender                            string // a render-looking PNG outside the roots
	linkedID                              string // a render-named symlink in the render dir pointing outside
}

func newPathFixture(t *testing.T) pathFixture {
	base, err := filepath.EvalSymlinks(t.TempDir())
	require.NoError(t, err)
	f := pathFixture{base: base, work: filepath.Join(base, "work"), allowed: filepath.Join(base, "allowed"),
		renders: filepath.Join(base, "renders"), outside: filepath.Join(base, "outside")}
	for _, d := range []string{f.work, f.allowed, f.outside, filepath.Join(f.outside, "sub")} {
		require.NoError(t, os.MkdirAll(d, 0o755))
	}
	write := func(name, data string) {
		require.NoError(t, os.WriteFile(filepath.Join(f.outside, name), []byte(data), 0o644))
	}
	write("victim.txt", "0 0 0 FF0000\n1 0 0 00FF00\n")
	for _, ext := range []string{".gox", ".obj", ".glb", ".png", ".vox"} {
		write("victim"+ext, "precious "+ext)
	}
	f.fakeRender = filepath.Join(f.outside, "render_1700000000_abc_0123456789abcdef.png")
	write(filepath.Base(f.fakeRender), "\x89PNG\r\n\x1a\nnot really")
	// A symlinked directory and a symlink at the target name, in the
	// working directory and in the --allow-dir directory.
	for _, root := range []string{f.work, f.allowed} {
		require.NoError(t, os.Symlink(f.outside, filepath.Join(root, "link-out")))
		for _, ext := range []string{".gox", ".txt", ".obj", ".glb", ".png", ".vox"} {
			require.NoError(t, os.Symlink(filepath.Join(f.outside, "victim"+ext), filepath.Join(root, "evil"+ext)))
		}
		require.NoError(t, os.Symlink(filepath.Join(f.outside, "made-by-dangling-link.gox"), filepath.Join(root, "dangling.gox")))
	}
	return f
}

// attacks are path arguments that must all be refused for a file with
// extension ext, relative to a server whose working directory is f.work.
func (f pathFixture) attacks(ext string) map[string]string {
	return map[string]string{
		"dotdot":                 "../outside/new" + ext,
		"dotdot through missing": "missing/../../outside/new" + ext,
		"dotdot many":            strings.Repeat("../", 40) + strings.TrimPrefix(f.outside, "/") + "/new" + ext,
		"absolute outside":       filepath.Join(f.outside, "new"+ext),
		"absolute via a root":    f.work + "/../outside/new" + ext,
		"render dir escape":      f.renders + "/../outside/new" + ext,
		"absolute system":        "/etc/goxel-mcp-attack" + ext,
		"symlinked dir":          "link-out/new" + ext,
		"symlinked dir abs":      filepath.Join(f.allowed, "link-out", "new"+ext),
		"symlinked dir nested":   "link-out/sub/new" + ext,
		"symlink at target":      "evil" + ext,
		"symlink at target abs":  filepath.Join(f.allowed, "evil"+ext),
		"long element":           strings.Repeat("a", 300) + ext,
		"long path":              strings.Repeat("d/", 2100) + "x" + ext,
		"NUL":                    "new\x00" + ext,
		"NUL then escape":        "new" + ext + "\x00/../../outside/new" + ext,
		"dotdot with NUL":        "../outside/new\x00" + ext,
	}
}

// Every path argument of every tool, attacked over stdio: all refused with
// isError, and nothing outside the allowed roots is created, changed or
// removed; nothing is read from outside them either.
func TestPathAttacksOverStdio(t *testing.T) {
	f := newPathFixture(t)
	s := launch(t, f.work, []string{
		"GOXEL_RENDER_DIR=" + f.renders, "GOXEL_STATE_DIR=" + filepath.Join(f.base, "state"), "HOME=" + filepath.Join(f.base, "home"),
	}, "--allow-dir", f.allowed)
	c := s.c
	structured(t, call(t, c, "fill_shape", map[string]any{"shape": "box", "from": []int{0, 0, 0}, "to": []int{3, 3, 3}, "color": "#3080FF"}))

	// Controls: the same tools work inside the roots, so refusals below are
	// the path checks and not broken tools.
	structured(t, call(t, c, "save_project", map[string]any{"path": "ok.gox"}))
	structured(t, call(t, c, "export_model", map[string]any{"path": filepath.Join(f.allowed, "ok.obj")}))
	structured(t, call(t, c, "render_scene", map[string]any{"width": 32, "height": 32, "output_path": "ok.png"}))
	structured(t, call(t, c, "render_scene", map[string]any{"width": 32, "height": 32, "options": map[string]any{"output_dir": f.allowed, "return_mode": "file_path"}}))
	managed := structured(t, call(t, c, "render_scene", map[string]any{"width": 32, "height": 32, "options": map[string]any{"return_mode": "file_path"}}))["file"].(map[string]any)
	structured(t, call(t, c, "get_render_info", map[string]any{"path": managed["path"]}))
	structured(t, call(t, c, "get_render_info", map[string]any{"uri": managed["uri"]}))

	// A render-named symlink planted in the render directory, pointing outside.
	f.linkedID = fmt.Sprintf("render_%d_evil_00112233aabbccdd", time.Now().Unix())
	linked := filepath.Join(f.renders, f.linkedID+".png")
	require.NoError(t, os.Symlink(f.fakeRender, linked))

	before := snapshot(t, f.outside)
	top, err := os.ReadDir(f.base)
	require.NoError(t, err)

	refused := func(t *testing.T, tool string, args map[string]any) {
		t.Helper()
		res := call(t, c, tool, args)
		assert.True(t, res.IsError, "%s %v was accepted: %s", tool, args, textOf(res))
	}
	for _, w := range []struct{ tool, ext string }{
		{"save_project", ".gox"}, {"save_project", ".txt"}, {"save_project", ".vox"},
		{"export_model", ".obj"}, {"export_model", ".glb"},
		{"render_scene", ".png"},
	} {
		for name, p := range f.attacks(w.ext) {
			t.Run(w.tool+"/"+w.ext+"/"+name, func(t *testing.T) {
				key := "path"
				if w.tool == "render_scene" {
					key = "output_path"
				}
				refused(t, w.tool, map[string]any{key: p, "width": 32, "height": 32})
			})
		}
		t.Run(w.tool+"/"+w.ext+"/dangling symlink", func(t *testing.T) {
			if w.ext != ".gox" {
				t.Skip("one dangling link is enough")
			}
			refused(t, w.tool, map[string]any{"path": "dangling.gox"})
		})
	}
	for name, p := range f.attacks(".txt") {
		t.Run("open_project/"+name, func(t *testing.T) {
			refused(t, "open_project", map[string]any{"path": strings.Replace(p, "new", "victim", 1), "force": true})
		})
	}
	for name, p := range f.attacks("") {
		t.Run("render_scene/options.output_dir/"+name, func(t *testing.T) {
			refused(t, "render_scene", map[string]any{"width": 32, "height": 32, "options": map[string]any{"output_dir": p}})
		})
		t.Run("render_scene/output_dir/"+name, func(t *testing.T) {
			refused(t, "render_scene", map[string]any{"width": 32, "height": 32, "output_dir": p, "return_mode": "file_path"})
		})
	}
	refs := map[string]map[string]any{
		"path outside":                    {"path": f.fakeRender},
		"path dotdot":                     {"path": "../outside/" + filepath.Base(f.fakeRender)},
		"path render dir escape":          {"path": f.renders + "/../outside/" + filepath.Base(f.fakeRender)},
		"path symlink in store":           {"path": linked},
		"path NUL":                        {"path": managed["path"].(string) + "\x00"},
		"path not a render":               {"path": filepath.Join(f.outside, "victim.png")},
		"uri symlink in store":            {"uri": "render://" + f.linkedID},
		"uri dotdot":                      {"uri": "render://../outside/" + strings.TrimSuffix(filepath.Base(f.fakeRender), ".png")},
		"uri id then dotdot":              {"uri": managed["uri"].(string) + "/../../outside/victim"},
		"uri absolute":                    {"uri": "render://" + strings.TrimSuffix(f.fakeRender, ".png")},
		"uri file scheme":                 {"uri": "file://" + f.fakeRender},
		"uri NUL":                         {"uri": managed["uri"].(string) + "\x00"},
		"uri long":                        {"uri": "render://render_1_a_" + strings.Repeat("0", 5000)},
		"id symlink in store":             {"id": f.linkedID},
		"id dotdot":                       {"id": "../outside/victim"},
		"id with slash":                   {"id": "render_1700000000_abc_0123456789abcdef/.."},
		"path outside in render dir name": {"path": filepath.Join(f.renders, "..", "outside", filepath.Base(f.fakeRender))},
	}
	for name, args := range refs {
		for _, tool := range []string{"get_render_info", "cleanup_render"} {
			t.Run(tool+"/"+name, func(t *testing.T) { refused(t, tool, args) })
		}
	}

	// The scene is the one built above: no attack opened anything.
	assert.EqualValues(t, 64, structured(t, call(t, c, "get_status", nil))["voxels"])
	// list_renders does not list the planted symlink.
	list := structured(t, call(t, c, "list_renders", nil))
	for _, r := range list["renders"].([]any) {
		assert.NotContains(t, fmt.Sprint(r), f.linkedID)
	}
	// The control render can still be removed by its own uri.
	structured(t, call(t, c, "cleanup_render", map[string]any{"uri": managed["uri"]}))
	require.NoError(t, s.close(), "stderr: %s", s.stderr.String())

	assert.Empty(t, diffSnapshots(before, snapshot(t, f.outside)), "files outside the roots changed")
	after, err := os.ReadDir(f.base)
	require.NoError(t, err)
	assert.Equal(t, names(top), names(after), "nothing was created beside the roots")
	fi, err := os.Lstat(linked)
	require.NoError(t, err, "the planted symlink is still there: the store never removes a name it did not create")
	assert.NotZero(t, fi.Mode()&os.ModeSymlink)
	for _, ext := range []string{".gox", ".txt", ".vox", ".obj", ".glb", ".png", ""} {
		_, err := os.Lstat("/etc/goxel-mcp-attack" + ext)
		if !assert.True(t, os.IsNotExist(err), "/etc/goxel-mcp-attack%s was written", ext) {
			_ = os.Remove("/etc/goxel-mcp-attack" + ext) // undo the damage of a failed test
		}
	}
	// No temp file of a refused write is left in any root.
	for _, root := range []string{f.work, f.allowed, f.renders} {
		des, err := os.ReadDir(root)
		require.NoError(t, err)
		for _, de := range des {
			assert.False(t, strings.HasPrefix(de.Name(), ".tmp-"), "temp file left in %s: %s", root, de.Name())
		}
	}
}

func names(des []os.DirEntry) []string {
	out := make([]string, len(des))
	for i, de := range des {
		out[i] = de.Name()
	}
	return out
}

// A FIFO or device inside the roots is refused at once: opening one for
// reading must not block the call (a FIFO blocks until a writer appears).
func TestOpenRefusesSpecialFiles(t *testing.T) {
	work := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(work, "pipe.vox"), 0o600))
	s := launch(t, work, env(t))
	for _, p := range []string{"pipe.vox", "/dev/zero.vox"} {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		res, err := callCtx(ctx, s.c, "open_project", map[string]any{"path": p})
		cancel()
		if err != nil && p == "pipe.vox" {
			s.kill(t) // closing stdin or SIGTERM does not end it either: the blocked open holds shutdown (measured: SIGKILL after 5 s)
			t.Fatalf("open_project on a FIFO inside the roots did not answer within 3 s (%v): internal/roots/roots.go Roots.Open calls os.Open before checking the file is regular; open with O_NONBLOCK or Stat first", err)
		}
		require.NoError(t, err)
		assert.True(t, res.IsError, "%s: %s", p, textOf(res))
	}
	require.NoError(t, s.close())
}
