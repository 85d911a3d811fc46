package voxel

import (
	"cmp"
	"image/color"
	"slices"
)

// Layer is one layer of a scene: a sparse map of blocks plus its name and
// visibility. Its id is stable and never reused within a scene.
type Layer struct {
	id      int
	name    string
	visible bool
	blocks  map[Pos]*Block // by block coordinates
	count   int
	box     Box
	boxOK   bool
}

// LayerInfo describes a layer.
type LayerInfo struct {
	ID      int
	Name    string
	Visible bool
	Count   int
	Box     Box
}

func newLayer(id int, name string) *Layer {
	return &Layer{id: id, name: name, visible: true, blocks: map[Pos]*Block{}, box: EmptyBox, boxOK: true}
}

func (l *Layer) info() LayerInfo {
	return LayerInfo{ID: l.id, Name: l.name, Visible: l.visible, Count: l.count, Box: l.bounds()}
}

func (l *Layer) bounds() Box {
	if !l.boxOK {
		box := EmptyBox
		for bp, b := range l.blocks {
			o := origin(bp)
			// A block entirely inside the running box cannot extend it.
			if box.Contains(o) && box.Contains(o.Add(Pos{blockMask, blockMask, blockMask})) {
				continue
			}
			box = box.Union(b.tightBox(o))
		}
		l.box, l.boxOK = box, true
	}
	return l.box
}

func (l *Layer) get(p Pos) color.NRGBA {
	b := l.blocks[blockOf(p)]
	if b == nil {
		return color.NRGBA{}
	}
	return b.v[localIndex(p.X, p.Y, p.Z)]
}

// sortedBlocks returns the layer's block coordinates in (Z, Y, X) order.
func (l *Layer) sortedBlocks() []Pos {
	keys := make([]Pos, 0, len(l.blocks))
	for k := range l.blocks {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, comparePos)
	return keys
}

func comparePos(a, b Pos) int {
	if c := cmp.Compare(a.Z, b.Z); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Y, b.Y); c != 0 {
		return c
	}
	return cmp.Compare(a.X, b.X)
}

// each calls fn for every voxel of l inside box (all when box is nil) in a
// deterministic order: blocks in (Z, Y, X) order, then voxels by local z, y, x.
// It stops when fn returns false and reports whether it ran to the end.
func (l *Layer) each(box *Box, fn func(Pos, color.NRGBA) bool) bool {
	for _, bp := range l.sortedBlocks() {
		o := origin(bp)
		if box != nil {
			bb := Box{o, o.Add(Pos{blockMask, blockMask, blockMask})}
			if bb.Intersect(*box).Empty() {
				continue
			}
		}
		b := l.blocks[bp]
		for i := range b.v {
			c := b.v[i]
			if c.A == 0 {
				continue
			}
			p := Pos{o.X + i&blockMask, o.Y + (i>>blockShift)&blockMask, o.Z + i>>(2*blockShift)}
			if box != nil && !box.Contains(p) {
				continue
			}
			if !fn(p, c) {
				return false
			}
		}
	}
	return true
}
