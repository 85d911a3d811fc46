package ops_test

import (
	"image/color"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/ops"
)

// region100k fills a scene with a 50×50×40 box of 100,000 voxels in a
// few colours and returns the scene and the box.
func region100k() (*voxel.Scene, voxel.Box) {
	s := voxel.New()
	box := voxel.BoxOf(P(0, 0, 0), P(49, 49, 39))
	s.FillBox(1, box, red)
	for z := 0; z < 40; z += 3 {
		s.FillBox(1, voxel.BoxOf(P(0, 0, z), P(24, 49, z)), color.NRGBA{uint8(z), 100, 200, 255})
	}
	return s, box
}

func benchOp(b *testing.B, op func(s *voxel.Scene, src ops.Region) error) {
	s, box := region100k()
	for b.Loop() {
		s.Begin("op")
		if err := op(s, ops.Region{Layer: 1, Box: box}); err != nil {
			b.Fatal(err)
		}
		s.Rollback()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, "ms/op")
}

// BenchmarkCopyRegion100k copies 100,000 voxels by an offset beside them,
// as one undoable edit (rolled back between iterations).
func BenchmarkCopyRegion100k(b *testing.B) {
	benchOp(b, func(s *voxel.Scene, src ops.Region) error {
		_, _, err := ops.Copy(s, src, 1, P(60, 0, 0))
		return err
	})
}

// BenchmarkMirrorRegion100k mirrors 100,000 voxels with keep_original
// about a plane beside them.
func BenchmarkMirrorRegion100k(b *testing.B) {
	benchOp(b, func(s *voxel.Scene, src ops.Region) error {
		_, _, err := ops.Mirror(s, src, 0, -1, true)
		return err
	})
}

// BenchmarkMirrorInPlace100k flips 100,000 voxels within their own box.
func BenchmarkMirrorInPlace100k(b *testing.B) {
	benchOp(b, func(s *voxel.Scene, src ops.Region) error {
		_, _, err := ops.Mirror(s, src, 0, src.Box.Min.X+src.Box.Max.X, false)
		return err
	})
}

// BenchmarkRotateRegion100k turns 100,000 voxels a quarter about z in place.
func BenchmarkRotateRegion100k(b *testing.B) {
	benchOp(b, func(s *voxel.Scene, src ops.Region) error {
		_, _, err := ops.Rotate(s, src, 2, 1, ops.Centre2(src.Box), false)
		return err
	})
}
