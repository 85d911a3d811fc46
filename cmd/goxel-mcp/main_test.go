package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/storage"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
)

func runCLI(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return out.String(), errb.String(), code
}

func TestVersionFlags(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}, {"-version"}} {
		stdout, stderr, code := runCLI(args...)
		assert.Equal(t, 0, code, "%v: %s", args, stderr)
		assert.Equal(t, "goxel-mcp "+version+"\n", stdout, "%v", args)
	}
	_, stderr, code := runCLI("version", "extra")
	assert.Equal(t, 2, code)
	assert.True(t, strings.HasPrefix(stderr, "goxel-mcp version: unexpected argument \"extra\"\n"), stderr)
}

func TestBuildVersion(t *testing.T) {
	info := func(v string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/goxel-mcp/goxel-mcp", Version: v}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	assert.Equal(t, "v1.2.3", buildVersion(info("v1.2.3"), true), "go install …@v1.2.3")
	assert.Equal(t, "v0.0.0-20261201094400-0123456789ab+dirty", buildVersion(info("v0.0.0-20261201094400-0123456789ab+dirty"), true))
	assert.Equal(t, "0123456789ab-dirty", buildVersion(info("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "true"), true))
	assert.Equal(t, "0123456789ab", buildVersion(info("(devel)", "vcs.revision", "0123456789abcdef0123", "vcs.modified", "false"), true))
	assert.Equal(t, "dev", buildVersion(info("(devel)"), true))
	assert.Equal(t, "dev", buildVersion(nil, false))
	assert.NotEmpty(t, version)
}

// TestUsageErrors: a usage error exits 2 and says what is wrong in its
// first line, before the usage.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.txt")
	require.NoError(t, os.WriteFile(model, []byte("0 0 0 ff0000\n"), 0o644))
	png := filepath.Join(dir, "out.png")
	for _, tc := range []struct {
		args []string
		line string
	}{
		{[]string{"render", model}, "goxel-mcp render: -o OUT.png is required"},
		{[]string{"render", "-o", png}, "goxel-mcp render: give the model to render (" + strings.Join(formats.Readable(), ", ") + ")"},
		{[]string{"render", model, "extra", "-o", png}, "goxel-mcp render: give one model to render, got 2 arguments"},
		{[]string{"render", model, "-o", filepath.Join(dir, "x.jpg")}, `goxel-mcp render: -o must name a .png file (goxel-mcp writes PNG only), got "`},
		{[]string{"render", model, "-o", png, "--width", "0"}, "goxel-mcp render: --width must be from 1 to 8192, got 0"},
		{[]string{"render", model, "-o", png, "--height", "9000"}, "goxel-mcp render: --height must be from 1 to 8192, got 9000"},
		{[]string{"render", model, "-o", png, "--yaw", "30"}, "goxel-mcp render: --yaw and --pitch take effect only with --view custom"},
		{[]string{"render", model, "-o", png, "--view", "top", "--pitch", "30"}, "take effect only with --view custom"},
		{[]string{"render", model, "-o", png, "--view", "top", "--views", "front,top"}, "goxel-mcp render: --view has no effect with --views"},
		{[]string{"render", model, "-o", png, "--view", "sideways"}, `goxel-mcp render: unknown view "sideways"`},
		{[]string{"render", model, "-o", png, "--background", "#12"}, "goxel-mcp render: --background must be"},
		{[]string{"render", filepath.Join(dir, "m.obj"), "-o", png}, `goxel-mcp render: cannot read "` + filepath.Join(dir, "m.obj") + `": readable formats are ` + extList(formats.Readable())},
		{[]string{"convert", model}, "goxel-mcp convert: give an input and an output file, got 1 arguments"},
		{[]string{"convert", filepath.Join(dir, "m.glb"), filepath.Join(dir, "m.vox")}, "goxel-mcp convert: cannot read"},
		{[]string{"convert", model, filepath.Join(dir, "m.png")}, "goxel-mcp convert: cannot write \"" + filepath.Join(dir, "m.png") + "\": writable formats are " + extList(formats.Writable())},
		{[]string{"renders"}, "goxel-mcp renders: give an action: ls, info, rm or gc"},
		{[]string{"renders", "sweep"}, `goxel-mcp renders: unknown action "sweep"`},
		{[]string{"renders", "info"}, "goxel-mcp renders: info takes one render id"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			_, stderr, code := runCLI(tc.args...)
			assert.Equal(t, 2, code, stderr)
			first, rest, _ := strings.Cut(stderr, "\n")
			assert.Contains(t, first, tc.line)
			assert.Contains(t, rest, "Usage: goxel-mcp "+tc.args[0], "the usage follows")
		})
	}
	_, err := os.Stat(filepath.Join(dir, "x.jpg"))
	assert.True(t, os.IsNotExist(err), "nothing written for a refused -o")
}

// TestReadableListsAreTruthful: the usage lists what each command reads and
// writes, from voxel/formats.
func TestReadableListsAreTruthful(t *testing.T) {
	_, stderr, code := runCLI("render", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "Render a model ("+extList(formats.Readable())+")")
	for _, ext := range formats.Writable() {
		if c, _ := formats.ForExt(ext); !c.CanRead() {
			assert.NotContains(t, stderr, ext, "render cannot read %s", ext)
		}
	}
	_, stderr, _ = runCLI("convert", "--help")
	assert.Contains(t, stderr, "Reads "+extList(formats.Readable())+"; writes "+extList(formats.Writable())+".")
}

func TestRuntimeErrorsExit1AndNameTheUserPath(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.txt")
	require.NoError(t, os.WriteFile(model, []byte("0 0 0 ff0000\n"), 0o644))
	missing := filepath.Join(dir, "missing.vox")
	_, stderr, code := runCLI("render", missing, "-o", filepath.Join(dir, "a.png"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, missing)

	// A missing directory: the error names the user's file, not the temporary one.
	out := filepath.Join(dir, "no", "such", "dir", "a.png")
	_, stderr, code = runCLI("render", model, "-o", out)
	assert.Equal(t, 1, code)
	assert.Equal(t, "goxel-mcp render: failed to write "+out+": no such file or directory\n", stderr)
	_, stderr, code = runCLI("convert", model, filepath.Join(dir, "no", "m.vox"))
	assert.Equal(t, 1, code)
	assert.Equal(t, "goxel-mcp convert: failed to write "+filepath.Join(dir, "no", "m.vox")+": no such file or directory\n", stderr)

	locked := filepath.Join(dir, "locked")
	require.NoError(t, os.Mkdir(locked, 0o500))
	if os.Getuid() == 0 {
		t.Skip("root writes into a 0500 directory")
	}
	out = filepath.Join(locked, "a.png")
	_, stderr, code = runCLI("render", model, "-o", out)
	assert.Equal(t, 1, code)
	assert.Equal(t, "goxel-mcp render: failed to write "+out+": permission denied\n", stderr)
	assert.NotContains(t, stderr, ".tmp-")
	_, stderr, code = runCLI("convert", model, filepath.Join(locked, "m.gox"))
	assert.Equal(t, 1, code)
	assert.Equal(t, "goxel-mcp convert: failed to write "+filepath.Join(locked, "m.gox")+": permission denied\n", stderr)
}

// TestCLIHonestCounts: render and convert print what was drawn or written,
// with the hidden layers named apart.
func TestCLIHonestCounts(t *testing.T) {
	horse := testmodels.Path(t, "magicavoxel/horse.vox")
	dir := t.TempDir()
	out := filepath.Join(dir, "horse.png")
	stdout, stderr, code := runCLI("render", horse, "-o", out, "--views", "front,right", "--width", "320", "--height", "240")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, horse+": 808 voxels drawn; 2,448 more on 3 hidden layers; written to "+out+" (320×240)\n", stdout)
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 320, img.Bounds().Dx())

	for _, tc := range []struct {
		ext, want string
		voxels    int
	}{
		{".txt", "Wrote 808 voxels as Goxel text to %s (the visible layers merged into one); 2,448 more on 3 hidden layers not written: .gox or .vox keep every layer.\n", 808},
		{".gox", "Wrote 3,256 voxels in 4 layers as Goxel to %s (2,448 of them on 3 hidden layers, kept hidden).\n", 3256},
	} {
		target := filepath.Join(dir, "horse"+tc.ext)
		stdout, stderr, code := runCLI("convert", horse, target)
		require.Equal(t, 0, code, stderr)
		assert.Equal(t, strings.ReplaceAll(tc.want, "%s", target), stdout)
		back, err := formats.DecodeFile(target, formats.DefaultLimits)
		require.NoError(t, err)
		assert.Equal(t, tc.voxels, back.Count(), "the file holds what convert printed")
	}
}

// TestRendersJSONMatchesTools: renders ls/info/rm --json print what
// list_renders, get_render_info and cleanup_render return: snake_case
// names and Unix times.
func TestRendersJSONMatchesTools(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "renders")
	st, err := storage.Open(storage.Options{Dir: dir, CleanupInterval: -1})
	require.NoError(t, err)
	p, err := st.Create()
	require.NoError(t, err)
	img := newTestImage()
	require.NoError(t, pngx.Encode(p, img, nil))
	rec, err := p.Publish(storage.Meta{})
	require.NoError(t, err)
	require.NoError(t, st.Close())

	stdout, stderr, code := runCLI("renders", "ls", "--json", "--render-dir", dir)
	require.Equal(t, 0, code, stderr)
	var ls struct {
		Count     int              `json:"count"`
		TotalSize int64            `json:"total_size"`
		Directory string           `json:"directory"`
		Renders   []map[string]any `json:"renders"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &ls), stdout)
	assert.Equal(t, 1, ls.Count)
	assert.Equal(t, rec.Size, ls.TotalSize)
	require.Len(t, ls.Renders, 1)
	r := ls.Renders[0]
	want := tools.RenderFile(rec, rec.CreatedAt)
	assert.Equal(t, want.Path, r["path"])
	assert.Equal(t, "render://"+rec.ID, r["uri"])
	assert.EqualValues(t, rec.CreatedAt.Unix(), r["created_at"], "Unix seconds")
	assert.EqualValues(t, rec.ExpiresAt.Unix(), r["expires_at"])
	for _, k := range []string{"path", "uri", "size", "format", "dimensions", "checksum", "created_at", "expires_at", "ttl_remaining", "managed"} {
		assert.Contains(t, r, k)
	}
	assert.NotContains(t, stdout, `"ID"`)

	stdout, _, code = runCLI("renders", "info", rec.ID, "--json", "--render-dir", dir)
	require.Equal(t, 0, code)
	var info struct {
		File map[string]any `json:"file"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &info))
	assert.Equal(t, r["checksum"], info.File["checksum"])

	stdout, _, code = runCLI("renders", "rm", "render://"+rec.ID, "--json", "--render-dir", dir)
	require.Equal(t, 0, code)
	var rm map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &rm))
	assert.Equal(t, rec.Path, rm["removed"])
	assert.Equal(t, "render://"+rec.ID, rm["uri"])
	assert.EqualValues(t, rec.Size, rm["freed_bytes"])
}

func newTestImage() *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	return img
}

// TestConvertSaysWhatTheFormatChanged: convert prints, after what it
// wrote, what export_model's result says the format changed: the
// colour-to-block mapping of a .schem, the solid of an .stl.
func TestConvertSaysWhatTheFormatChanged(t *testing.T) {
	knight := testmodels.Path(t, "magicavoxel/chr_knight.vox")
	dir := t.TempDir()
	target := filepath.Join(dir, "knight.schem")
	stdout, stderr, code := runCLI("convert", knight, target)
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 2, stdout)
	assert.Equal(t, "Wrote 398 voxels as Sponge schematic v3 (Minecraft) to "+target+" (the visible layers merged into one).", lines[0])
	assert.Contains(t, lines[1], "398 blocks placed")
	assert.Regexp(t, `\d+ colours mapped to \d+ block types: \w+ \d+ \(#[0-9A-F]{6}`, lines[1])

	stdout, stderr, code = runCLI("convert", knight, filepath.Join(dir, "knight.stl"))
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "STL: one closed solid of")
}
