// Package stl writes the visible voxels of a scene as a binary STL solid
// for 3D printing.
//
// Binary STL (no spec body; the de facto layout of 3D Systems' format):
//
//	80-byte header (ignored by readers; ours says what wrote it)
//	uint32 triangle count
//	per triangle: normal, vertex 1, 2, 3 as 3 × float32 each, then a
//	uint16 attribute byte count (0)
//
// All little-endian. STL carries no units: slicers read millimetres, so a
// voxel is Options.Scale mm (1 by default). Axes are the scene's: Z up, as
// slicers expect. Colours and layers are not kept: every visible voxel,
// translucent or not, is solid, and the visible layers make one solid.
//
// The surface is closed and edge-manifold, so slicers need no repair:
//   - Each exposed voxel face is one unit square, two triangles or a fan
//     (below); faces are never merged, so no vertex lies inside another
//     triangle's edge (no T-junctions) and every edge is shared by exactly
//     two triangles, wound counter-clockwise seen from outside (normals point
//     out; the signed volume equals the voxel count).
//   - Where voxels touch only along an edge or at a corner, the surface
//     would pinch: four triangles on one edge, or two cones on one vertex.
//     Each face-connected group of voxels around such a vertex gets its
//     own copy of it, and each of a pinched edge's two voxels its own copy
//     of the edge's midpoint, moved a few 1/256 of a voxel apart, so the
//     solids stay apart by a hair and every edge has exactly two
//     triangles. The faces at a split vertex become fans around their
//     centre through the midpoints of their edges, and every move is
//     perpendicular to the volume's gradient with respect to the moved
//     vertex (see shifts and appendFace), so the signed volume stays
//     exactly the voxel count. The offsets are multiples of 1/256, exact
//     in float32 within ±MaxCoord voxels of the origin (farther voxels are
//     refused).
package stl

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"image/color"
	"io"
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Pinch is the unit, in voxels, of the moves that part split corners and
// edge midpoints (a few units each).
const Pinch = 1.0 / 256

// MaxCoord bounds the voxel coordinates an STL can hold exactly: float32
// keeps steps of Pinch only below 2^16, so copies of a split corner
// farther out would round onto one point and the solids would weld again.
const MaxCoord = 1<<16 - 2

// Options tunes Encode.
type Options struct {
	// Scale is the size of a voxel in millimetres; 0 means 1.
	Scale float64
}

// Triangle is one facet, in voxel units: the corners counter-clockwise
// seen from outside and the outward unit normal.
type Triangle struct {
	Normal [3]float32
	V      [3][3]float64
}

// Encode writes the visible voxels of snap as binary STL, 1 mm per voxel.
func Encode(w io.Writer, snap *voxel.Snapshot) error {
	return EncodeOptions(w, snap, Options{})
}

// EncodeOptions is Encode with a voxel size.
func EncodeOptions(w io.Writer, snap *voxel.Snapshot, opt Options) error {
	_, err := EncodeReport(w, snap, opt)
	return err
}

// Report says what EncodeReport wrote.
type Report struct {
	Triangles int
	Scale     float64    // millimetres per voxel
	Size      [3]float64 // the solid's extent in millimetres, X, Y, Z
}

// Summary describes the solid in a sentence for a tool's result.
func (r Report) Summary() string {
	return fmt.Sprintf("STL: one closed solid of %d triangles, %g mm per voxel, %g × %g × %g mm (X × Y × Z, Z up).",
		r.Triangles, r.Scale, r.Size[0], r.Size[1], r.Size[2])
}

