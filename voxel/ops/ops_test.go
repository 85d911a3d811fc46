package ops_test

import (
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/ops"
)

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
)

func P(x, y, z int) voxel.Pos { return voxel.Pos{X: x, Y: y, Z: z} }

// voxels lists a layer's voxels as a map.
func voxels(s *voxel.Scene, layer int) map[voxel.Pos]color.NRGBA {
	m := map[voxel.Pos]color.NRGBA{}
	s.Each(layer, func(p voxel.Pos, c color.NRGBA) bool {
		m[p] = c
		return true
	})
	return m
}

// measured runs fn and checks its Result against the net change Diff sees.
func measured(t *testing.T, s *voxel.Scene, fn func() (ops.Result, error)) ops.Result {
	t.Helper()
	before := ops.Capture(s)
	r, err := fn()
	require.NoError(t, err)
	assert.Equal(t, ops.Diff(before, ops.Capture(s)), r, "the operation's counts must be the net change")
	return r
}

func TestTransformsInvert(t *testing.T) {
	ts := []ops.Transform{
		ops.Identity, ops.Translation(P(3, -4, 5)), ops.Reflection(0, 7), ops.Reflection(2, -3),
	}
	for axis := range 3 {
		for turns := -1; turns <= 4; turns++ {
			ts = append(ts, ops.Rotation(axis, turns, P(3, 4, -5)), ops.Rotation(axis, turns, P(2, 4, 6)))
		}
	}
	for _, tr := range ts {
		for _, p := range []voxel.Pos{P(0, 0, 0), P(1, 2, 3), P(-7, 11, -13)} {
			assert.Equal(t, p, tr.Invert(tr.Apply(p)), "%+v", tr)
		}
	}
}

func TestRotationAboutZ(t *testing.T) {
	// a quarter turn about the z axis through the origin: +x goes to +y
	r := ops.Rotation(2, 1, P(0, 0, 0))
	assert.Equal(t, P(0, 1, 5), r.Apply(P(1, 0, 5)))
	assert.Equal(t, P(-1, 0, 5), r.Apply(P(0, 1, 5)))
	// about x: +y goes to +z; about y: +z goes to +x
	assert.Equal(t, P(0, 0, 1), ops.Rotation(0, 1, P(0, 0, 0)).Apply(P(0, 1, 0)))
	assert.Equal(t, P(1, 0, 0), ops.Rotation(1, 1, P(0, 0, 0)).Apply(P(0, 0, 1)))
	// four turns are the identity; two turns about a box's centre keep the box
	box := voxel.BoxOf(P(2, 3, 0), P(6, 9, 4))
	c2 := ops.Centre2(box)
	four := ops.Rotation(2, 4, c2)
	assert.Equal(t, P(5, 8, 1), four.Apply(P(5, 8, 1)))
	assert.Equal(t, box, ops.Rotation(2, 2, c2).ApplyBox(box))
	// a 3×5 box turned a quarter about its centre becomes 5×3 around the same centre
	quarter := ops.Rotation(2, 1, c2).ApplyBox(box)
	assert.Equal(t, P(7, 5, 5), quarter.Size())
}

func TestMoveAndCopy(t *testing.T) {
	s := voxel.New()
	s.FillBox(1, voxel.BoxOf(P(0, 0, 0), P(3, 3, 3)), red)
	s.Set(1, P(10, 0, 0), blue) // outside the region, stays
	src := ops.Region{Layer: 1, Box: voxel.BoxOf(P(0, 0, 0), P(3, 3, 3))}

	r := measured(t, s, func() (ops.Result, error) {
		r, box, err := ops.Move(s, src, 1, P(2, 0, 0))
		assert.Equal(t, voxel.BoxOf(P(2, 0, 0), P(5, 3, 3)), box)
		return r, err
	})
	// overlapping move: 2 slabs of 16 removed, 2 new slabs added
	assert.Equal(t, ops.Result{Added: 32, Removed: 32}, r)
	got := voxels(s, 1)
	assert.Len(t, got, 65)
	assert.Equal(t, red, got[P(5, 3, 3)])
	assert.Equal(t, blue, got[P(10, 0, 0)])
	_, ok := got[P(0, 0, 0)]
	assert.False(t, ok)

	l2 := s.AddLayer("copy")
	r = measured(t, s, func() (ops.Result, error) {
		r, _, err := ops.Copy(s, ops.Region{Layer: 1, Box: voxel.BoxOf(P(0, 0, 0), P(20, 20, 20))}, l2, P(0, 0, 10))
		return r, err
	})
	assert.Equal(t, 65, r.Added)
	assert.Equal(t, blue, s.Get(l2, P(10, 0, 10)))
	assert.Len(t, voxels(s, 1), 65, "copy keeps the source")

	_, _, err := ops.Copy(s, src, 99, P(0, 0, 0))
	assert.ErrorIs(t, err, ops.ErrNoLayer)
}

// A half model mirrored with keep_original is symmetric voxel by voxel,
// whether the plane lies on voxel centres or between voxels.
func TestMirrorKeepOriginalIsSymmetric(t *testing.T) {
	for _, at2 := range []int{-1, 0, 7} {
		s := voxel.New()
		// an irregular half: a staircase of colours on x ≥ 0 (crossing the plane for at2 = 7)
		for x := 0; x < 9; x++ {
			for z := 0; z <= x; z++ {
				c := []color.NRGBA{red, green, blue}[(x+z)%3]
				s.Set(1, P(x, x%4, z), c)
			}
		}
		src := ops.Region{Layer: 1, Box: s.Box()}
		measured(t, s, func() (ops.Result, error) {
			r, _, err := ops.Mirror(s, src, 0, at2, true)
			return r, err
		})
		got := voxels(s, 1)
		for p, c := range got {
			m := P(at2-p.X, p.Y, p.Z)
			assert.Equal(t, c, got[m], "at=%g: %v and its mirror %v differ", float64(at2)/2, p, m)
		}
	}
}

