package mesh

import (
	"bytes"
	"image/color"
	"io"
	"os"
	"testing"

	"github.com/goxel-mcp/goxel-mcp/internal/testmodels"
	"github.com/goxel-mcp/goxel-mcp/voxel"
	"github.com/goxel-mcp/goxel-mcp/voxel/vox"
)

// menger returns the shared menger.vox, the slowest real file to export.
func mengerVox(b *testing.B) *voxel.Snapshot {
	data, err := os.ReadFile(testmodels.Path(b, "magicavoxel/menger.vox"))
	if err != nil {
		b.Fatal(err)
	}
	s, err := vox.Decode(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	return s.Snapshot()
}

// speckled returns a 96³ region where about one voxel in four is set, in
// eight colours: about a million exposed faces that barely merge, the
// worst a scene of 216 blocks makes (see docs/benchmarks.md).
func speckled() *voxel.Snapshot {
	s := voxel.New()
	h := uint32(1)
	for z := range 96 {
		for y := range 96 {
			for x := range 96 {
				h ^= h << 13
				h ^= h >> 17
				h ^= h << 5
				if h%4 == 0 {
					s.Set(1, voxel.Pos{X: x, Y: y, Z: z}, color.NRGBA{R: uint8(h>>8) & 0xe0, G: 0x80, B: uint8(h>>16) & 0x80, A: 255})
				}
			}
		}
	}
	return s.Snapshot()
}

func BenchmarkEncode(b *testing.B) {
	scenes := []struct {
		name string
		snap func(b *testing.B) *voxel.Snapshot
	}{
		{"menger", mengerVox},
		{"speckled", func(*testing.B) *voxel.Snapshot { return speckled() }},
	}
	encoders := []struct {
		name string
		enc  func(io.Writer, *voxel.Snapshot) error
	}{
		{"obj", EncodeOBJ}, {"ply", EncodePLY}, {"gltf", EncodeGLTF}, {"glb", EncodeGLB},
	}
	for _, sc := range scenes {
		snap := sc.snap(b)
		for _, e := range encoders {
			b.Run(sc.name+"/"+e.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := e.enc(io.Discard, snap); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
