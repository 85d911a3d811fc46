package stl

import (
	"bytes"
	"image/color"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

// signedVolume is the mesh's signed volume, summed in float64 from the
// (float32) vertices read back from the file.
func signedVolume(tris []Triangle) float64 {
	v := 0.0
	for _, tr := range tris {
		a, b, c := tr.V[0], tr.V[1], tr.V[2]
		v += a[0]*(b[1]*c[2]-b[2]*c[1]) - a[1]*(b[0]*c[2]-b[2]*c[0]) + a[2]*(b[0]*c[1]-b[1]*c[0])
	}
	return v / 6
}

func sub(a, b [3]float64) [3]float64 { return [3]float64{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

// orient3 is the sign of det(b-a, c-a, d-a): exact for the small dyadic
// coordinates of the test scenes.
func orient3(a, b, c, d [3]float64) int {
	u, v, w := sub(b, a), sub(c, a), sub(d, a)
	det := u[0]*(v[1]*w[2]-v[2]*w[1]) - u[1]*(v[0]*w[2]-v[2]*w[0]) + u[2]*(v[0]*w[1]-v[1]*w[0])
	switch {
	case det > 0:
		return 1
	case det < 0:
		return -1
	}
	return 0
}

func orient2(a, b, c [2]float64) int {
	det := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case det > 0:
		return 1
	case det < 0:
		return -1
	}
	return 0
}

// onSeg2 says whether p, collinear with a and b, lies between them.
func onSeg2(a, b, p [2]float64) bool {
	return math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

func segsMeet2(a, b, c, d [2]float64) bool {
	o1, o2, o3, o4 := orient2(a, b, c), orient2(a, b, d), orient2(c, d, a), orient2(c, d, b)
	if o1*o2 < 0 && o3*o4 < 0 {
		return true
	}
	return o1 == 0 && onSeg2(a, b, c) || o2 == 0 && onSeg2(a, b, d) ||
		o3 == 0 && onSeg2(c, d, a) || o4 == 0 && onSeg2(c, d, b)
}

func inTri2(t [3][2]float64, p [2]float64) bool {
	o := [3]int{orient2(t[0], t[1], p), orient2(t[1], t[2], p), orient2(t[2], t[0], p)}
	return (o[0] >= 0 && o[1] >= 0 && o[2] >= 0) || (o[0] <= 0 && o[1] <= 0 && o[2] <= 0)
}

// segMeetsTri says whether the closed segment pq meets the closed triangle t.
func segMeetsTri(p, q [3]float64, t [3][3]float64) bool {
	o1, o2 := orient3(t[0], t[1], t[2], p), orient3(t[0], t[1], t[2], q)
	if o1*o2 > 0 {
		return false
	}
	if o1 == 0 && o2 == 0 { // in the triangle's plane: meet in 2D
		n := [3]float64{}
		u, v := sub(t[1], t[0]), sub(t[2], t[0])
		n = [3]float64{u[1]*v[2] - u[2]*v[1], u[2]*v[0] - u[0]*v[2], u[0]*v[1] - u[1]*v[0]}
		drop := 0
		for k := 1; k < 3; k++ {
			if math.Abs(n[k]) > math.Abs(n[drop]) {
				drop = k
			}
		}
		pr := func(x [3]float64) [2]float64 { return [2]float64{x[(drop+1)%3], x[(drop+2)%3]} }
		t2 := [3][2]float64{pr(t[0]), pr(t[1]), pr(t[2])}
		p2, q2 := pr(p), pr(q)
		if inTri2(t2, p2) || inTri2(t2, q2) {
			return true
		}
		for i := range 3 {
			if segsMeet2(p2, q2, t2[i], t2[(i+1)%3]) {
				return true
			}
		}
		return false
	}
	s := [3]int{orient3(p, q, t[0], t[1]), orient3(p, q, t[1], t[2]), orient3(p, q, t[2], t[0])}
	return (s[0] >= 0 && s[1] >= 0 && s[2] >= 0) || (s[0] <= 0 && s[1] <= 0 && s[2] <= 0)
}

// trisMeet says whether two closed triangles share any point: if they do,
// an edge of one meets the other.
func trisMeet(a, b [3][3]float64) bool {
	for i := range 3 {
		if segMeetsTri(a[i], a[(i+1)%3], b) || segMeetsTri(b[i], b[(i+1)%3], a) {
			return true
		}
	}
	return false
}

// checkNoSelfIntersection asserts that no two triangles without a common
// vertex (welded by position) touch or cross, nor two with one common
// vertex meet anywhere else, and returns how many pairs do.
func checkNoSelfIntersection(t *testing.T, tris []Triangle) int {
	t.Helper()
	type box struct {
		lo, hi [3]float64
		i      int
	}
	boxes := make([]box, len(tris))
	for i, tr := range tris {
		b := box{lo: tr.V[0], hi: tr.V[0], i: i}
		for _, v := range tr.V[1:] {
			for k := range 3 {
				b.lo[k], b.hi[k] = math.Min(b.lo[k], v[k]), math.Max(b.hi[k], v[k])
			}
		}
		boxes[i] = b
	}
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].lo[0] < boxes[j].lo[0] })
	bad := 0
	for i, a := range boxes {
		for _, b := range boxes[i+1:] {
			if b.lo[0] > a.hi[0] {
				break
			}
			if b.lo[1] > a.hi[1] || b.hi[1] < a.lo[1] || b.lo[2] > a.hi[2] || b.hi[2] < a.lo[2] {
				continue
			}
			ta, tb := tris[a.i].V, tris[b.i].V
			shared, sa, sb := 0, 0, 0
			for i, p := range ta {
				for j, q := range tb {
					if p == q {
						shared, sa, sb = shared+1, i, j
					}
				}
			}
			meet := false
			switch shared {
			case 0:
				meet = trisMeet(ta, tb)
			case 1:
				// Sharing one vertex, they may meet only there: neither
				// edge opposite it may touch the other triangle.
				meet = segMeetsTri(ta[(sa+1)%3], ta[(sa+2)%3], tb) || segMeetsTri(tb[(sb+1)%3], tb[(sb+2)%3], ta)
			}
			if meet {
				if bad < 3 {
					t.Errorf("triangles %v and %v meet", ta, tb)
				}
				bad++
			}
		}
	}
	return bad
}

