package voxel

import (
	"encoding/binary"
	"image/color"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// BlockEntry is one block of a Snapshot and the position of its voxel (0,0,0).
type BlockEntry struct {
	Origin Pos // a multiple of BlockSize on each axis
	Block  *Block
}

// Snapshot is an immutable view of a scene's visible layers merged into one,
// upper layers winning where they overlap. It shares blocks with the scene.
type Snapshot struct {
	entries []BlockEntry
	index   map[Pos]*Block // by block coordinates
	count   int
	box     Box
	hash    uint64
}

// Snapshot freezes the scene's blocks and returns a merged view of its
// visible layers. It costs O(blocks), plus a copy of blocks that overlap
// between visible layers; until the scene changes, it returns the same
// Snapshot again at no cost (renders of one scene in other looks).
func (s *Scene) Snapshot() *Snapshot {
	if s.snap != nil && s.snapVersion == s.version {
		return s.snap
	}
	snap := s.takeSnapshot()
	s.snap, s.snapVersion = snap, s.version
	return snap
}

func (s *Scene) takeSnapshot() *Snapshot {
	s.freeze()
	var visible []*Layer
	for _, l := range s.layers {
		if l.visible && l.count > 0 {
			visible = append(visible, l)
		}
	}
	snap := &Snapshot{index: map[Pos]*Block{}, box: EmptyBox}
	for _, l := range visible {
		for bp, b := range l.blocks {
			under := snap.index[bp]
			if under == nil {
				snap.index[bp] = b
				continue
			}
			snap.index[bp] = overlay(under, b)
		}
	}
	keys := make([]Pos, 0, len(snap.index))
	for k := range snap.index {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, comparePos)
	h := xxhash.New()
	var buf [32]byte
	snap.entries = make([]BlockEntry, len(keys))
	for i, k := range keys {
		b := snap.index[k]
		snap.entries[i] = BlockEntry{Origin: origin(k), Block: b}
		snap.count += b.count
		// Blocks of the scene are frozen now, so their hash can be kept.
		if !b.hashed {
			b.hash, b.hashed = b.contentHash(), true
		}
		binary.LittleEndian.PutUint64(buf[0:], uint64(k.X))
		binary.LittleEndian.PutUint64(buf[8:], uint64(k.Y))
		binary.LittleEndian.PutUint64(buf[16:], uint64(k.Z))
		binary.LittleEndian.PutUint64(buf[24:], b.hash)
		_, _ = h.Write(buf[:]) // writing to a hash cannot fail
	}
	snap.hash = h.Sum64()
	for _, l := range visible {
		if len(visible) == 1 {
			snap.box = l.bounds()
			break
		}
		snap.box = snap.box.Union(l.bounds())
	}
	return snap
}

// overlay returns a new block with top's voxels over under's.
func overlay(under, top *Block) *Block {
	nb := &Block{v: under.v, count: under.count}
	for i, c := range top.v {
		if c.A != 0 {
			nb.set(i, c)
		}
	}
	return nb
}

// Hash returns a content hash of the visible voxels: equal scenes give
// equal hashes whatever their edit history.
func (s *Snapshot) Hash() uint64 { return s.hash }

// Count returns the number of visible voxels.
func (s *Snapshot) Count() int { return s.count }

// Box returns the bounding box of the visible voxels.
func (s *Snapshot) Box() Box { return s.box }

// Blocks returns the non-empty blocks in (Z, Y, X) order of their origins.
// The slice and blocks must not be modified.
func (s *Snapshot) Blocks() []BlockEntry { return s.entries }

// At returns the visible voxel at p.
func (s *Snapshot) At(p Pos) color.NRGBA {
	b := s.index[blockOf(p)]
	if b == nil {
		return color.NRGBA{}
	}
	return b.v[localIndex(p.X, p.Y, p.Z)]
}

// Each calls fn for every visible voxel in a deterministic order until fn
// returns false.
func (s *Snapshot) Each(fn func(Pos, color.NRGBA) bool) {
	for _, e := range s.entries {
		for i, c := range e.Block.v {
			if c.A == 0 {
				continue
			}
			p := Pos{e.Origin.X + i&blockMask, e.Origin.Y + (i>>blockShift)&blockMask, e.Origin.Z + i>>(2*blockShift)}
			if !fn(p, c) {
				return
			}
		}
	}
}

// LayerBlocks is one layer with its frozen blocks, as Freeze returns it.
type LayerBlocks struct {
	LayerInfo
	Blocks []BlockEntry // in (Z, Y, X) order of their origins
	Hashes []uint64     // content hash of each block, for deduplication
}

// Freeze ends the current edit epoch and returns every layer, bottom first,
// with its blocks and their content hashes. The blocks will not change
// afterwards (edits copy them), so the result may be read without the
// scene's lock, e.g. to save it in the background.
func (s *Scene) Freeze() []LayerBlocks {
	s.freeze()
	out := make([]LayerBlocks, len(s.layers))
	for i, l := range s.layers {
		lb := LayerBlocks{LayerInfo: l.info()}
		for _, bp := range l.sortedBlocks() {
			b := l.blocks[bp]
			if !b.hashed {
				b.hash, b.hashed = b.contentHash(), true
			}
			lb.Blocks = append(lb.Blocks, BlockEntry{Origin: origin(bp), Block: b})
			lb.Hashes = append(lb.Hashes, b.hash)
		}
		out[i] = lb
	}
	return out
}
