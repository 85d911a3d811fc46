package autosave

import (
	"image/color"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// BenchmarkSaveReferenceScene saves the reference scene (a filled 16³ cube
// and a filled sphere of radius 20) into an empty state directory, then an
// empty scene, as one build-and-reset cycle does.
func BenchmarkSaveReferenceScene(b *testing.B) {
	s := voxel.New()
	_ = voxel.Shape{Kind: voxel.ShapeSphere, Radii: [3]int{20, 20, 20}}.Each(func(p voxel.Pos) bool {
		s.Set(1, p, color.NRGBA{48, 128, 255, 255})
		return true
	})
	s.FillBox(1, voxel.Box{Min: voxel.Pos{X: 30, Y: -8, Z: -8}, Max: voxel.Pos{X: 45, Y: 7, Z: 7}}, color.NRGBA{255, 128, 0, 255})
	empty := voxel.New()
	sv, err := Open(b.TempDir(), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer sv.Close()
	for b.Loop() {
		if err := sv.Save(s.Freeze(), Meta{Current: 1}); err != nil {
			b.Fatal(err)
		}
		if err := sv.Save(empty.Freeze(), Meta{Current: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
