package e2e

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
