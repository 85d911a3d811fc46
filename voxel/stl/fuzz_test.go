package stl

import (
	"testing"

	"github.com/goxel-mcp/goxel-mcp/voxel"
)

// FuzzEncode writes arbitrary scenes, 3 bytes per voxel: x, y, z as signed
// bytes divided by 8 (-16..15, so blocks and negative coordinates are
// crossed and pinches are frequent). Every solid must be a closed, wound
// 2-manifold of exact volume, with no self-intersection.
func FuzzEncode(f *testing.F) {
	f.Add([]byte{0, 0, 0, 8, 8, 0, 0, 8, 8, 8, 0, 8})
	f.Add([]byte{0, 0, 0, 8, 8, 8, 16, 16, 16, 0xf8, 0xf8, 0, 0x78, 0x78, 0x78, 0x80, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := voxel.New()
		for i := 0; i+3 <= len(data) && i < 3*512; i += 3 {
			s.Set(1, voxel.Pos{X: int(int8(data[i])) >> 3, Y: int(int8(data[i+1])) >> 3, Z: int(int8(data[i+2])) >> 3}, grey)
		}
		snap := s.Snapshot()
		if snap.Count() == 0 {
			return
		}
		checkExact(t, snap, true)
	})
}
