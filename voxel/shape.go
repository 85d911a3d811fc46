package voxel

import (
	"errors"
	"fmt"
	"math"
)

// ShapeKind names a shape that Shape can describe.
type ShapeKind string

// Shape kinds.
const (
	ShapeBox      ShapeKind = "box"
	ShapeSphere   ShapeKind = "sphere" // an ellipsoid when the radii differ
	ShapeCylinder ShapeKind = "cylinder"
	ShapeCone     ShapeKind = "cone"
	ShapeLine     ShapeKind = "line"
	ShapePlane    ShapeKind = "plane"
)

// ShapeKinds lists every shape kind.
var ShapeKinds = []ShapeKind{ShapeBox, ShapeSphere, ShapeCylinder, ShapeCone, ShapeLine, ShapePlane}

// Shape describes a solid. Which fields matter depends on Kind:
//
//   - box: From and To are opposite corners, inclusive.
//   - sphere: Center and Radii (equal radii give a sphere: x²+y²+z² ≤ r²).
//   - cylinder, cone: Center is the centre of the base, Radius, Height
//     voxels along Axis (0=X, 1=Y, 2=Z) in the positive direction; a cone
//     narrows to a point at the top.
//   - line: From and To are the end points, Radius the thickness around
//     the segment (0 for a one-voxel line).
//   - plane: the rectangle spanned by From and To on the two axes other than
//     Axis, at From's coordinate on Axis.
//
// Hollow keeps only the voxels of the solid that have a face-neighbour
// outside it (a one-voxel shell); for a plane, the rectangle's border.
type Shape struct {
	Kind   ShapeKind
	From   Pos
	To     Pos
	Center Pos
	Radii  [3]int
	Radius int
	Height int
	Axis   int
	Hollow bool
}

// ErrShape is wrapped by every error Shape validation returns.
var ErrShape = errors.New("invalid shape")

// Bounds returns the box that holds every voxel of the shape.
func (sh Shape) Bounds() (Box, error) {
	switch sh.Kind {
	case ShapeBox:
		return BoxOf(sh.From, sh.To), nil
	case ShapeSphere:
		for i, r := range sh.Radii {
			if r < 0 {
				return EmptyBox, fmt.Errorf("%w: radius %d on axis %c must not be negative", ErrShape, r, "xyz"[i])
			}
		}
		r := Pos{sh.Radii[0], sh.Radii[1], sh.Radii[2]}
		return Box{Min: Pos{sh.Center.X - r.X, sh.Center.Y - r.Y, sh.Center.Z - r.Z}, Max: sh.Center.Add(r)}, nil
	case ShapeCylinder, ShapeCone:
		if sh.Radius < 0 || sh.Height < 1 {
			return EmptyBox, fmt.Errorf("%w: radius must be ≥ 0 and height ≥ 1, got radius %d height %d", ErrShape, sh.Radius, sh.Height)
		}
		if sh.Axis < 0 || sh.Axis > 2 {
			return EmptyBox, fmt.Errorf("%w: axis must be x, y or z", ErrShape)
		}
		lo := [3]int{sh.Center.X - sh.Radius, sh.Center.Y - sh.Radius, sh.Center.Z - sh.Radius}
		hi := [3]int{sh.Center.X + sh.Radius, sh.Center.Y + sh.Radius, sh.Center.Z + sh.Radius}
		c := [3]int{sh.Center.X, sh.Center.Y, sh.Center.Z}
		lo[sh.Axis], hi[sh.Axis] = c[sh.Axis], c[sh.Axis]+sh.Height-1
		return Box{Pos{lo[0], lo[1], lo[2]}, Pos{hi[0], hi[1], hi[2]}}, nil
	case ShapeLine:
		if sh.Radius < 0 {
			return EmptyBox, fmt.Errorf("%w: radius must be ≥ 0, got %d", ErrShape, sh.Radius)
		}
		b := BoxOf(sh.From, sh.To)
		r := Pos{sh.Radius, sh.Radius, sh.Radius}
		return Box{Min: Pos{b.Min.X - r.X, b.Min.Y - r.Y, b.Min.Z - r.Z}, Max: b.Max.Add(r)}, nil
	case ShapePlane:
		if sh.Axis < 0 || sh.Axis > 2 {
			return EmptyBox, fmt.Errorf("%w: axis must be x, y or z", ErrShape)
		}
		b := BoxOf(sh.From, sh.To)
		lo, hi := b.Min.axes(), b.Max.axes()
		f := sh.From.axes()
		lo[sh.Axis], hi[sh.Axis] = f[sh.Axis], f[sh.Axis]
		return Box{Pos{lo[0], lo[1], lo[2]}, Pos{hi[0], hi[1], hi[2]}}, nil
	}
	return EmptyBox, fmt.Errorf("%w: unknown kind %q", ErrShape, sh.Kind)
}

func (p Pos) axes() [3]int { return [3]int{p.X, p.Y, p.Z} }