func TestMirrorInPlaceFlips(t *testing.T) {
	s := voxel.New()
	s.Set(1, P(0, 0, 0), red)
	s.Set(1, P(3, 0, 0), green)
	s.Set(1, P(1, 0, 0), blue)
	box := voxel.BoxOf(P(0, 0, 0), P(3, 0, 0))
	r := measured(t, s, func() (ops.Result, error) {
		r, _, err := ops.Mirror(s, ops.Region{Layer: 1, Box: box}, 0, box.Min.X+box.Max.X, false)
		return r, err
	})
	assert.Equal(t, map[voxel.Pos]color.NRGBA{P(3, 0, 0): red, P(0, 0, 0): green, P(2, 0, 0): blue}, voxels(s, 1))
	assert.Equal(t, ops.Result{Added: 1, Removed: 1, Recolored: 2}, r)
}

func TestRotateInPlace(t *testing.T) {
	s := voxel.New()
	// an L in the xy plane
	s.FillBox(1, voxel.BoxOf(P(0, 0, 0), P(4, 0, 0)), red)
	s.FillBox(1, voxel.BoxOf(P(0, 1, 0), P(0, 2, 0)), green)
	box := s.Box()
	measured(t, s, func() (ops.Result, error) {
		r, out, err := ops.Rotate(s, ops.Region{Layer: 1, Box: box}, 2, 1, ops.Centre2(box), false)
		assert.Equal(t, P(3, 5, 1), out.Size())
		return r, err
	})
	assert.Len(t, voxels(s, 1), 7)
	// four quarter turns give back the original
	for range 3 {
		b := s.Box()
		_, _, err := ops.Rotate(s, ops.Region{Layer: 1, Box: b}, 2, 1, ops.Centre2(b), false)
		require.NoError(t, err)
	}
	assert.Equal(t, box, s.Box())
	assert.Equal(t, red, s.Get(1, P(4, 0, 0)))
	assert.Equal(t, green, s.Get(1, P(0, 2, 0)))
}

func TestReplaceColorAndHistogram(t *testing.T) {
	s := voxel.New()
	s.FillBox(1, voxel.BoxOf(P(0, 0, 0), P(9, 0, 0)), red)
	s.Set(1, P(0, 0, 0), color.NRGBA{250, 5, 0, 255})
	s.Set(1, P(1, 0, 0), blue)
	r := measured(t, s, func() (ops.Result, error) {
		return ops.ReplaceColor(s, ops.Region{Layer: 1, Box: voxel.BoxOf(P(0, 0, 0), P(5, 0, 0))}, red, 8, green)
	})
	assert.Equal(t, 5, r.Recolored)
	h := ops.Histogram(s)
	require.Len(t, h, 3)
	assert.Equal(t, ops.ColorCount{Color: green, Count: 5}, h[0])
	assert.Equal(t, ops.ColorCount{Color: red, Count: 4}, h[1])
}

func TestDiffLayers(t *testing.T) {
	s := voxel.New()
	s.FillBox(1, voxel.BoxOf(P(0, 0, 0), P(3, 3, 3)), red)
	before := ops.Capture(s)
	id := s.AddLayer("x")
	s.FillBox(id, voxel.BoxOf(P(0, 0, 0), P(1, 1, 1)), red)
	s.Set(1, P(0, 0, 0), blue)
	s.Set(1, P(1, 0, 0), color.NRGBA{})
	s.Set(1, P(40, 0, 0), blue)
	assert.Equal(t, ops.Result{Added: 9, Removed: 1, Recolored: 1}, ops.Diff(before, ops.Capture(s)))
	require.NoError(t, s.DeleteLayer(id))
	assert.Equal(t, ops.Result{Added: 1, Removed: 1, Recolored: 1}, ops.Diff(before, ops.Capture(s)))
}

// A big sparse box takes the path without dense copies; the result is the same.
func TestSparseRegionPath(t *testing.T) {
	s := voxel.New()
	s.Set(1, P(0, 0, 0), red)
	s.Set(1, P(300, 0, 0), green)
	s.Set(1, P(299, 0, 0), blue)
	box := voxel.BoxOf(P(0, 0, 0), P(300, 300, 0))
	r := measured(t, s, func() (ops.Result, error) {
		r, _, err := ops.Mirror(s, ops.Region{Layer: 1, Box: box}, 0, 300, false)
		return r, err
	})
	assert.Equal(t, map[voxel.Pos]color.NRGBA{P(300, 0, 0): red, P(0, 0, 0): green, P(1, 0, 0): blue}, voxels(s, 1))
	assert.Equal(t, ops.Result{Added: 1, Removed: 1, Recolored: 2}, r)
	measured(t, s, func() (ops.Result, error) {
		r, _, err := ops.Copy(s, ops.Region{Layer: 1, Box: box}, 1, P(1, 0, 0))
		return r, err
	})
	assert.Equal(t, red, s.Get(1, P(301, 0, 0)))
}
