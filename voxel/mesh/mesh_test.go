package mesh

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"image/color"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

var (
	red  = color.NRGBA{R: 255, A: 255}
	blue = color.NRGBA{B: 255, A: 255}
)

func scene(fill func(s *voxel.Scene)) *voxel.Snapshot {
	s := voxel.New()
	fill(s)
	return s.Snapshot()
}

func box(s *voxel.Scene, lo, hi voxel.Pos, c color.NRGBA) {
	for z := lo.Z; z <= hi.Z; z++ {
		for y := lo.Y; y <= hi.Y; y++ {
			for x := lo.X; x <= hi.X; x++ {
				s.Set(1, voxel.Pos{X: x, Y: y, Z: z}, c)
			}
		}
	}
}

// exposedFaces counts voxel faces whose neighbour is empty, one by one.
func exposedFaces(snap *voxel.Snapshot) int {
	n := 0
	snap.Each(func(p voxel.Pos, c color.NRGBA) bool {
		for _, d := range dirs {
			if snap.At(voxel.Pos{X: p.X + d[0], Y: p.Y + d[1], Z: p.Z + d[2]}).A == 0 {
				n++
			}
		}
		return true
	})
	return n
}

func sub(a, b [3]int) [3]int { return [3]int{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

func cross(a, b [3]int) [3]int {
	return [3]int{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// checkMesh checks that the quads cover exactly the exposed faces, wind
// counter-clockwise around their normal and lie where a face can be.
func checkMesh(t *testing.T, snap *voxel.Snapshot, m *Mesh) {
	t.Helper()
	area := 0
	for _, q := range m.Quads {
		e1, e2 := sub(q.Corners[1], q.Corners[0]), sub(q.Corners[3], q.Corners[0])
		n := cross(e1, e2)
		a := n[0]*q.Normal[0] + n[1]*q.Normal[1] + n[2]*q.Normal[2]
		require.Positive(t, a, "quad %v winds clockwise around %v", q.Corners, q.Normal)
		area += a
		// The voxel behind the first corner's face is set, the one in front is empty.
		lo := q.Corners[0]
		for _, c := range q.Corners {
			for i := range 3 {
				lo[i] = min(lo[i], c[i])
			}
		}
		in := lo
		for i := range 3 {
			if q.Normal[i] > 0 {
				in[i]--
			}
		}
		out := [3]int{in[0] + q.Normal[0], in[1] + q.Normal[1], in[2] + q.Normal[2]}
		assert.Equal(t, q.Color, snap.At(voxel.Pos{X: in[0], Y: in[1], Z: in[2]}))
		assert.Zero(t, snap.At(voxel.Pos{X: out[0], Y: out[1], Z: out[2]}).A)
	}
	assert.Equal(t, exposedFaces(snap), area, "quad area equals exposed faces")
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		fill  func(s *voxel.Scene)
		quads int
	}{
		{"empty", func(*voxel.Scene) {}, 0},
		{"one voxel", func(s *voxel.Scene) { s.Set(1, voxel.Pos{X: -1, Y: 2, Z: 3}, red) }, 6},
		{"solid cube", func(s *voxel.Scene) { box(s, voxel.Pos{}, voxel.Pos{X: 4, Y: 4, Z: 4}, red) }, 6},
		{"across blocks", func(s *voxel.Scene) { box(s, voxel.Pos{X: -20, Y: 10, Z: 14}, voxel.Pos{X: 20, Y: 17, Z: 17}, red) }, 6},
		{"two colours", func(s *voxel.Scene) {
			box(s, voxel.Pos{}, voxel.Pos{X: 1, Y: 1, Z: 1}, red)
			box(s, voxel.Pos{X: 2}, voxel.Pos{X: 3, Y: 1, Z: 1}, blue)
		}, 10},
		{"hollow", func(s *voxel.Scene) {
			box(s, voxel.Pos{}, voxel.Pos{X: 4, Y: 4, Z: 4}, red)
			s.Set(1, voxel.Pos{X: 2, Y: 2, Z: 2}, color.NRGBA{})
		}, 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap := scene(tc.fill)
			m := Build(snap)
			assert.Len(t, m.Quads, tc.quads)
			checkMesh(t, snap, m)
		})
	}
}

func monu1(t testing.TB) *voxel.Snapshot {
	f, err := os.Open(testmodels.Path(t, "magicavoxel/monu1.vox"))
	require.NoError(t, err)
	defer f.Close()
	s, err := vox.Decode(bufio.NewReader(f))
	require.NoError(t, err)
	return s.Snapshot()
}

// TestTranslucentFaces: the faces between an opaque and a translucent
// voxel are kept on both sides; between two opaque ones they are not.
func TestTranslucentFaces(t *testing.T) {
	glass := color.NRGBA{G: 255, A: 128}
	m := Build(scene(func(s *voxel.Scene) {
		s.Set(1, voxel.Pos{}, red)
		s.Set(1, voxel.Pos{X: 1}, glass)
	}))
	var between int
	for _, q := range m.Quads {
		if q.Normal[0] != 0 && q.Corners[0][0] == 1 {
			between++
			if q.Normal[0] > 0 {
				assert.Equal(t, red, q.Color, "the opaque voxel's face looks at the glass")
			} else {
				assert.Equal(t, glass, q.Color, "the glass closes its volume")
			}
		}
	}
	assert.Equal(t, 2, between)
	assert.Len(t, m.Quads, 12)
	solid := Build(scene(func(s *voxel.Scene) {
		s.Set(1, voxel.Pos{}, red)
		s.Set(1, voxel.Pos{X: 1}, blue)
	}))
	assert.Len(t, solid.Quads, 10)
}

func TestMonument(t *testing.T) {
	snap := monu1(t)
	m := Build(snap)
	checkMesh(t, snap, m)
	faces := exposedFaces(snap)
	t.Logf("monu1: %d voxels, %d exposed faces, %d quads, %d triangles", snap.Count(), faces, len(m.Quads), m.Triangles())
	assert.Less(t, m.Triangles(), faces, "greedy meshing merges faces")
}

func cubeMesh() *Mesh {
	return Build(scene(func(s *voxel.Scene) {
		box(s, voxel.Pos{}, voxel.Pos{X: 1, Y: 1, Z: 1}, red)
		s.Set(1, voxel.Pos{Z: 5}, color.NRGBA{G: 255, A: 128})
	}))
}

func TestOBJ(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, cubeMesh().WriteOBJ(&buf))
	var v, vn, f int
	for _, line := range strings.Split(buf.String(), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "v":
			v++
			assert.Len(t, fields, 7, line)
		case "vn":
			vn++
		case "f":
			f++
			assert.Len(t, fields, 5, line)
		}
	}
	assert.Equal(t, 6, vn)
	assert.Equal(t, 12, f)
	assert.Equal(t, 48, v) // every quad has its own normal or colour
	assert.Contains(t, buf.String(), "v 0 0 0 1.0000 0.0000 0.0000\n")
}

