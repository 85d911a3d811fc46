package analyze

import (
	"cmp"
	"slices"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Cavity is an empty region that no path of empty cells (moving across
// faces) joins to the outside of the volume's bounding box.
type Cavity struct {
	Cells int
	Box   voxel.Box
}

// gap is an empty stretch [x0, x1] of a row, between two runs.
type gap struct{ x0, x1 int32 }

// Cavities returns v's enclosed cavities, largest first.
func Cavities(v *Volume) []Cavity {
	r := v.Runs()
	box := v.Box()
	if box.Empty() {
		return nil
	}
	// The gaps of every row, in row order: the empty stretches strictly
	// between its first and last voxel. Stretches before the first or after
	// the last voxel reach the box's edge, so they are outside.
	gapStart := make([]int32, r.Rows()+1)
	var gaps []gap
	for i := 0; i < r.Rows(); i++ {
		gapStart[i] = int32(len(gaps))
		row := r.Row(i)
		for j := 1; j < len(row); j++ {
			if end := row[j-1].End(); end+1 < row[j].X {
				gaps = append(gaps, gap{end + 1, row[j].X - 1})
			}
		}
	}
	gapStart[r.Rows()] = int32(len(gaps))
	if len(gaps) == 0 {
		return nil
	}
	outside := int32(len(gaps))
	uf := newUnionFind(len(gaps) + 1)
	for i := 0; i < r.Rows(); i++ {
		g := gaps[gapStart[i]:gapStart[i+1]]
		if len(g) == 0 {
			continue
		}
		row := r.Row(i)
		y, z := row[0].Y, row[0].Z
		for _, n := range [4][2]int32{{y - 1, z}, {y + 1, z}, {y, z - 1}, {y, z + 1}} {
			ny, nz := n[0], n[1]
			k := -1
			if ny >= int32(box.Min.Y) && ny <= int32(box.Max.Y) && nz >= int32(box.Min.Z) && nz <= int32(box.Max.Z) {
				k = r.find(ny, nz)
			}
			if k < 0 {
				// Beyond the box, or a row without voxels: open all along.
				for j := range g {
					uf.union(gapStart[i]+int32(j), outside)
				}
				continue
			}
			nrow := r.Row(k)
			first, last := nrow[0].X, nrow[len(nrow)-1].End()
			ng := gaps[gapStart[k]:gapStart[k+1]]
			for j, gg := range g {
				id := gapStart[i] + int32(j)
				// The neighbour's empty cells before its first voxel or after
				// its last one are outside.
				if gg.x0 < first || gg.x1 > last {
					uf.union(id, outside)
				}
				for m, h := range ng {
					if h.x0 > gg.x1 {
						break
					}
					if h.x1 >= gg.x0 {
						uf.union(id, gapStart[k]+int32(m))
					}
				}
			}
		}
	}
	out := uf.find(outside)
	idx := make([]int32, len(gaps)) // cavity index +1 of each root gap, 0 for none yet
	n := 0
	for i := range gaps {
		if r := uf.find(int32(i)); r == int32(i) && r != out {
			n++
		}
	}
	cav := make([]Cavity, 0, n)
	for i := 0; i < r.Rows(); i++ {
		row := r.Row(i)
		for j, gg := range gaps[gapStart[i]:gapStart[i+1]] {
			root := uf.find(gapStart[i] + int32(j))
			if root == out {
				continue
			}
			if idx[root] == 0 {
				cav = append(cav, Cavity{Box: voxel.EmptyBox})
				idx[root] = int32(len(cav))
			}
			c := &cav[idx[root]-1]
			c.Cells += int(gg.x1 - gg.x0 + 1)
			c.Box = c.Box.Extend(voxel.Pos{X: int(gg.x0), Y: int(row[0].Y), Z: int(row[0].Z)})
			c.Box = c.Box.Extend(voxel.Pos{X: int(gg.x1), Y: int(row[0].Y), Z: int(row[0].Z)})
		}
	}
	slices.SortFunc(cav, func(a, b Cavity) int {
		if c := cmp.Compare(b.Cells, a.Cells); c != 0 {
			return c
		}
		return comparePos(a.Box.Min, b.Box.Min)
	})
	return cav
}
