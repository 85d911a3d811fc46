package tools_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/tools"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/formats"
)

// hiddenScene opens a sample with hidden layers (MagicaVoxel's horse: one
// visible frame of four) into the harness's project and returns what is
// visible and what is hidden.
func hiddenScene(t *testing.T, h *renderHarness) (drawn, hidden, hiddenLayers int, s *voxel.Scene) {
	t.Helper()
	s, err := formats.DecodeFile(testmodels.Path(t, "magicavoxel/horse.vox"), formats.DefaultLimits)
	require.NoError(t, err)
	hidden, hiddenLayers = tools.Hidden(s)
	require.Positive(t, hidden, "the sample has hidden layers")
	drawn = s.Snapshot().Count()
	h.project.Replace(s, "")
	return drawn, hidden, hiddenLayers, s
}

func TestHonestCountsRender(t *testing.T) {
	h := newRenderHarness(t)
	drawn, hidden, layers, _ := hiddenScene(t, h)
	require.Equal(t, 808, drawn)
	require.Equal(t, 2448, hidden)
	require.Equal(t, 3, layers)

	res := h.call("render_scene", map[string]any{"width": 200, "height": 150, "options": map[string]any{"return_mode": "file_path"}})
	require.False(t, res.IsError, text(res))
	assert.Contains(t, text(res), "808 voxels drawn; 2,448 more on 3 hidden layers (not shown)")
	r := structuredOf(t, res)["render"].(map[string]any)
	assert.Equal(t, drawn, num(t, r, "voxels"))
	assert.Equal(t, hidden, num(t, r, "hidden_voxels"))
	assert.Equal(t, layers, num(t, r, "hidden_layers"))

	// The contact sheet's caption names the hidden voxels: the same drawn
	// scene without its hidden layers differs in the caption strip only.
	sheet := func() string {
		res := h.call("render_scene", map[string]any{"width": 400, "height": 300, "views": []any{"front", "top"},
			"options": map[string]any{"return_mode": "file_path"}})
		require.False(t, res.IsError, text(res))
		return structuredOf(t, res)["file"].(map[string]any)["path"].(string)
	}
	with := sheet()
	for _, l := range h.ok("list_layers", nil)["layers"].([]any) {
		if m := l.(map[string]any); m["visible"] == false {
			h.ok("delete_layer", map[string]any{"id": m["id"]})
		}
	}
	without := sheet()
	a, b := decodePNG(t, with), decodePNG(t, without)
	require.Equal(t, a.Bounds(), b.Bounds())
	minY := a.Bounds().Dy()
	for y := range a.Bounds().Dy() {
		for x := range a.Bounds().Dx() {
			if a.At(x, y) != b.At(x, y) {
				minY = min(minY, y)
			}
		}
	}
	require.Less(t, minY, a.Bounds().Dy(), "the captions differ")
	assert.Greater(t, minY, a.Bounds().Dy()*8/10, "only the caption strip at the bottom differs (first differing row %d)", minY)
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	return img
}

// TestHonestCountsSaveExport: every count save_project and export_model
// report is what the file holds, read back from it.
func TestHonestCountsSaveExport(t *testing.T) {
	h := newRenderHarness(t)
	drawn, hidden, layers, s := hiddenScene(t, h)
	all := s.Count()
	for _, tc := range []struct {
		tool, ext  string
		voxels     int
		hiddenKept bool
		wantInText string
	}{
		{"save_project", ".txt", drawn, false, "Saved 808 voxels as Goxel text to "},
		{"save_project", ".gox", all, true, "Saved 3,256 voxels in 4 layers as Goxel to "},
		{"save_project", ".vox", all, true, "(2,448 of them on 3 hidden layers, kept hidden)"},
		{"export_model", ".txt", drawn, false, "; 2,448 more on 3 hidden layers not written: .gox or .vox keep every layer."},
		{"export_model", ".vox", all, true, "Exported 3,256 voxels in 4 layers as MagicaVoxel"},
		{"export_model", ".obj", drawn, false, "Exported 808 voxels as Wavefront OBJ"},
		{"export_model", ".glb", drawn, false, "2,448 more on 3 hidden layers not written"},
	} {
		t.Run(tc.tool+tc.ext, func(t *testing.T) {
			path := filepath.Join(h.allowed, "horse-"+tc.tool+tc.ext)
			res := h.call(tc.tool, map[string]any{"path": path})
			require.False(t, res.IsError, text(res))
			assert.Contains(t, text(res), tc.wantInText)
			out := structuredOf(t, res)
			assert.Equal(t, tc.voxels, num(t, out, "voxels"))
			assert.Equal(t, hidden, num(t, out, "hidden_voxels"))
			assert.Equal(t, layers, num(t, out, "hidden_layers"))
			assert.Equal(t, tc.hiddenKept, out["hidden_written"])
			if codec, _ := formats.ForExt(tc.ext); codec.CanRead() {
				back, err := formats.DecodeFile(path, formats.DefaultLimits)
				require.NoError(t, err)
				assert.Equal(t, num(t, out, "voxels"), back.Count(), "the file holds what the result says")
				assert.Equal(t, num(t, out, "layers"), len(back.Layers()))
				backHidden, _ := tools.Hidden(back)
				if tc.hiddenKept {
					assert.Equal(t, hidden, backHidden)
				} else {
					assert.Zero(t, backHidden)
				}
			}
		})
	}
}

// TestHonestCountsSamples: for sample models with hidden layers or layers
// that overlap (an animated .vox, Goxel's knight of 19 layers), the counts
// render_scene, save_project and export_model report are what was drawn or
// what the written file holds.
func TestHonestCountsSamples(t *testing.T) {
	for _, name := range []string{"vengi/animation.0.99.7.1.vox", "vengi/chr_knight.gox", "magicavoxel/horse.vox"} {
		t.Run(name, func(t *testing.T) {
			s, err := formats.DecodeFile(testmodels.Path(t, name), formats.DefaultLimits)
			require.NoError(t, err)
			h := newRenderHarness(t)
			h.project.Replace(s, "")
			drawn := s.Snapshot().Count()
			hidden, hiddenLayers := tools.Hidden(s)

			res := h.call("render_scene", map[string]any{"width": 160, "height": 120, "options": map[string]any{"return_mode": "file_path"}})
			require.False(t, res.IsError, text(res))
			assert.Contains(t, text(res), tools.DrawnSummary(drawn, hidden, hiddenLayers))
			r := structuredOf(t, res)["render"].(map[string]any)
			assert.Equal(t, drawn, num(t, r, "voxels"))
			assert.Equal(t, hidden, num(t, r, "hidden_voxels"))

			for _, ext := range []string{".txt", ".gox", ".vox"} {
				for _, tool := range []string{"export_model", "save_project"} {
					path := filepath.Join(h.allowed, tool+ext)
					out := h.ok(tool, map[string]any{"path": path})
					back, err := formats.DecodeFile(path, formats.DefaultLimits)
					require.NoError(t, err)
					assert.Equal(t, back.Count(), num(t, out, "voxels"), "%s %s: the file holds what the result says", tool, ext)
					assert.Equal(t, len(back.Layers()), num(t, out, "layers"), "%s %s", tool, ext)
				}
			}
		})
	}
}
