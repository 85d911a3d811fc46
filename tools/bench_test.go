package tools_test

import (
	"fmt"
	"strings"
	"testing"
)

func referenceData() (string, int) {
	var data strings.Builder
	n := 0
	for x := -20; x <= 20; x++ {
		for y := -20; y <= 20; y++ {
			for z := -20; z <= 20; z++ {
				if x*x+y*y+z*z <= 400 {
					fmt.Fprintf(&data, "%d %d %d 0080FF\n", x, y, z)
					n++
				}
			}
		}
	}
	return data.String(), n
}

// BenchmarkAddVoxelsData measures add_voxels with the compact text form
// through an in-process client (JSON in, result out).
func BenchmarkAddVoxelsData(b *testing.B) {
	h := newHarness(&testing.T{})
	data, n := referenceData()
	for b.Loop() {
		h.ok("add_voxels", map[string]any{"data": data})
		h.ok("create_project", map[string]any{"force": true})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/voxel")
}

// BenchmarkAddVoxelsMillion adds 1,000,000 voxels in one add_voxels call
// through the MCP layer (JSON in, result out), in both input forms.
func BenchmarkAddVoxelsMillion(b *testing.B) {
	const n = 1_000_000
	list := make([]any, 0, n)
	var data strings.Builder
	for i := range n {
		x, y, z := i%100, (i/100)%100, i/10000
		list = append(list, []any{x, y, z, "#336699"})
		fmt.Fprintf(&data, "%d %d %d 336699\n", x, y, z)
	}
	for _, form := range []struct {
		name string
		args map[string]any
	}{
		{"json_array", map[string]any{"voxels": list}},
		{"data_text", map[string]any{"data": data.String()}},
	} {
		b.Run(form.name, func(b *testing.B) {
			h := newHarness(&testing.T{})
			for b.Loop() {
				h.ok("add_voxels", form.args)
				h.ok("create_project", map[string]any{"force": true})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/voxel")
		})
	}
}

// BenchmarkFillShapeBox256 fills a 256³ box (16.8 M voxels) in one call.
func BenchmarkFillShapeBox256(b *testing.B) {
	h := newHarness(&testing.T{})
	for b.Loop() {
		h.ok("fill_shape", map[string]any{"shape": "box", "from": []any{0, 0, 0}, "to": []any{255, 255, 255}, "color": "#808080"})
		h.ok("create_project", map[string]any{"force": true})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(256*256*256), "ns/voxel")
}

// BenchmarkRenderScene measures render_scene of the reference scene at 400×400 through an in-process
// client: the render, the PNG, publishing the managed file and building the answer. Every request
// takes a new background so the render cache never answers.
func BenchmarkRenderScene(b *testing.B) {
	for _, mode := range []string{"file_path", "base64", "auto"} {
		b.Run(mode, func(b *testing.B) {
			h := newRenderHarness(&testing.T{})
			h.build()
			i := 0
			for b.Loop() {
				i++
				h.ok("render_scene", map[string]any{"width": 400, "height": 400,
					"background": fmt.Sprintf("#%02X%02XE8", 0xC0+i%64, 0xC0+(i/64)%64), "options": map[string]any{"return_mode": mode}})
			}
		})
	}
}