// checkExact asserts everything a slicer relies on for snap's STL as
// written to a file: closed 2-manifold edges, winding agreeing with the
// outward normals, signed volume equal to the voxel count up to float
// rounding, coordinates on the 1/256 grid, and, when intersections is
// set, no self-intersection.
func checkExact(t *testing.T, snap *voxel.Snapshot, intersections bool) []Triangle {
	t.Helper()
	path := filepath.Join(t.TempDir(), "solid.stl")
	f, err := os.Create(path)
	require.NoError(t, err)
	rep, err := EncodeReport(f, snap, Options{})
	require.NoError(t, err)
	require.NoError(t, f.Close())
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	tris := decodeSTL(t, data)
	require.Len(t, tris, rep.Triangles)
	_, pinched := checkManifold(t, tris)
	assert.Zero(t, pinched, "edges in four triangles")
	for _, tr := range tris {
		for _, v := range tr.V {
			for _, c := range v {
				require.Equal(t, c, math.Round(c*256)/256, "coordinate %v off the 1/256 grid", c)
			}
		}
	}
	vol := signedVolume(tris)
	n := float64(snap.Count())
	assert.InDelta(t, n, vol, 1e-9*math.Max(n, 1), "signed volume = voxel count")
	if intersections {
		assert.Zero(t, checkNoSelfIntersection(t, tris), "self-intersecting triangle pairs")
	}
	return tris
}

func sceneOfMask(mask int, origin voxel.Pos) *voxel.Snapshot {
	var cells []voxel.Pos
	for i := range 8 {
		if mask>>i&1 == 1 {
			cells = append(cells, voxel.Pos{X: origin.X + i&1, Y: origin.Y + i>>1&1, Z: origin.Z + i>>2&1})
		}
	}
	return sceneOf(cells...)
}

// TestAllCornerPatterns: every one of the 256 occupancy patterns of a
// 2×2×2 block, alone, and every pair of them side by side along each axis
// for the patterns that split their centre vertex.
func TestAllCornerPatterns(t *testing.T) {
	for mask := range 256 {
		snap := sceneOfMask(mask, voxel.Pos{X: -1, Y: 3, Z: 5})
		if snap.Count() == 0 {
			continue
		}
		checkExact(t, snap, true)
		if t.Failed() {
			t.Fatalf("pattern %08b", mask)
		}
	}
}

