package analyze

import (
	"cmp"
	"image/color"
	"slices"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// ColorCount is one colour of a part and its number of voxels.
type ColorCount struct {
	Color  color.NRGBA
	Voxels int
}

// Part is one connected part of a volume.
type Part struct {
	Voxels   int
	Box      voxel.Box
	Colors   []ColorCount // most used first, at most PartOptions.Colors
	Grounded bool         // touches the ground level or the support
	root     int32
}

// PartOptions configures Parts.
type PartOptions struct {
	// Connectivity is 6 (voxels sharing a face) or 26 (sharing a face, an
	// edge or a corner); 0 means 6.
	Connectivity int
	// GroundZ is the ground level: a part with a voxel at or below it is
	// grounded. Nil means the lowest z of the volume.
	GroundZ *int
	// Support holds voxels that also count as ground: a part touching one
	// of them (as Connectivity says) or overlapping it is grounded.
	Support *Volume
	// Colors is how many main colours to report per part; 0 means 3.
	Colors int
	// Listed, when positive, limits the colour counts to the first Listed
	// parts and the first Listed floating parts (the others get none).
	Listed int
}

// Parts returns the connected parts of v, largest first (ties by the
// lowest (z, y, x) corner of their boxes).
func Parts(v *Volume, opt PartOptions) []Part {
	r := v.Runs()
	if len(r.List) == 0 {
		return nil
	}
	if opt.Colors <= 0 {
		opt.Colors = 3
	}
	diag := opt.Connectivity == 26
	uf := newUnionFind(len(r.List))
	// Each row joins with the rows before it in (z, y) order: (y-1, z) and
	// (y, z-1) for faces; with edges and corners also (y±1, z-1). Later rows
	// join back to this one, so every touching pair is seen once.
	slack := int32(0)
	if diag {
		slack = 1
	}
	for i := 0; i < r.Rows(); i++ {
		row := r.Row(i)
		base := int(r.rows[i])
		// Runs of one row touch when one ends right before the next starts
		// (a colour change).
		for j := 1; j < len(row); j++ {
			if row[j-1].End()+1 == row[j].X {
				uf.union(int32(base+j-1), int32(base+j))
			}
		}
		y, z := row[0].Y, row[0].Z
		join := func(ny, nz int32, slack int32) {
			k := r.find(ny, nz)
			if k < 0 {
				return
			}
			joinRows(uf, r, i, k, slack)
		}
		join(y-1, z, slack)
		join(y, z-1, slack)
		if diag {
			join(y-1, z-1, 1)
			join(y+1, z-1, 1)
		}
	}
	ground := v.Box().Min.Z
	if opt.GroundZ != nil {
		ground = *opt.GroundZ
	}
	// Sum each root's voxels and box; part[i] is the part of run i's root.
	part := make([]int32, len(r.List))
	n := 0
	for i := range part {
		part[i] = -1
		if uf.find(int32(i)) == int32(i) {
			n++
		}
	}
	parts := make([]Part, 0, n)
	for i, run := range r.List {
		root := uf.find(int32(i))
		k := part[root]
		if k < 0 {
			k = int32(len(parts))
			part[root] = k
			parts = append(parts, Part{Box: voxel.EmptyBox, root: root})
		}
		part[i] = k
		p := &parts[k]
		p.Voxels += int(run.N)
		p.Box = p.Box.Extend(voxel.Pos{X: int(run.X), Y: int(run.Y), Z: int(run.Z)})
		p.Box = p.Box.Extend(voxel.Pos{X: int(run.End()), Y: int(run.Y), Z: int(run.Z)})
	}
	for k := range parts {
		parts[k].Grounded = parts[k].Box.Min.Z <= ground
	}
	if opt.Support != nil {
		sup := &lookup{v: opt.Support}
		for i, run := range r.List {
			p := &parts[part[i]]
			if !p.Grounded && touches(sup, run, diag) {
				p.Grounded = true
			}
		}
	}
	slices.SortFunc(parts, func(a, b Part) int {
		if c := cmp.Compare(b.Voxels, a.Voxels); c != 0 {
			return c
		}
		return comparePos(a.Box.Min, b.Box.Min)
	})
	// Main colours, of the parts a caller will list: the first Listed, and
	// the first Listed floating ones.
	want := make(map[int32]int) // root → index in parts
	floating := 0
	for k, p := range parts {
		if opt.Listed > 0 && k >= opt.Listed && (p.Grounded || floating >= opt.Listed) {
			continue
		}
		if !p.Grounded {
			floating++
		}
		want[p.root] = k
	}
	counts := make(map[int32]map[color.NRGBA]int, len(want))
	for i, run := range r.List {
		root := uf.find(int32(i))
		if _, ok := want[root]; !ok {
			continue
		}
		m := counts[root]
		if m == nil {
			m = map[color.NRGBA]int{}
			counts[root] = m
		}
		m[run.Color] += int(run.N)
	}
	for root, k := range want {
		parts[k].Colors = topColors(counts[root], opt.Colors)
	}
	return parts
}

// Floating returns the parts that are not grounded, in the order given.
func Floating(parts []Part) []Part {
	n := 0
	for _, p := range parts {
		if !p.Grounded {
			n++
		}
	}
	out := make([]Part, 0, n)
	for _, p := range parts {
		if !p.Grounded {
			out = append(out, p)
		}
	}
	return out
}

// joinRows unions the runs of rows a and b whose x ranges overlap, or come
// within slack of each other.
func joinRows(uf *unionFind, r *Runs, a, b int, slack int32) {
	ra, rb := r.Row(a), r.Row(b)
	ba, bb := int(r.rows[a]), int(r.rows[b])
	i, j := 0, 0
	for i < len(ra) && j < len(rb) {
		if ra[i].X <= rb[j].End()+slack && rb[j].X <= ra[i].End()+slack {
			uf.union(int32(ba+i), int32(bb+j))
		}
		if ra[i].End() < rb[j].End() {
			i++
		} else {
			j++
		}
	}
}

// touches reports whether a voxel of run is in sup or next to one of its voxels.
func touches(sup *lookup, run Run, diag bool) bool {
	for x := run.X - 1; x <= run.End()+1; x++ {
		for dz := int32(-1); dz <= 1; dz++ {
			for dy := int32(-1); dy <= 1; dy++ {
				n := abs(dy) + abs(dz)
				inside := x >= run.X && x <= run.End()
				if !inside {
					n++
				}
				if n > 1 && !diag {
					continue
				}
				if sup.at(voxel.Pos{X: int(x), Y: int(run.Y + dy), Z: int(run.Z + dz)}).A != 0 {
					return true
				}
			}
		}
	}
	return false
}

func abs(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}

func topColors(m map[color.NRGBA]int, n int) []ColorCount {
	out := make([]ColorCount, 0, len(m))
	for c, k := range m {
		out = append(out, ColorCount{c, k})
	}
	slices.SortFunc(out, func(a, b ColorCount) int {
		if c := cmp.Compare(b.Voxels, a.Voxels); c != 0 {
			return c
		}
		return cmp.Compare(packColor(a.Color), packColor(b.Color))
	})
	return out[:min(n, len(out))]
}

func packColor(c color.NRGBA) uint32 {
	return uint32(c.R)<<24 | uint32(c.G)<<16 | uint32(c.B)<<8 | uint32(c.A)
}

func comparePos(a, b voxel.Pos) int {
	if c := cmp.Compare(a.Z, b.Z); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Y, b.Y); c != 0 {
		return c
	}
	return cmp.Compare(a.X, b.X)
}

type unionFind struct{ parent []int32 }

func newUnionFind(n int) *unionFind {
	p := make([]int32, n)
	for i := range p {
		p[i] = int32(i)
	}
	return &unionFind{p}
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

func (u *unionFind) union(a, b int32) {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return
	}
	// The smaller index becomes the root: roots stay deterministic.
	if ra < rb {
		u.parent[rb] = ra
	} else {
		u.parent[ra] = rb
	}
}
