package analyze

import (
	"image/color"
	"math"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Grid is a 2-D view of a volume: Cols×Rows cells, top row first. Column c
// covers the coordinates ColFrom+c*Step .. ColFrom+(c+1)*Step-1 on ColAxis;
// row r covers RowFrom-r*Step down to RowFrom-(r+1)*Step+1 on RowAxis (the
// top row holds the highest coordinate). Step is 1 unless the area was
// larger than the cell limit and had to be downsampled.
type Grid struct {
	Cols, Rows       int
	ColAxis, RowAxis byte
	ColFrom, RowFrom int
	Step             int
	// Colors holds one colour per cell, row by row (alpha 0: empty). A
	// downsampled cell shows the most common colour among its voxels.
	Colors []color.NRGBA
	// Heights holds the top z per cell for a heightmap (math.MinInt: empty).
	Heights []int
}

// axes returns the column and row axes of a slice across axis, so that a
// slice reads as the matching view: z as top (x right, y up), y as front
// (x right, z up), x as right (y right, z up).
func axes(axis byte) (col, row byte) {
	switch axis {
	case 'z':
		return 'x', 'y'
	case 'y':
		return 'x', 'z'
	default:
		return 'y', 'z'
	}
}

func coord(p voxel.Pos, a byte) int {
	switch a {
	case 'x':
		return p.X
	case 'y':
		return p.Y
	}
	return p.Z
}

func setCoord(p *voxel.Pos, a byte, v int) {
	switch a {
	case 'x':
		p.X = v
	case 'y':
		p.Y = v
	default:
		p.Z = v
	}
}

// maxSamples bounds the positions read per downsampled cell (per axis).
const maxSamples = 8

// layout picks the step that fits area's two axes into maxCells per side.
func layout(area voxel.Box, colAxis, rowAxis byte, maxCells int) Grid {
	cw := coord(area.Max, colAxis) - coord(area.Min, colAxis) + 1
	rh := coord(area.Max, rowAxis) - coord(area.Min, rowAxis) + 1
	step := max(1, (max(cw, rh)+maxCells-1)/maxCells)
	g := Grid{ColAxis: colAxis, RowAxis: rowAxis, Step: step,
		Cols: (cw + step - 1) / step, Rows: (rh + step - 1) / step,
		ColFrom: coord(area.Min, colAxis), RowFrom: coord(area.Max, rowAxis)}
	return g
}

// samples returns the offsets read within a cell of the given step: all of
// them up to maxSamples, else maxSamples spread evenly.
func samples(step int) []int {
	n := min(step, maxSamples)
	out := make([]int, n)
	for i := range out {
		out[i] = i * step / n
	}
	return out
}

// Slice returns the voxels of v on the plane axis = at ('x', 'y' or 'z'),
// over area's extent on the two other axes, in at most maxCells cells per
// side.
func Slice(v *Volume, axis byte, at int, area voxel.Box, maxCells int) Grid {
	colAxis, rowAxis := axes(axis)
	g := layout(area, colAxis, rowAxis, maxCells)
	g.Colors = make([]color.NRGBA, g.Cols*g.Rows)
	l := &lookup{v: v}
	off := samples(g.Step)
	counts := map[color.NRGBA]int{}
	colEnd := coord(area.Max, colAxis)
	rowEnd := coord(area.Min, rowAxis)
	for r := 0; r < g.Rows; r++ {
		for c := 0; c < g.Cols; c++ {
			var p voxel.Pos
			setCoord(&p, axis, at)
			if g.Step == 1 {
				setCoord(&p, colAxis, g.ColFrom+c)
				setCoord(&p, rowAxis, g.RowFrom-r)
				g.Colors[r*g.Cols+c] = l.at(p)
				continue
			}
			clear(counts)
			for _, dr := range off {
				rv := g.RowFrom - r*g.Step - dr
				if rv < rowEnd {
					continue
				}
				for _, dc := range off {
					cv := g.ColFrom + c*g.Step + dc
					if cv > colEnd {
						continue
					}
					setCoord(&p, colAxis, cv)
					setCoord(&p, rowAxis, rv)
					if col := l.at(p); col.A != 0 {
						counts[col]++
					}
				}
			}
			g.Colors[r*g.Cols+c] = mostCommon(counts)
		}
	}
	return g
}

func mostCommon(m map[color.NRGBA]int) color.NRGBA {
	var best color.NRGBA
	n := 0
	for c, k := range m {
		if k > n || k == n && packColor(c) < packColor(best) {
			best, n = c, k
		}
	}
	return best
}

// Heightmap returns, for every (x, y) column of area seen from above, the
// top z of v's voxels in area and that voxel's colour, in at most maxCells
// cells per side (a downsampled cell takes its highest column).
func Heightmap(v *Volume, area voxel.Box, maxCells int) Grid {
	g := layout(area, 'x', 'y', maxCells)
	g.Heights = make([]int, g.Cols*g.Rows)
	g.Colors = make([]color.NRGBA, g.Cols*g.Rows)
	for i := range g.Heights {
		g.Heights[i] = math.MinInt
	}
	for _, run := range v.Runs().List {
		y, z := int(run.Y), int(run.Z)
		if y < area.Min.Y || y > area.Max.Y || z < area.Min.Z || z > area.Max.Z {
			continue
		}
		r := (g.RowFrom - y) / g.Step
		x0, x1 := max(int(run.X), area.Min.X), min(int(run.End()), area.Max.X)
		for x := x0; x <= x1; {
			c := (x - g.ColFrom) / g.Step
			i := r*g.Cols + c
			// Runs come in increasing z, so a later run is never lower.
			if z >= g.Heights[i] {
				g.Heights[i], g.Colors[i] = z, run.Color
			}
			x = g.ColFrom + (c+1)*g.Step // the next cell
		}
	}
	return g
}
