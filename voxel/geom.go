package voxel

import (
	"fmt"
	"math"
)

// Pos is a voxel position.
type Pos struct{ X, Y, Z int }

// Add returns p+q.
func (p Pos) Add(q Pos) Pos { return Pos{p.X + q.X, p.Y + q.Y, p.Z + q.Z} }

// String formats p as "[x,y,z]".
func (p Pos) String() string { return fmt.Sprintf("[%d,%d,%d]", p.X, p.Y, p.Z) }

// Box is an inclusive box of voxel positions. A box whose Min exceeds its
// Max on any axis is empty; EmptyBox is the canonical empty box.
type Box struct{ Min, Max Pos }

// EmptyBox is the box that contains nothing; its union with any box is that box.
var EmptyBox = Box{
	Min: Pos{math.MaxInt, math.MaxInt, math.MaxInt},
	Max: Pos{math.MinInt, math.MinInt, math.MinInt},
}

// BoxOf returns the smallest box holding both corners, in any order.
func BoxOf(a, b Pos) Box {
	return Box{
		Min: Pos{min(a.X, b.X), min(a.Y, b.Y), min(a.Z, b.Z)},
		Max: Pos{max(a.X, b.X), max(a.Y, b.Y), max(a.Z, b.Z)},
	}
}

// Empty reports whether b contains no position.
func (b Box) Empty() bool {
	return b.Min.X > b.Max.X || b.Min.Y > b.Max.Y || b.Min.Z > b.Max.Z
}

// Contains reports whether p lies in b.
func (b Box) Contains(p Pos) bool {
	return p.X >= b.Min.X && p.X <= b.Max.X &&
		p.Y >= b.Min.Y && p.Y <= b.Max.Y &&
		p.Z >= b.Min.Z && p.Z <= b.Max.Z
}

// Union returns the smallest box holding b and c.
func (b Box) Union(c Box) Box {
	if b.Empty() {
		return c
	}
	if c.Empty() {
		return b
	}
	return Box{
		Min: Pos{min(b.Min.X, c.Min.X), min(b.Min.Y, c.Min.Y), min(b.Min.Z, c.Min.Z)},
		Max: Pos{max(b.Max.X, c.Max.X), max(b.Max.Y, c.Max.Y), max(b.Max.Z, c.Max.Z)},
	}
}

// Intersect returns the positions in both b and c.
func (b Box) Intersect(c Box) Box {
	r := Box{
		Min: Pos{max(b.Min.X, c.Min.X), max(b.Min.Y, c.Min.Y), max(b.Min.Z, c.Min.Z)},
		Max: Pos{min(b.Max.X, c.Max.X), min(b.Max.Y, c.Max.Y), min(b.Max.Z, c.Max.Z)},
	}
	if r.Empty() {
		return EmptyBox
	}
	return r
}

// Extend returns the smallest box holding b and p. An empty b must be
// EmptyBox, whose extreme corners make plain min and max work.
func (b Box) Extend(p Pos) Box {
	if p.X < b.Min.X {
		b.Min.X = p.X
	}
	if p.X > b.Max.X {
		b.Max.X = p.X
	}
	if p.Y < b.Min.Y {
		b.Min.Y = p.Y
	}
	if p.Y > b.Max.Y {
		b.Max.Y = p.Y
	}
	if p.Z < b.Min.Z {
		b.Min.Z = p.Z
	}
	if p.Z > b.Max.Z {
		b.Max.Z = p.Z
	}
	return b
}

// Size returns the number of positions along each axis (zero when empty).
func (b Box) Size() Pos {
	if b.Empty() {
		return Pos{}
	}
	return Pos{b.Max.X - b.Min.X + 1, b.Max.Y - b.Min.Y + 1, b.Max.Z - b.Min.Z + 1}
}

// Volume returns the number of positions in b, saturating at math.MaxInt64.
func (b Box) Volume() int64 {
	s := b.Size()
	v := int64(1)
	for _, n := range []int{s.X, s.Y, s.Z} {
		if n == 0 {
			return 0
		}
		if v > math.MaxInt64/int64(n) {
			return math.MaxInt64
		}
		v *= int64(n)
	}
	return v
}

// String formats b as "[x0,y0,z0]..[x1,y1,z1]" or "empty".
func (b Box) String() string {
	if b.Empty() {
		return "empty"
	}
	return b.Min.String() + ".." + b.Max.String()
}
