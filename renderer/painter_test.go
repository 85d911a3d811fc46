package renderer

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// castRay returns the colour a ray along cam.fwd through world point (relative to the box minimum)
// on the plane through p sees: the first voxel it enters, shaded flat for the face it enters by, or
// transparent. It walks the grid exactly (Amanatides–Woo) in float64.
func castRay(snap *voxel.Snapshot, m *model, cam camera, p [3]float64) color.NRGBA {
	size := [3]float64{float64(m.size.X), float64(m.size.Y), float64(m.size.Z)}
	d := cam.fwd
	// Enter the box.
	t0, t1 := math.Inf(-1), math.Inf(1)
	for i := range 3 {
		if d[i] == 0 {
			if p[i] < 0 || p[i] > size[i] {
				return color.NRGBA{}
			}
			continue
		}
		a, b := (0-p[i])/d[i], (size[i]-p[i])/d[i]
		t0, t1 = math.Max(t0, math.Min(a, b)), math.Min(t1, math.Max(a, b))
	}
	if t0 > t1 {
		return color.NRGBA{}
	}
	t := t0 + 1e-9
	var cell [3]int
	var step [3]int
	var next, delta [3]float64
	enterAxis := -1
	for i := range 3 {
		x := p[i] + t*d[i]
		cell[i] = int(math.Floor(x))
		cell[i] = min(max(cell[i], 0), int(size[i])-1)
		switch {
		case d[i] > 0:
			step[i], delta[i] = 1, 1/d[i]
			next[i] = (float64(cell[i]+1) - p[i]) / d[i]
		case d[i] < 0:
			step[i], delta[i] = -1, -1/d[i]
			next[i] = (float64(cell[i]) - p[i]) / d[i]
		default:
			next[i], delta[i] = math.Inf(1), math.Inf(1)
		}
		if d[i] != 0 && math.Abs((p[i]+t0*d[i])-math.Round(p[i]+t0*d[i])) < 1e-6 {
			enterAxis = i
		}
	}
	for {
		c := snap.At(voxel.Pos{X: m.box.Min.X + cell[0], Y: m.box.Min.Y + cell[1], Z: m.box.Min.Z + cell[2]})
		if c.A != 0 {
			if enterAxis < 0 {
				return color.NRGBA{1, 2, 3, 4} // ambiguous: entered through an edge
			}
			dir := enterAxis * 2
			if step[enterAxis] > 0 {
				dir++ // moving +axis, so we entered through the -axis face
			}
			col := uint32(c.R) | uint32(c.G)<<8 | uint32(c.B)<<16
			px := shadeColour(col, dirShade[dir])
			return color.NRGBA{uint8(px), uint8(px >> 8), uint8(px >> 16), 255}
		}
		i := 0
		if next[1] < next[i] {
			i = 1
		}
		if next[2] < next[i] {
			i = 2
		}
		cell[i] += step[i]
		if cell[i] < 0 || cell[i] >= int(size[i]) {
			return color.NRGBA{}
		}
		next[i] += delta[i]
		enterAxis = i
	}
}

// TestPainterMatchesRayCast renders random scenes from random angles with flat shading and compares
// each pixel with an exact ray cast, skipping pixels near a face boundary (where rounding decides).
func TestPainterMatchesRayCast(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	palette := []color.NRGBA{{200, 40, 40, 255}, {40, 200, 40, 255}, {40, 40, 200, 255}, {200, 200, 40, 255}}
	for trial := range 24 {
		s := voxel.New()
		for range 60 + r.IntN(120) {
			p := voxel.Pos{X: r.IntN(7), Y: r.IntN(7), Z: r.IntN(7)}
			s.Set(s.Current(), p, palette[r.IntN(len(palette))])
		}
		snap := s.Snapshot()
		v := View{Yaw: r.Float64()*360 - 180, Pitch: r.Float64()*170 - 85}
		if trial < 2 {
			v, _ = Preset([]string{"isometric", "front"}[trial])
		}
		opt := plain(160, 160, v)
		opt.Background = color.NRGBA{}
		img, err := NewRenderer().Render(context.Background(), snap, opt)
		require.NoError(t, err)
		keep(t, "painter", img)
		m, err := buildModel(snap)
		require.NoError(t, err)
		cam := newCamera(v)
		proj := fitView(cam, m.silhouette(cam), image.Rect(0, 0, 160, 160), 0)
		// Inverse of the projection: pixel centre → point on the plane through the box minimum.
		ox, oy := float64(proj.ox)/256, float64(proj.oy)/256
		world := func(x, y float64) [3]float64 {
			u := (x - ox) / proj.scale
			w := -(y - oy) / proj.scale
			var p [3]float64
			for i := range 3 {
				p[i] = cam.right[i]*u + cam.up[i]*w - cam.fwd[i]*100
			}
			return p
		}
		checked, wrong := 0, 0
		for y := range 160 {
			for x := range 160 {
				fx, fy := float64(x)+0.5, float64(y)+0.5
				want := castRay(snap, m, cam, world(fx, fy))
				stable := true
				// Fixed-point vertices may move an edge by a few 1/256 px, so sample close by as well as far.
				for _, o := range [][2]float64{{-0.6, 0}, {0.6, 0}, {0, -0.6}, {0, 0.6}, {-0.03, -0.03}, {0.03, 0.03}, {-0.03, 0.03}, {0.03, -0.03}} {
					if castRay(snap, m, cam, world(fx+o[0], fy+o[1])) != want {
						stable = false
						break
					}
				}
				if !stable || want == (color.NRGBA{1, 2, 3, 4}) {
					continue
				}
				checked++
				if got := img.NRGBAAt(x, y); got != want {
					wrong++
					if wrong < 4 {
						t.Errorf("trial %d view %+v pixel (%d,%d): painter %v, ray %v", trial, v, x, y, got, want)
						for dy := -2; dy <= 2; dy++ {
							line := ""
							for dx := -2; dx <= 2; dx++ {
								c := img.NRGBAAt(x+dx, y+dy)
								rc := castRay(snap, m, cam, world(fx+float64(dx), fy+float64(dy)))
								line += fmt.Sprintf(" %3d/%3d", c.R, rc.R)
							}
							t.Log(line)
						}
					}
				}
			}
		}
		require.Greater(t, checked, 1000, "trial %d", trial)
		require.Zero(t, wrong, "trial %d view %+v: %d of %d pixels differ", trial, v, wrong, checked)
	}
}
