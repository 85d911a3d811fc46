package analyze

import (
	"image/color"
	"slices"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Change counts one kind of change and bounds where it happened.
type Change struct {
	Voxels int
	Box    voxel.Box
}

func (c *Change) add(p voxel.Pos) {
	if c.Voxels == 0 {
		c.Box = voxel.EmptyBox
	}
	c.Voxels++
	c.Box = c.Box.Extend(p)
}

// Delta is what changed between two states of a set of voxels.
type Delta struct {
	Added, Removed, Recolored Change
}

// Empty reports whether nothing changed.
func (d Delta) Empty() bool { return d.Added.Voxels+d.Removed.Voxels+d.Recolored.Voxels == 0 }

func (d *Delta) record(p voxel.Pos, before, after color.NRGBA) {
	switch {
	case before.A == 0:
		d.Added.add(p)
	case after.A == 0:
		d.Removed.add(p)
	default:
		d.Recolored.add(p)
	}
}

// EachChange calls fn for every position whose voxel differs between two
// block lists (each in (Z, Y, X) order of origins), in block order. Blocks
// that are the same pointer are skipped unread: frozen states of one scene
// share every block an edit did not touch.
func EachChange(before, after []voxel.BlockEntry, fn func(p voxel.Pos, before, after color.NRGBA)) {
	var empty voxel.Block
	i, j := 0, 0
	for i < len(before) || j < len(after) {
		var a, b *voxel.Block
		var o voxel.Pos
		switch {
		case j == len(after) || i < len(before) && comparePos(before[i].Origin, after[j].Origin) < 0:
			a, b, o = before[i].Block, &empty, before[i].Origin
			i++
		case i == len(before) || comparePos(after[j].Origin, before[i].Origin) < 0:
			a, b, o = &empty, after[j].Block, after[j].Origin
			j++
		default:
			a, b, o = before[i].Block, after[j].Block, before[i].Origin
			i++
			j++
		}
		if a == b {
			continue
		}
		va, vb := a.Voxels(), b.Voxels()
		for k := range va {
			if va[k] != vb[k] {
				fn(voxel.Pos{X: o.X + k&mask, Y: o.Y + (k>>4)&mask, Z: o.Z + k>>8}, va[k], vb[k])
			}
		}
	}
}

// Diff returns what changed between two block lists.
func Diff(before, after []voxel.BlockEntry) Delta {
	var d Delta
	EachChange(before, after, d.record)
	return d
}

// LayerDelta is what changed in one layer; a layer that exists in only one
// state counts as all added or all removed.
type LayerDelta struct {
	Layer int
	Name  string
	Delta
	Created, Deleted bool
}

// DiffLayers compares two frozen states layer by layer (by id) and returns
// the layers that changed, in the order of after (deleted layers last).
func DiffLayers(before, after []voxel.LayerBlocks) []LayerDelta {
	old := map[int]voxel.LayerBlocks{}
	for _, l := range before {
		old[l.ID] = l
	}
	var out []LayerDelta
	for _, l := range after {
		o, ok := old[l.ID]
		delete(old, l.ID)
		ld := LayerDelta{Layer: l.ID, Name: l.Name, Created: !ok, Delta: Diff(o.Blocks, l.Blocks)}
		if !ld.Empty() || ld.Created {
			out = append(out, ld)
		}
	}
	for _, l := range before {
		if _, gone := old[l.ID]; gone {
			out = append(out, LayerDelta{Layer: l.ID, Name: l.Name, Deleted: true, Delta: Diff(l.Blocks, nil)})
		}
	}
	return out
}

// stackEntry is the blocks of the visible layers at one origin, bottom first.
type stackEntry struct {
	origin voxel.Pos
	blocks []*voxel.Block
}

// stack lists, by origin in (Z, Y, X) order, the blocks of the visible layers.
func stack(layers []voxel.LayerBlocks) []stackEntry {
	at := map[voxel.Pos]int{}
	var out []stackEntry
	for _, l := range layers {
		if !l.Visible {
			continue
		}
		for _, e := range l.Blocks {
			k, ok := at[e.Origin]
			if !ok {
				k = len(out)
				at[e.Origin] = k
				out = append(out, stackEntry{origin: e.Origin})
			}
			out[k].blocks = append(out[k].blocks, e.Block)
		}
	}
	slices.SortFunc(out, func(a, b stackEntry) int { return comparePos(a.origin, b.origin) })
	return out
}

// compose writes the merged voxels of blocks (upper ones win) into dst.
func compose(dst *[bs * bs * bs]color.NRGBA, blocks []*voxel.Block) {
	if len(blocks) == 0 {
		*dst = [bs * bs * bs]color.NRGBA{}
		return
	}
	*dst = *blocks[0].Voxels()
	for _, b := range blocks[1:] {
		for k, c := range b.Voxels() {
			if c.A != 0 {
				dst[k] = c
			}
		}
	}
}

// EachVisibleChange is EachChange for the visible layers of two frozen
// states merged as a render shows them (upper layers win), so a voxel
// hidden under another layer's, or in a hidden layer, does not count.
func EachVisibleChange(before, after []voxel.LayerBlocks, fn func(p voxel.Pos, before, after color.NRGBA)) {
	sa, sb := stack(before), stack(after)
	var va, vb [bs * bs * bs]color.NRGBA
	i, j := 0, 0
	for i < len(sa) || j < len(sb) {
		var a, b []*voxel.Block
		var o voxel.Pos
		switch {
		case j == len(sb) || i < len(sa) && comparePos(sa[i].origin, sb[j].origin) < 0:
			a, o = sa[i].blocks, sa[i].origin
			i++
		case i == len(sa) || comparePos(sb[j].origin, sa[i].origin) < 0:
			b, o = sb[j].blocks, sb[j].origin
			j++
		default:
			a, b, o = sa[i].blocks, sb[j].blocks, sa[i].origin
			i++
			j++
		}
		if slices.Equal(a, b) {
			continue
		}
		compose(&va, a)
		compose(&vb, b)
		for k := range va {
			if va[k] != vb[k] {
				fn(voxel.Pos{X: o.X + k&mask, Y: o.Y + (k>>4)&mask, Z: o.Z + k>>8}, va[k], vb[k])
			}
		}
	}
}

// DiffVisible returns what changed in the visible, merged scene.
func DiffVisible(before, after []voxel.LayerBlocks) Delta {
	var d Delta
	EachVisibleChange(before, after, d.record)
	return d
}
