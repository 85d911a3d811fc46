package analyze

import (
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Run is N voxels of one colour from (X, Y, Z) along +X.
type Run struct {
	X, Y, Z, N int32
	Color      color.NRGBA
}

// End returns the x of the run's last voxel.
func (r Run) End() int32 { return r.X + r.N - 1 }

// Runs is a volume as x-runs ordered by (z, y, x), rows delimited.
type Runs struct {
	List   []Run
	rows   []int32 // index in List where each (y, z) row starts; a final len(List)
	byRow  map[int64]int32
	voxels int
	box    voxel.Box
}

func rowKey(y, z int32) int64 { return int64(z)<<32 | int64(uint32(y)) }

// Rows returns the number of rows (y, z) holding voxels.
func (r *Runs) Rows() int { return len(r.rows) - 1 }

// Row returns the runs of row i, in x order.
func (r *Runs) Row(i int) []Run { return r.List[r.rows[i]:r.rows[i+1]] }

// find returns the index of row (y, z), or -1.
func (r *Runs) find(y, z int32) int {
	if i, ok := r.byRow[rowKey(y, z)]; ok {
		return int(i)
	}
	return -1
}

// Runs returns the volume's x-runs, building them on the first call.
func (v *Volume) Runs() *Runs {
	if v.runs == nil {
		v.runs = buildRuns(v.blocks, v.clip, v.keep)
	}
	return v.runs
}

func buildRuns(blocks []voxel.BlockEntry, clip voxel.Box, keep func(color.NRGBA) bool) *Runs {
	r := &Runs{box: voxel.EmptyBox}
	var cur *Run
	var rowY, rowZ int32
	haveRow := false
	// Blocks are sorted by (Z, Y, X) of their origins: a z-slab of blocks is
	// a contiguous range, and within it so is each y-strip. Walking z, then
	// the strips, then y, then the blocks of a strip gives rows in (z, y)
	// order and x ascending within a row.
	for s := 0; s < len(blocks); {
		oz := blocks[s].Origin.Z
		e := s
		for e < len(blocks) && blocks[e].Origin.Z == oz {
			e++
		}
		z0, z1 := max(0, clip.Min.Z-oz), min(mask, clip.Max.Z-oz)
		for lz := z0; lz <= z1; lz++ {
			z := int32(oz + lz)
			for t := s; t < e; {
				oy := blocks[t].Origin.Y
				u := t
				for u < e && blocks[u].Origin.Y == oy {
					u++
				}
				y0, y1 := max(0, clip.Min.Y-oy), min(mask, clip.Max.Y-oy)
				for ly := y0; ly <= y1; ly++ {
					y := int32(oy + ly)
					for _, be := range blocks[t:u] {
						ox := be.Origin.X
						x0, x1 := max(0, clip.Min.X-ox), min(mask, clip.Max.X-ox)
						vox := be.Block.Voxels()
						base := ly<<4 | lz<<8
						for lx := x0; lx <= x1; lx++ {
							c := vox[base|lx]
							if c.A == 0 || keep != nil && !keep(c) {
								continue
							}
							x := int32(ox + lx)
							if !haveRow || rowY != y || rowZ != z {
								r.rows = append(r.rows, int32(len(r.List)))
								rowY, rowZ, haveRow = y, z, true
								cur = nil
							}
							if cur != nil && cur.Color == c && cur.X+cur.N == x {
								cur.N++
							} else {
								r.List = append(r.List, Run{X: x, Y: y, Z: z, N: 1, Color: c})
								cur = &r.List[len(r.List)-1]
							}
							r.voxels++
						}
					}
				}
				t = u
			}
		}
		s = e
	}
	r.rows = append(r.rows, int32(len(r.List)))
	r.byRow = make(map[int64]int32, len(r.rows))
	for i := 0; i+1 < len(r.rows); i++ {
		first, last := r.List[r.rows[i]], r.List[r.rows[i+1]-1]
		r.byRow[rowKey(first.Y, first.Z)] = int32(i)
		r.box = r.box.Extend(voxel.Pos{X: int(first.X), Y: int(first.Y), Z: int(first.Z)})
		r.box = r.box.Extend(voxel.Pos{X: int(last.End()), Y: int(last.Y), Z: int(last.Z)})
	}
	return r
}
