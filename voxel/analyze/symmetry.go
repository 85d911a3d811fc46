package analyze

import (
	"image/color"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// Mismatch is a voxel whose mirror position holds a voxel of another colour.
type Mismatch struct {
	At, Mirror         voxel.Pos
	Color, MirrorColor color.NRGBA
}

// Symmetry is how far a volume is mirror-symmetric about the centre plane
// of one axis.
type Symmetry struct {
	Axis byte // 'x' or 'y'
	// Plane is the mirror plane's coordinate (a half-integer when the box
	// has an even size on that axis).
	Plane float64
	// Score is the fraction of voxels whose mirror position holds a voxel;
	// ColorScore the fraction whose mirror holds one of the same colour.
	Score, ColorScore float64
	// Asymmetric lists the first voxels (in (z, y, x) order) without a
	// mirror voxel, and Mirror the empty position each should mirror to.
	Asymmetric, Mirror []voxel.Pos
	AsymmetricCount    int
	// Mismatches lists the first voxels whose mirror has another colour
	// (each pair once, from its lower side).
	Mismatches    []Mismatch
	MismatchCount int
}

// MirrorSymmetry measures v's symmetry about the centre plane of axis ('x'
// or 'y'), listing at most limit asymmetric voxels and colour mismatches.
func MirrorSymmetry(v *Volume, axis byte, limit int) Symmetry {
	s := Symmetry{Axis: axis, Score: 1, ColorScore: 1}
	box := v.Box()
	if box.Empty() {
		return s
	}
	var sum int
	if axis == 'x' {
		sum = box.Min.X + box.Max.X
	} else {
		sum = box.Min.Y + box.Max.Y
	}
	s.Plane = float64(sum) / 2
	l := &lookup{v: v}
	total, matched, sameColor := 0, 0, 0
	for _, run := range v.Runs().List {
		for x := run.X; x <= run.End(); x++ {
			p := voxel.Pos{X: int(x), Y: int(run.Y), Z: int(run.Z)}
			q := p
			if axis == 'x' {
				q.X = sum - p.X
			} else {
				q.Y = sum - p.Y
			}
			total++
			c := l.at(q)
			switch {
			case c.A == 0:
				if len(s.Asymmetric) < limit {
					s.Asymmetric = append(s.Asymmetric, p)
					s.Mirror = append(s.Mirror, q)
				}
				s.AsymmetricCount++
			case c == run.Color:
				matched++
				sameColor++
			default:
				matched++
				// Report each pair once, from the side nearer the minimum.
				if (axis == 'x' && p.X < q.X) || (axis == 'y' && p.Y < q.Y) {
					if len(s.Mismatches) < limit {
						s.Mismatches = append(s.Mismatches, Mismatch{At: p, Mirror: q, Color: run.Color, MirrorColor: c})
					}
					s.MismatchCount++
				}
			}
		}
	}
	s.Score = float64(matched) / float64(total)
	s.ColorScore = float64(sameColor) / float64(total)
	return s
}
