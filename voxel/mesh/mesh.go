// Package mesh exports the visible surface of a scene as a polygon mesh:
// Wavefront OBJ, binary PLY and glTF 2.0 (.gltf with an embedded base64
// buffer, or binary .glb).
//
// Only faces whose neighbour is empty, or whose neighbour is translucent
// while the voxel is opaque (or the reverse), are emitted, and coplanar exposed
// faces of the same colour are merged into rectangles (greedy meshing), so
// a solid model costs a few quads per flat area instead of two triangles
// per voxel face. Voxel (x, y, z) is the unit cube [x, x+1]×[y, y+1]×[z, z+1].
// Quads wind counter-clockwise seen from outside.
//
// Axes and colours per format:
//   - OBJ: scene coordinates, Z up. No .mtl file: each vertex carries its
//     colour as "v x y z r g b" (r, g, b from 0 to 1, sRGB), an extension
//     read by Blender, MeshLab and most tools. Faces are quads with one of
//     six normals ("vn"). Alpha is dropped.
//   - PLY: binary little-endian, scene coordinates, Z up; per-vertex
//     red, green, blue, alpha bytes (sRGB); faces are quads.
//   - glTF/GLB: glTF is Y up, so positions and normals are rotated -90°
//     about X: (x, y, z) becomes (x, z, -y); the model's front (-Y in the
//     scene) faces +Z, as glTF expects. COLOR_0 holds linear RGBA floats
//     (converted from sRGB), triangles are indexed with uint32, one
//     material (alphaMode BLEND when any voxel is translucent).
package mesh

import (
	"cmp"
	"image/color"
	"slices"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Quad is one merged rectangle of exposed faces.
type Quad struct {
	// Corners in scene coordinates, counter-clockwise seen from outside.
	Corners [4][3]int
	// Normal is one of the six axis directions.
	Normal [3]int
	Color  color.NRGBA
}

// Mesh is the exposed surface of a snapshot.
type Mesh struct {
	Quads []Quad
}

// face is one exposed voxel face in its plane: (u, v) coordinates.
type face struct {
	u, v int
	c    color.NRGBA
}

type planeKey struct {
	dir   int // axis*2 + (0 for +, 1 for -)
	slice int // the voxel coordinate along the axis
}

var dirs = [6][3]int{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}

// Build returns the greedy-meshed exposed surface of snap, in a
// deterministic order.
func Build(snap *voxel.Snapshot) *Mesh {
	planes := map[planeKey][]face{}
	for _, e := range snap.Blocks() {
		vox := e.Block.Voxels()
		o := e.Origin
		for i, c := range vox {
			if c.A == 0 {
				continue
			}
			l := [3]int{i & 15, (i >> 4) & 15, i >> 8}
			p := [3]int{o.X + l[0], o.Y + l[1], o.Z + l[2]}
			for d, n := range dirs {
				a := d / 2
				nl := l
				nl[a] += n[a]
				var nc color.NRGBA
				if nl[a] >= 0 && nl[a] < voxel.BlockSize {
					nc = vox[nl[0]|nl[1]<<4|nl[2]<<8]
				} else {
					nc = snap.At(voxel.Pos{X: p[0] + n[0], Y: p[1] + n[1], Z: p[2] + n[2]})
				}
				// A face shows where the neighbour is empty, and between an
				// opaque and a translucent voxel (each side keeps its face,
				// so both volumes stay closed).
				if nc.A != 0 && (nc.A == 255) == (c.A == 255) {
					continue
				}
				k := planeKey{d, p[a]}
				planes[k] = append(planes[k], face{p[(a+1)%3], p[(a+2)%3], c})
			}
		}
	}
	keys := make([]planeKey, 0, len(planes))
	for k := range planes {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b planeKey) int {
		return cmp.Or(cmp.Compare(a.dir, b.dir), cmp.Compare(a.slice, b.slice))
	})
	m := &Mesh{}
	for _, k := range keys {
		m.Quads = mergePlane(m.Quads, k, planes[k])
	}
	return m
}

type uv struct{ u, v int }

// mergePlane covers a plane's faces with maximal rows of one colour, then
// grows each row over following rows that match it exactly.
func mergePlane(out []Quad, k planeKey, faces []face) []Quad {
	slices.SortFunc(faces, func(a, b face) int { return cmp.Or(cmp.Compare(a.v, b.v), cmp.Compare(a.u, b.u)) })
	left := make(map[uv]color.NRGBA, len(faces))
	for _, f := range faces {
		left[uv{f.u, f.v}] = f.c
	}
	a := k.dir / 2
	sign := 1 - 2*(k.dir%2)
	for _, f := range faces {
		c, ok := left[uv{f.u, f.v}]
		if !ok {
			continue // already covered
		}
		w := 1
		for {
			nc, ok := left[uv{f.u + w, f.v}]
			if !ok || nc != c {
				break
			}
			w++
		}
		h := 1
	grow:
		for {
			for du := range w {
				nc, ok := left[uv{f.u + du, f.v + h}]
				if !ok || nc != c {
					break grow
				}
			}
			h++
		}
		for dv := range h {
			for du := range w {
				delete(left, uv{f.u + du, f.v + dv})
			}
		}
		out = append(out, quad(a, sign, k.slice, f.u, f.v, w, h, c))
	}
	return out
}

func quad(a, sign, slice, u0, v0, w, h int, c color.NRGBA) Quad {
	ua, va := (a+1)%3, (a+2)%3
	plane := slice
	if sign > 0 {
		plane = slice + 1
	}
	corner := func(u, v int) [3]int {
		var p [3]int
		p[a], p[ua], p[va] = plane, u, v
		return p
	}
	q := Quad{Color: c}
	q.Normal[a] = sign
	// u × v points along +a, so (u0,v0) → (u1,v0) → (u1,v1) → (u0,v1) is
	// counter-clockwise seen from +a; reverse it for faces looking along -a.
	q.Corners = [4][3]int{corner(u0, v0), corner(u0+w, v0), corner(u0+w, v0+h), corner(u0, v0+h)}
	if sign < 0 {
		q.Corners[1], q.Corners[3] = q.Corners[3], q.Corners[1]
	}
	return q
}

// Triangles returns the number of triangles the mesh makes.
func (m *Mesh) Triangles() int { return 2 * len(m.Quads) }

// vertex is a corner with its colour; vertices are shared between quads
// only when position, normal and colour all match.
type vertex struct {
	p      [3]int
	normal [3]int
	c      color.NRGBA
}

// indexed returns the distinct vertices and, per quad, its four indices.
func (m *Mesh) indexed() ([]vertex, [][4]uint32) {
	index := map[vertex]uint32{}
	var verts []vertex
	quads := make([][4]uint32, len(m.Quads))
	for qi, q := range m.Quads {
		for i, p := range q.Corners {
			v := vertex{p, q.Normal, q.Color}
			id, ok := index[v]
			if !ok {
				id = uint32(len(verts))
				index[v] = id
				verts = append(verts, v)
			}
			quads[qi][i] = id
		}
	}
	return verts, quads
}
