package analyze

import (
	"image/color"
	"math"

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
	// Best is the same about the nearby plane (within a voxel) that the
	// most voxels agree with, when that is not the centre plane: an
	// off-by-one wall shows up as a few voxels there rather than as a poor
	// score everywhere. Nil when the centre plane is best. It has shape
	// figures only: ColorScore, Mismatches and MismatchCount stay zero.
	Best *Symmetry
}

// MirrorSymmetry measures v's symmetry about the centre plane of axis ('x'
// or 'y'), listing at most limit asymmetric voxels and colour mismatches.
func MirrorSymmetry(v *Volume, axis byte, limit int) Symmetry {
	box := v.Box()
	if box.Empty() {
		return Symmetry{Axis: axis, Score: 1, ColorScore: 1}
	}
	sum := box.Min.X + box.Max.X
	if axis == 'y' {
		sum = box.Min.Y + box.Max.Y
	}
	s := mirrorAbout(v, axis, sum, limit)
	if s.AsymmetricCount > 0 {
		if plane, score := BestPlane(v, axis); score > s.Score {
			s.Best = mirrorShape(v, axis, int(plane*2), score, limit)
		}
	}
	return s
}

// mirrorShape describes the plane sum/2 whose shape score is known: it
// looks voxel by voxel only until it has limit examples, or not at all
// when every voxel has its mirror.
func mirrorShape(v *Volume, axis byte, sum int, score float64, limit int) *Symmetry {
	s := &Symmetry{Axis: axis, Plane: float64(sum) / 2, Score: score}
	s.AsymmetricCount = int(math.Round((1 - score) * float64(v.Count())))
	if s.AsymmetricCount == 0 || limit == 0 {
		return s
	}
	l := &lookup{v: v}
	for _, run := range v.Runs().List {
		for x := run.X; x <= run.End(); x++ {
			p := voxel.Pos{X: int(x), Y: int(run.Y), Z: int(run.Z)}
			q := p
			if axis == 'x' {
				q.X = sum - p.X
			} else {
				q.Y = sum - p.Y
			}
			if l.at(q).A == 0 {
				s.Asymmetric = append(s.Asymmetric, p)
				s.Mirror = append(s.Mirror, q)
				if len(s.Asymmetric) == limit {
					return s
				}
			}
		}
	}
	return s
}

// mirrorAbout measures symmetry about the plane where p mirrors to sum−p.
func mirrorAbout(v *Volume, axis byte, sum, limit int) Symmetry {
	s := Symmetry{Axis: axis, Score: 1, ColorScore: 1, Plane: float64(sum) / 2}
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

// span is an occupied stretch [x0, x1] of a row, whatever its colours.
type span struct{ x0, x1 int32 }

// rowSpans is every row's occupied stretches, whatever their colours.
type rowSpans struct {
	list  []span
	start []int32 // per row, and a final len(list)
}

func spansOf(r *Runs) rowSpans {
	rs := rowSpans{start: make([]int32, 0, r.Rows()+1)}
	for i := 0; i < r.Rows(); i++ {
		rs.start = append(rs.start, int32(len(rs.list)))
		first := len(rs.list)
		for _, run := range r.Row(i) {
			if n := len(rs.list); n > first && rs.list[n-1].x1+1 == run.X {
				rs.list[n-1].x1 = run.End()
				continue
			}
			rs.list = append(rs.list, span{run.X, run.End()})
		}
	}
	rs.start = append(rs.start, int32(len(rs.list)))
	return rs
}

func (rs *rowSpans) row(i int) []span { return rs.list[rs.start[i]:rs.start[i+1]] }

// overlap returns the number of positions in both sorted span lists.
func overlap(a, b []span) int {
	n, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := max(a[i].x0, b[j].x0), min(a[i].x1, b[j].x1)
		if lo <= hi {
			n += int(hi - lo + 1)
		}
		if a[i].x1 < b[j].x1 {
			i++
		} else {
			j++
		}
	}
	return n
}

// overlapMirrored is overlap(a, a mirrored to sum−x), without building the
// mirrored list: walking a backwards gives it in ascending order.
func overlapMirrored(a []span, sum int32) int {
	n, i, j := 0, 0, len(a)-1
	for i < len(a) && j >= 0 {
		b := span{sum - a[j].x1, sum - a[j].x0}
		lo, hi := max(a[i].x0, b.x0), min(a[i].x1, b.x1)
		if lo <= hi {
			n += int(hi - lo + 1)
		}
		if a[i].x1 < b.x1 {
			i++
		} else {
			j--
		}
	}
	return n
}

// matchedAbout counts the voxels whose mirror about the plane min+max = sum
// on axis holds a voxel, row by row over spans: O(runs), not O(voxels).
func matchedAbout(r *Runs, rs *rowSpans, axis byte, sum int) int {
	n := 0
	for i := 0; i < r.Rows(); i++ {
		a := rs.row(i)
		if axis == 'x' {
			n += overlapMirrored(a, int32(sum))
			continue
		}
		row := r.Row(i)
		if k := r.find(int32(sum)-row[0].Y, row[0].Z); k >= 0 {
			n += overlap(a, rs.row(k))
		}
	}
	return n
}

// planeSearch is how far, in voxels, BestPlane looks on each side of the
// centre plane: an off-by-one wall moves the centre by half a voxel and
// spoils the score of everything else.
const planeSearch = 1

// BestPlane returns the mirror plane within planeSearch voxels of the
// centre of v's box on axis that the most voxels agree with, and the share
// that does. Ties go to the plane nearest the centre.
func BestPlane(v *Volume, axis byte) (plane, score float64) {
	box := v.Box()
	if box.Empty() {
		return 0, 1
	}
	centre := box.Min.X + box.Max.X
	if axis == 'y' {
		centre = box.Min.Y + box.Max.Y
	}
	r := v.Runs()
	rs := spansOf(r)
	best, bestN := centre, -1
	for d := 0; d <= 2*planeSearch; d++ {
		for _, sum := range []int{centre - d, centre + d} {
			if n := matchedAbout(r, &rs, axis, sum); n > bestN {
				best, bestN = sum, n
			}
			if d == 0 {
				break
			}
		}
	}
	return float64(best) / 2, float64(bestN) / float64(r.voxels)
}
