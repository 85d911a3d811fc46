package e2e

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// run runs the binary with args and returns stdout, stderr and the exit code.
func run(t *testing.T, environ []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), environ...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return out.String(), errb.String(), code
}

// sampleModel returns a path in ../shared/models, skipping when absent.
func sampleModel(t *testing.T, rel string) string {
	p := filepath.Join("..", "..", "shared", "models", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("sample model %s not found (the shared/ folder beside the checkout): %v", rel, err)
	}
	return p
}

func TestCLIRenderConvertAndRenders(t *testing.T) {
	environ := env(t)
	dir := t.TempDir()
	knight := sampleModel(t, "magicavoxel/chr_knight.vox")

	out := filepath.Join(dir, "knight.png")
	stdout, stderr, code := run(t, environ, "render", knight, "-o", out, "--views", "front,right,top,isometric", "--width", "640", "--height", "480")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "398 voxels")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(b))
	require.NoError(t, err)
	assert.Equal(t, 640, img.Bounds().Dx())

	gox := filepath.Join(dir, "knight.gox")
	_, stderr, code = run(t, environ, "convert", knight, gox)
	require.Equal(t, 0, code, stderr)
	stdout, stderr, code = run(t, environ, "convert", gox, filepath.Join(dir, "knight.txt"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "398 voxels")

	_, stderr, code = run(t, environ, "render", filepath.Join(dir, "missing.vox"), "-o", out)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "missing.vox")
	_, _, code = run(t, environ, "render", knight)
	assert.Equal(t, 2, code, "a missing -o is a usage error")

	stdout, stderr, code = run(t, environ, "renders", "ls")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "0 renders")
	_, _, code = run(t, environ, "renders", "info", "render_1_abc_00")
	assert.Equal(t, 1, code)
	_, stderr, code = run(t, environ, "renders", "gc")
	assert.Equal(t, 0, code, stderr)

	stdout, _, code = run(t, environ, "version")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(stdout, "goxel-mcp "))
	for _, sub := range []string{"serve", "render", "convert", "renders", "version"} {
		_, stderr, code = run(t, environ, sub, "--help")
		assert.Equal(t, 0, code, sub)
		assert.Contains(t, stderr, "Usage", sub)
	}
	_, stderr, code = run(t, environ, "frobnicate")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "unknown command")
}

func TestConfigErrorsAreClear(t *testing.T) {
	_, stderr, code := run(t, env(t, "GOXEL_RENDER_TTL=soon"), "serve")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "GOXEL_RENDER_TTL")
	_, stderr, code = run(t, env(t), "serve", "--max-files", "-3")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--max-files")
	// the predecessor's daemon.conf layout is read
	conf := filepath.Join(t.TempDir(), "daemon.conf")
	require.NoError(t, os.WriteFile(conf, []byte("[render]\noutput_dir = relative/dir\nttl_seconds = nope\n"), 0o600))
	_, stderr, code = run(t, env(t), "serve", "--config", conf)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "daemon.conf:3")
}

// TestCPUProfile checks --cpuprofile: a session that ends on EOF leaves a gzipped pprof profile,
// private to the user; an unwritable path is refused before serving.
func TestCPUProfile(t *testing.T) {
	prof := filepath.Join(t.TempDir(), "cpu.pprof")
	_, stderr, code := run(t, env(t), "serve", "--cpuprofile", prof)
	require.Equal(t, 0, code, stderr)
	b, err := os.ReadFile(prof)
	require.NoError(t, err)
	require.Greater(t, len(b), 2)
	assert.Equal(t, []byte{0x1f, 0x8b}, b[:2], "pprof profiles are gzipped")
	fi, err := os.Stat(prof)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	_, stderr, code = run(t, env(t), "serve", "--cpuprofile", filepath.Join(t.TempDir(), "missing", "cpu.pprof"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "CPU profile")
}

// TestCLIVersion: --version, -v and the version command print the same
// version the server reports in serverInfo, from build info when no ldflags
// set it (never empty).
func TestCLIVersion(t *testing.T) {
	environ := env(t)
	var printed []string
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		stdout, stderr, code := run(t, environ, args...)
		require.Equal(t, 0, code, "%v: %s", args, stderr)
		require.True(t, strings.HasPrefix(stdout, "goxel-mcp "), stdout)
		printed = append(printed, strings.TrimSpace(strings.TrimPrefix(stdout, "goxel-mcp ")))
	}
	assert.Equal(t, printed[0], printed[1])
	assert.Equal(t, printed[0], printed[2])
	assert.NotEmpty(t, printed[0])

	tr := transport.NewStdio(binary, environ)
	c := client.NewClient(tr)
	require.NoError(t, c.Start(context.Background()))
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.InitializeRequest{}
	req.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	req.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "0"}
	res, err := c.Initialize(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, printed[0], res.ServerInfo.Version, "serverInfo.version is the CLI's version")
}