// Contains reports whether p is part of the solid shape (ignoring Hollow).
func (sh Shape) Contains(p Pos) bool {
	switch sh.Kind {
	case ShapeBox:
		return BoxOf(sh.From, sh.To).Contains(p)
	case ShapeSphere:
		return inEllipsoid(p.X-sh.Center.X, p.Y-sh.Center.Y, p.Z-sh.Center.Z, sh.Radii)
	case ShapeCylinder, ShapeCone:
		d := [3]int{p.X - sh.Center.X, p.Y - sh.Center.Y, p.Z - sh.Center.Z}
		h := d[sh.Axis]
		if h < 0 || h >= sh.Height {
			return false
		}
		d[sh.Axis] = 0
		r2 := int64(d[0])*int64(d[0]) + int64(d[1])*int64(d[1]) + int64(d[2])*int64(d[2])
		if sh.Kind == ShapeCylinder {
			return r2 <= int64(sh.Radius)*int64(sh.Radius)
		}
		// radius shrinks linearly from Radius at the base to 0 above the top
		// level: r(h) = Radius·(Height−h)/Height, compared squared in integers.
		num := int64(sh.Radius) * int64(sh.Height-h)
		den := int64(sh.Height)
		return float64(r2)*float64(den)*float64(den) <= float64(num)*float64(num)
	case ShapeLine:
		return sh.nearSegment(p)
	case ShapePlane:
		b, _ := sh.Bounds()
		return b.Contains(p)
	}
	return false
}

func inEllipsoid(dx, dy, dz int, r [3]int) bool {
	if r[0] == r[1] && r[1] == r[2] {
		rr := int64(r[0]) * int64(r[0])
		return int64(dx)*int64(dx)+int64(dy)*int64(dy)+int64(dz)*int64(dz) <= rr
	}
	sum := 0.0
	for i, d := range [3]int{dx, dy, dz} {
		if r[i] == 0 {
			if d != 0 {
				return false
			}
			continue
		}
		q := float64(d) / float64(r[i])
		sum += q * q
	}
	return sum <= 1+1e-9
}

// nearSegment reports whether p lies within Radius of the segment, or on
// the segment's 3D Bresenham line when Radius is 0.
func (sh Shape) nearSegment(p Pos) bool {
	a, b := sh.From, sh.To
	if sh.Radius == 0 {
		found := false
		Line(a, b, func(q Pos) bool {
			if q == p {
				found = true
				return false
			}
			return true
		})
		return found
	}
	ax, ay, az := float64(a.X), float64(a.Y), float64(a.Z)
	dx, dy, dz := float64(b.X)-ax, float64(b.Y)-ay, float64(b.Z)-az
	px, py, pz := float64(p.X)-ax, float64(p.Y)-ay, float64(p.Z)-az
	l2 := dx*dx + dy*dy + dz*dz
	t := 0.0
	if l2 > 0 {
		t = math.Max(0, math.Min(1, (px*dx+py*dy+pz*dz)/l2))
	}
	ex, ey, ez := px-t*dx, py-t*dy, pz-t*dz
	r := float64(sh.Radius)
	return ex*ex+ey*ey+ez*ez <= r*r+1e-9
}

// Line calls fn for each position of the 3D Bresenham line from a to b,
// both included, until fn returns false.
func Line(a, b Pos, fn func(Pos) bool) {
	d := [3]int{abs(b.X - a.X), abs(b.Y - a.Y), abs(b.Z - a.Z)}
	s := [3]int{sign(b.X - a.X), sign(b.Y - a.Y), sign(b.Z - a.Z)}
	p := a.axes()
	m := 0
	for i := 1; i < 3; i++ {
		if d[i] > d[m] {
			m = i
		}
	}
	o1, o2 := (m+1)%3, (m+2)%3
	e1, e2 := 2*d[o1]-d[m], 2*d[o2]-d[m]
	for i := 0; ; i++ {
		if !fn(Pos{p[0], p[1], p[2]}) || i == d[m] {
			return
		}
		if e1 > 0 {
			p[o1] += s[o1]
			e1 -= 2 * d[m]
		}
		if e2 > 0 {
			p[o2] += s[o2]
			e2 -= 2 * d[m]
		}
		e1 += 2 * d[o1]
		e2 += 2 * d[o2]
		p[m] += s[m]
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// Each calls fn for every voxel of the shape (the shell when Hollow) in a
// deterministic order until fn returns false. It does not check the size;
// callers bound it with Bounds first.
func (sh Shape) Each(fn func(Pos) bool) error {
	box, err := sh.Bounds()
	if err != nil {
		return err
	}
	if sh.Kind == ShapeLine && sh.Radius == 0 {
		Line(sh.From, sh.To, fn)
		return nil
	}
	plane := sh.Kind == ShapePlane
	fast := sh.Kind == ShapeBox || plane
	for z := box.Min.Z; z <= box.Max.Z; z++ {
		for y := box.Min.Y; y <= box.Max.Y; y++ {
			for x := box.Min.X; x <= box.Max.X; x++ {
				p := Pos{x, y, z}
				if !fast && !sh.Contains(p) {
					continue
				}
				if sh.Hollow && !sh.onShell(p, box, plane) {
					continue
				}
				if !fn(p) {
					return nil
				}
			}
		}
	}
	return nil
}

var neighbours = [6]Pos{{1, 0, 0}, {-1, 0, 0}, {0, 1, 0}, {0, -1, 0}, {0, 0, 1}, {0, 0, -1}}

func (sh Shape) onShell(p Pos, box Box, plane bool) bool {
	for i, n := range neighbours {
		if plane && i/2 == sh.Axis {
			continue // a plane's border lies within the plane
		}
		q := p.Add(n)
		if !box.Contains(q) || !sh.Contains(q) {
			return true
		}
	}
	return false
}
