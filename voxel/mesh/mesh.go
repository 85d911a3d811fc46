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
//
// Cost: an export collects the exposed faces (12 bytes each), merges them
// plane by plane into rectangles (36 bytes each with their vertex
// numbers), dropping each plane's faces, and streams its output; vertices
// are deduplicated per plane with a reused table. A surface of more than
// MaxFaces exposed voxel faces or MaxQuads rectangles is refused with
// ErrTooLarge before anything is written, so an export's memory stays
// within about 200 MiB whatever the scene (see docs/security.md).
package mesh

import (
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"math"
	"slices"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// The caps of a mesh export (OBJ, PLY, glTF), derived from the scene
// budget: its 32 Mi voxels can show a hundred million exposed faces (a 3D
// checkerboard of 8,192 blocks), whose mesh would take tens of gigabytes.
// Such scenes keep every voxel, far smaller, as .vox or .gox.
const (
	// MaxFaces is the most exposed voxel faces (before merging) an export
	// collects: 8 Mi, 96 MiB of faces. A solid slab of the whole budget
	// (two layers of 4,096 full blocks) has 4.3 Mi.
	MaxFaces = 1 << 23
	// MaxQuads is the most merged rectangles an export writes: 2 Mi, about
	// 72 MiB held while writing and files of at most 8 Mi vertices.
	MaxQuads = 1 << 21
)

// ErrTooLarge is returned (wrapped) when a scene's surface is over
// MaxFaces or MaxQuads.
var ErrTooLarge = errors.New("mesh too large")

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
	u, v int32
	c    color.NRGBA
}

// key orders faces by (v, u) as one unsigned number.
func (f face) key() uint64 {
	return uint64(uint32(f.v)^1<<31)<<32 | uint64(uint32(f.u)^1<<31)
}

// rect is a merged rectangle in its plane: w×h faces from (u, v).
type rect struct {
	u, v, w, h int32
	c          color.NRGBA
}

type planeKey struct {
	dir   int // axis*2 + (0 for +, 1 for -)
	slice int // the voxel coordinate along the axis
}

// plane holds the merged rectangles of one plane, in the order the
// greedy merge found them.
type plane struct {
	planeKey
	faces []face // while building only
	rects []rect
	ids   [][4]uint32 // per rectangle, its corners' vertex numbers in the plane
	verts int         // distinct vertices
}

// surface is the compact form every writer streams from: planes sorted by
// (dir, slice).
type surface struct {
	planes      []plane
	quads       int
	verts       int
	translucent bool
	lo, hi      [3]float32 // glTF (Y up) bounds of the vertices
}

var dirs = [6][3]int{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}

// Build returns the greedy-meshed exposed surface of snap, in a
// deterministic order. It has no face cap; the encoders do.
func Build(snap *voxel.Snapshot) *Mesh {
	s, _ := build(snap, -1, -1)
	m := &Mesh{Quads: make([]Quad, 0, s.quads)}
	for i := range s.planes {
		p := &s.planes[i]
		a, sign := p.dir/2, 1-2*(p.dir%2)
		for _, r := range p.rects {
			m.Quads = append(m.Quads, quad(a, sign, p.slice, int(r.u), int(r.v), int(r.w), int(r.h), r.c))
		}
	}
	return m
}

// tooLarge is the error of a surface over a cap.
func tooLarge(what string, limit int) error {
	return fmt.Errorf("%w: the visible surface has more than %d %s, the cap of a mesh export (OBJ, PLY, glTF); "+
		"export as .vox or .gox, which keep every voxel, or hide layers to export less", ErrTooLarge, limit, what)
}

