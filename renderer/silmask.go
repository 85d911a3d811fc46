package renderer

import "math"

// silCells is the number of cells of a silhouette mask along the silhouette's longer side.
const silCells = 64

// silMask is a coarse occupancy grid of a model's silhouette seen from one camera, in unit-scale
// screen coordinates: a cell is set when a voxel's screen box touches it, so the mask covers the
// silhouette (every covered point lies in the box of the front-most voxel along its ray, and that
// voxel has an exposed face towards the camera) with at most one cell to spare. Sheet panels use it to put their label and gizmo in a corner
// the model leaves free.
type silMask struct {
	b      bounds
	cell   float64
	w, h   int
	counts []int32 // summed-area table, (w+1)×(h+1): counts[y*(w+1)+x] = set cells above and left of (x, y)
}

// silhouetteMask builds the mask of the model's silhouette b (m.silhouette(c)) from c.
func (m *model) silhouetteMask(c camera, b bounds) *silMask {
	bw, bh := math.Max(b.maxX-b.minX, 1e-9), math.Max(b.maxY-b.minY, 1e-9)
	s := &silMask{b: b, cell: math.Max(bw, bh) / silCells}
	s.w = max(1, int(math.Ceil(bw/s.cell)))
	s.h = max(1, int(math.Ceil(bh/s.cell)))
	grid := make([]bool, s.w*s.h)
	cube := boxBounds(c, [3]float64{1, 1, 1})
	r, u := c.right, c.up
	cellOf := func(v, lo float64, n int) int { return min(n-1, max(0, int((v-lo)/s.cell))) }
	for dir := range 6 {
		// The front-most voxel along a ray is entered through an exposed face that faces the camera,
		// so those faces' voxels cover the silhouette: the others add nothing.
		sign := 1.0
		if dir%2 == 1 {
			sign = -1
		}
		if sign*c.fwd[dir/2] >= -1e-9 {
			continue
		}
		for i := range m.faces[dir] {
			f := &m.faces[dir][i]
			x, y, z := float64(f.x), float64(f.y), float64(f.z)
			sx := x*r[0] + y*r[1] + z*r[2]
			sy := -(x*u[0] + y*u[1] + z*u[2])
			x0, x1 := cellOf(sx+cube.minX, b.minX, s.w), cellOf(sx+cube.maxX, b.minX, s.w)
			y0, y1 := cellOf(sy+cube.minY, b.minY, s.h), cellOf(sy+cube.maxY, b.minY, s.h)
			for cy := y0; cy <= y1; cy++ {
				row := grid[cy*s.w:]
				for cx := x0; cx <= x1; cx++ {
					row[cx] = true
				}
			}
		}
	}
	s.counts = make([]int32, (s.w+1)*(s.h+1))
	for y := range s.h {
		var run int32
		for x := range s.w {
			if grid[y*s.w+x] {
				run++
			}
			s.counts[(y+1)*(s.w+1)+x+1] = s.counts[y*(s.w+1)+x+1] + run
		}
	}
	return s
}

// any reports whether a set cell touches the unit-scale rectangle [x0, x1] × [y0, y1].
func (s *silMask) any(x0, y0, x1, y1 float64) bool {
	if x1 < s.b.minX || y1 < s.b.minY || x0 > s.b.maxX || y0 > s.b.maxY {
		return false
	}
	cell := func(v, lo float64, n int) int { return min(n-1, max(0, int(math.Floor((v-lo)/s.cell)))) }
	cx0, cx1 := cell(x0, s.b.minX, s.w), cell(x1, s.b.minX, s.w)
	cy0, cy1 := cell(y0, s.b.minY, s.h), cell(y1, s.b.minY, s.h)
	W := s.w + 1
	n := s.counts[(cy1+1)*W+cx1+1] - s.counts[cy0*W+cx1+1] - s.counts[(cy1+1)*W+cx0] + s.counts[cy0*W+cx0]
	return n > 0
}