func TestPLY(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, cubeMesh().WritePLY(&buf))
	head, body, ok := bytes.Cut(buf.Bytes(), []byte("end_header\n"))
	require.True(t, ok)
	assert.Contains(t, string(head), "format binary_little_endian 1.0\n")
	assert.Contains(t, string(head), "element vertex 48\n")
	assert.Contains(t, string(head), "element face 12\n")
	assert.Len(t, body, 48*16+12*17)
}

func TestGLTF(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, cubeMesh().WriteGLTF(&buf))
	var doc struct {
		Accessors []struct {
			Count int
			Min   []float32
			Max   []float32
		}
		Buffers []struct {
			ByteLength int
			URI        string
		}
		Materials []struct{ AlphaMode string }
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	require.Len(t, doc.Buffers, 1)
	bin, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(doc.Buffers[0].URI, "data:application/octet-stream;base64,"))
	require.NoError(t, err)
	assert.Len(t, bin, doc.Buffers[0].ByteLength)
	require.Len(t, doc.Accessors, 4)
	assert.Equal(t, 48, doc.Accessors[0].Count)
	assert.Equal(t, 72, doc.Accessors[3].Count)
	// Y up: the voxel at z=5 reaches y=6; scene y 0..2 becomes z -2..0.
	assert.Equal(t, []float32{0, 0, -2}, doc.Accessors[0].Min)
	assert.Equal(t, []float32{2, 6, 0}, doc.Accessors[0].Max)
	assert.Equal(t, "BLEND", doc.Materials[0].AlphaMode)
}

func TestGLB(t *testing.T) {
	for name, m := range map[string]*Mesh{"cube": cubeMesh(), "empty": {}} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			require.NoError(t, m.WriteGLB(&buf))
			b := buf.Bytes()
			le := binary.LittleEndian
			assert.Equal(t, "glTF", string(b[:4]))
			assert.Equal(t, uint32(2), le.Uint32(b[4:]))
			assert.Equal(t, uint32(len(b)), le.Uint32(b[8:]))
			jl := le.Uint32(b[12:])
			assert.Equal(t, "JSON", string(b[16:20]))
			assert.Zero(t, jl%4)
			assert.True(t, json.Valid(b[20:20+jl]))
			if rest := b[20+jl:]; len(rest) > 0 {
				assert.Equal(t, "BIN\x00", string(rest[4:8]))
				assert.Equal(t, uint32(len(rest)-8), le.Uint32(rest))
			}
		})
	}
}

func BenchmarkBuildMonument(b *testing.B) {
	snap := monu1(b)
	b.ResetTimer()
	for b.Loop() {
		Build(snap)
	}
}

func BenchmarkEncodeGLBMonument(b *testing.B) {
	snap := monu1(b)
	b.ResetTimer()
	for b.Loop() {
		var buf bytes.Buffer
		if err := EncodeGLB(&buf, snap); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCapsRefuseLargeSurfaces: a surface over a cap is refused with
// ErrTooLarge naming the cap and the formats that keep every voxel, before
// anything is written; at the cap it is built.
func TestCapsRefuseLargeSurfaces(t *testing.T) {
	snap := scene(func(s *voxel.Scene) {
		for x := 0; x < 8; x += 2 {
			s.Set(1, voxel.Pos{X: x}, red) // 4 lone voxels: 24 faces, 24 quads
		}
	})
	for _, tc := range []struct {
		faces, quads int
		want         string
	}{
		{23, -1, "more than 23 exposed voxel faces"},
		{-1, 23, "more than 23 merged rectangles (quads)"},
	} {
		_, err := build(snap, tc.faces, tc.quads)
		require.ErrorIs(t, err, ErrTooLarge)
		assert.Contains(t, err.Error(), tc.want)
		assert.Contains(t, err.Error(), "export as .vox or .gox")
	}
	s, err := build(snap, 24, 24)
	require.NoError(t, err)
	assert.Equal(t, 24, s.quads)
	assert.Equal(t, 96, s.verts)
}