// build collects the exposed faces by plane, then merges each plane and
// drops its faces, refusing more than maxFaces faces or maxQuads merged
// rectangles (no cap when negative) as soon as it counts one more.
func build(snap *voxel.Snapshot, maxFaces, maxQuads int) (*surface, error) {
	entries := snap.Blocks()
	byOrigin := make(map[voxel.Pos]int, len(entries))
	for i, e := range entries {
		byOrigin[e.Origin] = i
	}
	planeOf := map[planeKey]int{}
	var planes []plane
	total := 0
	var local [6][voxel.BlockSize]int // plane index per direction and local slice, -1 when not yet known
	for _, e := range entries {
		vox := e.Block.Voxels()
		o := e.Origin
		oa := [3]int{o.X, o.Y, o.Z}
		var nb [6]*[voxel.BlockSize * voxel.BlockSize * voxel.BlockSize]color.NRGBA
		for d, n := range dirs {
			np := voxel.Pos{X: o.X + n[0]*voxel.BlockSize, Y: o.Y + n[1]*voxel.BlockSize, Z: o.Z + n[2]*voxel.BlockSize}
			if j, ok := byOrigin[np]; ok {
				nb[d] = entries[j].Block.Voxels()
			}
			for k := range local[d] {
				local[d][k] = -1
			}
		}
		for i := range vox {
			c := vox[i]
			if c.A == 0 {
				continue
			}
			l := [3]int{i & 15, (i >> 4) & 15, i >> 8}
			for d := range 6 {
				a := d / 2
				step := 1 - 2*(d%2)
				nl := l
				nl[a] += step
				var nc color.NRGBA
				if nl[a] >= 0 && nl[a] < voxel.BlockSize {
					nc = vox[nl[0]|nl[1]<<4|nl[2]<<8]
				} else if nb[d] != nil {
					nl[a] &= voxel.BlockSize - 1
					nc = nb[d][nl[0]|nl[1]<<4|nl[2]<<8]
				}
				// A face shows where the neighbour is empty, and between an
				// opaque and a translucent voxel (each side keeps its face,
				// so both volumes stay closed).
				if nc.A != 0 && (nc.A == 255) == (c.A == 255) {
					continue
				}
				total++
				if maxFaces >= 0 && total > maxFaces {
					return nil, tooLarge("exposed voxel faces", maxFaces)
				}
				pi := local[d][l[a]]
				if pi < 0 {
					k := planeKey{d, oa[a] + l[a]}
					var ok bool
					if pi, ok = planeOf[k]; !ok {
						pi = len(planes)
						planeOf[k] = pi
						planes = append(planes, plane{planeKey: k})
					}
					local[d][l[a]] = pi
				}
				ua, va := (a+1)%3, (a+2)%3
				planes[pi].faces = append(planes[pi].faces, face{int32(oa[ua] + l[ua]), int32(oa[va] + l[va]), c})
			}
		}
	}
	slices.SortFunc(planes, func(a, b plane) int {
		return cmp.Or(cmp.Compare(a.dir, b.dir), cmp.Compare(a.slice, b.slice))
	})
	s := &surface{planes: planes}
	var covered []bool
	for i := range planes {
		p := &planes[i]
		covered = mergePlane(p, covered)
		p.faces = nil // the rectangles replace them
		s.quads += len(p.rects)
		if maxQuads >= 0 && s.quads > maxQuads {
			return nil, tooLarge("merged rectangles (quads)", maxQuads)
		}
	}
	s.count()
	return s, nil
}

