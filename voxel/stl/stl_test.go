package stl

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"io"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

var grey = color.NRGBA{R: 128, G: 128, B: 128, A: 255}

func sceneOf(cells ...voxel.Pos) *voxel.Snapshot {
	s := voxel.New()
	for _, p := range cells {
		s.Set(1, p, grey)
	}
	return s.Snapshot()
}

func sphere(r int) *voxel.Snapshot {
	s := voxel.New()
	for z := -r; z <= r; z++ {
		for y := -r; y <= r; y++ {
			for x := -r; x <= r; x++ {
				if x*x+y*y+z*z <= r*r {
					s.Set(1, voxel.Pos{X: x, Y: y, Z: z}, grey)
				}
			}
		}
	}
	return s.Snapshot()
}

// menger builds a level-n Menger sponge of side 3^n.
func menger(n int) *voxel.Snapshot {
	side := 1
	for range n {
		side *= 3
	}
	s := voxel.New()
	for z := range side {
		for y := range side {
			for x := range side {
				hole := false
				for a, b, c := x, y, z; a > 0 || b > 0 || c > 0; a, b, c = a/3, b/3, c/3 {
					ones := 0
					for _, d := range []int{a % 3, b % 3, c % 3} {
						if d == 1 {
							ones++
						}
					}
					if ones >= 2 {
						hole = true
						break
					}
				}
				if !hole {
					s.Set(1, voxel.Pos{X: x, Y: y, Z: z}, grey)
				}
			}
		}
	}
	return s.Snapshot()
}

// decodeSTL reads a binary STL back, in millimetres.
func decodeSTL(t *testing.T, data []byte) []Triangle {
	t.Helper()
	require.GreaterOrEqual(t, len(data), 84)
	n := int(binary.LittleEndian.Uint32(data[80:]))
	require.Len(t, data, 84+50*n, "file size matches the triangle count")
	f := func(off int) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(data[off:])) }
	out := make([]Triangle, n)
	for i := range out {
		o := 84 + 50*i
		for k := range 3 {
			out[i].Normal[k] = f(o + 4*k)
		}
		for v := range 3 {
			for k := range 3 {
				out[i].V[v][k] = float64(f(o + 12 + 12*v + 4*k))
			}
		}
		assert.Zero(t, binary.LittleEndian.Uint16(data[o+48:]))
	}
	return out
}

type pt [3]float64
type edge [2]pt

// checkManifold asserts that tris form a closed, consistently wound
// surface: every undirected edge in exactly two triangles, once in each
// direction; normals agree with the winding and point out (positive
// signed volume). It returns the signed volume and the number of edges
// found in more than two triangles.
func checkManifold(t *testing.T, tris []Triangle) (volume float64, pinched int) {
	t.Helper()
	directed := map[edge]int{}
	for _, tr := range tris {
		for i := range 3 {
			a, b := pt(tr.V[i]), pt(tr.V[(i+1)%3])
			directed[edge{a, b}]++
		}
		a, b, c := tr.V[0], tr.V[1], tr.V[2]
		u := [3]float64{b[0] - a[0], b[1] - a[1], b[2] - a[2]}
		v := [3]float64{c[0] - a[0], c[1] - a[1], c[2] - a[2]}
		cr := [3]float64{u[1]*v[2] - u[2]*v[1], u[2]*v[0] - u[0]*v[2], u[0]*v[1] - u[1]*v[0]}
		dot := cr[0]*float64(tr.Normal[0]) + cr[1]*float64(tr.Normal[1]) + cr[2]*float64(tr.Normal[2])
		require.Positive(t, dot, "normal %v disagrees with the winding of %v", tr.Normal, tr.V)
		volume += (a[0]*(b[1]*c[2]-b[2]*c[1]) - a[1]*(b[0]*c[2]-b[2]*c[0]) + a[2]*(b[0]*c[1]-b[1]*c[0])) / 6
	}
	bad := 0
	for e, n := range directed {
		back := directed[edge{e[1], e[0]}]
		switch {
		case n == 1 && back == 1:
		case n == back && n > 1:
			pinched++
		default:
			if bad < 5 {
				t.Errorf("edge %v: %d triangles one way, %d the other", e, n, back)
			}
			bad++
		}
	}
	assert.Zero(t, bad, "edges not shared by exactly two triangles")
	return volume, pinched / 2
}

func assertSolid(t *testing.T, snap *voxel.Snapshot) []Triangle {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, snap))
	tris := decodeSTL(t, buf.Bytes())
	vol, pinched := checkManifold(t, tris)
	assert.Zero(t, pinched, "edges in four triangles")
	t.Logf("%d voxels, signed volume %.9f", snap.Count(), vol)
	assert.InDelta(t, float64(snap.Count()), vol, 1e-9*float64(snap.Count()), "signed volume = voxel count")
	return tris
}

func TestCube(t *testing.T) {
	tris := assertSolid(t, sceneOf(voxel.Pos{X: -3, Y: 2, Z: 7}))
	assert.Len(t, tris, 12)
}

func TestSphere(t *testing.T) {
	snap := sphere(12)
	tris := assertSolid(t, snap)
	assert.Greater(t, len(tris), 1000)
}

func TestMengerSponge(t *testing.T) {
	snap := menger(3) // 27³, 8,000 voxels
	require.Equal(t, 8000, snap.Count())
	assertSolid(t, snap)
}

func TestKnight(t *testing.T) {
	f, err := os.Open(testmodels.Path(t, "magicavoxel/chr_knight.vox"))
	require.NoError(t, err)
	defer f.Close()
	s, err := vox.Decode(f)
	require.NoError(t, err)
	snap := s.Snapshot()
	require.Equal(t, 398, snap.Count())
	assertSolid(t, snap)
}