// TestPinchPairs: two split 2×2×2 patterns side by side share a face of
// cells, so pinched corners and edges meet their neighbours' (a pinched
// edge with split corners at both ends, chains of split vertices).
func TestPinchPairs(t *testing.T) {
	var split []int
	for mask := range 256 {
		if groups[mask].count > 1 {
			split = append(split, mask)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 600 {
		a, b := split[r.IntN(len(split))], split[r.IntN(len(split))]
		axis := r.IntN(3)
		off := voxel.Pos{}
		switch axis {
		case 0:
			off.X = 2
		case 1:
			off.Y = 2
		case 2:
			off.Z = 2
		}
		s := voxel.New()
		for _, m := range []struct {
			mask int
			at   voxel.Pos
		}{{a, voxel.Pos{}}, {b, off}} {
			for i := range 8 {
				if m.mask>>i&1 == 1 {
					s.Set(1, voxel.Pos{X: m.at.X + i&1, Y: m.at.Y + i>>1&1, Z: m.at.Z + i>>2&1}, grey)
				}
			}
		}
		checkExact(t, s.Snapshot(), true)
		if t.Failed() {
			t.Fatalf("patterns %08b and %08b along axis %d", a, b, axis)
		}
	}
}

// TestRandomPinchScenes: random pinch-heavy scenes (sparse voxels in a
// small box, checkerboards, diagonal chains) are closed, wound, exact in
// volume and free of self-intersections.
func TestRandomPinchScenes(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	scenes := map[string]*voxel.Snapshot{}
	// 3-D checkerboards: every voxel touches its neighbours only at edges.
	for _, n := range []int{2, 3, 4, 5} {
		s := voxel.New()
		for z := range n {
			for y := range n {
				for x := range n {
					if (x+y+z)%2 == 0 {
						s.Set(1, voxel.Pos{X: x, Y: y, Z: z}, grey)
					}
				}
			}
		}
		scenes["checker"+string(rune('0'+n))] = s.Snapshot()
	}
	// Diagonal chains: corner to corner, edge to edge, mixed.
	for _, step := range [][3]int{{1, 1, 1}, {1, 1, 0}, {1, -1, 1}, {0, 1, 1}} {
		s := voxel.New()
		for i := range 6 {
			s.Set(1, voxel.Pos{X: i * step[0], Y: i * step[1], Z: i * step[2]}, grey)
		}
		scenes["chain"+string(rune('0'+step[0]+1))+string(rune('0'+step[1]+1))+string(rune('0'+step[2]+1))] = s.Snapshot()
	}
	for name, snap := range scenes {
		t.Run(name, func(t *testing.T) { checkExact(t, snap, true) })
	}
	// Random sparse scenes in small boxes.
	for i := range 300 {
		n := 3 + r.IntN(3)
		density := 0.2 + 0.4*r.Float64()
		s := voxel.New()
		for z := range n {
			for y := range n {
				for x := range n {
					if r.Float64() < density {
						s.Set(1, voxel.Pos{X: x - 1, Y: y - 2, Z: z}, grey)
					}
				}
			}
		}
		snap := s.Snapshot()
		if snap.Count() == 0 {
			continue
		}
		checkExact(t, snap, true)
		if t.Failed() {
			var cells []voxel.Pos
			snap.Each(func(p voxel.Pos, _ color.NRGBA) bool { cells = append(cells, p); return true })
			t.Fatalf("random scene %d: %v", i, cells)
		}
	}
}

// TestSamplesExact: the sphere, the Menger sponge and chr_knight, written
// to a file and read back, are exact.
func TestSamplesExact(t *testing.T) {
	t.Run("sphere", func(t *testing.T) { checkExact(t, sphere(12), true) })
	t.Run("menger", func(t *testing.T) { checkExact(t, menger(3), true) })
	for _, name := range []string{"chr_knight", "menger", "chr_fox", "chr_cat", "horse", "teapot", "monu1"} {
		t.Run(name+".vox", func(t *testing.T) {
			data, err := os.ReadFile(testmodels.Path(t, "magicavoxel/"+name+".vox"))
			require.NoError(t, err)
			s, err := vox.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			snap := s.Snapshot()
			tris := checkExact(t, snap, name == "chr_knight")
			t.Logf("%s: %d voxels, %d triangles, signed volume %.9f", name, snap.Count(), len(tris), signedVolume(tris))
		})
	}
}

// TestTrisMeet: the intersection test used above catches crossings,
// touching and coplanar overlap, and passes disjoint triangles.
func TestTrisMeet(t *testing.T) {
	base := [3][3]float64{{0, 0, 0}, {1, 0, 0}, {0, 1, 0}}
	for name, c := range map[string]struct {
		tri  [3][3]float64
		meet bool
	}{
		"crossing":         {[3][3]float64{{0.2, 0.2, -1}, {0.2, 0.2, 1}, {2, 2, 0.5}}, true},
		"piercing edge":    {[3][3]float64{{0.25, -1, 0.5}, {0.25, 1, -0.5}, {3, 3, 3}}, true},
		"touching vertex":  {[3][3]float64{{0.5, 0.5, 0}, {1, 1, 1}, {1, 2, 1}}, true},
		"coplanar overlap": {[3][3]float64{{0.1, 0.1, 0}, {2, 0.1, 0}, {0.1, 2, 0}}, true},
		"coplanar inside":  {[3][3]float64{{0.1, 0.1, 0}, {0.2, 0.1, 0}, {0.1, 0.2, 0}}, true},
		"coplanar apart":   {[3][3]float64{{1, 1, 0}, {2, 1, 0}, {1, 2, 0}}, false},
		"above":            {[3][3]float64{{0, 0, 1 / 256.0}, {1, 0, 1 / 256.0}, {0, 1, 1 / 256.0}}, false},
		"beside":           {[3][3]float64{{0.6, 0.6, -1}, {0.6, 0.6, 1}, {2, 2, 0}}, false},
	} {
		assert.Equal(t, c.meet, trisMeet(base, c.tri), name)
		assert.Equal(t, c.meet, trisMeet(c.tri, base), name)
	}
}
