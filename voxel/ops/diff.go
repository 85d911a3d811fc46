package ops

import (
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// State is the frozen content of every layer at one moment, cheap to take
// (blocks are shared, copy-on-write) and compared by Diff.
type State []voxel.LayerBlocks

// Capture freezes the scene's blocks and returns them. Taking it inside an
// edit (between Begin and Commit) is safe: later writes copy the blocks.
func Capture(s *voxel.Scene) State { return State(s.Freeze()) }

// Diff counts the net change between two states of one scene, layer by
// layer (a layer only in after counts as added, only in before as removed).
// Blocks shared by both states are skipped without reading them.
func Diff(before, after State) Result {
	var r Result
	old := map[int]voxel.LayerBlocks{}
	for _, l := range before {
		old[l.ID] = l
	}
	for _, l := range after {
		b, ok := old[l.ID]
		delete(old, l.ID)
		if !ok {
			r.Added += l.Count
			continue
		}
		prev := make(map[voxel.Pos]*voxel.Block, len(b.Blocks))
		for _, e := range b.Blocks {
			prev[e.Origin] = e.Block
		}
		for _, e := range l.Blocks {
			pb := prev[e.Origin]
			delete(prev, e.Origin)
			if pb == e.Block {
				continue
			}
			now := e.Block.Voxels()
			if pb == nil {
				r.Added += e.Block.Count()
				continue
			}
			was := pb.Voxels()
			for i := range now {
				if now[i] != was[i] {
					r.count(was[i], now[i])
				}
			}
		}
		for _, pb := range prev {
			r.Removed += pb.Count()
		}
	}
	for _, l := range old {
		r.Removed += l.Count
	}
	return r
}