// mergePlane covers a plane's faces with maximal rows of one colour, then
// grows each row over following rows that match it exactly. The faces are
// sorted by (v, u), so a row is a run of the slice and the row below a
// face is found by binary search; covered marks faces already merged.
func mergePlane(p *plane, covered []bool) []bool {
	faces := p.faces
	slices.SortFunc(faces, func(a, b face) int { return cmp.Compare(a.key(), b.key()) })
	covered = slices.Grow(covered[:0], len(faces))[:len(faces)]
	clear(covered)
	var rows []int
	for i, f := range faces {
		if covered[i] {
			continue
		}
		c := f.c
		w := int32(1)
		for j := i + 1; j < len(faces) && faces[j].v == f.v && faces[j].u == f.u+w && faces[j].c == c && !covered[j]; j++ {
			w++
		}
		rows = append(rows[:0], i)
		for h := int32(1); ; h++ {
			rest := faces[rows[len(rows)-1]+int(w):]
			want := face{u: f.u, v: f.v + h}.key()
			k, found := slices.BinarySearchFunc(rest, want, func(a face, k uint64) int { return cmp.Compare(a.key(), k) })
			if !found || k+int(w) > len(rest) {
				break
			}
			ok := true
			for du := range w {
				g := rest[k+int(du)]
				if g.v != f.v+h || g.u != f.u+du || g.c != c || covered[len(faces)-len(rest)+k+int(du)] {
					ok = false
					break
				}
			}
			if !ok {
				break
			}
			rows = append(rows, len(faces)-len(rest)+k)
		}
		for _, r := range rows {
			for du := range int(w) {
				covered[r+du] = true
			}
		}
		p.rects = append(p.rects, rect{f.u, f.v, w, int32(len(rows)), c})
	}
	return covered
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

// surface returns the compact form of a mesh built by Build (or any quads
// grouped by plane): consecutive quads of one plane make one plane.
func (m *Mesh) surface() *surface {
	s := &surface{}
	for _, q := range m.Quads {
		a, sign := 0, 1
		for i, n := range q.Normal {
			if n != 0 {
				a, sign = i, n
			}
		}
		ua, va := (a+1)%3, (a+2)%3
		lo, hi := q.Corners[0], q.Corners[0]
		for _, c := range q.Corners {
			for i := range 3 {
				lo[i], hi[i] = min(lo[i], c[i]), max(hi[i], c[i])
			}
		}
		slice := lo[a]
		if sign > 0 {
			slice--
		}
		k := planeKey{2*a + (1-sign)/2, slice}
		if n := len(s.planes); n == 0 || s.planes[n-1].planeKey != k {
			s.planes = append(s.planes, plane{planeKey: k})
		}
		p := &s.planes[len(s.planes)-1]
		p.rects = append(p.rects, rect{int32(lo[ua]), int32(lo[va]), int32(hi[ua] - lo[ua]), int32(hi[va] - lo[va]), q.Color})
		s.quads++
	}
	s.count()
	return s
}

// vertex is a corner with its colour; vertices are shared between quads
// only when position, normal and colour all match, so only within a plane.
type vertex struct {
	p      [3]int
	normal [3]int
	c      color.NRGBA
}

// corners returns the four (u, v) corners of r in quad order.
func corners(r rect, sign int) [4][2]int32 {
	uvs := [4][2]int32{{r.u, r.v}, {r.u + r.w, r.v}, {r.u + r.w, r.v + r.h}, {r.u, r.v + r.h}}
	if sign < 0 {
		uvs[1], uvs[3] = uvs[3], uvs[1]
	}
	return uvs
}

// slot is one entry of the table index uses: a corner's position and
// colour, and its vertex number plus one (0 marks an empty slot).
type slot struct {
	uv uint64
	c  color.NRGBA
	id uint32
}

// index numbers the distinct corners of p in first-seen order into p.ids
// and p.verts. Equal corners are found with an open-addressing table of at
// least twice the corners, table reused from plane to plane.
func (p *plane) index(table []slot) []slot {
	sign := 1 - 2*(p.dir%2)
	n := 4 * len(p.rects)
	size := 1
	for size < 2*n {
		size <<= 1
	}
	if cap(table) < size {
		table = make([]slot, size)
	}
	table = table[:size]
	clear(table)
	mask := uint64(size - 1)
	p.ids = make([][4]uint32, len(p.rects))
	next := uint32(0)
	for ri, r := range p.rects {
		for k, uv := range corners(r, sign) {
			key := uint64(uint32(uv[0]))<<32 | uint64(uint32(uv[1]))
			h := (key ^ uint64(r.c.R)<<8 ^ uint64(r.c.G)<<16 ^ uint64(r.c.B)<<24 ^ uint64(r.c.A)) * 0x9E3779B97F4A7C15
			for i := h >> 32 & mask; ; i = (i + 1) & mask {
				e := &table[i]
				if e.id == 0 {
					next++
					*e = slot{key, r.c, next}
					p.ids[ri][k] = next - 1
					break
				}
				if e.uv == key && e.c == r.c {
					p.ids[ri][k] = e.id - 1
					break
				}
			}
		}
	}
	p.verts = int(next)
	return table
}

// walker holds the buffers walk reuses from plane to plane.
type walker struct {
	verts []vertex
	quads [][4]uint32
}

// plane returns the distinct vertices of p in first-seen order and, per
// rectangle, its four indices (offset by base).
func (w *walker) plane(p *plane, base uint32) ([]vertex, [][4]uint32) {
	a, sign := p.dir/2, 1-2*(p.dir%2)
	ua, va := (a+1)%3, (a+2)%3
	at := p.slice
	if sign > 0 {
		at++
	}
	var normal [3]int
	normal[a] = sign
	w.verts = w.verts[:0]
	w.quads = slices.Grow(w.quads[:0], len(p.rects))[:len(p.rects)]
	for ri, r := range p.rects {
		for k, uv := range corners(r, sign) {
			id := p.ids[ri][k]
			if int(id) == len(w.verts) {
				var pos [3]int
				pos[a], pos[ua], pos[va] = at, int(uv[0]), int(uv[1])
				w.verts = append(w.verts, vertex{pos, normal, r.c})
			}
			w.quads[ri][k] = base + id
		}
	}
	return w.verts, w.quads
}

// walk calls fn for each plane with its vertices and quads' indices, the
// indices counting from the first vertex of the whole mesh.
func (s *surface) walk(fn func(verts []vertex, quads [][4]uint32) error) error {
	var w walker
	base := uint32(0)
	for i := range s.planes {
		verts, quads := w.plane(&s.planes[i], base)
		if err := fn(verts, quads); err != nil {
			return err
		}
		base += uint32(len(verts))
	}
	return nil
}

// count fills in the vertex counts, bounds and translucency.
func (s *surface) count() {
	s.lo = [3]float32{math.MaxFloat32, math.MaxFloat32, math.MaxFloat32}
	s.hi = [3]float32{-math.MaxFloat32, -math.MaxFloat32, -math.MaxFloat32}
	s.verts = 0
	var w walker
	var table []slot
	for i := range s.planes {
		p := &s.planes[i]
		table = p.index(table)
		verts, _ := w.plane(p, 0)
		s.verts += len(verts)
		for _, v := range verts {
			for j, c := range yUp(v.p) {
				s.lo[j], s.hi[j] = min(s.lo[j], c), max(s.hi[j], c)
			}
			s.translucent = s.translucent || v.c.A < 255
		}
	}
}
