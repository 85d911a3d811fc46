package analyze

import (
	"image/color"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

var (
	red   = color.NRGBA{255, 0, 0, 255}
	green = color.NRGBA{0, 255, 0, 255}
	blue  = color.NRGBA{0, 0, 255, 255}
)

func box(x0, y0, z0, x1, y1, z1 int) voxel.Box {
	return voxel.Box{Min: voxel.Pos{X: x0, Y: y0, Z: z0}, Max: voxel.Pos{X: x1, Y: y1, Z: z1}}
}

func fill(s *voxel.Scene, b voxel.Box, c color.NRGBA) {
	for z := b.Min.Z; z <= b.Max.Z; z++ {
		for y := b.Min.Y; y <= b.Max.Y; y++ {
			for x := b.Min.X; x <= b.Max.X; x++ {
				s.Set(s.Current(), voxel.Pos{X: x, Y: y, Z: z}, c)
			}
		}
	}
}

func volumeOf(s *voxel.Scene) *Volume { return NewVolume(s.Snapshot().Blocks(), nil) }

func TestRunsAcrossBlocksAndColours(t *testing.T) {
	s := voxel.New()
	fill(s, box(-20, -3, -1, 20, -3, -1), red) // crosses three block boundaries
	s.Set(1, voxel.Pos{X: 0, Y: -3, Z: -1}, green)
	fill(s, box(0, 5, 2, 3, 5, 2), blue)
	v := volumeOf(s)
	r := v.Runs()
	require.Equal(t, 2, r.Rows())
	assert.Equal(t, []Run{
		{X: -20, Y: -3, Z: -1, N: 20, Color: red},
		{X: 0, Y: -3, Z: -1, N: 1, Color: green},
		{X: 1, Y: -3, Z: -1, N: 20, Color: red},
		{X: 0, Y: 5, Z: 2, N: 4, Color: blue},
	}, r.List)
	assert.Equal(t, 45, v.Count())
	assert.Equal(t, box(-20, -3, -1, 20, 5, 2), v.Box())

	clip := box(-2, -10, -10, 1, 10, 10)
	c := NewVolume(s.Snapshot().Blocks(), &clip)
	assert.Equal(t, []Run{
		{X: -2, Y: -3, Z: -1, N: 2, Color: red},
		{X: 0, Y: -3, Z: -1, N: 1, Color: green},
		{X: 1, Y: -3, Z: -1, N: 1, Color: red},
		{X: 0, Y: 5, Z: 2, N: 2, Color: blue},
	}, c.Runs().List)
	assert.Equal(t, color.NRGBA{}, c.At(voxel.Pos{X: 3, Y: 5, Z: 2}), "outside the clip")
}

// The case: a keep whose wall was cut leaves a slab in the air.
func TestFloatingSlabAndAsymmetry(t *testing.T) {
	s := voxel.New()
	fill(s, box(0, 0, 0, 19, 19, 0), green)     // ground slab 20×20
	fill(s, box(0, 0, 1, 1, 19, 12), red)       // left wall
	fill(s, box(18, 0, 1, 19, 19, 12), red)     // right wall
	fill(s, box(6, 4, 15, 13, 15, 16), blue)    // floating slab 8×12×2
	s.Set(1, voxel.Pos{X: 1, Y: 5, Z: 13}, red) // one voxel on the left wall only
	v := volumeOf(s)
	rep := Check(v, Options{})
	require.Len(t, rep.Parts, 2)
	assert.Equal(t, 400+2*480+1, rep.Parts[0].Voxels)
	assert.True(t, rep.Parts[0].Grounded)
	require.Len(t, rep.Floating, 1)
	f := rep.Floating[0]
	assert.Equal(t, 192, f.Voxels)
	assert.Equal(t, box(6, 4, 15, 13, 15, 16), f.Box)
	assert.Equal(t, []ColorCount{{blue, 192}}, f.Colors)

	sx := rep.Symmetry[0]
	assert.Equal(t, 9.5, sx.Plane)
	assert.Equal(t, 1, sx.AsymmetricCount)
	assert.Equal(t, []voxel.Pos{{X: 1, Y: 5, Z: 13}}, sx.Asymmetric)
	assert.Equal(t, []voxel.Pos{{X: 18, Y: 5, Z: 13}}, sx.Mirror)
	assert.InDelta(t, 1-1.0/1553, sx.Score, 1e-9)
	// About y the extra voxel (y=5) mirrors to y=14, which is empty too.
	assert.Equal(t, []voxel.Pos{{X: 1, Y: 5, Z: 13}}, rep.Symmetry[1].Asymmetric)
	assert.Empty(t, rep.Cavities)
}

func TestColourMismatch(t *testing.T) {
	s := voxel.New()
	fill(s, box(0, 0, 0, 5, 0, 0), red)
	s.Set(1, voxel.Pos{X: 4, Y: 0, Z: 0}, blue)
	sym := MirrorSymmetry(volumeOf(s), 'x', 8)
	assert.Equal(t, 1.0, sym.Score)
	assert.InDelta(t, 4.0/6, sym.ColorScore, 1e-9)
	require.Equal(t, 1, sym.MismatchCount)
	assert.Equal(t, Mismatch{At: voxel.Pos{X: 1}, Mirror: voxel.Pos{X: 4}, Color: red, MirrorColor: blue}, sym.Mismatches[0])
}

func TestConnectivity(t *testing.T) {
	s := voxel.New()
	s.Set(1, voxel.Pos{X: 0, Y: 0, Z: 0}, red)
	s.Set(1, voxel.Pos{X: 1, Y: 1, Z: 1}, red) // corner to corner
	s.Set(1, voxel.Pos{X: 3, Y: 0, Z: 1}, red) // apart
	s.Set(1, voxel.Pos{X: 2, Y: 2, Z: 1}, red) // edge to (1,1,1)
	v := volumeOf(s)
	assert.Len(t, Parts(v, PartOptions{Connectivity: 6}), 4)
	p26 := Parts(v, PartOptions{Connectivity: 26})
	require.Len(t, p26, 2)
	assert.Equal(t, 3, p26[0].Voxels)
	assert.Equal(t, box(0, 0, 0, 2, 2, 1), p26[0].Box)
	assert.True(t, p26[0].Grounded)
	assert.False(t, p26[1].Grounded, "the lone voxel at z=1 floats")
}

func TestSupport(t *testing.T) {
	ground := voxel.New()
	fill(ground, box(0, 0, 0, 9, 9, 0), green)
	roof := voxel.New()
	fill(roof, box(0, 0, 1, 3, 3, 1), red) // rests on the ground layer
	fill(roof, box(6, 6, 3, 7, 7, 3), red) // in the air
	v := volumeOf(roof)
	sup := volumeOf(ground)
	parts := Parts(v, PartOptions{Support: sup, GroundZ: new(int(-100))})
	require.Len(t, parts, 2)
	assert.True(t, parts[0].Grounded)
	assert.False(t, parts[1].Grounded)
	assert.Equal(t, box(6, 6, 3, 7, 7, 3), Floating(parts)[0].Box)
}

func TestCavities(t *testing.T) {
	s := voxel.New()
	fill(s, box(0, 0, 0, 6, 6, 6), red)
	fill(s, box(1, 1, 1, 3, 3, 3), color.NRGBA{}) // 27 enclosed cells
	s.Set(1, voxel.Pos{X: 5, Y: 5, Z: 5}, color.NRGBA{})
	cav := Cavities(volumeOf(s))
	require.Len(t, cav, 2)
	assert.Equal(t, Cavity{Cells: 27, Box: box(1, 1, 1, 3, 3, 3)}, cav[0])
	assert.Equal(t, Cavity{Cells: 1, Box: box(5, 5, 5, 5, 5, 5)}, cav[1])

	// A hole in the wall opens the big one, through a winding path.
	s.Set(1, voxel.Pos{X: 2, Y: 0, Z: 2}, color.NRGBA{})
	cav = Cavities(volumeOf(s))
	require.Len(t, cav, 1)
	assert.Equal(t, 1, cav[0].Cells)

	// A U-shaped channel that reaches the outside only around corners.
	u := voxel.New()
	fill(u, box(0, 0, 0, 4, 4, 4), red)
	fill(u, box(1, 1, 1, 3, 1, 1), color.NRGBA{})
	fill(u, box(3, 1, 1, 3, 3, 1), color.NRGBA{})
	fill(u, box(3, 3, 1, 3, 3, 4), color.NRGBA{}) // chimney to the top
	assert.Empty(t, Cavities(volumeOf(u)))
}

func TestSlicePattern(t *testing.T) {
	s := voxel.New()
	pattern := []string{ // top row is y=3
		"r..g",
		".rr.",
		".bb.",
		"b..r",
	}
	cols := map[byte]color.NRGBA{'r': red, 'g': green, 'b': blue}
	for r, line := range pattern {
		for x := range line {
			if c, ok := cols[line[x]]; ok {
				s.Set(1, voxel.Pos{X: x, Y: 3 - r, Z: 7}, c)
			}
		}
	}
	s.Set(1, voxel.Pos{X: 0, Y: 0, Z: 8}, red) // another level
	v := volumeOf(s)
	g := Slice(v, 'z', 7, box(0, 0, 0, 3, 3, 8), 128)
	require.Equal(t, 4, g.Cols)
	require.Equal(t, 4, g.Rows)
	assert.Equal(t, 1, g.Step)
	for r, line := range pattern {
		for x := range line {
			want := cols[line[x]]
			assert.Equal(t, want, g.Colors[r*4+x], "row %d col %d", r, x)
		}
	}
	// A front slice (y = 0): x right, z up; the top row is z = 8.
	f := Slice(v, 'y', 0, box(0, 0, 7, 3, 0, 8), 128)
	assert.Equal(t, []color.NRGBA{red, {}, {}, {}, blue, {}, {}, red}, f.Colors)
	assert.Equal(t, byte('x'), f.ColAxis)
	assert.Equal(t, byte('z'), f.RowAxis)
	// A right slice (x = 0): y right, z up.
	r := Slice(v, 'x', 0, box(0, 0, 7, 0, 3, 8), 128)
	assert.Equal(t, byte('y'), r.ColAxis)
	assert.Equal(t, []color.NRGBA{red, {}, {}, {}, blue, {}, {}, red}, r.Colors)
	// A downsampled slice covers the area in at most 2 cells per side.
	d := Slice(v, 'z', 7, box(0, 0, 0, 3, 3, 7), 2)
	assert.Equal(t, 2, d.Step)
	assert.Equal(t, 2, d.Cols)
	// The last cell has one blue and one red voxel: ties go to the lower RGBA.
	assert.Equal(t, []color.NRGBA{red, green, blue, blue}, d.Colors)

	h := Heightmap(v, box(0, 0, 0, 3, 3, 8), 128)
	assert.Equal(t, 8, h.Heights[3*4+0], "x0 y0 has the voxel at z 8")
	assert.Equal(t, 7, h.Heights[0])
	assert.Equal(t, -1<<63, h.Heights[1])
}

func TestDiff(t *testing.T) {
	s := voxel.New()
	fill(s, box(0, 0, 0, 9, 0, 0), red)
	before := s.Freeze()
	fill(s, box(0, 2, 0, 4, 2, 0), green)         // 5 added
	fill(s, box(8, 0, 0, 9, 0, 0), color.NRGBA{}) // 2 removed
	s.Set(1, voxel.Pos{X: 3}, blue)               // 1 recoloured
	l2 := s.AddLayer("top")
	s.Set(l2, voxel.Pos{X: 0}, blue) // covers a red voxel: recoloured in view
	after := s.Freeze()
	ld := DiffLayers(before, after)
	require.Len(t, ld, 2)
	assert.Equal(t, 5, ld[0].Added.Voxels)
	assert.Equal(t, box(0, 2, 0, 4, 2, 0), ld[0].Added.Box)
	assert.Equal(t, 2, ld[0].Removed.Voxels)
	assert.Equal(t, box(8, 0, 0, 9, 0, 0), ld[0].Removed.Box)
	assert.Equal(t, 1, ld[0].Recolored.Voxels)
	assert.True(t, ld[1].Created)
	assert.Equal(t, 1, ld[1].Added.Voxels)
	vis := DiffVisible(before, after)
	assert.Equal(t, 5, vis.Added.Voxels)
	assert.Equal(t, 2, vis.Removed.Voxels)
	assert.Equal(t, 2, vis.Recolored.Voxels)
	assert.True(t, DiffVisible(after, after).Empty())
	require.NoError(t, s.SetVisible(l2, false))
	assert.Equal(t, 1, DiffVisible(before, s.Freeze()).Recolored.Voxels, "hidden layers do not count")
}

// The case: an off-by-one wall moves the centre plane by half a
// voxel, so about the centre nearly nothing matches; the best nearby plane
// names the wall.
func TestOffByOneWall(t *testing.T) {
	s := voxel.New()
	fill(s, box(0, 0, 0, 19, 9, 0), green) // floor x 0..19: centre 9.5
	fill(s, box(0, 0, 1, 0, 9, 5), red)    // left wall
	fill(s, box(19, 0, 1, 19, 9, 5), red)  // right wall
	fill(s, box(5, 3, 1, 14, 6, 3), blue)  // a symmetric block
	fill(s, box(20, 0, 1, 20, 9, 5), red)  // the extra wall one off
	sym := MirrorSymmetry(volumeOf(s), 'x', 4)
	assert.Equal(t, 10.0, sym.Plane)
	assert.Less(t, sym.Score, 0.9)
	require.NotNil(t, sym.Best)
	assert.Equal(t, 9.5, sym.Best.Plane)
	assert.Equal(t, 50, sym.Best.AsymmetricCount, "exactly the extra wall")
	assert.Equal(t, voxel.Pos{X: 20, Y: 0, Z: 1}, sym.Best.Asymmetric[0])
	assert.Equal(t, voxel.Pos{X: -1, Y: 0, Z: 1}, sym.Best.Mirror[0])
	plane, score := BestPlane(volumeOf(s), 'x')
	assert.Equal(t, 9.5, plane)
	assert.InDelta(t, 1-50.0/float64(volumeOf(s).Count()), score, 1e-9)

	// A symmetric model has no better plane.
	u := voxel.New()
	fill(u, box(0, 0, 0, 9, 9, 0), green)
	assert.Nil(t, MirrorSymmetry(volumeOf(u), 'y', 4).Best)
}
