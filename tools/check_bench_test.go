package tools_test

import "testing"

// BenchmarkCheckModelMillion runs check_model on a 1,000,000-voxel scene
// (a 100³ box with a floating slab above it) through an in-process client:
// the snapshot, every analysis and the answer.
func BenchmarkCheckModelMillion(b *testing.B) {
	h := newHarness(&testing.T{})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{99, 99, 99}, "color": "#808080"})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{10, 10, 110}, "to": []any{19, 19, 111}, "color": "#FF0000"})
	for b.Loop() {
		h.ok("check_model", map[string]any{})
	}
}

// BenchmarkRegionRuns lists a 10,000-voxel box in runs form.
func BenchmarkRegionRuns(b *testing.B) {
	h := newHarness(&testing.T{})
	h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{49, 19, 9}, "color": "#808080"})
	for b.Loop() {
		h.ok("get_voxels_region", map[string]any{"from": []any{0, 0, 0}, "to": []any{49, 19, 9}, "format": "runs"})
	}
}

// BenchmarkRenderHighlight renders a 1,000,000-voxel scene at 400×400 with
// highlight "changes" after a small edit: the derived scene (every visible
// voxel copied, the changes tinted) costs on top of a plain render.
func BenchmarkRenderHighlight(b *testing.B) {
	for _, hl := range []string{"none", "changes"} {
		b.Run(hl, func(b *testing.B) {
			h := newRenderHarness(&testing.T{})
			h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{99, 99, 99}, "color": "#808080"})
			h.ok("render_scene", map[string]any{"width": 64, "height": 64, "options": map[string]any{"return_mode": "file_path"}})
			i := 0
			for b.Loop() {
				i++
				h.ok("add_voxels", map[string]any{"voxels": []any{[]any{i % 100, -1, 0}}, "color": "#FF0000"})
				h.ok("render_scene", map[string]any{"width": 400, "height": 400, "highlight": hl, "options": map[string]any{"return_mode": "file_path"}})
			}
		})
	}
}
