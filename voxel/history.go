package voxel

import "errors"

// HistoryLimits bounds the undo history.
type HistoryLimits struct {
	MaxSteps int   // undo steps kept
	MaxBytes int64 // memory held by undo and redo records
}

// DefaultHistoryLimits keeps 100 steps or 256 MiB of previous blocks.
var DefaultHistoryLimits = HistoryLimits{MaxSteps: 100, MaxBytes: 256 << 20}

// ErrNothingToUndo and ErrNothingToRedo are returned when the history is empty.
var (
	ErrNothingToUndo = errors.New("nothing to undo")
	ErrNothingToRedo = errors.New("nothing to redo")
)

type history struct {
	limits  HistoryLimits
	tx      *record
	undo    []*record
	redo    []*record
	bytes   int64
	version uint64
}

type blockKey struct {
	layer *Layer
	pos   Pos
}

type blockChange struct {
	blockKey
	block *Block // the other version: before the edit in undo, after it in redo
}

type header struct {
	name    string
	visible bool
}

type structure struct {
	layers  []*Layer
	headers []header
	current int
}

type record struct {
	label   string
	blocks  []blockChange
	touched map[blockKey]struct{}
	shape   *structure // layer list before the edit (after it, in redo)
	bytes   int64
}

// SetHistoryLimits changes the history bounds and trims the history to them.
func (s *Scene) SetHistoryLimits(l HistoryLimits) {
	s.limits = l
	s.trim()
}

// Version increases with every change, including undo and redo.
func (s *Scene) Version() uint64 { return s.version }

func (s *Scene) changed() {
	s.version++
	s.snap = nil // not kept for a scene that moved on: it holds the blocks edits replaced
}

// Begin starts recording an undoable edit named label. Edits made outside
// Begin and Commit are not recorded. Begin while recording is a no-op.
func (s *Scene) Begin(label string) {
	if s.tx != nil {
		return
	}
	s.freeze()
	s.err = nil
	s.tx = &record{label: label, touched: map[blockKey]struct{}{}}
}

// Commit ends the edit started by Begin and reports whether it changed
// anything. A change clears the redo history.
func (s *Scene) Commit() bool {
	r := s.tx
	if r == nil {
		return false
	}
	s.tx = nil
	r.touched = nil
	s.freeze()
	if len(r.blocks) == 0 && r.shape == nil {
		return false
	}
	for _, old := range s.redo {
		s.bytes -= old.bytes
	}
	s.redo = nil
	s.undo = append(s.undo, r)
	s.bytes += r.bytes
	s.trim()
	return true
}

// Rollback undoes everything since Begin and forgets it.
func (s *Scene) Rollback() {
	r := s.tx
	if r == nil {
		return
	}
	s.tx = nil
	s.swap(r)
	s.freeze()
	s.err = nil
}

// Undo reverts the last committed edit and returns its label.
func (s *Scene) Undo() (string, error) { return s.step(&s.undo, &s.redo, ErrNothingToUndo) }

// Redo re-applies the last undone edit and returns its label.
func (s *Scene) Redo() (string, error) { return s.step(&s.redo, &s.undo, ErrNothingToRedo) }

// step moves the newest record of from to to, swapping its state in.
func (s *Scene) step(from, to *[]*record, empty error) (string, error) {
	if s.tx != nil {
		s.Commit()
	}
	if len(*from) == 0 {
		return "", empty
	}
	r := (*from)[len(*from)-1]
	*from = (*from)[:len(*from)-1]
	s.swap(r)
	*to = append(*to, r)
	s.freeze()
	return r.label, nil
}

// UndoSteps and RedoSteps return how many steps can be undone or redone.
func (s *Scene) UndoSteps() int { return len(s.undo) }

// RedoSteps returns how many steps can be redone.
func (s *Scene) RedoSteps() int { return len(s.redo) }

// ClearHistory forgets every undo and redo step.
func (s *Scene) ClearHistory() {
	s.undo, s.redo, s.bytes = nil, nil, 0
}

// swap exchanges the scene's state with the one kept in r, so the same call
// serves undo and redo. Block changes and the layer list are independent:
// a block change names its layer by pointer, present in the list or not.
func (s *Scene) swap(r *record) {
	for i := len(r.blocks) - 1; i >= 0; i-- {
		c := &r.blocks[i]
		cur := c.layer.blocks[c.pos]
		if c.block == nil {
			delete(c.layer.blocks, c.pos)
		} else {
			c.layer.blocks[c.pos] = c.block
		}
		c.layer.count += c.block.countOrZero() - cur.countOrZero()
		c.layer.boxOK = false
		c.block = cur
	}
	if r.shape != nil {
		now := s.structure()
		s.setStructure(*r.shape)
		s.lastLayer = nil
		r.shape = &now
	}
	s.lastLayer, s.lastBlock = nil, nil
	s.recount()
	s.changed()
}

func (b *Block) countOrZero() int {
	if b == nil {
		return 0
	}
	return b.count
}

func (s *Scene) recordBlock(l *Layer, bp Pos, old *Block) {
	r := s.tx
	if r == nil {
		return
	}
	k := blockKey{l, bp}
	if _, ok := r.touched[k]; ok {
		return
	}
	r.touched[k] = struct{}{}
	r.blocks = append(r.blocks, blockChange{blockKey: k, block: old})
	r.bytes += blockBytes
}

func (s *Scene) recordStructure() {
	r := s.tx
	if r == nil || r.shape != nil {
		return
	}
	st := s.structure()
	r.shape = &st
	r.bytes += int64(len(st.layers)) * 64
}

func (s *Scene) structure() structure {
	st := structure{layers: append([]*Layer(nil), s.layers...), current: s.current}
	for _, l := range s.layers {
		st.headers = append(st.headers, header{l.name, l.visible})
	}
	return st
}

func (s *Scene) setStructure(st structure) {
	s.layers = st.layers
	for i, l := range s.layers {
		l.name, l.visible = st.headers[i].name, st.headers[i].visible
	}
	s.current = st.current
}

// trim drops the oldest undo steps (then redo steps) beyond the limits.
func (s *Scene) trim() {
	for len(s.undo) > 0 && (len(s.undo) > s.limits.MaxSteps || s.bytes > s.limits.MaxBytes) {
		s.bytes -= s.undo[0].bytes
		s.undo[0] = nil
		s.undo = s.undo[1:]
	}
	for len(s.redo) > 0 && s.bytes > s.limits.MaxBytes {
		s.bytes -= s.redo[0].bytes
		s.redo[0] = nil
		s.redo = s.redo[1:]
	}
}
