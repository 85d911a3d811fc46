package voxel

import (
	"errors"
	"fmt"
	"image/color"
	"unicode/utf8"
)

// MaxCoord bounds every voxel coordinate of the default budget: each axis
// lies in [-MaxCoord, MaxCoord]. It keeps box sizes, volumes, projections
// and block keys of any scene far from integer overflow.
const MaxCoord = 1 << 20

// Budget bounds what one scene may hold, whatever fills it: tool calls,
// codecs, scripts or an autosave restore. The scene enforces it on every
// Set, FillBox, AddLayer and RenameLayer, so no source can bypass it.
//
// Memory is bounded by blocks, not voxels: one voxel alone in its 16³
// block costs a whole block (16 KiB), so a sparse scene reaches the block
// bound long before the voxel bound. MaxBlocks counts blocks over all
// layers, which is what the scene holds in memory.
type Budget struct {
	MaxCoord     int // every coordinate of a voxel lies in [-MaxCoord, MaxCoord]
	MaxVoxels    int // voxels over all layers
	MaxBlocks    int // occupied 16×16×16 blocks over all layers (16 KiB each)
	MaxLayers    int // layers
	MaxLayerName int // bytes of a layer name
}

// DefaultBudget is what New and NewEmpty give a scene: coordinates within
// ±2^20, 32 Mi voxels, 8 Ki blocks (128 MiB of voxels: as many blocks as
// 32 Mi voxels fill), 1,024 layers and layer names of 255 bytes, the
// longest a .gox file stores, so a scene within the budget always saves to
// a .gox that reopens under it.
var DefaultBudget = Budget{
	MaxCoord:     MaxCoord,
	MaxVoxels:    1 << 25,
	MaxBlocks:    1 << 13,
	MaxLayers:    1 << 10,
	MaxLayerName: 255,
}

// Budget limits, as BudgetError.Limit names them.
const (
	LimitCoord     = "coordinates"
	LimitVoxels    = "voxels"
	LimitBlocks    = "blocks"
	LimitLayers    = "layers"
	LimitLayerName = "layer name"
)

// ErrBudget is wrapped by every BudgetError, for errors.Is.
var ErrBudget = errors.New("scene budget exceeded")

// BudgetError reports that a change would take a scene past its Budget.
// Nothing of that change was applied.
type BudgetError struct {
	Limit string // one of the Limit constants
	Max   int    // the budget's bound for Limit
	// Pos is the voxel outside the extent, for LimitCoord.
	Pos Pos
	// Got is the length of a refused layer name, for LimitLayerName, or
	// the blocks a refused batch would add, for LimitBlocks (0 when it was
	// refused one block at a time).
	Got int
	// Have is the blocks the scene held, with Got for LimitBlocks.
	Have int
}

func (e *BudgetError) Error() string {
	switch e.Limit {
	case LimitCoord:
		return fmt.Sprintf("scene budget: voxel %v is outside the allowed extent: coordinates must be within ±%d on every axis", e.Pos, e.Max)
	case LimitVoxels:
		return fmt.Sprintf("scene budget: the scene would hold more than %d voxels", e.Max)
	case LimitBlocks:
		if e.Got > 0 {
			return fmt.Sprintf("scene budget: the change would add %d blocks of 16×16×16 voxels to the scene's %d, more than the %d (%d MiB) a scene may occupy; voxels far apart each take a block of their own, so keep the model compact",
				e.Got, e.Have, e.Max, e.Max*blockVoxels*4>>20)
		}
		return fmt.Sprintf("scene budget: the scene would occupy more than %d blocks of 16×16×16 voxels (%d MiB); voxels far apart each take a block of their own, so keep the model compact",
			e.Max, e.Max*blockVoxels*4>>20)
	case LimitLayers:
		return fmt.Sprintf("scene budget: the scene would have more than %d layers", e.Max)
	case LimitLayerName:
		return fmt.Sprintf("scene budget: a layer name of %d bytes is longer than the %d allowed", e.Got, e.Max)
	}
	return "scene budget: " + e.Limit
}

// Unwrap makes errors.Is(err, ErrBudget) hold.
func (e *BudgetError) Unwrap() error { return ErrBudget }

// InRange reports whether p lies within the budget's extent.
func (b Budget) InRange(p Pos) bool {
	m := uint(b.MaxCoord)
	return uint(p.X+b.MaxCoord) <= 2*m && uint(p.Y+b.MaxCoord) <= 2*m && uint(p.Z+b.MaxCoord) <= 2*m
}

// Extent returns the box of positions the budget allows.
func (b Budget) Extent() Box {
	return Box{Pos{-b.MaxCoord, -b.MaxCoord, -b.MaxCoord}, Pos{b.MaxCoord, b.MaxCoord, b.MaxCoord}}
}

// CheckBox returns a BudgetError when box reaches outside the extent,
// naming the first corner that does; nil for an empty box.
func (b Budget) CheckBox(box Box) error {
	if box.Empty() {
		return nil
	}
	for _, p := range []Pos{box.Min, box.Max} {
		if !b.InRange(p) {
			return &BudgetError{Limit: LimitCoord, Max: b.MaxCoord, Pos: p}
		}
	}
	return nil
}

// CheckName returns a BudgetError when name is longer than the budget allows.
func (b Budget) CheckName(name string) error {
	if len(name) > b.MaxLayerName {
		return &BudgetError{Limit: LimitLayerName, Max: b.MaxLayerName, Got: len(name)}
	}
	return nil
}

