package voxel

import (
	"errors"
	"image/color"
)

// Errors returned by FloodRegion.
var (
	ErrFloodLimit  = errors.New("flood fill region is larger than the limit")
	ErrNotEnclosed = errors.New("empty region is not enclosed")
)

// FloodRegion returns the 6-connected region of the layer that contains
// start: the voxels of start's colour when start holds a voxel, or the
// empty positions when it does not. An empty region must be enclosed: if
// it reaches the boundary of bounds it is open to the outside and
// ErrNotEnclosed is returned. More than limit positions give ErrFloodLimit.
// The order of the result is deterministic (breadth first).
func (s *Scene) FloodRegion(layer int, start Pos, limit int, bounds Box) ([]Pos, error) {
	l := s.layer(layer)
	if l == nil {
		return nil, ErrNoLayer
	}
	target := l.get(start)
	empty := target.A == 0
	if empty && !bounds.Contains(start) {
		return nil, ErrNotEnclosed
	}
	match := func(p Pos) bool {
		c := l.get(p)
		if empty {
			return c.A == 0
		}
		return c == target
	}
	seen := map[Pos]struct{}{start: {}}
	queue := []Pos{start}
	var out []Pos
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		out = append(out, p)
		if len(out) > limit {
			return nil, ErrFloodLimit
		}
		for _, n := range neighbours {
			q := p.Add(n)
			if _, ok := seen[q]; ok {
				continue
			}
			if empty && !bounds.Contains(q) {
				return nil, ErrNotEnclosed
			}
			if !match(q) {
				continue
			}
			seen[q] = struct{}{}
			queue = append(queue, q)
		}
	}
	return out, nil
}

// Recolor reports whether c would change the voxel at p in the layer
// without changing whether it exists: used by paint operations.
func (s *Scene) Recolor(layer int, p Pos, c color.NRGBA) bool {
	old := s.Get(layer, p)
	if old.A == 0 || c.A == 0 || old == c {
		return false
	}
	return s.Set(layer, p, c)
}
