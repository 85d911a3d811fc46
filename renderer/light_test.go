package renderer

import (
	"image"
	"image/color"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// lum is a pixel's luma (0-255).
func lum(c color.NRGBA) float64 { return 0.299*float64(c.R) + 0.587*float64(c.G) + 0.114*float64(c.B) }

// pixelOf returns the pixel of model point p (model coordinates: box minimum at 0) in a single-panel
// render of snap with opt, as renderPanel frames it.
func pixelOf(t *testing.T, snap *voxel.Snapshot, opt Options, p [3]float64) image.Point {
	t.Helper()
	m, err := NewRenderer().model(snap)
	require.NoError(t, err)
	cam := newCamera(opt.View)
	proj := fitView(cam, m.silhouette(cam), image.Rect(0, 0, opt.Width, opt.Height), opt.Zoom)
	x := float64(proj.ox) + p[0]*float64(proj.ax[0]) + p[1]*float64(proj.ay[0]) + p[2]*float64(proj.az[0])
	y := float64(proj.oy) + p[0]*float64(proj.ax[1]) + p[1]*float64(proj.ay[1]) + p[2]*float64(proj.az[1])
	return image.Pt(int(math.Floor(x/256)), int(math.Floor(y/256)))
}

// TestPillarCastsShadow: a pillar on a plate shadows the plate on the side away from the sun: plate
// pixels there are clearly darker than at the same distance on the sun's side, in the top and the
// isometric views.
func TestPillarCastsShadow(t *testing.T) {
	s := voxel.New()
	l := s.Current()
	plate := color.NRGBA{0xc8, 0xb4, 0x8c, 0xff}
	s.FillBox(l, voxel.Box{Min: voxel.Pos{X: -20, Y: -20, Z: 0}, Max: voxel.Pos{X: 20, Y: 20, Z: 0}}, plate)
	s.FillBox(l, voxel.Box{Min: voxel.Pos{X: -1, Y: -1, Z: 1}, Max: voxel.Pos{X: 1, Y: 1, Z: 12}}, color.NRGBA{0x60, 0x80, 0xc0, 0xff})
	snap := s.Snapshot()
	// Away from the sun along the ground: the opposite of the sun's horizontal direction.
	h := math.Hypot(sunDir[0], sunDir[1])
	ax, ay := -sunDir[0]/h, -sunDir[1]/h
	for _, v := range []View{presets[4], presets[6]} {
		opt := DefaultOptions()
		opt.Width, opt.Height, opt.View = 600, 600, v
		img := render(t, snap, opt)
		keep(t, "pillar_"+v.Name, img)
		for _, r := range []float64{4, 8} {
			// Plate top at z = 1 (model coordinates), pillar centre at (21.5, 21.5).
			away := pixelOf(t, snap, opt, [3]float64{21.5 + r*ax, 21.5 + r*ay, 1})
			sunny := pixelOf(t, snap, opt, [3]float64{21.5 - r*ax, 21.5 - r*ay, 1})
			la, ls := lum(img.NRGBAAt(away.X, away.Y)), lum(img.NRGBAAt(sunny.X, sunny.Y))
			t.Logf("%s r=%v: away %v lum %.0f, sun side %v lum %.0f", v.Name, r, away, la, sunny, ls)
			assert.Less(t, la, 0.8*ls, "%s: the plate %v voxels away from the sun is in shadow", v.Name, r)
		}
	}
}

// TestHoleReadsDarker: in the front view, a door in a wall shows the room's back wall darker than the
// wall itself (depth cue), with an outline along the door's edges.
func TestHoleReadsDarker(t *testing.T) {
	s := voxel.New()
	l := s.Current()
	c := color.NRGBA{0xb0, 0xb0, 0xa8, 0xff}
	s.FillBox(l, voxel.Box{Min: voxel.Pos{}, Max: voxel.Pos{X: 20, Y: 0, Z: 20}}, c)       // front wall
	s.FillBox(l, voxel.Box{Min: voxel.Pos{Y: 10}, Max: voxel.Pos{X: 20, Y: 10, Z: 20}}, c) // back wall
	s.FillBox(l, voxel.Box{Min: voxel.Pos{Y: 1}, Max: voxel.Pos{X: 20, Y: 9, Z: 0}}, c)    // floor
	for z := 1; z <= 10; z++ {
		for x := 8; x <= 12; x++ {
			s.Set(l, voxel.Pos{X: x, Y: 0, Z: z}, color.NRGBA{}) // the door
		}
	}
	snap := s.Snapshot()
	opt := DefaultOptions()
	opt.Width, opt.Height, opt.View = 400, 400, presets[0]
	img := render(t, snap, opt)
	keep(t, "door_front", img)
	door := pixelOf(t, snap, opt, [3]float64{10.5, 0, 6.5})
	wall := pixelOf(t, snap, opt, [3]float64{4.5, 0, 6.5})
	ld, lw := lum(img.NRGBAAt(door.X, door.Y)), lum(img.NRGBAAt(wall.X, wall.Y))
	t.Logf("door %v lum %.0f, wall %v lum %.0f", door, ld, wall, lw)
	assert.Less(t, ld, 0.85*lw, "the door reads darker than the wall")
	// An outline at the depth step: just inside the door's left edge is darker still than the door.
	edge := pixelOf(t, snap, opt, [3]float64{8, 0, 6.5})
	assert.Less(t, lum(img.NRGBAAt(edge.X-1, edge.Y)), lw, "outline along the door's edge")
}

// TestNearWhiteVisible: a near-white model on the default background stands out clearly.
func TestNearWhiteVisible(t *testing.T) {
	s := voxel.New()
	s.FillBox(s.Current(), voxel.Box{Max: voxel.Pos{X: 9, Y: 9, Z: 9}}, color.NRGBA{228, 228, 228, 255})
	snap := s.Snapshot()
	for _, v := range []View{presets[6], presets[0], presets[4]} {
		opt := DefaultOptions()
		opt.Width, opt.Height, opt.View, opt.Shadow = 300, 300, v, false
		img := render(t, snap, opt)
		keep(t, "near_white_"+v.Name, img)
		bg := img.NRGBAAt(0, 0)
		var n, clear int
		for y := range 300 {
			for x := range 300 {
				p := img.NRGBAAt(x, y)
				if p == bg {
					continue
				}
				n++
				if math.Abs(lum(p)-lum(bg)) >= 40 {
					clear++
				}
			}
		}
		require.Greater(t, n, 10000, v.Name)
		assert.Greater(t, float64(clear)/float64(n), 0.9, "%s: model pixels differ clearly from the background %v", v.Name, bg)
	}
}

// menger returns a Menger sponge of level n (3^n voxels a side).
func menger(n int) *voxel.Snapshot {
	s := voxel.New()
	l := s.Current()
	size := 1
	for range n {
		size *= 3
	}
	for z := range size {
		for y := range size {
			for x := range size {
				solid := true
				for a, b, c := x, y, z; a > 0 || b > 0 || c > 0; a, b, c = a/3, b/3, c/3 {
					if (a%3 == 1 && b%3 == 1) || (b%3 == 1 && c%3 == 1) || (a%3 == 1 && c%3 == 1) {
						solid = false
						break
					}
				}
				if solid {
					s.Set(l, voxel.Pos{X: x, Y: y, Z: z}, color.NRGBA{uint8(40 + 7*x), uint8(90 + 5*y), uint8(200 - 6*z), 255})
				}
			}
		}
	}
	return s.Snapshot()
}

// TestCullingKeepsPixels: dropping the faces hidden in lattice views (axis, isometric, 45° in a plane)
// changes no pixel, and drops most of a Menger sponge's faces.
func TestCullingKeepsPixels(t *testing.T) {
	snap := menger(3)
	for _, v := range []View{presets[6], presets[0], presets[4], presets[5], {Name: "diag", Yaw: 45, Pitch: 0}, {Name: "back iso", Yaw: 225, Pitch: -isoPitch}} {
		opt := DefaultOptions()
		opt.Width, opt.Height, opt.View = 320, 240, v
		culled := render(t, snap, opt)
		opt.noCull = true
		full := render(t, snap, opt)
		require.Equal(t, full.Pix, culled.Pix, v.Name)
		s, ok := latticeDir(newCamera(v))
		require.True(t, ok, v.Name)
		m, err := NewRenderer().model(snap)
		require.NoError(t, err)
		cam := newCamera(v)
		h := m.hiddenFaces(s, cam.facing)
		hidden, facing := 0, 0
		for dir := range 6 {
			if cam.facing(dir) {
				facing += len(m.faces[dir])
				for _, w := range h[dir] {
					for ; w != 0; w &= w - 1 {
						hidden++
					}
				}
			}
		}
		t.Logf("%s: %d of %d camera-facing faces hidden", v.Name, hidden, facing)
		assert.Greater(t, hidden, facing/3, v.Name)
	}
	_, ok := latticeDir(newCamera(View{Yaw: 20, Pitch: 25}))
	assert.False(t, ok)
}

// TestTintHook: Options.Tint recolours exactly the listed voxels' faces, under the same light.
func TestTintHook(t *testing.T) {
	s := voxel.New()
	s.FillBox(s.Current(), voxel.Box{Max: voxel.Pos{X: 9, Y: 9, Z: 0}}, grey)
	snap := s.Snapshot()
	opt := DefaultOptions()
	opt.Width, opt.Height, opt.View = 200, 200, presets[4]
	plainImg := render(t, snap, opt)
	opt.Tint = map[voxel.Pos]color.NRGBA{{X: 2, Y: 2}: {255, 0, 0, 255}, {X: 7, Y: 7}: {0, 0, 255, 128}}
	tinted := render(t, snap, opt)
	at := func(img *image.NRGBA, x, y int) color.NRGBA {
		p := pixelOf(t, snap, opt, [3]float64{float64(x) + 0.5, float64(y) + 0.5, 1})
		return img.NRGBAAt(p.X, p.Y)
	}
	assert.Equal(t, "red", hue(at(tinted, 2, 2)))
	b := at(tinted, 7, 7)
	assert.Greater(t, int(b.B), int(b.R)+40, "half-blue tint")
	assert.Equal(t, at(plainImg, 5, 5), at(tinted, 5, 5), "untinted voxels unchanged")
}
