package renderer

import (
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// maxShadowSteps bounds a shadow ray's walk through the grid (cells); shadows longer than that are not
// cast. It keeps the cost of far-apart scenes bounded by their faces, not their extent.
const maxShadowSteps = 1024

// occupancy answers "is this cell occupied" for shadow rays: one bit per voxel, per block.
type occupancy struct {
	blocks map[voxel.Pos]*[64]uint64
	box    voxel.Box
}

func newOccupancy(entries []voxel.BlockEntry, box voxel.Box) *occupancy {
	o := &occupancy{blocks: make(map[voxel.Pos]*[64]uint64, len(entries)), box: box}
	for _, e := range entries {
		bits := new([64]uint64)
		for i, c := range e.Block.Voxels() {
			if c.A != 0 {
				bits[i>>6] |= 1 << (i & 63)
			}
		}
		o.blocks[e.Origin] = bits
	}
	return o
}

// blocked reports whether the sun is hidden from vertex (x, y, z), world coordinates.
func (o *occupancy) blocked(x, y, z int) bool {
	const eps = 1.0 / 1024
	return o.blockedFrom([3]float64{float64(x) + eps*sunDir[0], float64(y) + eps*sunDir[1], float64(z) + eps*sunDir[2]})
}

// blockedFrom walks the cells along the ray from p towards the sun (Amanatides-Woo) and reports
// whether one is occupied. The walk stops when the ray leaves the scene's box.
func (o *occupancy) blockedFrom(p [3]float64) bool {
	d := sunDir
	var cell, step [3]int
	var tMax, tDelta [3]float64
	for i := range 3 {
		f := math.Floor(p[i])
		cell[i] = int(f)
		switch {
		case d[i] > 0:
			step[i], tDelta[i], tMax[i] = 1, 1/d[i], (f+1-p[i])/d[i]
		case d[i] < 0:
			step[i], tDelta[i], tMax[i] = -1, -1/d[i], (p[i]-f)/-d[i]
		default:
			tMax[i], tDelta[i] = math.Inf(1), math.Inf(1)
		}
	}
	lo := [3]int{o.box.Min.X, o.box.Min.Y, o.box.Min.Z}
	hi := [3]int{o.box.Max.X, o.box.Max.Y, o.box.Max.Z}
	var lastOrigin voxel.Pos
	var last *[64]uint64
	haveLast := false
	for range maxShadowSteps {
		for i := range 3 {
			if (step[i] > 0 && cell[i] > hi[i]) || (step[i] < 0 && cell[i] < lo[i]) {
				return false
			}
		}
		origin := voxel.Pos{X: cell[0] &^ 15, Y: cell[1] &^ 15, Z: cell[2] &^ 15}
		if !haveLast || origin != lastOrigin {
			last, lastOrigin, haveLast = o.blocks[origin], origin, true
		}
		if last != nil {
			i := (cell[2]&15)<<8 | (cell[1]&15)<<4 | cell[0]&15
			if last[i>>6]&(1<<(i&63)) != 0 {
				return true
			}
		}
		a := 0
		if tMax[1] < tMax[a] {
			a = 1
		}
		if tMax[2] < tMax[a] {
			a = 2
		}
		cell[a] += step[a]
		tMax[a] += tDelta[a]
	}
	return false
}

// castStrength is the shadow-map value of ground the sun does not reach (255 = full).
const castStrength = 190

// cast adds the sun's cast shadow on the ground plane to the map: a ray from the centre of every cell
// towards the sun through the occupancy grid. The map grows towards where shadows fall (away from
// the sun) by the model's height times the sun's slope, within maxShadowCells.
func (m *shadowMap) cast(o *occupancy) {
	if m.v == nil {
		return
	}
	box := o.box
	for y := range m.h {
		for x := range m.w {
			p := [3]float64{
				float64(box.Min.X) + float64(int(m.x0)+x) + 0.5,
				float64(box.Min.Y) + float64(int(m.y0)+y) + 0.5,
				float64(box.Min.Z) + 1.0/1024,
			}
			if o.blockedFrom(p) {
				i := y*m.w + x
				m.v[i] = max(m.v[i], castStrength)
			}
		}
	}
}
