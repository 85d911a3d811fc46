// Package ops holds region operations on a voxel.Scene: copying, moving,
// mirroring and rotating the voxels of a box, replacing colours, and
// measuring what an edit changed. They are pure functions of the scene
// (no I/O, no MCP) and serve the tools and the script built-ins alike.
//
// Every operation writes each position at most once and counts what it
// changed against the state before it, so Result is the net change:
// a voxel moved onto a voxel of the same colour counts as nothing.
//
// Like the scene, nothing here is safe for concurrent use; callers hold the
// project's lock, and wrap an operation in Begin/Commit for one undo step.
package ops

import (
	"fmt"
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Result counts what an operation changed.
type Result struct {
	Added     int // positions that were empty and now hold a voxel
	Removed   int // positions that held a voxel and are now empty
	Recolored int // positions whose voxel changed colour
}

// Changed is the number of positions that changed.
func (r Result) Changed() int { return r.Added + r.Removed + r.Recolored }

// Add adds the counts of q to r.
func (r *Result) Add(q Result) {
	r.Added += q.Added
	r.Removed += q.Removed
	r.Recolored += q.Recolored
}

// String describes r as "3 added, 1 removed, 0 recoloured".
func (r Result) String() string {
	return fmt.Sprintf("%d added, %d removed, %d recoloured", r.Added, r.Removed, r.Recolored)
}

// Put sets p in the layer to c (alpha 0 removes) and counts the change in r.
func Put(s *voxel.Scene, layer int, p voxel.Pos, c color.NRGBA, r *Result) {
	old := s.Get(layer, p)
	if !s.Set(layer, p, c) {
		return
	}
	r.count(old, c)
}

func (r *Result) count(old, c color.NRGBA) {
	switch {
	case old.A == 0:
		r.Added++
	case c.A == 0:
		r.Removed++
	default:
		r.Recolored++
	}
}
