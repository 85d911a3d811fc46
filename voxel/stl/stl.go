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
//   - Each exposed voxel face is one unit square split into two triangles;
//     faces are never merged, so no vertex lies inside another triangle's
//     edge (no T-junctions) and every edge is shared by exactly two
//     triangles, wound counter-clockwise seen from outside (normals point
//     out; the signed volume equals the voxel count).
//   - Where voxels touch only along an edge or at a corner, the surface
//     would pinch: four triangles on one edge, or two cones on one vertex.
//     At a pinched edge each of the two voxels' faces go through their own
//     copy of the edge's midpoint, moved Pinch voxels apart along the
//     cross-section's other diagonal, which keeps the volume exact (the
//     face becomes a fan of triangles around its centre); at a pinched
//     corner each group of face-connected voxels gets its own copy of the
//     corner, moved likewise. The solids stay apart by a hair, so every
//     edge has exactly two triangles, and the volume changes by far less
//     than a voxel.
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

// Pinch is how far, in voxels, a split corner moves toward its voxels.
const Pinch = 1.0 / 256

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
// pinched edge.
func countTriangles(snap *voxel.Snapshot) int {
	filled := newOccupancy(snap).filled
	count := 0
	snap.Each(func(p voxel.Pos, _ color.NRGBA) bool {
		for _, n := range dirs {
			if filled(voxel.Pos{X: p.X + n[0], Y: p.Y + n[1], Z: p.Z + n[2]}) {
				continue
			}
			pinched := 0
			for _, d := range edgeDirs(n) {
				side := voxel.Pos{X: p.X + d[0], Y: p.Y + d[1], Z: p.Z + d[2]}
				diag := voxel.Pos{X: side.X + n[0], Y: side.Y + n[1], Z: side.Z + n[2]}
				if !filled(side) && filled(diag) {
					pinched++
				}
			}
			if pinched == 0 {
				count += 2
			} else {
				count += 4 + pinched
			}
		}
		return true
	})
	return count
}

// edgeDirs returns the four in-plane directions from a face looking along
// n to its edges' neighbours.
func edgeDirs(n [3]int) [4][3]int {
	var out [4][3]int
	k := 0
	for a := range 3 {
		if n[a] != 0 {
			continue
		}
		for _, s := range [2]int{1, -1} {
			out[k][a] = s
			k++
		}
	}
	return out
}

// appendFace appends the triangles of voxel p's face looking along n: two,
// or, when an edge of the face is pinched, a fan around the face's centre
// through a copy of that edge's midpoint moved toward p.
func appendFace(out []Triangle, filled func(voxel.Pos) bool, p voxel.Pos, n [3]int) []Triangle {
	normal := [3]float32{float32(n[0]), float32(n[1]), float32(n[2])}
	ks := faceCorners(p, n)
	var c [4][3]float64
	for i, k := range ks {
		c[i] = corner(filled, p, k)
	}
	centre := [3]float64{float64(p.X) + 0.5 + 0.5*float64(n[0]), float64(p.Y) + 0.5 + 0.5*float64(n[1]), float64(p.Z) + 0.5 + 0.5*float64(n[2])}
	var polyBuf [8][3]float64
	poly := polyBuf[:0]
	for i := range 4 {
		poly = append(poly, c[i])
		a, b := ks[i], ks[(i+1)%4]
		mid := [3]float64{float64(a.X+b.X) / 2, float64(a.Y+b.Y) / 2, float64(a.Z+b.Z) / 2}
		// d: the in-plane direction from the face's centre to this edge.
		var d [3]int
		for k := range 3 {
			switch {
			case mid[k] > centre[k]:
				d[k] = 1
			case mid[k] < centre[k] && n[k] == 0:
				d[k] = -1
			}
			if n[k] != 0 {
				d[k] = 0
			}
		}
		side := voxel.Pos{X: p.X + d[0], Y: p.Y + d[1], Z: p.Z + d[2]}
		diag := voxel.Pos{X: side.X + n[0], Y: side.Y + n[1], Z: side.Z + n[2]}
		if !filled(side) && filled(diag) {
			// Four faces meet on this edge: p's two and diag's two. Each
			// voxel's pair goes through its own copy of the midpoint,
			// moved into one of the two empty cells beside the edge: p's
			// copy into the cell reached along the lower-numbered of the
			// edge's two cross axes, diag's into the other, so the copies
			// part. The move is parallel to the line between the two
			// voxels' other edges of the cross-section (d - n or n - d), so
			// it changes no volume: the signed volume stays the voxel count.
			var to [3]float64
			first, second := d, n
			if axisOf(n) < axisOf(d) {
				first, second = n, d
			}
			for k := range 3 {
				to[k] = float64(first[k] - second[k])
			}
			for k := range 3 {
				mid[k] += Pinch * to[k] / math.Sqrt2
			}
			poly = append(poly, mid)
		}
	}
	if len(poly) == 4 {
		return append(out, Triangle{normal, [3][3]float64{c[0], c[1], c[2]}}, Triangle{normal, [3][3]float64{c[0], c[2], c[3]}})
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

// corner returns the position of grid vertex v for the faces of voxel p:
// v itself, unless the voxels around v fall into several face-connected
// groups, in which case p's group gets its own copy moved toward it.
func corner(filled func(voxel.Pos) bool, p, v voxel.Pos) [3]float64 {
	var mask uint8
	self := -1
	for i := range 8 {
		c := cellAt(v, i)
		if c == p {
			self = i
			mask |= 1 << i
		} else if filled(c) {
			mask |= 1 << i
		}
	}
	g := &groups[mask]
	pos := [3]float64{float64(v.X), float64(v.Y), float64(v.Z)}
	if g.count <= 1 || self < 0 {
		return pos
	}
	d := g.shift[g.label[self]]
	for i := range 3 {
		pos[i] += d[i]
	}
	return pos
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
	shift [8][3]float64 // per group: the corner's move toward its cells
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
		for l := range g.count {
			var sum [3]float64
			for i := range 8 {
				if int(g.label[i]) == l {
					sum[0] += float64(i&1) - 0.5
					sum[1] += float64(i>>1&1) - 0.5
					sum[2] += float64(i>>2&1) - 0.5
				}
			}
			n := math.Sqrt(sum[0]*sum[0] + sum[1]*sum[1] + sum[2]*sum[2])
			if n == 0 {
				continue // only a lone group can be balanced; it stays put
			}
			for a := range 3 {
				g.shift[l][a] = Pinch * sum[a] / n
			}
		}
	}
	return t
}()
