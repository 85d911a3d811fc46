package ops

import (
	"errors"
	"fmt"
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Transform maps positions by a signed permutation of the axes plus an
// integer offset: translations, mirrors and 90° rotations, each exactly
// invertible. Coordinate i of the image is Sign[i]·p[Perm[i]] + Offset[i].
type Transform struct {
	Perm   [3]int
	Sign   [3]int
	Offset [3]int
}

// Identity is the transform that changes nothing.
var Identity = Transform{Perm: [3]int{0, 1, 2}, Sign: [3]int{1, 1, 1}}

// Translation moves every position by off.
func Translation(off voxel.Pos) Transform {
	t := Identity
	t.Offset = [3]int{off.X, off.Y, off.Z}
	return t
}

// Reflection mirrors positions about the plane axis = at2/2 (axis 0, 1, 2
// for x, y, z). The plane's coordinate is given doubled so that it may lie
// between two voxels: at2 = 2·at, and p maps to at2 − p on that axis.
func Reflection(axis, at2 int) Transform {
	t := Identity
	t.Sign[axis] = -1
	t.Offset[axis] = at2
	return t
}

// Rotation turns positions by turns quarter turns about the line through
// centre2/2 parallel to axis (0, 1, 2 for x, y, z), counter-clockwise when
// looking from +axis towards the origin (the right-hand rule). The centre
// is given doubled, like Reflection's plane. When the centre's two
// coordinates across the axis are not both whole or both half (a box whose
// sides differ in parity), the image is shifted down by half a voxel to
// stay on the grid.
func Rotation(axis, turns int, centre2 voxel.Pos) Transform {
	turns = ((turns % 4) + 4) % 4
	t := Identity
	// one quarter turn: the two axes across the rotation axis, u → v, v → −u
	u, v := (axis+1)%3, (axis+2)%3
	for range turns {
		n := t
		n.Perm[u], n.Sign[u] = t.Perm[v], -t.Sign[v]
		n.Perm[v], n.Sign[v] = t.Perm[u], t.Sign[u]
		t = n
	}
	// choose Offset so that the centre maps onto itself: c = M·c + 2·Offset
	c := [3]int{centre2.X, centre2.Y, centre2.Z}
	for i := range 3 {
		t.Offset[i] = floorDiv(c[i]-t.Sign[i]*c[t.Perm[i]], 2)
	}
	return t
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Apply returns the image of p.
func (t Transform) Apply(p voxel.Pos) voxel.Pos {
	in := [3]int{p.X, p.Y, p.Z}
	return voxel.Pos{
		X: t.Sign[0]*in[t.Perm[0]] + t.Offset[0],
		Y: t.Sign[1]*in[t.Perm[1]] + t.Offset[1],
		Z: t.Sign[2]*in[t.Perm[2]] + t.Offset[2],
	}
}

// Invert returns the position whose image is q.
func (t Transform) Invert(q voxel.Pos) voxel.Pos {
	out := [3]int{q.X, q.Y, q.Z}
	var p [3]int
	for i := range 3 {
		p[t.Perm[i]] = t.Sign[i] * (out[i] - t.Offset[i])
	}
	return voxel.Pos{X: p[0], Y: p[1], Z: p[2]}
}

// ApplyBox returns the image of a box.
func (t Transform) ApplyBox(b voxel.Box) voxel.Box {
	if b.Empty() {
		return voxel.EmptyBox
	}
	return voxel.BoxOf(t.Apply(b.Min), t.Apply(b.Max))
}

// Region is the voxels of one layer inside a box.
type Region struct {
	Layer int
	Box   voxel.Box
}

// ErrNoLayer is wrapped by the errors for a layer that does not exist.
var ErrNoLayer = voxel.ErrNoLayer

// Apply writes the image of every voxel of src under t into the layer dst
// (which may be src's layer), overwriting what is there. Unless keep is
// set, the source voxels are removed first, except where an image lands
// on them, so moving, mirroring and rotating in place lose nothing. It
// returns the net change and the box of the images (empty when the region
// held no voxel).
func Apply(s *voxel.Scene, src Region, dst int, t Transform, keep bool) (Result, voxel.Box, error) {
	if !s.HasLayer(src.Layer) {
		return Result{}, voxel.EmptyBox, fmt.Errorf("layer %d: %w", src.Layer, ErrNoLayer)
	}
	if !s.HasLayer(dst) {
		return Result{}, voxel.EmptyBox, fmt.Errorf("layer %d: %w", dst, ErrNoLayer)
	}
	if src.Box.Empty() {
		return Result{}, voxel.EmptyBox, errors.New("the region's box is empty")
	}
	var pos []voxel.Pos
	var col []color.NRGBA
	s.EachIn(src.Layer, src.Box, func(p voxel.Pos, c color.NRGBA) bool {
		pos = append(pos, p)
		col = append(col, c)
		return true
	})
	var r Result
	out := voxel.EmptyBox
	if len(pos) == 0 {
		return r, out, nil
	}
	// When images may land on source positions of the same layer, removal
	// must know which source positions are images: keep the source aside.
	var srcDense *dense
	var srcScene *voxel.Scene
	if !keep && dst == src.Layer && !t.ApplyBox(src.Box).Intersect(src.Box).Empty() {
		if srcDense = newDense(src.Box, len(pos)); srcDense != nil {
			for i, p := range pos {
				srcDense.set(p, col[i])
			}
		} else {
			srcScene = voxel.New()
			for i, p := range pos {
				srcScene.Set(1, p, col[i])
			}
		}
	}
	// What the images overwrite, read block by block rather than per voxel.
	images := t.ApplyBox(src.Box)
	old := newDense(images, len(pos))
	if old != nil {
		s.EachIn(dst, images, func(p voxel.Pos, c color.NRGBA) bool {
			old.set(p, c)
			return true
		})
	}
	for i, p := range pos {
		q := t.Apply(p)
		var was color.NRGBA
		if old != nil {
			was = old.at(q)
		} else {
			was = s.Get(dst, q)
		}
		if s.Set(dst, q, col[i]) {
			r.count(was, col[i])
		}
		out = out.Extend(q)
	}
	if !keep {
		for i, p := range pos {
			if dst == src.Layer {
				pre := t.Invert(p)
				if srcDense != nil && src.Box.Contains(pre) && srcDense.at(pre).A != 0 {
					continue // an image landed here
				}
				if srcScene != nil && src.Box.Contains(pre) && srcScene.Get(1, pre).A != 0 {
					continue
				}
			}
			if s.Set(src.Layer, p, color.NRGBA{}) {
				r.count(col[i], color.NRGBA{})
			}
		}
	}
	return r, out, nil
}

// dense holds colours of every position of a box in a flat slice: far
// faster to read than the scene's block map, voxel by voxel.
type dense struct {
	box    voxel.Box
	sx, sy int
	v      []color.NRGBA
}

// newDense returns a dense copy area for box, or nil when the box is too
// big or too sparse for n voxels to be worth it.
func newDense(box voxel.Box, n int) *dense {
	vol := box.Volume()
	if vol > 1<<23 || vol > max(1<<16, 8*int64(n)) {
		return nil
	}
	sz := box.Size()
	return &dense{box: box, sx: sz.X, sy: sz.Y, v: make([]color.NRGBA, vol)}
}

func (d *dense) index(p voxel.Pos) int {
	return (p.X - d.box.Min.X) + d.sx*((p.Y-d.box.Min.Y)+d.sy*(p.Z-d.box.Min.Z))
}

func (d *dense) set(p voxel.Pos, c color.NRGBA) { d.v[d.index(p)] = c }

func (d *dense) at(p voxel.Pos) color.NRGBA {
	if !d.box.Contains(p) {
		return color.NRGBA{}
	}
	return d.v[d.index(p)]
}

// Copy copies the voxels of src by off into the layer dst.
func Copy(s *voxel.Scene, src Region, dst int, off voxel.Pos) (Result, voxel.Box, error) {
	return Apply(s, src, dst, Translation(off), true)
}

// Move moves the voxels of src by off into the layer dst.
func Move(s *voxel.Scene, src Region, dst int, off voxel.Pos) (Result, voxel.Box, error) {
	return Apply(s, src, dst, Translation(off), false)
}

// Mirror mirrors the voxels of src about the plane axis = at2/2 in their
// layer; keep leaves the originals, making the region symmetric.
func Mirror(s *voxel.Scene, src Region, axis, at2 int, keep bool) (Result, voxel.Box, error) {
	if axis < 0 || axis > 2 {
		return Result{}, voxel.EmptyBox, errors.New("axis must be x, y or z")
	}
	return Apply(s, src, src.Layer, Reflection(axis, at2), keep)
}

// Rotate turns the voxels of src by quarter turns about axis through
// centre2/2 (see Rotation) in their layer.
func Rotate(s *voxel.Scene, src Region, axis, turns int, centre2 voxel.Pos, keep bool) (Result, voxel.Box, error) {
	if axis < 0 || axis > 2 {
		return Result{}, voxel.EmptyBox, errors.New("axis must be x, y or z")
	}
	return Apply(s, src, src.Layer, Rotation(axis, turns, centre2), keep)
}

// Centre2 returns the doubled centre of a box: Min+Max on each axis.
func Centre2(b voxel.Box) voxel.Pos {
	return voxel.Pos{X: b.Min.X + b.Max.X, Y: b.Min.Y + b.Max.Y, Z: b.Min.Z + b.Max.Z}
}
