package mesh

import (
	"bytes"
	"encoding/binary"
	"image/color"
	"os"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

// fuzzScene reads data as voxels, 4 bytes each: x, y, z as signed bytes
// (so blocks and negative coordinates are crossed) and a colour whose top
// bits pick the alpha (opaque, translucent or empty).
func fuzzScene(data []byte) *voxel.Snapshot {
	s := voxel.New()
	for i := 0; i+4 <= len(data) && i < 4*4096; i += 4 {
		v := data[i+3]
		a := []uint8{255, 255, 128, 0}[v>>6]
		s.Set(1, voxel.Pos{X: int(int8(data[i])), Y: int(int8(data[i+1])), Z: int(int8(data[i+2]))}, color.NRGBA{R: v << 2, G: v * 37, B: 255 - v, A: a})
	}
	return s.Snapshot()
}

// FuzzEncode builds the mesh of arbitrary scenes and writes every mesh
// format. Whatever the rule for which faces are kept, every quad must be
// an axis-aligned rectangle on the outer face of voxels of its colour,
// wound to its normal, and the writers must succeed with consistent
// headers.
func FuzzEncode(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 200, 15, 15, 15, 2, 16, 15, 15, 2, 0xff, 0xff, 0xff, 100})
	if path, ok := testmodels.Lookup("vengi/rgb.vox"); ok {
		if data, err := os.ReadFile(path); err == nil {
			if s, err := vox.Decode(bytes.NewReader(data)); err == nil {
				var seed []byte
				s.Snapshot().Each(func(p voxel.Pos, c color.NRGBA) bool {
					seed = append(seed, byte(p.X), byte(p.Y), byte(p.Z), c.R>>2)
					return true
				})
				f.Add(seed)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		snap := fuzzScene(data)
		m := Build(snap)
		for qi, q := range m.Quads {
			a := -1
			for i, n := range q.Normal {
				if n != 0 {
					if a >= 0 || (n != 1 && n != -1) {
						t.Fatalf("quad %d: normal %v is not an axis", qi, q.Normal)
					}
					a = i
				}
			}
			if a < 0 {
				t.Fatalf("quad %d: zero normal", qi)
			}
			for _, c := range q.Corners {
				if c[a] != q.Corners[0][a] {
					t.Fatalf("quad %d: corners %v not in one plane", qi, q.Corners)
				}
			}
			e1, e2 := sub(q.Corners[1], q.Corners[0]), sub(q.Corners[3], q.Corners[0])
			n := cross(e1, e2)
			if n[a]*q.Normal[a] <= 0 {
				t.Fatalf("quad %d: corners %v wind against the normal %v", qi, q.Corners, q.Normal)
			}
			if sub(q.Corners[2], q.Corners[1]) != e2 {
				t.Fatalf("quad %d: corners %v are not a rectangle", qi, q.Corners)
			}
			// every unit cell of the quad is the outer face of a voxel of
			// the quad's colour
			lo, hi := q.Corners[0], q.Corners[0]
			for _, c := range q.Corners {
				for i := range 3 {
					lo[i], hi[i] = min(lo[i], c[i]), max(hi[i], c[i])
				}
			}
			behind := lo[a]
			if q.Normal[a] > 0 {
				behind--
			}
			u, v := (a+1)%3, (a+2)%3
			for cu := lo[u]; cu < hi[u]; cu++ {
				for cv := lo[v]; cv < hi[v]; cv++ {
					var p [3]int
					p[a], p[u], p[v] = behind, cu, cv
					if got := snap.At(voxel.Pos{X: p[0], Y: p[1], Z: p[2]}); got != q.Color {
						t.Fatalf("quad %d covers %v whose voxel is %v, not the quad's %v", qi, p, got, q.Color)
					}
				}
			}
		}
		var obj, ply, gltf, glb bytes.Buffer
		for name, w := range map[string]func() error{
			"obj":  func() error { return EncodeOBJ(&obj, snap) },
			"ply":  func() error { return EncodePLY(&ply, snap) },
			"gltf": func() error { return EncodeGLTF(&gltf, snap) },
			"glb":  func() error { return EncodeGLB(&glb, snap) },
		} {
			if err := w(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if b := glb.Bytes(); len(b) < 12 || int(binary.LittleEndian.Uint32(b[8:])) != len(b) {
			t.Fatalf("glb length field does not match its %d bytes", len(b))
		}
		if !bytes.HasPrefix(ply.Bytes(), []byte("ply\n")) {
			t.Fatal("ply header missing")
		}
	})
}
