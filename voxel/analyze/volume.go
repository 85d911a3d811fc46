package analyze

import (
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

const (
	bs   = voxel.BlockSize
	mask = bs - 1
)

// Volume is a read-only set of voxels made of frozen blocks, optionally
// clipped to a box. It is safe for concurrent reads once built, except that
// the first call of Runs builds them (call it once before sharing).
type Volume struct {
	blocks []voxel.BlockEntry // sorted by (Z, Y, X) of their origins
	index  map[voxel.Pos]*voxel.Block
	clip   voxel.Box
	keep   func(color.NRGBA) bool // nil keeps every voxel
	runs   *Runs
}

// NewVolume returns the voxels of blocks (in (Z, Y, X) order of their
// origins, as Snapshot.Blocks and Scene.Freeze give them) inside clip; a nil
// clip keeps them all.
func NewVolume(blocks []voxel.BlockEntry, clip *voxel.Box) *Volume {
	v := &Volume{index: make(map[voxel.Pos]*voxel.Block, len(blocks)), clip: everything}
	if clip != nil {
		v.clip = *clip
	}
	for _, e := range blocks {
		if !v.clip.Intersect(blockBox(e.Origin)).Empty() {
			v.blocks = append(v.blocks, e)
			v.index[blockKey(e.Origin)] = e.Block
		}
	}
	return v
}

// Filter returns a view of v holding only the voxels whose colour keep
// accepts.
func (v *Volume) Filter(keep func(color.NRGBA) bool) *Volume {
	return &Volume{blocks: v.blocks, index: v.index, clip: v.clip, keep: keep}
}

// everything is a box beyond every valid coordinate, finite so that clip
// arithmetic cannot overflow.
var everything = voxel.Box{Min: voxel.Pos{X: -1 << 40, Y: -1 << 40, Z: -1 << 40}, Max: voxel.Pos{X: 1 << 40, Y: 1 << 40, Z: 1 << 40}}

func blockBox(o voxel.Pos) voxel.Box {
	return voxel.Box{Min: o, Max: o.Add(voxel.Pos{X: mask, Y: mask, Z: mask})}
}

func blockKey(o voxel.Pos) voxel.Pos { return voxel.Pos{X: o.X >> 4, Y: o.Y >> 4, Z: o.Z >> 4} }

// At returns the voxel at p (alpha 0 when empty or outside the clip box).
func (v *Volume) At(p voxel.Pos) color.NRGBA {
	if !v.clip.Contains(p) {
		return color.NRGBA{}
	}
	b := v.index[voxel.Pos{X: p.X >> 4, Y: p.Y >> 4, Z: p.Z >> 4}]
	if b == nil {
		return color.NRGBA{}
	}
	return v.filtered(b.Voxels()[p.X&mask|(p.Y&mask)<<4|(p.Z&mask)<<8])
}

func (v *Volume) filtered(c color.NRGBA) color.NRGBA {
	if v.keep != nil && c.A != 0 && !v.keep(c) {
		return color.NRGBA{}
	}
	return c
}

// lookup is At with a one-block cache, for scans that stay near each other.
type lookup struct {
	v   *Volume
	key voxel.Pos
	b   *voxel.Block
	ok  bool
}

func (l *lookup) at(p voxel.Pos) color.NRGBA {
	if !l.v.clip.Contains(p) {
		return color.NRGBA{}
	}
	k := voxel.Pos{X: p.X >> 4, Y: p.Y >> 4, Z: p.Z >> 4}
	if !l.ok || k != l.key {
		l.key, l.b, l.ok = k, l.v.index[k], true
	}
	if l.b == nil {
		return color.NRGBA{}
	}
	return l.v.filtered(l.b.Voxels()[p.X&mask|(p.Y&mask)<<4|(p.Z&mask)<<8])
}

// Count returns the number of voxels.
func (v *Volume) Count() int { return v.Runs().voxels }

// Box returns the tight bounding box of the voxels (EmptyBox when none).
func (v *Volume) Box() voxel.Box { return v.Runs().box }
