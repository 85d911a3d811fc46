package tools

import (
	"cmp"
	"slices"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// sortPositions orders positions by Z, then Y, then X.
func sortPositions(ps []voxel.Pos) {
	slices.SortFunc(ps, func(a, b voxel.Pos) int {
		if c := cmp.Compare(a.Z, b.Z); c != 0 {
			return c
		}
		if c := cmp.Compare(a.Y, b.Y); c != 0 {
			return c
		}
		return cmp.Compare(a.X, b.X)
	})
}
