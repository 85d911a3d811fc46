package scenes

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"image/color"
	"io"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// stateMagic starts an encoded scene state (version 1).
const stateMagic = "GXS1"

// State is one state of a scene, decoded: its layers bottom first and the
// current layer.
type State struct {
	Current int
	Layers  []StateLayer
}

// StateLayer is one layer of a State.
type StateLayer struct {
	ID      int
	Name    string
	Visible bool
	Voxels  map[voxel.Pos]color.NRGBA
}

// Count is the voxels in all layers.
func (st *State) Count() int {
	n := 0
	for _, l := range st.Layers {
		n += len(l.Voxels)
	}
	return n
}

// EncodeScene encodes s's current state (no history), gzip-compressed.
func EncodeScene(s *voxel.Scene) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w := bufio.NewWriter(zw)
	var tmp [binary.MaxVarintLen64]byte
	uv := func(v uint64) { n := binary.PutUvarint(tmp[:], v); w.Write(tmp[:n]) }
	sv := func(v int64) { n := binary.PutVarint(tmp[:], v); w.Write(tmp[:n]) }
	w.WriteString(stateMagic)
	sv(int64(s.Current()))
	layers := s.Layers()
	uv(uint64(len(layers)))
	for _, l := range layers {
		sv(int64(l.ID))
		uv(uint64(len(l.Name)))
		w.WriteString(l.Name)
		if l.Visible {
			w.WriteByte(1)
		} else {
			w.WriteByte(0)
		}
		uv(uint64(l.Count))
		n := 0
		s.Each(l.ID, func(p voxel.Pos, c color.NRGBA) bool {
			sv(int64(p.X))
			sv(int64(p.Y))
			sv(int64(p.Z))
			w.Write([]byte{c.R, c.G, c.B, c.A})
			n++
			return true
		})
		if n != l.Count {
			return nil, fmt.Errorf("layer %d: counted %d voxels, listed %d", l.ID, l.Count, n)
		}
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxLayers bounds a decoded state, against corrupt input.
const maxLayers = 1 << 16

// DecodeState decodes what EncodeScene wrote; maxVoxels bounds it.
func DecodeState(b []byte, maxVoxels int) (*State, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("scene state: %w", err)
	}
	r := bufio.NewReader(zr)
	fail := func(err error) (*State, error) {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("scene state: %w", err)
	}
	magic := make([]byte, len(stateMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != stateMagic {
		return fail(errors.New("not a goxel-mcp scene state"))
	}
	cur, err := binary.ReadVarint(r)
	if err != nil {
		return fail(err)
	}
	nl, err := binary.ReadUvarint(r)
	if err != nil {
		return fail(err)
	}
	if nl > maxLayers {
		return fail(fmt.Errorf("%d layers", nl))
	}
	st := &State{Current: int(cur)}
	total := 0
	for range nl {
		id, err := binary.ReadVarint(r)
		if err != nil {
			return fail(err)
		}
		ln, err := binary.ReadUvarint(r)
		if err != nil || ln > 1<<16 {
			return fail(fmt.Errorf("layer name: %v", err))
		}
		name := make([]byte, ln)
		if _, err := io.ReadFull(r, name); err != nil {
			return fail(err)
		}
		vis, err := r.ReadByte()
		if err != nil {
			return fail(err)
		}
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return fail(err)
		}
		if total += int(n); n > uint64(maxVoxels) || total > maxVoxels {
			return fail(fmt.Errorf("more than %d voxels", maxVoxels))
		}
		l := StateLayer{ID: int(id), Name: string(name), Visible: vis == 1, Voxels: make(map[voxel.Pos]color.NRGBA, n)}
		var rgba [4]byte
		for range n {
			x, e1 := binary.ReadVarint(r)
			y, e2 := binary.ReadVarint(r)
			z, e3 := binary.ReadVarint(r)
			_, e4 := io.ReadFull(r, rgba[:])
			if err := errors.Join(e1, e2, e3, e4); err != nil {
				return fail(err)
			}
			l.Voxels[voxel.Pos{X: int(x), Y: int(y), Z: int(z)}] = color.NRGBA{rgba[0], rgba[1], rgba[2], rgba[3]}
		}
		st.Layers = append(st.Layers, l)
	}
	return st, nil
}

// Apply changes s to st as the caller's open edit (Begin/Commit): layers
// added, removed, renamed, shown or hidden, and only the voxels that differ
// set, so the undo record holds what changed.
func Apply(s *voxel.Scene, st *State) error {
	want := map[int]*StateLayer{}
	for i := range st.Layers {
		want[st.Layers[i].ID] = &st.Layers[i]
	}
	for _, l := range st.Layers {
		if !s.HasLayer(l.ID) {
			if err := s.AddLayerWithID(l.ID, l.Name); err != nil {
				return err
			}
		}
	}
	for _, l := range s.Layers() {
		if want[l.ID] == nil {
			if err := s.DeleteLayer(l.ID); err != nil {
				return err
			}
		}
	}
	for _, l := range s.Layers() {
		w := want[l.ID]
		if l.Name != w.Name {
			if err := s.RenameLayer(l.ID, w.Name); err != nil {
				return err
			}
		}
		if l.Visible != w.Visible {
			if err := s.SetVisible(l.ID, w.Visible); err != nil {
				return err
			}
		}
		var gone []voxel.Pos
		s.Each(l.ID, func(p voxel.Pos, _ color.NRGBA) bool {
			if _, ok := w.Voxels[p]; !ok {
				gone = append(gone, p)
			}
			return true
		})
		for _, p := range gone {
			s.Set(l.ID, p, color.NRGBA{})
		}
		for p, c := range w.Voxels {
			if s.Get(l.ID, p) != c {
				s.Set(l.ID, p, c)
			}
		}
	}
	if st.Current != 0 && s.HasLayer(st.Current) && s.Current() != st.Current {
		return s.SelectLayer(st.Current)
	}
	return nil
}

// Step is one state of a project's history with the label of the edit
// that left it (undo) or leads to it (redo).
type Step struct {
	Label string
	State []byte
}

// Rebuild makes the scene of a project from its stored history: the
// undo states oldest first, the current state, and the redo states next
// first. The scene's own undo and redo stacks come out as they were, so
// undo and redo work after a restart or on another instance.
func Rebuild(undo []Step, current []byte, redo []Step, maxVoxels int) (*voxel.Scene, error) {
	s := voxel.New()
	chain := append(append(append([]Step{}, undo...), Step{Label: "", State: current}), redo...)
	for i, step := range chain {
		st, err := DecodeState(step.State, maxVoxels)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			// The oldest state is the base: no undo step leads to it.
			if err := Apply(s, st); err != nil {
				return nil, err
			}
			s.ClearHistory()
			continue
		}
		label := chain[i-1].Label
		if i > len(undo) {
			label = step.Label
		}
		s.Begin(label)
		if err := Apply(s, st); err != nil {
			s.Rollback()
			return nil, err
		}
		if !s.Commit() {
			// Two equal states in a row (a step that changed only what is
			// not stored): an empty undo step keeps the counts right.
			s.Begin(label)
			s.Commit()
		}
	}
	for range redo {
		if _, err := s.Undo(); err != nil {
			return nil, err
		}
	}
	return s, nil
}