// ClipName shortens name to the budget's MaxLayerName bytes without
// splitting a character, for codecs whose files may hold longer names.
func (b Budget) ClipName(name string) string {
	if len(name) <= b.MaxLayerName {
		return name
	}
	name = name[:max(b.MaxLayerName, 0)]
	for len(name) > 0 && !utf8.ValidString(name) {
		name = name[:len(name)-1]
	}
	return name
}

// Budget returns the scene's budget.
func (s *Scene) Budget() Budget { return s.budget }

// SetBudget changes the scene's budget. What the scene holds already stays;
// only further growth is checked against the new bounds.
func (s *Scene) SetBudget(b Budget) { s.budget = b }

// Blocks returns the number of occupied blocks summed over all layers,
// what the budget's MaxBlocks bounds.
func (s *Scene) Blocks() int { return s.nblocks }

// HasBlock reports whether the layer has an occupied block holding p.
func (s *Scene) HasBlock(layer int, p Pos) bool {
	l := s.layer(layer)
	return l != nil && l.blocks[blockOf(p)] != nil
}

// CheckBlocks returns (and keeps for Err) a BudgetError when setting
// voxels at the n positions at gives in the layer would take the scene past
// its block bound, so a caller can refuse a sparse batch before any of its
// blocks is made.
func (s *Scene) CheckBlocks(layer int, n int, at func(i int) Pos) error {
	l := s.layer(layer)
	if l == nil || s.unchecked {
		return nil
	}
	seen := map[Pos]struct{}{}
	added := 0
	for i := range n {
		bp := blockOf(at(i))
		if _, ok := seen[bp]; ok {
			continue
		}
		seen[bp] = struct{}{}
		if l.blocks[bp] == nil {
			added++
		}
	}
	if s.nblocks+added > s.budget.MaxBlocks {
		return s.refuse(&BudgetError{Limit: LimitBlocks, Max: s.budget.MaxBlocks, Got: added, Have: s.nblocks})
	}
	return nil
}

// Err returns the first budget error of a change refused since the scene
// was made, since Begin, or since ClearErr; nil when none was. Set and
// AddLayer, which return no error, record theirs here, so a caller that
// ran many of them checks once.
func (s *Scene) Err() error { return s.err }

// ClearErr forgets the recorded budget error.
func (s *Scene) ClearErr() { s.err = nil }

func (s *Scene) refuse(e *BudgetError) error {
	if s.err == nil {
		s.err = e
	}
	return e
}

// recount recomputes the scene's voxel and block totals from its layers,
// after undo, redo or rollback swapped blocks and layer lists.
func (s *Scene) recount() {
	s.nvoxels, s.nblocks = 0, 0
	for _, l := range s.layers {
		s.nvoxels += l.count
		s.nblocks += len(l.blocks)
	}
}

// PutBlock sets the block of the layer whose voxel (0,0,0) is at origin
// (a multiple of BlockSize on each axis) to a copy of v, indexed as
// Block.Voxels: the whole block at once, for restoring saved scenes in
// time linear in their size. An alpha-0 entry is empty. The budget applies
// as in Set; a refused block changes nothing.
func (s *Scene) PutBlock(layer int, origin Pos, v *[BlockSize * BlockSize * BlockSize]color.NRGBA) error {
	l := s.layer(layer)
	if l == nil {
		return fmt.Errorf("layer %d: %w", layer, ErrNoLayer)
	}
	if origin.X&blockMask != 0 || origin.Y&blockMask != 0 || origin.Z&blockMask != 0 {
		return fmt.Errorf("block origin %v is not a multiple of %d", origin, BlockSize)
	}
	nb := &Block{v: *v, epoch: s.epoch}
	inside := Box{origin, origin.Add(Pos{blockMask, blockMask, blockMask})}
	edge := s.budget.CheckBox(inside) != nil
	for i := range nb.v {
		if nb.v[i].A == 0 {
			nb.v[i] = color.NRGBA{}
			continue
		}
		nb.count++
		if edge {
			p := Pos{origin.X + i&blockMask, origin.Y + (i>>blockShift)&blockMask, origin.Z + i>>(2*blockShift)}
			if !s.budget.InRange(p) {
				return s.refuse(&BudgetError{Limit: LimitCoord, Max: s.budget.MaxCoord, Pos: p})
			}
		}
	}
	bp := blockOf(origin)
	old := l.blocks[bp]
	if old == nil && nb.count > 0 && s.nblocks >= s.budget.MaxBlocks {
		return s.refuse(&BudgetError{Limit: LimitBlocks, Max: s.budget.MaxBlocks})
	}
	if delta := nb.count - old.countOrZero(); delta > 0 && s.nvoxels+delta > s.budget.MaxVoxels {
		return s.refuse(&BudgetError{Limit: LimitVoxels, Max: s.budget.MaxVoxels})
	}
	if old == nil && nb.count == 0 {
		return nil
	}
	s.recordBlock(l, bp, old)
	if old == nil {
		s.nblocks++
	}
	l.count += nb.count - old.countOrZero()
	s.nvoxels += nb.count - old.countOrZero()
	if nb.count == 0 {
		delete(l.blocks, bp)
		s.nblocks--
	} else {
		l.blocks[bp] = nb
	}
	l.boxOK = false
	s.lastBlock = nil
	s.changed()
	return nil
}
