package voxel

import (
	"image/color"
	"unsafe"

	"github.com/cespare/xxhash/v2"
)

// BlockSize is the edge of a block in voxels.
const BlockSize = 16

const (
	blockShift  = 4
	blockMask   = BlockSize - 1
	blockVoxels = BlockSize * BlockSize * BlockSize
	// blockBytes is what one block costs in memory, for history accounting.
	blockBytes = blockVoxels*4 + 64
)

// Block holds 16×16×16 voxels. Voxels()[x|y<<4|z<<8] is the voxel at local
// position (x, y, z); alpha 0 means empty. A block reached through a
// Snapshot or an exported accessor must not be modified.
type Block struct {
	v     [blockVoxels]color.NRGBA
	count int
	epoch uint64 // edit epoch that may still write this block in place
	hash  uint64 // content hash, valid when hashed
	// hashed is set only once the block is frozen (its epoch is over).
	hashed bool
}

// Voxels returns the block's voxels, indexed x | y<<4 | z<<8.
func (b *Block) Voxels() *[blockVoxels]color.NRGBA { return &b.v }

// Count returns the number of voxels in the block.
func (b *Block) Count() int { return b.count }

// At returns the voxel at local position (x, y, z), each 0..15.
func (b *Block) At(x, y, z int) color.NRGBA { return b.v[localIndex(x, y, z)] }

func localIndex(x, y, z int) int {
	return x&blockMask | (y&blockMask)<<blockShift | (z&blockMask)<<(2*blockShift)
}

// blockOf returns the block coordinates of p (not the origin).
func blockOf(p Pos) Pos {
	return Pos{p.X >> blockShift, p.Y >> blockShift, p.Z >> blockShift}
}

func origin(bp Pos) Pos {
	return Pos{bp.X << blockShift, bp.Y << blockShift, bp.Z << blockShift}
}

// set stores c at local index i and returns whether the voxel changed.
func (b *Block) set(i int, c color.NRGBA) bool {
	if c.A == 0 {
		c = color.NRGBA{}
	}
	old := b.v[i]
	if old == c {
		return false
	}
	switch {
	case old.A == 0:
		b.count++
	case c.A == 0:
		b.count--
	}
	b.v[i] = c
	return true
}

// contentHash hashes the raw voxel bytes.
func (b *Block) contentHash() uint64 {
	if b.hashed {
		return b.hash
	}
	raw := unsafe.Slice((*byte)(unsafe.Pointer(&b.v[0])), len(b.v)*4)
	return xxhash.Sum64(raw)
}

// tightBox returns the box of the occupied voxels of b whose origin is o.
func (b *Block) tightBox(o Pos) Box {
	box := EmptyBox
	if b.count == 0 {
		return box
	}
	for i := range b.v {
		if b.v[i].A == 0 {
			continue
		}
		p := Pos{o.X + i&blockMask, o.Y + (i>>blockShift)&blockMask, o.Z + i>>(2*blockShift)}
		box = box.Extend(p)
	}
	return box
}
