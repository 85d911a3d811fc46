package analyze

import (
	"image/color"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// benchScenes are 1,000,000-voxel models: a solid cube of one colour (few
// runs), the same cube in eight colours scattered voxel by voxel (about a
// run per voxel: the worst case for runs), a castle-like shell with
// towers, windows and a floating roof (many parts of rows, gaps, cavities),
// and a 3-D checkerboard (a million one-voxel parts).
func benchScenes() map[string]*voxel.Scene {
	out := map[string]*voxel.Scene{}
	cube := voxel.New()
	fill(cube, box(0, 0, 0, 99, 99, 99), red)
	out["cube"] = cube

	noisy := voxel.New()
	pal := []color.NRGBA{red, green, blue, {255, 255, 0, 255}, {0, 255, 255, 255}, {255, 0, 255, 255}, {90, 90, 90, 255}, {200, 120, 40, 255}}
	for z := range 100 {
		for y := range 100 {
			for x := range 100 {
				h := uint32(x*73856093 ^ y*19349663 ^ z*83492791)
				noisy.Set(1, voxel.Pos{X: x, Y: y, Z: z}, pal[h%8])
			}
		}
	}
	out["noisy"] = noisy

	keep := voxel.New()
	fill(keep, box(0, 0, 0, 199, 199, 9), green) // 400,000
	for z := 10; z < 50; z++ {                   // hollow walls with windows: ~7,000 a level
		for i := range 200 {
			for w := range 10 {
				window := z%10 > 6 && i%20 < 3
				if window {
					continue
				}
				keep.Set(1, voxel.Pos{X: i, Y: w, Z: z}, red)
				keep.Set(1, voxel.Pos{X: i, Y: 199 - w, Z: z}, red)
				keep.Set(1, voxel.Pos{X: w, Y: i, Z: z}, red)
				keep.Set(1, voxel.Pos{X: 199 - w, Y: i, Z: z}, red)
			}
		}
	}
	fill(keep, box(10, 10, 60, 189, 189, 66), blue) // a floating roof, 226,800
	out["keep"] = keep

	// Every other voxel of a 126³ box: 1,000,188 voxels that share no
	// face, so each is its own 6-connected part.
	checker := voxel.New()
	for z := range 126 {
		for y := range 126 {
			for x := range 126 {
				if (x+y+z)%2 == 0 {
					checker.Set(1, voxel.Pos{X: x, Y: y, Z: z}, pal[(x/2)%8])
				}
			}
		}
	}
	out["checker"] = checker
	return out
}

func BenchmarkCheck(b *testing.B) {
	for name, s := range benchScenes() {
		blocks := s.Snapshot().Blocks()
		b.Run(name, func(b *testing.B) {
			n := 0
			// CPU time says what the work costs on a machine shared with
			// other jobs, where wall time mostly says how busy it was.
			start := cpuTime()
			for b.Loop() {
				v := NewVolume(blocks, nil)
				rep := Check(v, Options{PartOptions: PartOptions{Listed: 10}}) // as check_model lists them
				n = rep.Voxels
			}
			if end := cpuTime(); start >= 0 && end >= 0 {
				b.ReportMetric(float64(end-start)/1e6/float64(b.N), "cpu-ms/op")
			}
			b.ReportMetric(float64(n), "voxels")
		})
	}
}
