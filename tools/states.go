package tools

import (
	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Past states of the scene, for diff_scene and render highlights. Every
// revision's layers are frozen (voxel.Scene.Freeze): edits copy a block
// before changing it, so a state shares every block with the next one except
// those an edit replaced, and keeping it costs only those.
const (
	maxStates     = 64        // revisions kept
	maxStateBytes = 256 << 20 // blocks that only past states still hold
	blockCost     = voxel.BlockSize*voxel.BlockSize*voxel.BlockSize*4 + 64
	entryCost     = 48 // a block entry and its hash in a state's lists
)

type frozenState struct {
	revision uint64
	layers   []voxel.LayerBlocks
	// retired is what the blocks replaced after this state cost: they are
	// held only by this state and older ones (and the undo history).
	retired int64
}

type states struct {
	ring       []*frozenState // oldest first
	bytes      int64
	lastRender *frozenState // the state the previous render showed
}

// record keeps the scene's state at revision rev, dropping the oldest
// states past the count and byte bounds.
func (st *states) record(rev uint64, s *voxel.Scene) {
	fs := &frozenState{revision: rev, layers: s.Freeze()}
	if n := len(st.ring); n > 0 {
		prev := st.ring[n-1]
		prev.retired = retiredBytes(prev.layers, fs.layers)
		st.bytes += prev.retired
	}
	st.ring = append(st.ring, fs)
	for len(st.ring) > 1 && (len(st.ring) > maxStates || st.bytes > maxStateBytes) {
		st.bytes -= st.ring[0].retired
		st.ring[0] = nil
		st.ring = st.ring[1:]
	}
}

// reset forgets every past state: the scene was replaced.
func (st *states) reset() { *st = states{} }

func (st *states) at(rev uint64) *frozenState {
	for i := len(st.ring) - 1; i >= 0; i-- {
		if st.ring[i].revision == rev {
			return st.ring[i]
		}
	}
	return nil
}

func (st *states) oldest() uint64 {
	if len(st.ring) == 0 {
		return 0
	}
	return st.ring[0].revision
}

// retiredBytes is what the blocks of before that after no longer holds cost,
// plus the lists that reference them.
func retiredBytes(before, after []voxel.LayerBlocks) int64 {
	next := make(map[int][]voxel.BlockEntry, len(after))
	for _, l := range after {
		next[l.ID] = l.Blocks
	}
	var n int64
	for _, l := range before {
		n += int64(len(l.Blocks)) * entryCost
		nb := next[l.ID]
		j := 0
		for _, e := range l.Blocks {
			for j < len(nb) && less(nb[j].Origin, e.Origin) {
				j++
			}
			if j == len(nb) || nb[j].Origin != e.Origin || nb[j].Block != e.Block {
				n += blockCost
			}
		}
	}
	return n
}

func less(a, b voxel.Pos) bool {
	if a.Z != b.Z {
		return a.Z < b.Z
	}
	if a.Y != b.Y {
		return a.Y < b.Y
	}
	return a.X < b.X
}

// pastState returns the layers of the scene at revision rev, and the oldest
// revision still kept when rev is not.
func (p *Project) pastState(rev uint64) (layersState, uint64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if fs := p.states.at(rev); fs != nil {
		return fs.layers, 0, true
	}
	return nil, p.states.oldest(), false
}

// currentState returns the scene's layers now and its revision.
func (p *Project) currentState() ([]voxel.LayerBlocks, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current().layers, p.revision
}

// current returns the state of the current revision; the lock must be held.
func (p *Project) current() *frozenState {
	if n := len(p.states.ring); n > 0 && p.states.ring[n-1].revision == p.revision {
		return p.states.ring[n-1]
	}
	p.states.record(p.revision, p.scene)
	return p.states.ring[len(p.states.ring)-1]
}

// markRendered records fs as the state the latest render showed.
func (p *Project) markRendered(fs *frozenState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states.lastRender = fs
}

// lastRendered returns the state the latest render showed.
func (p *Project) lastRendered() *frozenState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.states.lastRender
}

// layersState is a frozen state of every layer, bottom first.
type layersState = []voxel.LayerBlocks
