package voxel

import (
	"errors"
	"fmt"
	"image/color"
)

// Errors returned by layer operations.
var (
	ErrNoLayer   = errors.New("no such layer")
	ErrLastLayer = errors.New("cannot delete the last layer")
	ErrSameLayer = errors.New("cannot merge a layer into itself")
)

// Scene is a stack of layers, bottom first. The zero value is not usable;
// call New.
type Scene struct {
	layers  []*Layer
	nextID  int
	current int
	epoch   uint64

	// last edited layer and block, to skip map lookups in batch edits
	lastLayer      *Layer
	lastPos        Pos
	lastBlock      *Block
	lastBlockLayer *Layer

	budget  Budget
	nvoxels int   // voxels over the layers in the list
	nblocks int   // occupied blocks over the layers in the list
	err     error // first budget error since Begin or ClearErr
	// unchecked lifts the budget's block and voxel bounds for edits that
	// cannot end above where they started (merging layers).
	unchecked bool

	history

	// snap is the last Snapshot, while the scene is at snapVersion (changed drops it).
	snap        *Snapshot
	snapVersion uint64
}

// DefaultLayerName is the name New gives the first layer.
const DefaultLayerName = "Layer 1"

// New returns a scene with one empty, visible, selected layer (id 1).
func New() *Scene {
	s := &Scene{nextID: 1, epoch: 1, budget: DefaultBudget}
	s.history.limits = DefaultHistoryLimits
	l := newLayer(s.nextID, DefaultLayerName)
	s.nextID++
	s.layers = []*Layer{l}
	s.current = l.id
	return s
}

// NewEmpty returns a scene with no layers, for codecs that create their own.
// It must get a layer (AddLayer) before voxels can be set.
func NewEmpty() *Scene {
	s := &Scene{nextID: 1, epoch: 1, budget: DefaultBudget}
	s.history.limits = DefaultHistoryLimits
	return s
}

func (s *Scene) layer(id int) *Layer {
	// lastLayer is reset whenever the layer list changes.
	if s.lastLayer != nil && s.lastLayer.id == id {
		return s.lastLayer
	}
	for _, l := range s.layers {
		if l.id == id {
			return l
		}
	}
	return nil
}

// HasLayer reports whether a layer with that id exists.
func (s *Scene) HasLayer(id int) bool { return s.layer(id) != nil }

// Current returns the id of the selected layer, or 0 when there is none.
func (s *Scene) Current() int { return s.current }

// Layers describes the layers, bottom first.
func (s *Scene) Layers() []LayerInfo {
	out := make([]LayerInfo, len(s.layers))
	for i, l := range s.layers {
		out[i] = l.info()
	}
	return out
}

// LayerInfo describes one layer.
func (s *Scene) LayerInfo(id int) (LayerInfo, error) {
	l := s.layer(id)
	if l == nil {
		return LayerInfo{}, fmt.Errorf("layer %d: %w", id, ErrNoLayer)
	}
	return l.info(), nil
}

// Count returns the number of voxels summed over all layers.
func (s *Scene) Count() int { return s.nvoxels }

// Box returns the bounding box of all layers' voxels (hidden ones too).
func (s *Scene) Box() Box {
	box := EmptyBox
	for _, l := range s.layers {
		box = box.Union(l.bounds())
	}
	return box
}

// Get returns the voxel at p in the given layer (alpha 0 when empty or when
// the layer does not exist).
func (s *Scene) Get(layer int, p Pos) color.NRGBA {
	l := s.layer(layer)
	if l == nil {
		return color.NRGBA{}
	}
	return l.get(p)
}

// Lookup returns the top-most voxel at p over all layers and its layer id.
func (s *Scene) Lookup(p Pos) (c color.NRGBA, layer int, ok bool) {
	for i := len(s.layers) - 1; i >= 0; i-- {
		if c := s.layers[i].get(p); c.A != 0 {
			return c, s.layers[i].id, true
		}
	}
	return color.NRGBA{}, 0, false
}

// Each calls fn for every voxel of the layer in a deterministic order until
// fn returns false.
func (s *Scene) Each(layer int, fn func(Pos, color.NRGBA) bool) {
	if l := s.layer(layer); l != nil {
		l.each(nil, fn)
	}
}

// EachIn is Each restricted to the positions inside box.
func (s *Scene) EachIn(layer int, box Box, fn func(Pos, color.NRGBA) bool) {
	if l := s.layer(layer); l != nil && !box.Empty() {
		l.each(&box, fn)
	}
}

