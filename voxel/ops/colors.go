package ops

import (
	"cmp"
	"image/color"
	"slices"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Near reports whether a and b differ by at most tol on every RGBA channel.
func Near(a, b color.NRGBA, tol int) bool {
	d := func(x, y uint8) int { return abs(int(x) - int(y)) }
	return d(a.R, b.R) <= tol && d(a.G, b.G) <= tol && d(a.B, b.B) <= tol && d(a.A, b.A) <= tol
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// ReplaceColor gives every voxel of the region whose colour is within tol
// of from (per RGBA channel) the colour to; alpha 0 removes them.
func ReplaceColor(s *voxel.Scene, src Region, from color.NRGBA, tol int, to color.NRGBA) (Result, error) {
	if !s.HasLayer(src.Layer) {
		return Result{}, ErrNoLayer
	}
	var pos []voxel.Pos
	s.EachIn(src.Layer, src.Box, func(p voxel.Pos, c color.NRGBA) bool {
		if Near(c, from, tol) && c != to {
			pos = append(pos, p)
		}
		return true
	})
	var r Result
	for _, p := range pos {
		Put(s, src.Layer, p, to, &r)
	}
	return r, nil
}

// ColorCount is one entry of a histogram.
type ColorCount struct {
	Color color.NRGBA
	Count int
}

// Histogram counts the voxels of each colour in the given layers (all when
// none are given), most used first, ties by colour.
func Histogram(s *voxel.Scene, layers ...int) []ColorCount {
	if len(layers) == 0 {
		for _, l := range s.Layers() {
			layers = append(layers, l.ID)
		}
	}
	counts := map[color.NRGBA]int{}
	for _, id := range layers {
		s.Each(id, func(_ voxel.Pos, c color.NRGBA) bool {
			counts[c]++
			return true
		})
	}
	out := make([]ColorCount, 0, len(counts))
	for c, n := range counts {
		out = append(out, ColorCount{c, n})
	}
	slices.SortFunc(out, func(a, b ColorCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(uint32(a.Color.R)<<24|uint32(a.Color.G)<<16|uint32(a.Color.B)<<8|uint32(a.Color.A),
			uint32(b.Color.R)<<24|uint32(b.Color.G)<<16|uint32(b.Color.B)<<8|uint32(b.Color.A))
	})
	return out
}