// EncodeReport is EncodeOptions that also reports what it wrote.
func EncodeReport(w io.Writer, snap *voxel.Snapshot, opt Options) (Report, error) {
	scale := opt.Scale
	if scale == 0 {
		scale = 1
	}
	if scale < 0 || math.IsNaN(scale) || math.IsInf(scale, 0) {
		return Report{}, fmt.Errorf("stl: scale must be a positive number of millimetres, got %v", opt.Scale)
	}
	if snap.Count() > 0 {
		b := snap.Box()
		for _, c := range [6]int{b.Min.X, b.Min.Y, b.Min.Z, b.Max.X + 1, b.Max.Y + 1, b.Max.Z + 1} {
			if c < -MaxCoord || c > MaxCoord {
				return Report{}, fmt.Errorf("stl: the voxels span %v to %v, but an STL's float32 coordinates are exact only within ±%d voxels of the origin; move the model nearer the origin", b.Min, b.Max, MaxCoord)
			}
		}
	}
	// Two passes, counting then writing, so memory stays flat however big
	// the surface: the count comes first in the file.
	count := countTriangles(snap)
	if count > math.MaxUint32 {
		return Report{}, fmt.Errorf("stl: %d triangles do not fit in a binary STL", count)
	}
	rep := Report{Triangles: count, Scale: scale}
	if snap.Count() > 0 {
		size := snap.Box().Size()
		rep.Size = [3]float64{float64(size.X) * scale, float64(size.Y) * scale, float64(size.Z) * scale}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var head [84]byte
	copy(head[:], fmt.Sprintf("goxel-mcp voxel export: %d voxels, %g mm per voxel, Z up", snap.Count(), scale))
	binary.LittleEndian.PutUint32(head[80:], uint32(count))
	bw.Write(head[:])
	var rec [50]byte
	put := func(off int, v float32) { binary.LittleEndian.PutUint32(rec[off:], math.Float32bits(v)) }
	eachTriangle(snap, func(t *Triangle) {
		for i, n := range t.Normal {
			put(4*i, n)
		}
		for k, v := range t.V {
			for i, c := range v {
				put(12+12*k+4*i, float32(c*scale))
			}
		}
		bw.Write(rec[:])
	})
	if err := bw.Flush(); err != nil {
		return rep, fmt.Errorf("failed to write stl: %w", err)
	}
	return rep, nil
}

var dirs = [6][3]int{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}

// Triangles returns the closed surface of snap's voxels, two triangles per
// exposed face, in a deterministic order.
func Triangles(snap *voxel.Snapshot) []Triangle {
	var out []Triangle
	eachTriangle(snap, func(t *Triangle) { out = append(out, *t) })
	return out
}

// eachTriangle calls fn for every triangle of the surface, in the order
// of Triangles, holding no more than one face's triangles at a time.
func eachTriangle(snap *voxel.Snapshot, fn func(*Triangle)) {
	filled := newOccupancy(snap).filled
	var buf []Triangle
	snap.Each(func(p voxel.Pos, _ color.NRGBA) bool {
		for _, n := range dirs {
			if filled(voxel.Pos{X: p.X + n[0], Y: p.Y + n[1], Z: p.Z + n[2]}) {
				continue
			}
			buf = appendFace(buf[:0], filled, p, n)
			for i := range buf {
				fn(&buf[i])
			}
		}
		return true
	})
}

// countTriangles returns how many triangles eachTriangle makes, without
// placing their corners: two per exposed face, or a fan of 4 plus one per
// edge midpoint (see newFace).
func countTriangles(snap *voxel.Snapshot) int {
	filled := newOccupancy(snap).filled
	count := 0
	snap.Each(func(p voxel.Pos, _ color.NRGBA) bool {
		for _, n := range dirs {
			if filled(voxel.Pos{X: p.X + n[0], Y: p.Y + n[1], Z: p.Z + n[2]}) {
				continue
			}
			f := newFace(filled, p, n)
			mids := 0
			for _, m := range f.mids {
				if m {
					mids++
				}
			}
			if mids == 0 {
				count += 2
			} else {
				count += 4 + mids
			}
		}
		return true
	})
	return count
}

// face is what the triangles of voxel p's face looking along n depend on.
type face struct {
	ks      [4]voxel.Pos // corners, counter-clockwise from outside
	masks   [4]uint8     // the 2×2×2 occupancy around each corner
	selves  [4]int       // p's index in each corner's 2×2×2
	mids    [4]bool      // edge i (corner i to i+1) has a midpoint
	pinched [4]bool      // edge i is pinched: four faces on it
}

// newFace looks at the 3×3×2 voxels around the face once. An edge gets a
// midpoint if it is pinched or has a split corner at either end: the
// answer depends only on the edge, so the two faces sharing it agree and
// no T-junction appears.
func newFace(filled func(voxel.Pos) bool, p voxel.Pos, n [3]int) face {
	var f face
	// occ caches filled() by offset from p (-1..1 per axis): 0 unknown,
	// 1 empty, 2 filled.
	var occ [27]uint8
	at := func(dx, dy, dz int) bool {
		k := (dx + 1) + 3*(dy+1) + 9*(dz+1)
		if occ[k] == 0 {
			occ[k] = 1
			if filled(voxel.Pos{X: p.X + dx, Y: p.Y + dy, Z: p.Z + dz}) {
				occ[k] = 2
			}
		}
		return occ[k] == 2
	}
	f.ks = faceCorners(p, n)
	var split [4]bool
	for j, k := range f.ks {
		var mask uint8
		for i := range 8 {
			c := cellAt(k, i)
			if c == p {
				f.selves[j] = i
				mask |= 1 << i
			} else if at(c.X-p.X, c.Y-p.Y, c.Z-p.Z) {
				mask |= 1 << i
			}
		}
		f.masks[j] = mask
		split[j] = groups[mask].count > 1
	}
	for i := range 4 {
		d := edgeDir(p, n, f.ks[i], f.ks[(i+1)%4])
		f.pinched[i] = !at(d[0], d[1], d[2]) && at(d[0]+n[0], d[1]+n[1], d[2]+n[2])
		f.mids[i] = f.pinched[i] || split[i] || split[(i+1)%4]
	}
	return f
}

// corner returns the position of face corner j for p's faces: the grid
// vertex itself, unless the voxels around it fall into several
// face-connected groups, in which case p's group gets its own copy, moved
// by Pinch times its group's shift.
func (f *face) corner(j int) [3]float64 {
	v := f.ks[j]
	pos := [3]float64{float64(v.X), float64(v.Y), float64(v.Z)}
	g := &groups[f.masks[j]]
	if g.count <= 1 {
		return pos
	}
	d := g.shift[g.label[f.selves[j]]]
	for i := range 3 {
		pos[i] += Pinch * float64(d[i])
	}
	return pos
}

// edgeDir returns the in-plane unit direction from the centre of voxel
// p's face looking along n to the face's edge from grid vertex a to b.
func edgeDir(p voxel.Pos, n [3]int, a, b voxel.Pos) [3]int {
	// Twice the edge's midpoint minus twice the face's centre.
	m := [3]int{a.X + b.X, a.Y + b.Y, a.Z + b.Z}
	c := [3]int{2*p.X + 1 + n[0], 2*p.Y + 1 + n[1], 2*p.Z + 1 + n[2]}
	var d [3]int
	for k := range 3 {
		if n[k] != 0 {
			continue
		}
		switch {
		case m[k] > c[k]:
			d[k] = 1
		case m[k] < c[k]:
			d[k] = -1
		}
	}
	return d
}

// appendFace appends the triangles of voxel p's face looking along n: two,
// or, when an edge of the face has a midpoint (newFace), a fan around the
// face's centre through the corners and midpoints.
func appendFace(out []Triangle, filled func(voxel.Pos) bool, p voxel.Pos, n [3]int) []Triangle {
	normal := [3]float32{float32(n[0]), float32(n[1]), float32(n[2])}
	f := newFace(filled, p, n)
	ks, mids, pinched := f.ks, f.mids, f.pinched
	var c [4][3]float64
	for i := range 4 {
		c[i] = f.corner(i)
	}
	if mids == [4]bool{} {
		return append(out, Triangle{normal, [3][3]float64{c[0], c[1], c[2]}}, Triangle{normal, [3][3]float64{c[0], c[2], c[3]}})
	}
	centre := [3]float64{float64(p.X) + 0.5 + 0.5*float64(n[0]), float64(p.Y) + 0.5 + 0.5*float64(n[1]), float64(p.Z) + 0.5 + 0.5*float64(n[2])}
	var polyBuf [8][3]float64
	poly := polyBuf[:0]
	for i := range 4 {
		poly = append(poly, c[i])
		if !mids[i] {
			continue
		}
		a, b := ks[i], ks[(i+1)%4]
		mid := [3]float64{float64(a.X+b.X) / 2, float64(a.Y+b.Y) / 2, float64(a.Z+b.Z) / 2}
		if pinched[i] {
			// Four faces meet on this edge: p's two and the diagonal
			// voxel's two. Each voxel's pair goes through its own copy of
			// the midpoint, moved into one of the two empty cells beside
			// the edge: p's copy into the cell reached from p along the
			// lower-numbered of the edge's two cross axes, the other's
			// into the other cell, so the copies part. The move is
			// parallel to the line between the centres of p's two faces
			// on the edge (d - n or n - d), so it changes no volume.
			d := edgeDir(p, n, a, b)
			first, second := d, n
			if axisOf(n) < axisOf(d) {
				first, second = n, d
			}
			for k := range 3 {
				mid[k] += Pinch * float64(first[k]-second[k])
			}
		}
		poly = append(poly, mid)
	}
	for i := range poly {
		out = append(out, Triangle{normal, [3][3]float64{centre, poly[i], poly[(i+1)%len(poly)]}})
	}
	return out
}

// axisOf is the axis (0, 1, 2) along which the unit vector v points.
func axisOf(v [3]int) int {
	for k := range 3 {
		if v[k] != 0 {
			return k
		}
	}
	return 0
}

// occupancy answers "is there a voxel at p" with a one-block cache: the
// lookups of a face and its corners nearly always fall in one block, and
// a map lookup per query cost most of the export's time.
type occupancy struct {
	blocks  map[voxel.Pos]*voxel.Block // by block coordinates
	lastKey voxel.Pos
	last    *voxel.Block
	hasLast bool
}

func newOccupancy(snap *voxel.Snapshot) *occupancy {
	o := &occupancy{blocks: map[voxel.Pos]*voxel.Block{}}
	for _, e := range snap.Blocks() {
		o.blocks[voxel.Pos{X: e.Origin.X >> 4, Y: e.Origin.Y >> 4, Z: e.Origin.Z >> 4}] = e.Block
	}
	return o
}

func (o *occupancy) filled(p voxel.Pos) bool {
	k := voxel.Pos{X: p.X >> 4, Y: p.Y >> 4, Z: p.Z >> 4}
	if !o.hasLast || k != o.lastKey {
		o.last, o.lastKey, o.hasLast = o.blocks[k], k, true
	}
	if o.last == nil {
		return false
	}
	return o.last.Voxels()[p.X&15|(p.Y&15)<<4|(p.Z&15)<<8].A != 0
}

// faceCorners returns the grid vertices of voxel p's face looking along n,
// counter-clockwise seen from outside.
func faceCorners(p voxel.Pos, n [3]int) [4]voxel.Pos {
	a := 0
	for i := range 3 {
		if n[i] != 0 {
			a = i
		}
	}
	ua, va := (a+1)%3, (a+2)%3
	base := [3]int{p.X, p.Y, p.Z}
	if n[a] > 0 {
		base[a]++
	}
	at := func(du, dv int) voxel.Pos {
		q := base
		q[ua] += du
		q[va] += dv
		return voxel.Pos{X: q[0], Y: q[1], Z: q[2]}
	}
	// u × v points along +a: (0,0) (1,0) (1,1) (0,1) is counter-clockwise
	// seen from +a; reversed for faces looking along -a.
	if n[a] > 0 {
		return [4]voxel.Pos{at(0, 0), at(1, 0), at(1, 1), at(0, 1)}
	}
	return [4]voxel.Pos{at(0, 0), at(0, 1), at(1, 1), at(1, 0)}
}

// cellAt returns cell i (bit 0: x, bit 1: y, bit 2: z; 0 is the lower
// side) of the eight voxels around grid vertex v.
func cellAt(v voxel.Pos, i int) voxel.Pos {
	return voxel.Pos{X: v.X - 1 + i&1, Y: v.Y - 1 + i>>1&1, Z: v.Z - 1 + i>>2&1}
}

// group describes how the filled cells of one 2×2×2 pattern around a
// vertex split into face-connected groups.
type group struct {
	count int
	label [8]int8
	shift [4][3]int8 // per group: its copy's move, in units of Pinch
}

var groups = func() (t [256]group) {
	for mask := range 256 {
		g := &t[mask]
		for i := range g.label {
			g.label[i] = -1
		}
		for i := range 8 {
			if mask>>i&1 == 0 || g.label[i] >= 0 {
				continue
			}
			// Flood the group of cell i; face neighbours differ in one bit.
			stack := []int{i}
			g.label[i] = int8(g.count)
			for len(stack) > 0 {
				c := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, bit := range []int{1, 2, 4} {
					nb := c ^ bit
					if mask>>nb&1 == 1 && g.label[nb] < 0 {
						g.label[nb] = int8(g.count)
						stack = append(stack, nb)
					}
				}
			}
			g.count++
		}
		if g.count > 1 {
			g.shift = shifts(uint8(mask), g)
		}
	}
	return t
}()

// sgn is -1 or +1: the side of grid vertex v that cell i of its 2×2×2
// lies on along axis a.
func sgn(i, a int) int { return i>>a&1*2 - 1 }

// shifts chooses, for each group of a split vertex's pattern, the move of
// its copy (in units of Pinch), so that:
//   - the volume does not change: the move is perpendicular to the sum N
//     of the outward normals of the group's faces at the vertex. The faces
//     around a split vertex are fans with the vertex between two edge
//     midpoints, a quarter of the face each, so the volume's gradient with
//     respect to the vertex is N/12 and a move with zero dot product with
//     N changes it by nothing (not even by rounding: the offsets are
//     multiples of a power of two);
//   - the copies part without crossing: the move points into cells that
//     are empty or the group's own, never into another group's cell nor
//     into a cell another group's copy moves into;
//   - along a pinched edge the corner moves to the same side as the
//     edge's midpoint copy (see appendFace), so the two voxels' edges do
//     not cross.
func shifts(mask uint8, g *group) (out [4][3]int8) {
	var normals [4][3]int
	for i := range 8 {
		if mask>>i&1 == 0 {
			continue
		}
		for a := range 3 {
			if mask>>(i^1<<a)&1 == 0 {
				normals[g.label[i]][a] -= sgn(i, a)
			}
		}
	}
	// need[l][a]: the sign the move of group l must have along axis a (0:
	// free), from the pinched edges through the vertex: a pinched edge's
	// midpoint copies part along its higher-numbered cross axis w, each
	// voxel's to its own side.
	var need [4][3]int
	for t := range 3 {
		u, w := (t+1)%3, (t+2)%3
		if u > w {
			u, w = w, u
		}
		for h := range 2 {
			cell := func(a, b int) int { return h<<t | a<<u | b<<w }
			on := func(i int) bool { return mask>>i&1 == 1 }
			for _, pair := range [2][2]int{{cell(0, 0), cell(1, 1)}, {cell(0, 1), cell(1, 0)}} {
				s0, s1 := pair[0]^1<<u, pair[0]^1<<w
				if on(pair[0]) && on(pair[1]) && !on(s0) && !on(s1) {
					for _, i := range pair {
						need[g.label[i]][w] = sgn(i, w)
					}
				}
			}
		}
	}
	var taken uint8 // cells some group's move points into
	for l := range g.count {
		best, bestScore := [3]int{}, -1
		var bestCells uint8
		for x := -4; x <= 4; x++ {
			for y := -4; y <= 4; y++ {
				for z := -4; z <= 4; z++ {
					d := [3]int{x, y, z}
					if d == [3]int{} || d[0]*normals[l][0]+d[1]*normals[l][1]+d[2]*normals[l][2] != 0 {
						continue
					}
					ok, zeros := true, 0
					for a := range 3 {
						if need[l][a] != 0 && d[a]*need[l][a] <= 0 {
							ok = false
						}
						if d[a] == 0 {
							zeros++
						}
					}
					// The cells whose closure holds the ray along d.
					var cells uint8
					for i := range 8 {
						in := true
						for a := range 3 {
							if d[a] != 0 && sgn(i, a) != sign(d[a]) {
								in = false
							}
						}
						if in {
							cells |= 1 << i
						}
					}
					for i := range 8 {
						if cells>>i&1 == 1 && mask>>i&1 == 1 && int(g.label[i]) != l {
							ok = false
						}
					}
					if !ok || cells&taken != 0 {
						continue
					}
					score := zeros*100 + x*x + y*y + z*z
					if bestScore < 0 || score < bestScore {
						best, bestScore, bestCells = d, score, cells
					}
				}
			}
		}
		if bestScore < 0 {
			panic(fmt.Sprintf("stl: no move for group %d of pattern %08b", l, mask))
		}
		taken |= bestCells
		for a := range 3 {
			out[l][a] = int8(best[a])
		}
	}
	return out
}

func sign(x int) int {
	if x < 0 {
		return -1
	}
	return 1
}