// Set stores c at p in the layer; alpha 0 removes the voxel. It reports
// whether the voxel changed; an unknown layer changes nothing. A voxel the
// budget refuses is not set, and its error is kept for Err; TrySet returns it.
func (s *Scene) Set(layer int, p Pos, c color.NRGBA) bool {
	ok, _ := s.TrySet(layer, p, c)
	return ok
}

// TrySet is Set returning the BudgetError of a voxel the budget refuses
// (outside the extent, or one voxel or block too many).
func (s *Scene) TrySet(layer int, p Pos, c color.NRGBA) (bool, error) {
	l := s.layer(layer)
	if l == nil {
		return false, nil
	}
	if s.err != nil && s.tx != nil {
		// The budget refused part of this edit, which will be rolled back:
		// nothing more is worth setting.
		return false, s.err
	}
	if c.A != 0 && !s.budget.InRange(p) {
		return false, s.refuse(&BudgetError{Limit: LimitCoord, Max: s.budget.MaxCoord, Pos: p})
	}
	if s.lastLayer != l {
		s.lastLayer = l
	}
	bp := blockOf(p)
	b := s.lastBlock
	// lastBlock is reset whenever a block leaves its layer (removal, undo,
	// layer deletion) and at every new epoch, so it is still in place here.
	if b == nil || s.lastPos != bp || s.lastBlockLayer != l || b.epoch != s.epoch {
		var err error
		b, err = s.writable(l, bp, c.A != 0)
		if b == nil {
			return false, err
		}
		s.lastPos, s.lastBlock, s.lastBlockLayer = bp, b, l
	}
	i := localIndex(p.X, p.Y, p.Z)
	if c.A != 0 && b.v[i].A == 0 && s.nvoxels >= s.budget.MaxVoxels && !s.unchecked {
		return false, s.refuse(&BudgetError{Limit: LimitVoxels, Max: s.budget.MaxVoxels})
	}
	before := b.count
	if !b.set(i, c) {
		return false, nil
	}
	l.count += b.count - before
	s.nvoxels += b.count - before
	if c.A != 0 {
		if l.boxOK {
			l.box = l.box.Extend(p)
		}
	} else {
		if b.count == 0 {
			delete(l.blocks, bp)
			s.nblocks--
			s.lastBlock = nil
		}
		if p.X == l.box.Min.X || p.X == l.box.Max.X || p.Y == l.box.Min.Y ||
			p.Y == l.box.Max.Y || p.Z == l.box.Min.Z || p.Z == l.box.Max.Z {
			l.boxOK = false
		}
	}
	s.changed()
	return true, nil
}

// writable returns a block of l at bp that may be written in this epoch,
// copying a frozen one and recording its previous version for undo. A new
// block past the budget's MaxBlocks is refused with a BudgetError.
func (s *Scene) writable(l *Layer, bp Pos, create bool) (*Block, error) {
	b := l.blocks[bp]
	if b != nil && b.epoch == s.epoch {
		return b, nil
	}
	if b == nil && !create {
		return nil, nil
	}
	if b == nil {
		if s.nblocks >= s.budget.MaxBlocks && !s.unchecked {
			return nil, s.refuse(&BudgetError{Limit: LimitBlocks, Max: s.budget.MaxBlocks})
		}
		s.nblocks++
	}
	s.recordBlock(l, bp, b)
	nb := &Block{epoch: s.epoch}
	if b != nil {
		nb.v, nb.count = b.v, b.count
	}
	l.blocks[bp] = nb
	return nb, nil
}

// freeze ends the current epoch: every existing block becomes read-only
// and the next edit of it copies it first.
func (s *Scene) freeze() {
	s.epoch++
	s.lastBlock = nil
}

// AddLayer appends a new visible layer on top, selects it and returns its
// id. A layer the budget refuses (one too many, or a name too long) is not
// added: AddLayer returns 0 and keeps the error for Err; TryAddLayer
// returns it.
func (s *Scene) AddLayer(name string) int {
	id, _ := s.TryAddLayer(name)
	return id
}

// TryAddLayer is AddLayer returning the BudgetError of a refused layer.
func (s *Scene) TryAddLayer(name string) (int, error) {
	if err := s.checkLayer(name); err != nil {
		return 0, err
	}
	s.recordStructure()
	l := newLayer(s.nextID, name)
	s.nextID++
	s.layers = append(s.layers, l)
	s.current = l.id
	s.lastLayer = nil
	s.changed()
	return l.id, nil
}

