package renderer

import (
	"context"
	"fmt"
	"image"
	"io"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/internal/pngx"
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// countingWriter counts bytes written, standing in for a file.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countingWriter)(nil)

var benchSizes = []struct{ w, h int }{{400, 400}, {1920, 1080}, {3840, 2160}}

// benchScene renders snap at each size with the default look: render only, encode only, and both (the
// total hands each frame back with Release, as the server does).
func benchScene(b *testing.B, name string, snap *voxel.Snapshot, sizes []struct{ w, h int }) {
	r := NewRenderer()
	ctx := context.Background()
	for _, s := range sizes {
		opt := DefaultOptions()
		opt.Width, opt.Height = s.w, s.h
		if _, err := r.Render(ctx, snap, opt); err != nil { // warm the model cache
			b.Fatal(err)
		}
		tag := fmt.Sprintf("%s/%dx%d", name, s.w, s.h)
		b.Run(tag+"/render", func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				if _, err := r.Render(ctx, snap, opt); err != nil {
					b.Fatal(err)
				}
			}
		})
		img, _ := r.Render(ctx, snap, opt)
		b.Run(tag+"/encode", func(b *testing.B) {
			defer reportCPU(b)()
			var cw countingWriter
			for b.Loop() {
				cw.n = 0
				if err := pngx.Encode(&cw, img, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cw.n), "png-bytes")
		})
		b.Run(tag+"/total", func(b *testing.B) {
			defer reportCPU(b)()
			var cw countingWriter
			var out *image.NRGBA
			for b.Loop() {
				cw.n = 0
				var err error
				if out, err = r.Render(ctx, snap, opt); err != nil {
					b.Fatal(err)
				}
				if err := pngx.Encode(&cw, out, nil); err != nil {
					b.Fatal(err)
				}
				Release(out) // as the server does
			}
			b.ReportMetric(float64(cw.n), "png-bytes")
		})
	}
}

// reportCPU reports the process CPU time per operation (all cores), which other processes on a busy
// machine disturb less than wall time. Call as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if end := cpuTime(); start >= 0 && end >= 0 && b.N > 0 {
			b.ReportMetric(float64(end-start)/1e6/float64(b.N), "cpu-ms/op")
		}
	}
}

// BenchmarkRender uses the reference scene: a filled sphere of radius 20 at the origin plus a filled
// 16³ cube beside it (x 30..45), 37,497 voxels.
func BenchmarkRender(b *testing.B) {
	benchScene(b, "reference", referenceScene(), benchSizes)
}

// benchScenes are the reference scene and monu1 (skipped without the shared samples).
func benchScenes(b *testing.B) []struct {
	name string
	snap func() *voxel.Snapshot
} {
	return []struct {
		name string
		snap func() *voxel.Snapshot
	}{
		{"reference", referenceScene},
		{"monu1", func() *voxel.Snapshot { return loadModel(b, "magicavoxel/monu1.vox") }},
	}
}

// BenchmarkPrepare measures the model preparation a Renderer caches per scene (exposed faces, AO,
// outline flags, light, shadow map): paid by the first render of a scene only.
func BenchmarkPrepare(b *testing.B) {
	for _, c := range benchScenes(b) {
		snap := c.snap()
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := buildModel(snap); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRenderMonu1 renders MagicaVoxel's monu1.vox (156,942 voxels) at 1080p; it is skipped when
// the shared sample models are absent.
func BenchmarkRenderMonu1(b *testing.B) {
	benchScene(b, "monu1", loadModel(b, "magicavoxel/monu1.vox"), benchSizes[1:2])
}

// BenchmarkSupersample compares render+encode with supersampling off and on at a few sizes.
func BenchmarkSupersample(b *testing.B) {
	snap := referenceScene()
	r := NewRenderer()
	ctx := context.Background()
	for _, s := range []struct{ w, h int }{{256, 256}, {400, 400}, {800, 600}, {1920, 1080}} {
		for _, ss := range []int{1, 2} {
			opt := DefaultOptions()
			opt.Width, opt.Height, opt.Supersample = s.w, s.h, ss
			b.Run(fmt.Sprintf("%dx%d/ss%d", s.w, s.h, ss), func(b *testing.B) {
				defer reportCPU(b)()
				var cw countingWriter
				for b.Loop() {
					cw.n = 0
					img, err := r.Render(ctx, snap, opt)
					if err != nil {
						b.Fatal(err)
					}
					if err := pngx.Encode(&cw, img, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(cw.n), "png-bytes")
			})
		}
	}
}

// BenchmarkRenderMenger renders MagicaVoxel's menger.vox (a Menger sponge, 160,000 voxels whose tunnels
// expose many faces the camera never sees) at 1080p; it is skipped when the shared sample models are
// absent.
func BenchmarkRenderMenger(b *testing.B) {
	benchScene(b, "menger", loadModel(b, "magicavoxel/menger.vox"), benchSizes[1:2])
}

// BenchmarkRenderSheet renders four-view contact sheets (front, right, top, isometric) of the
// reference scene and of monu1 (skipped without the shared samples): the panels' layout, framing,
// labels and gizmos included.
func BenchmarkRenderSheet(b *testing.B) {
	views := []View{presets[0], presets[3], presets[4], presets[6]}
	for _, c := range benchScenes(b) {
		snap := c.snap()
		for _, size := range [][2]int{{800, 600}, {1920, 1080}} {
			b.Run(fmt.Sprintf("%s/%dx%d", c.name, size[0], size[1]), func(b *testing.B) {
				r := NewRenderer()
				opt := DefaultOptions()
				opt.Width, opt.Height, opt.Views = size[0], size[1], views
				for b.Loop() {
					if _, err := r.Render(context.Background(), snap, opt); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
