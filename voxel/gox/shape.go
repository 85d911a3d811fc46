package gox

import (
	"fmt"
	"image/color"
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/internal/build"
)

// A shape layer (Goxel's "shape" key: sphere, cube or cylinder) stores no
// blocks: Goxel paints the shape in the layer's colour into the box that
// the layer's "mat" makes of the cube [-1, 1]³, clipped to the image box,
// filling each voxel whose centre the shape's distance function puts
// inside (its value is ≥ 0). We paint it the same way, in float32 as
// Goxel does, so the layer holds the voxels Goxel shows.
var shapeFuncs = map[string]func(p, s [3]float32) float32{
	"sphere":   sphereFunc,
	"cube":     cubeFunc,
	"cylinder": cylinderFunc,
}

func norm(v ...float32) float32 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return float32(math.Sqrt(s))
}

// sphereFunc is the signed distance to the ellipsoid of half-sizes s along
// the ray from the centre through p.
func sphereFunc(p, s [3]float32) float32 {
	if p == [3]float32{} {
		return max(s[0], s[1], s[2])
	}
	d := norm(p[0], p[1], p[2])
	r := float32(s[0]*s[1]) * s[2] / norm(float32(s[1]*s[2])*p[0]/d, float32(s[0]*s[2])*p[1]/d, float32(s[0]*s[1])*p[2]/d)
	return r - d
}

// cubeFunc is +Inf inside the half-open box [-s, s) and -Inf outside.
func cubeFunc(p, s [3]float32) float32 {
	for i := range 3 {
		if p[i] < -s[i] || p[i] >= s[i] {
			return float32(math.Inf(-1))
		}
	}
	return float32(math.Inf(1))
}

// cylinderFunc is the elliptic cylinder along Z of half-sizes s.
func cylinderFunc(p, s [3]float32) float32 {
	rz := s[2] - float32(math.Abs(float64(p[2])))
	if p[0] == 0 && p[1] == 0 {
		return min(rz, max(s[0], s[1], s[2]))
	}
	d := norm(p[0], p[1])
	r := float32(s[0]*s[1]) / norm(s[1]*p[0]/d, s[0]*p[1]/d)
	return min(rz, r-d)
}

func (d *decoder) paintShape(b *build.Builder, layer int, l layerChunk) error {
	fn := shapeFuncs[l.shape]
	if fn == nil || l.color.A == 0 {
		return nil // an unknown shape paints nothing, as in Goxel
	}
	m := l.mat
	var size, lo, hi [3]float32
	var axes [3][3]float32 // unit columns of mat
	for i := range 3 {
		col := [3]float32{m[4*i], m[4*i+1], m[4*i+2]}
		size[i] = norm(col[0], col[1], col[2])
		if size[i] == 0 {
			return nil
		}
		for j := range 3 {
			axes[i][j] = col[j] / size[i]
		}
	}
	t := [3]float32{m[12], m[13], m[14]}
	volume := 1.0
	for j := range 3 {
		ext := float32(math.Abs(float64(m[j]))) + float32(math.Abs(float64(m[4+j]))) + float32(math.Abs(float64(m[8+j])))
		lo[j], hi[j] = t[j]-ext, t[j]+ext
		volume *= float64(hi[j]-lo[j]) + 2
	}
	if volume > float64(b.MaxVoxels()) {
		return UnsupportedError(fmt.Sprintf("shape layer %q spans more than %d voxels", l.name, b.MaxVoxels()))
	}
	if err := b.Spend(int(volume)); err != nil {
		return err
	}
	x0, y0, z0 := int(math.Floor(float64(lo[0])))-1, int(math.Floor(float64(lo[1])))-1, int(math.Floor(float64(lo[2])))-1
	x1, y1, z1 := int(math.Ceil(float64(hi[0]))), int(math.Ceil(float64(hi[1]))), int(math.Ceil(float64(hi[2])))
	for z := z0; z <= z1; z++ {
		for y := y0; y <= y1; y++ {
			for x := x0; x <= x1; x++ {
				p := [3]float32{float32(x) + 0.5, float32(y) + 0.5, float32(z) + 0.5}
				if d.box != nil && !boxContains(d.box, p) {
					continue
				}
				var q [3]float32
				for i := range 3 {
					q[i] = axes[i][0]*(p[0]-t[0]) + axes[i][1]*(p[1]-t[1]) + axes[i][2]*(p[2]-t[2])
				}
				if fn(q, size) >= 0 {
					if err := b.Set(layer, voxel.Pos{X: x, Y: y, Z: z}, l.color); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// boxContains reports whether p lies in an axis-aligned Goxel box, its
// lower faces included and upper faces excluded.
func boxContains(b *[16]float32, p [3]float32) bool {
	for i := range 3 {
		c, h := b[12+i], b[5*i]
		if p[i] < c-h || p[i] >= c+h {
			return false
		}
	}
	return true
}

// cloneLayers fills the layers that Goxel stores as clones of another
// layer ("base_id", no blocks of their own): the base layer's voxels moved
// by the clone's "mat", each voxel p going to round(mat·p) as in Goxel's
// mesh_move. This is exact for translations and quarter turns. Clones are
// filled in file order, so a clone of an earlier clone sees its voxels.
func (d *decoder) cloneLayers(s *voxel.Scene, b *build.Builder, ids map[int32]int) error {
	layers := s.Layers()
	budget := s.Budget()
	for i, l := range d.layers {
		if l.baseID == 0 || l.baseID == l.id {
			continue
		}
		base, ok := ids[l.baseID]
		if !ok {
			continue // Goxel ignores a missing base too
		}
		m := &identity
		if l.mat != nil {
			m = l.mat
		}
		dst := layers[i].ID
		info, err := s.LayerInfo(base)
		if err != nil {
			return err
		}
		if err := b.Spend(info.Count); err != nil {
			return err
		}
		// Voxels go straight into the clone: it is never its base (a
		// layer whose base_id is its own id is skipped above), so the base
		// does not change while it is walked, and no copy of it is held.
		var ferr error
		s.Each(base, func(p voxel.Pos, c color.NRGBA) bool {
			var v [3]float64
			var q [3]int
			for r := range 3 {
				v[r] = float64(m[r])*float64(p.X) + float64(m[4+r])*float64(p.Y) + float64(m[8+r])*float64(p.Z) + float64(m[12+r])
				// Checked before the conversion: a chain of scaled clones
				// grows coordinates geometrically, and converting a float
				// beyond int's range gives an arbitrary value.
				if math.IsNaN(v[r]) || math.Abs(v[r]) > float64(budget.MaxCoord)+0.5 {
					ferr = UnsupportedError(fmt.Sprintf("clone layer %q moves voxel %v to about (%.4g, %.4g, %.4g), outside the allowed extent of ±%d on every axis",
						layers[i].Name, p, float64(m[0])*float64(p.X)+float64(m[4])*float64(p.Y)+float64(m[8])*float64(p.Z)+float64(m[12]),
						float64(m[1])*float64(p.X)+float64(m[5])*float64(p.Y)+float64(m[9])*float64(p.Z)+float64(m[13]),
						float64(m[2])*float64(p.X)+float64(m[6])*float64(p.Y)+float64(m[10])*float64(p.Z)+float64(m[14]), budget.MaxCoord))
					return false
				}
				q[r] = int(math.Round(v[r]))
			}
			ferr = b.Set(dst, voxel.Pos{X: q[0], Y: q[1], Z: q[2]}, c)
			return ferr == nil
		})
		if ferr != nil {
			return ferr
		}
	}
	return nil
}
