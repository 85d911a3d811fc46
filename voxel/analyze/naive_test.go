package analyze

import (
	"image/color"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// naiveParts flood-fills voxel by voxel: the reference for Parts.
func naiveParts(set map[voxel.Pos]bool, diag bool) []int {
	seen := map[voxel.Pos]bool{}
	var sizes []int
	for p := range set {
		if seen[p] {
			continue
		}
		n := 0
		stack := []voxel.Pos{p}
		seen[p] = true
		for len(stack) > 0 {
			q := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			for dz := -1; dz <= 1; dz++ {
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						k := abs(int32(dx)) + abs(int32(dy)) + abs(int32(dz))
						if k == 0 || (!diag && k > 1) {
							continue
						}
						r := voxel.Pos{X: q.X + dx, Y: q.Y + dy, Z: q.Z + dz}
						if set[r] && !seen[r] {
							seen[r] = true
							stack = append(stack, r)
						}
					}
				}
			}
		}
		sizes = append(sizes, n)
	}
	slices.Sort(sizes)
	return sizes
}

// naiveCavities floods the empty cells of the box grown by one from its
// corner and returns the sizes of the empty regions not reached.
func naiveCavities(set map[voxel.Pos]bool, b voxel.Box) []int {
	in := func(p voxel.Pos) bool {
		return p.X >= b.Min.X-1 && p.X <= b.Max.X+1 && p.Y >= b.Min.Y-1 && p.Y <= b.Max.Y+1 && p.Z >= b.Min.Z-1 && p.Z <= b.Max.Z+1
	}
	seen := map[voxel.Pos]bool{}
	flood := func(start voxel.Pos) int {
		n := 0
		stack := []voxel.Pos{start}
		seen[start] = true
		for len(stack) > 0 {
			q := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			for _, d := range []voxel.Pos{{X: 1}, {X: -1}, {Y: 1}, {Y: -1}, {Z: 1}, {Z: -1}} {
				r := q.Add(d)
				if in(r) && !set[r] && !seen[r] {
					seen[r] = true
					stack = append(stack, r)
				}
			}
		}
		return n
	}
	flood(b.Min.Add(voxel.Pos{X: -1, Y: -1, Z: -1}))
	var sizes []int
	for z := b.Min.Z; z <= b.Max.Z; z++ {
		for y := b.Min.Y; y <= b.Max.Y; y++ {
			for x := b.Min.X; x <= b.Max.X; x++ {
				p := voxel.Pos{X: x, Y: y, Z: z}
				if !set[p] && !seen[p] {
					sizes = append(sizes, flood(p))
				}
			}
		}
	}
	slices.Sort(sizes)
	return sizes
}

func TestPartsAndCavitiesMatchAFloodFill(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	cols := []color.NRGBA{red, green, blue}
	for i := range 25 {
		s := voxel.New()
		set := map[voxel.Pos]bool{}
		fillRate := 0.3 + 0.5*rng.Float64()
		// Span block boundaries and negative coordinates.
		for z := -3; z < 5; z++ {
			for y := -9; y < 9; y++ {
				for x := -20; x < 20; x++ {
					if rng.Float64() < fillRate {
						p := voxel.Pos{X: x, Y: y, Z: z}
						s.Set(1, p, cols[rng.IntN(3)])
						set[p] = true
					}
				}
			}
		}
		v := volumeOf(s)
		for _, diag := range []bool{false, true} {
			conn := 6
			if diag {
				conn = 26
			}
			parts := Parts(v, PartOptions{Connectivity: conn})
			var got []int
			total := 0
			for _, p := range parts {
				got = append(got, p.Voxels)
				total += p.Voxels
			}
			slices.Sort(got)
			require.Equal(t, naiveParts(set, diag), got, "scene %d, %d-connected", i, conn)
			assert.Equal(t, len(set), total)
		}
		// Span-based mirror counts agree with voxel-by-voxel lookups.
		for _, axis := range []byte{'x', 'y'} {
			centre := v.Box().Min.X + v.Box().Max.X
			if axis == 'y' {
				centre = v.Box().Min.Y + v.Box().Max.Y
			}
			rs := spansOf(v.Runs())
			for sum := centre - 4; sum <= centre+4; sum++ {
				sym := mirrorAbout(v, axis, sum, 0)
				require.Equal(t, v.Count()-sym.AsymmetricCount, matchedAbout(v.Runs(), &rs, axis, sum), "scene %d axis %c sum %d", i, axis, sum)
			}
		}
		var got []int
		for _, c := range Cavities(v) {
			got = append(got, c.Cells)
		}
		slices.Sort(got)
		require.Equal(t, naiveCavities(set, v.Box()), got, "scene %d cavities", i)
	}
}