// TestPinches: voxels meeting only along an edge, or only at a corner,
// make two closed solids that share no edge, not a non-manifold edge.
func TestPinches(t *testing.T) {
	for name, cells := range map[string][]voxel.Pos{
		"edge":          {{}, {X: 1, Y: 1}},
		"corner":        {{}, {X: 1, Y: 1, Z: 1}},
		"edge-on-slab":  {{}, {X: 1, Y: 1}, {X: 0, Y: 0, Z: 1}, {X: 1, Y: 0, Z: 1}, {X: 0, Y: 1, Z: 1}, {X: 1, Y: 1, Z: 1}},
		"staircase":     {{}, {X: 1, Y: 1}, {X: 2, Y: 2}, {X: 3, Y: 3, Z: 1}},
		"three-corners": {{}, {X: 1, Y: 1}, {X: 1, Z: 1}},
		// the diagonal pair joined again above and below: only the edge's
		// midpoint can separate the two sides
		"closed-ring": {{}, {X: 1}, {Y: 1}, {X: 1, Y: 1}, {Z: 1}, {X: 1, Y: 1, Z: 1}, {Z: 2}, {X: 1, Z: 2}, {Y: 1, Z: 2}, {X: 1, Y: 1, Z: 2}},
	} {
		t.Run(name, func(t *testing.T) {
			snap := sceneOf(cells...)
			assertSolid(t, snap)
		})
	}
}

func TestScale(t *testing.T) {
	snap := sceneOf(voxel.Pos{X: 1})
	var buf bytes.Buffer
	require.NoError(t, EncodeOptions(&buf, snap, Options{Scale: 2.5}))
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, tr := range decodeSTL(t, buf.Bytes()) {
		for _, v := range tr.V {
			lo, hi = math.Min(lo, v[0]), math.Max(hi, v[0])
		}
	}
	assert.Equal(t, []float64{2.5, 5}, []float64{lo, hi})
	assert.Error(t, EncodeOptions(&buf, snap, Options{Scale: -1}))
	assert.Error(t, EncodeOptions(&buf, snap, Options{Scale: math.NaN()}))
}

func TestEmpty(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Encode(&buf, voxel.New().Snapshot()))
	assert.Len(t, buf.Bytes(), 84)
}

func BenchmarkEncode(b *testing.B) {
	snap := menger(3)
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(io.Discard, snap); err != nil {
			b.Fatal(err)
		}
	}
}

func TestCountTriangles(t *testing.T) {
	for name, snap := range map[string]*voxel.Snapshot{
		"sphere": sphere(6), "menger": menger(2),
		"pinches": sceneOf(voxel.Pos{}, voxel.Pos{X: 1, Y: 1}, voxel.Pos{X: 2, Y: 2, Z: 1}, voxel.Pos{X: 1, Z: 1}),
		"ring": sceneOf(voxel.Pos{}, voxel.Pos{X: 1}, voxel.Pos{Y: 1}, voxel.Pos{X: 1, Y: 1}, voxel.Pos{Z: 1}, voxel.Pos{X: 1, Y: 1, Z: 1},
			voxel.Pos{Z: 2}, voxel.Pos{X: 1, Z: 2}, voxel.Pos{Y: 1, Z: 2}, voxel.Pos{X: 1, Y: 1, Z: 2}),
	} {
		assert.Len(t, Triangles(snap), countTriangles(snap), name)
	}
}

func BenchmarkEncodeMengerVox(b *testing.B) {
	data, err := os.ReadFile(testmodels.Path(b, "magicavoxel/menger.vox"))
	require.NoError(b, err)
	s, err := vox.Decode(bytes.NewReader(data))
	require.NoError(b, err)
	snap := s.Snapshot()
	b.ReportAllocs()
	for b.Loop() {
		if err := Encode(io.Discard, snap); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFarFromOrigin: float32 holds the 1/256-voxel offsets exactly up to
// MaxCoord; beyond, the export refuses with a clear error instead of
// writing a file whose split corners weld again.
func TestFarFromOrigin(t *testing.T) {
	near := sceneOf(voxel.Pos{X: MaxCoord - 2, Y: -MaxCoord, Z: 3}, voxel.Pos{X: MaxCoord - 1, Y: -MaxCoord + 1, Z: 4})
	checkExact(t, near, true)
	far := sceneOf(voxel.Pos{X: MaxCoord, Y: 0, Z: 0})
	err := Encode(io.Discard, far)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nearer the origin")
}

// TestScaledPinches: with a voxel size in mm the pinch-split solid stays
// closed and wound (the copies stay apart after rounding to float32), its
// volume is the voxel count times the voxel's volume, and a power-of-two
// size stays exact.
func TestScaledPinches(t *testing.T) {
	snap := sceneOf(voxel.Pos{}, voxel.Pos{X: 1, Y: 1}, voxel.Pos{X: 1, Z: 1}, voxel.Pos{X: 2, Y: 2, Z: 2}, voxel.Pos{Y: 2, Z: 1})
	for _, scale := range []float64{0.1, 2.5, 0.25} {
		var buf bytes.Buffer
		require.NoError(t, EncodeOptions(&buf, snap, Options{Scale: scale}))
		tris := decodeSTL(t, buf.Bytes())
		_, pinched := checkManifold(t, tris)
		assert.Zero(t, pinched)
		want := float64(snap.Count()) * scale * scale * scale
		tol := 1e-6 * want
		if scale == 0.25 {
			tol = 1e-12
		}
		assert.InDelta(t, want, signedVolume(tris), tol, "scale %v", scale)
	}
}
