package tools_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSaveOpenRoundTrip(t *testing.T) {
	for _, ext := range []string{".gox", ".vox", ".txt"} {
		t.Run(ext, func(t *testing.T) {
			h := newRenderHarness(t)
			h.ok("fill_shape", map[string]any{"shape": "sphere", "center": []any{0, 0, 0}, "radius": 5, "color": "#FF0000"})
			l2 := num(t, h.ok("create_layer", map[string]any{"name": "hat"}), "id")
			h.ok("fill_shape", map[string]any{"shape": "cone", "center": []any{0, 0, 6}, "radius": 3, "height": 4, "color": "#00FF00"})
			c := "#12345680"
			if ext == ".txt" {
				c = "#123456" // Goxel's text format has no alpha
			}
			h.ok("add_voxels", map[string]any{"voxels": []any{[]any{-7, -8, -9, c}}, "layer": l2})
			before := h.ok("get_voxels_region", map[string]any{"from": []any{-10, -10, -10}, "to": []any{10, 10, 10}, "limit": 10000})
			path := filepath.Join(h.allowed, "model"+ext)
			r := h.ok("save_project", map[string]any{"path": path})
			assert.EqualValues(t, num(t, before, "total"), num(t, r, "voxels"))
			st := h.ok("get_status", nil)
			assert.Equal(t, false, st["dirty"])
			assert.Contains(t, st["file"], "model"+ext)

			h.ok("create_project", nil) // saved, so no force needed
			assert.Equal(t, 0, num(t, h.ok("get_status", nil), "voxels"))
			h.ok("open_project", map[string]any{"path": path})
			after := h.ok("get_voxels_region", map[string]any{"from": []any{-10, -10, -10}, "to": []any{10, 10, 10}, "limit": 10000})
			assert.ElementsMatch(t, before["voxels"], after["voxels"], "voxels and colours survive the round trip")
			if ext != ".txt" {
				layers := h.ok("list_layers", nil)["layers"].([]any)
				require.Len(t, layers, 2)
				assert.Equal(t, "hat", layers[1].(map[string]any)["name"])
			}
			// save without path goes back to the same file
			h.ok("add_voxels", map[string]any{"voxels": []any{[]any{9, 9, 9, "#FFFFFF"}}})
			assert.Contains(t, h.fail("open_project", map[string]any{"path": path}), "unsaved changes")
			h.ok("save_project", nil)
			h.ok("open_project", map[string]any{"path": path})
			assert.Equal(t, num(t, before, "total")+1, num(t, h.ok("get_status", nil), "voxels"))
		})
	}
}

func TestSaveVoxReportsQuantisation(t *testing.T) {
	h := newRenderHarness(t)
	var list []any
	for i := range 300 {
		list = append(list, []any{i, 0, 0, fmt.Sprintf("#%02X%02X00", i%256, i/256*100)})
	}
	h.ok("add_voxels", map[string]any{"voxels": list})
	r := h.call("save_project", map[string]any{"path": filepath.Join(h.allowed, "many.vox")})
	require.False(t, r.IsError, text(r))
	assert.Contains(t, text(r), "nearest palette colour")
	assert.Greater(t, num(t, structuredOf(t, r), "remapped_colors"), 0)
}

func TestExportModel(t *testing.T) {
	h := newRenderHarness(t)
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{7, 7, 7}, "color": "#FF0000"})
	for _, ext := range []string{".obj", ".ply", ".gltf", ".glb", ".vox", ".gox", ".txt", ".stl", ".qb", ".schem"} {
		path := filepath.Join(h.allowed, "out"+ext)
		st := h.ok("export_model", map[string]any{"path": path})
		if ext == ".schem" {
			assert.Contains(t, st["summary"], "orange_concrete 512 (#FF0000)", "the colour-to-block mapping is in the result")
		}
		fi, err := os.Stat(path)
		require.NoError(t, err, ext)
		assert.Greater(t, fi.Size(), int64(20), ext)
	}
	st := h.ok("get_status", nil)
	assert.Equal(t, true, st["dirty"], "export does not count as saving")
	assert.Contains(t, h.fail("export_model", map[string]any{"path": filepath.Join(h.allowed, "x.png")}), "must end in one of")
	st = h.ok("export_model", map[string]any{"path": filepath.Join(h.allowed, "big.stl"), "scale_mm": "2.5"})
	assert.Contains(t, st["summary"], "2.5 mm per voxel, 20 × 20 × 20 mm")
	assert.Contains(t, h.fail("export_model", map[string]any{"path": filepath.Join(h.allowed, "x.obj"), "scale_mm": 2}), "scale_mm applies to .stl")
	assert.Contains(t, h.fail("export_model", map[string]any{"path": filepath.Join(h.allowed, "x.stl"), "scale_mm": 0}), "scale_mm must be a number")
}

func TestFilePathAttacks(t *testing.T) {
	h := newRenderHarness(t)
	h.ok("add_voxels", map[string]any{"voxels": []any{[]any{0, 0, 0, "#FF0000"}}})
	outside := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(outside, "secret.vox"), []byte("VOX "), 0o600))
	require.NoError(t, os.Symlink(outside, filepath.Join(h.allowed, "link")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "target.gox"), filepath.Join(h.allowed, "planted.gox")))
	bad := []string{
		filepath.Join(h.allowed, "..", "up.gox"),
		filepath.Join(outside, "abs.gox"),
		filepath.Join(h.allowed, "link", "through.gox"),
		filepath.Join(h.allowed, "planted.gox"),
		filepath.Join(h.allowed, "nul\x00.gox"),
		"/etc/passwd.gox",
	}
	for _, p := range bad {
		h.fail("save_project", map[string]any{"path": p})
		h.fail("export_model", map[string]any{"path": p})
	}
	h.fail("open_project", map[string]any{"path": filepath.Join(outside, "secret.vox"), "force": true})
	h.fail("open_project", map[string]any{"path": filepath.Join(h.allowed, "link", "secret.vox"), "force": true})
	entries, _ := os.ReadDir(outside)
	assert.Len(t, entries, 1, "nothing written outside the roots")
}

func TestOpenBadFiles(t *testing.T) {
	h := newRenderHarness(t)
	junk := filepath.Join(h.allowed, "junk.vox")
	require.NoError(t, os.WriteFile(junk, []byte("this is not a vox file"), 0o600))
	assert.Contains(t, h.fail("open_project", map[string]any{"path": junk}), "failed to open")
	assert.Contains(t, h.fail("open_project", map[string]any{"path": filepath.Join(h.allowed, "model.obj")}), "must end in")
	assert.Contains(t, h.fail("open_project", map[string]any{"path": filepath.Join(h.allowed, "missing.gox")}), "path")
}