func (s *Scene) checkLayer(name string) error {
	if len(s.layers) >= s.budget.MaxLayers {
		return s.refuse(&BudgetError{Limit: LimitLayers, Max: s.budget.MaxLayers})
	}
	if err := s.budget.CheckName(name); err != nil {
		return s.refuse(err.(*BudgetError))
	}
	return nil
}

// AddLayerWithID appends a layer with a given id, for restoring a saved
// scene whose ids must not change. The id must be positive and unused; ids
// handed out later stay above it. The new layer is selected. The budget
// applies as in AddLayer.
func (s *Scene) AddLayerWithID(id int, name string) error {
	if id < 1 || id >= 1<<62 || s.layer(id) != nil {
		return fmt.Errorf("layer id %d is taken or invalid", id)
	}
	if err := s.checkLayer(name); err != nil {
		return err
	}
	s.recordStructure()
	l := newLayer(id, name)
	s.nextID = max(s.nextID, id+1)
	s.layers = append(s.layers, l)
	s.current = l.id
	s.lastLayer = nil
	s.changed()
	return nil
}

// DeleteLayer removes a layer. The last layer cannot be deleted.
func (s *Scene) DeleteLayer(id int) error {
	i := s.index(id)
	if i < 0 {
		return fmt.Errorf("layer %d: %w", id, ErrNoLayer)
	}
	if len(s.layers) == 1 {
		return ErrLastLayer
	}
	s.recordStructure()
	if s.tx != nil {
		// The undo record keeps the deleted layer's blocks alive.
		s.tx.bytes += int64(len(s.layers[i].blocks)) * blockBytes
	}
	s.nvoxels -= s.layers[i].count
	s.nblocks -= len(s.layers[i].blocks)
	s.layers = append(s.layers[:i:i], s.layers[i+1:]...)
	if s.current == id {
		s.current = s.layers[max(i-1, 0)].id
	}
	s.lastLayer, s.lastBlock = nil, nil
	s.changed()
	return nil
}

// RenameLayer sets a layer's name; a name longer than the budget allows
// is refused with a BudgetError.
func (s *Scene) RenameLayer(id int, name string) error {
	l := s.layer(id)
	if l == nil {
		return fmt.Errorf("layer %d: %w", id, ErrNoLayer)
	}
	if l.name == name {
		return nil
	}
	if err := s.budget.CheckName(name); err != nil {
		return s.refuse(err.(*BudgetError))
	}
	s.recordStructure()
	l.name = name
	s.changed()
	return nil
}

// SetVisible shows or hides a layer.
func (s *Scene) SetVisible(id int, visible bool) error {
	l := s.layer(id)
	if l == nil {
		return fmt.Errorf("layer %d: %w", id, ErrNoLayer)
	}
	if l.visible == visible {
		return nil
	}
	s.recordStructure()
	l.visible = visible
	s.changed()
	return nil
}

// SelectLayer makes a layer the current one.
func (s *Scene) SelectLayer(id int) error {
	if s.layer(id) == nil {
		return fmt.Errorf("layer %d: %w", id, ErrNoLayer)
	}
	if s.current == id {
		return nil
	}
	s.recordStructure()
	s.current = id
	s.changed()
	return nil
}

// MergeLayers copies the voxels of src over dst (src wins where both have a
// voxel) and deletes src. It returns the number of voxels that changed in dst.
func (s *Scene) MergeLayers(src, dst int) (int, error) {
	if src == dst {
		return 0, ErrSameLayer
	}
	ls, ld := s.layer(src), s.layer(dst)
	if ls == nil {
		return 0, fmt.Errorf("layer %d: %w", src, ErrNoLayer)
	}
	if ld == nil {
		return 0, fmt.Errorf("layer %d: %w", dst, ErrNoLayer)
	}
	wasCurrent := s.current == src
	n := 0
	// The merged layer holds no more voxels or blocks than the two did, so
	// the budget's totals cannot end higher: only the extent is checked.
	s.unchecked = true
	ls.each(nil, func(p Pos, c color.NRGBA) bool {
		if s.Set(dst, p, c) {
			n++
		}
		return true
	})
	s.unchecked = false
	if err := s.DeleteLayer(src); err != nil {
		return n, err
	}
	if wasCurrent {
		s.current = dst
	}
	return n, nil
}

func (s *Scene) index(id int) int {
	for i, l := range s.layers {
		if l.id == id {
			return i
		}
	}
	return -1
}