// TestCLIUsageAndRuntimeErrors: usage errors exit 2 with the problem in the
// first line; runtime errors exit 1 and name the user's path.
func TestCLIUsageAndRuntimeErrors(t *testing.T) {
	environ := env(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "m.txt")
	require.NoError(t, os.WriteFile(model, []byte("0 0 0 ff0000\n1 0 0 00ff00\n"), 0o644))
	for _, tc := range []struct {
		args  []string
		first string
	}{
		{[]string{"render", model}, "goxel-mcp render: -o OUT.png is required"},
		{[]string{"render", model, "-o", filepath.Join(dir, "x.jpg")}, "goxel-mcp render: -o must name a .png file"},
		{[]string{"render", model, "-o", filepath.Join(dir, "x.png"), "--width", "0"}, "goxel-mcp render: --width must be from 1 to 8192, got 0"},
		{[]string{"render", model, "-o", filepath.Join(dir, "x.png"), "--yaw", "10"}, "goxel-mcp render: --yaw and --pitch take effect only with --view custom"},
		{[]string{"render", filepath.Join(dir, "m.ply"), "-o", filepath.Join(dir, "x.png")}, "readable formats are .gox, .qb, .txt, .vox"},
	} {
		_, stderr, code := run(t, environ, tc.args...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		first, _, _ := strings.Cut(stderr, "\n")
		assert.Contains(t, first, tc.first)
		assert.Contains(t, stderr, "Usage: goxel-mcp render")
	}
	_, err := os.Stat(filepath.Join(dir, "x.jpg"))
	assert.True(t, os.IsNotExist(err), "no file is written for a refused -o")

	out := filepath.Join(dir, "missing-dir", "x.png")
	_, stderr, code := run(t, environ, "render", model, "-o", out)
	assert.Equal(t, 1, code)
	assert.Equal(t, "goxel-mcp render: failed to write "+out+": no such file or directory\n", stderr)

	stdout, stderr, code := run(t, environ, "render", model, "-o", filepath.Join(dir, "ok.png"), "--view", "custom", "--yaw", "30", "--pitch", "20")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "2 voxels drawn")
}

// TestReadmeOutputsIgnored: the files the README's commands write in the
// repository root (the sample render's -o) are ignored by git, so a
// newcomer's first render does not show up as a change.
func TestReadmeOutputsIgnored(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("git is not on PATH")
	}
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	require.NoError(t, err)
	var outputs []string
	fields := strings.Fields(string(readme))
	for i, f := range fields {
		if (f == "-o" || f == "--cpuprofile") && i+1 < len(fields) && !strings.ContainsAny(fields[i+1], "/$`") {
			outputs = append(outputs, fields[i+1])
		}
	}
	require.Contains(t, outputs, "knight.png", "the README's sample render")
	for _, out := range outputs {
		if out == "goxel-mcp" || strings.HasPrefix(out, "OUT") || strings.ToUpper(out) == out {
			continue // the binary (ignored separately) and placeholders
		}
		cmd := exec.Command(git, "check-ignore", "-q", out)
		cmd.Dir = ".."
		assert.NoError(t, cmd.Run(), "%s, written by a README command, is not in .gitignore", out)
	}
}

// TestCLICountsWithHiddenLayers: a scene saved by the server with a hidden
// layer renders and converts with counts of what is drawn and written.
func TestCLICountsWithHiddenLayers(t *testing.T) {
	environ := env(t)
	dir := t.TempDir()
	c := start(t, mcp.LATEST_PROTOCOL_VERSION, environ, "--allow-dir", dir)
	require.False(t, call(t, c, "fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{9, 9, 9}, "color": "#FF8000"}).IsError)
	require.False(t, call(t, c, "create_layer", map[string]any{"name": "ghost"}).IsError)
	require.False(t, call(t, c, "fill_shape", map[string]any{"shape": "box", "from": []any{20, 0, 0}, "to": []any{21, 9, 9}, "color": "#0080FF"}).IsError)
	require.False(t, call(t, c, "set_layer_visibility", map[string]any{"id": 2, "visible": false}).IsError)
	model := filepath.Join(dir, "scene.gox")
	saved := call(t, c, "save_project", map[string]any{"path": model})
	require.False(t, saved.IsError)
	assert.Contains(t, saved.Content[0].(mcp.TextContent).Text, "Saved 1,200 voxels in 2 layers as Goxel to ")
	assert.Contains(t, saved.Content[0].(mcp.TextContent).Text, "(200 of them on 1 hidden layer, kept hidden)")

	out := filepath.Join(dir, "scene.png")
	stdout, stderr, code := run(t, environ, "render", model, "-o", out)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, model+": 1,000 voxels drawn; 200 more on 1 hidden layer; written to "+out+" (800×600)\n", stdout)

	txt := filepath.Join(dir, "scene.txt")
	stdout, stderr, code = run(t, environ, "convert", model, txt)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Wrote 1,000 voxels as Goxel text to "+txt+" (the visible layers merged into one); 200 more on 1 hidden layer not written")
	b, err := os.ReadFile(txt)
	require.NoError(t, err)
	lines := 0
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			lines++
		}
	}
	assert.Equal(t, 1000, lines, "the .txt holds what convert printed")
}
